"""Record pages and record JSON: a page in every language and one JSON document for every public record.

The JSON holds the record as published, the same in every language, so only
the default language writes it (beside its page) and the others link there.

Each kind's page is the one its declaration names (`Kind.page`): ours have
their own view and template, any other kind gets the page every record has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from registry.model.kinds import KINDS
from registry.publishing.files import digest
from registry.site.pages.planning import PageBuild
from registry.site.record_json import dump_json, record_json
from registry.site.views import ViewContext, page_view, record_document


class RecordFile:
    """A record's page or JSON document, planned without holding its view.

    A 100k-record site plans 200k of these; as a dataclass with bound partials
    each cost about 1 KB (200 MB in all, copied again into every render
    worker), with slots and no closures about 100 bytes.
    """

    __slots__ = ("build", "ctx", "kind", "record", "document", "key")
    listed = True  # a record's page is in the sitemap (its JSON is not HTML, so never listed)

    def __init__(self, build: PageBuild, ctx: ViewContext, kind: str, record: dict[str, Any], document: bool) -> None:
        self.build, self.ctx, self.kind, self.record, self.document = build, ctx, kind, record, document
        self.key: str | None = None  # None: worked out while rendering, and returned by make()

    @property
    def path(self) -> str:
        record_id = self.record["id"]
        return record_document(self.kind, record_id) if self.document else f"{self.kind}/{record_id}/index.html"

    @property
    def group(self) -> str:
        return f"{self.kind}/{self.record['id']}"

    def _inputs(self) -> tuple[str, dict[str, Any]]:
        if self.document:
            return "json", record_json(self.build.data, self.kind, self.record)
        return KINDS[self.kind].page, page_view(self.build.data, self.ctx, self.kind, self.record)

    def inputs_key(self) -> str:
        return digest(*self._inputs())

    def make(self) -> str | tuple[str, str]:
        """The file's text; with its inputs' hash when the plan did not know it."""
        template, view = self._inputs()
        text = dump_json(view) if self.document else self.build.render(self.path, template, lambda: view)
        return text if self.key is not None else (digest(template, view), text)


def _record_files(build: PageBuild, kind: str, record: dict[str, Any]) -> Iterator[RecordFile]:
    """A record's page and, in the default language, its JSON (the same in every language, so written once).

    A file an earlier build made (`known`) is hashed now, to find out whether it must be rendered; any other
    is hashed while it is rendered, in the worker, so its view is built once."""
    files = [RecordFile(build, build.ctx, kind, record, False)]
    if not build.ctx.shared_root:
        files.append(RecordFile(build, build.ctx, kind, record, True))
    for planned in files:
        if planned.path in build.known:
            planned.key = planned.inputs_key()
        yield planned


def plan(build: PageBuild) -> Iterator[RecordFile]:
    """Every record's files, or on an incremental build those of the records whose pages may have changed."""
    for kind, by_id in build.data.records.items():
        ids = sorted(i for k, i in build.records if k == kind and i in by_id) if build.records is not None else list(by_id)
        for record_id in ids:
            yield from _record_files(build, kind, by_id[record_id])
