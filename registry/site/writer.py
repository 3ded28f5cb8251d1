"""Pelican's writer, changed in two ways: pages learn their way to the site root, and unchanged files are not rewritten.

`root` ("../../") lets every template build relative links the same way our own
generator does, so the site works under any subpath. Comparing bytes before
writing keeps timestamps of unchanged guidebook pages, so a static host's sync
uploads only what changed.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from pelican.writers import FileOverwriteFailedError, Writer

from registry.publishing.files import write_if_changed
from registry.site.pages.planning import page_location


class _ChangedOnly(io.StringIO):
    """A text buffer that lands on disk when closed, and only if its content differs."""

    def __init__(self, path: str, output: str, state: Any) -> None:
        super().__init__()
        self.path = path
        self.output = output
        self.state = state

    def close(self) -> None:
        if not self.closed:
            changed = write_if_changed(Path(self.path), self.getvalue())
            if self.state is not None:
                relpath = os.path.relpath(self.path, self.output).replace(os.sep, "/")
                self.state.produced.add(relpath)
                if changed:
                    self.state.changed.add(relpath)
        super().close()


class SiteWriter(Writer):  # type: ignore[misc]
    """A Writer that passes `root` to templates and skips writing identical bytes."""

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time')
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" as Pelican has already written to it')
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        state = self.settings.get("COMMONS_STATE")
        return _ChangedOnly(filename, self.output_path, state)

    def write_file(self, name: Any, template: Any, context: Any, relative_urls: bool = False, *args: Any, **kwargs: Any) -> Any:
        if name:
            for key, value in page_location(str(name).replace(os.sep, "/")).items():
                kwargs.setdefault(key, value)
        return super().write_file(name, template, context, relative_urls, *args, **kwargs)
