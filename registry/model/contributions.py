"""What the public sends: a suggested record or a reported change, read from a file, an e-mail or a form.

A contribution has one format wherever it comes from. The site's forms save it
as a JSON file or put the same JSON in an e-mail between two marker lines; the
intake service receives the same names as form fields. Every value is checked
with the registry's own rules before it is stored, so staff review only
contributions that could become records. The contributor's contact details
travel with the contribution but never reach the registry: only the credit
they chose (the public, or their organisation's name) does.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from registry.model.declaration import Kind
from registry.model.errors import ValidationError, suggest
from registry.model.kinds import KINDS
from registry.model.rules import clean_record, describe
from registry.model.slugs import slugify
from registry.model.values import CONTROL_CHARS_RE, EMAIL_RE, LANGUAGE_RE, SURROGATES_RE

FORMAT = "commons-contribution"
VERSION = 1

# The marker lines around the JSON in an e-mail, so a saved message reads back like the file.
BEGIN_MARKER = "-----BEGIN COMMONS CONTRIBUTION-----"
END_MARKER = "-----END COMMONS CONTRIBUTION-----"

ACTIONS = {"suggest": "a new record suggested", "change": "a change to a record reported"}
CREDITS = {"public": "credited to the public", "organisation": "credited to the contributor's organisation, by name"}

# The form field a person never sees and a bot fills in: a filled one marks the contribution as not from a person.
HONEYPOT = "homepage"

# Form field names: a record's fields go as "f.<field>"; the rest are these.
FIELD_PREFIX = "f."
FORM_NAMES = (
    "action",
    "kind",
    "record",
    "note",
    "lang",
    "contributor_name",
    "contributor_email",
    "contributor_organisation",
    "credit",
    HONEYPOT,
)

# Sizes a person writing in a form stays well within; the intake refuses a body over MAX_BYTES before reading it.
MAX_BYTES = 64_000
MAX_NOTE = 4_000
MAX_CONTACT = 200
MAX_FIELD = 20_000
MAX_ENTRIES = 60

# How long staff usually take to review a contribution, in days: what the site and the intake service tell contributors.
REVIEW_DAYS = (1, 365)
DEFAULT_REVIEW_DAYS = 14


@dataclass(frozen=True)
class Contributor:
    """Who sent it: private contact details, and how they agreed to be credited."""

    name: str = ""
    email: str = ""
    organisation: str = ""
    credit: str = "public"

    @property
    def credited_as(self) -> str | None:
        """The organisation's name when its credit was agreed; None means "the public"."""
        return self.organisation if self.credit == "organisation" and self.organisation else None


@dataclass(frozen=True)
class Contribution:
    """A suggestion of a new record, or a change reported to one, with the values checked by the registry's rules."""

    action: str
    kind: str
    fields: dict[str, Any]
    record_id: str | None = None
    note: str = ""
    contributor: Contributor = Contributor()
    language: str | None = None
    sent_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The contribution as its file holds it."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "action": self.action,
            "kind": self.kind,
            "record": self.record_id,
            "fields": self.fields,
            "note": self.note,
            "contributor": asdict(self.contributor),
            "language": self.language,
            "sent_at": self.sent_at,
        }


def _text(value: Any, name: str, limit: int, problems: list[str]) -> str:
    """A short free text from the public: a string, no control characters, within its limit."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{name}: must be text, not {type(value).__name__}")
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if CONTROL_CHARS_RE.search(text) or SURROGATES_RE.search(text):
        problems.append(f"{name}: contains control characters or bytes that are not UTF-8; remove them")
    elif len(text) > limit:
        problems.append(f"{name}: is {len(text)} characters long; at most {limit} are allowed, shorten it")
    return text


def _kind(value: Any, problems: list[str]) -> Kind | None:
    open_kinds = {k.name: k for k in KINDS.values() if k.contributions is not None}
    if not isinstance(value, str) or value not in open_kinds:
        shown = value if isinstance(value, str) else type(value).__name__
        problems.append(
            f"kind: {str(shown)[:40]!r} is not a kind that takes contributions{suggest(str(shown), list(open_kinds))}; use one of: {', '.join(open_kinds)}"
        )
        return None
    return open_kinds[value]


def parse_contribution(data: Any) -> Contribution:
    """A contribution from its JSON, every part checked; raise ValidationError naming each bad part and its fix."""
    if not isinstance(data, Mapping):
        raise ValidationError([f'a contribution is a JSON object with "format": "{FORMAT}"; this is a {type(data).__name__}'])
    problems: list[str] = []
    if data.get("format") != FORMAT:
        problems.append(f"format: must be {FORMAT!r}; this file is not a contribution saved from the site")
    if data.get("version") != VERSION:
        problems.append(f"version: must be {VERSION}; this contribution was saved by a different version of the site")
    unknown = sorted(set(data) - {"format", "version", "action", "kind", "record", "fields", "note", "contributor", "language", "sent_at"})
    if unknown:
        problems.append(f"unknown entries {', '.join(repr(u[:40]) for u in unknown[:5])}: remove them")
    action = data.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        problems.append(f"action: {str(action)[:40]!r} is not one of: {', '.join(ACTIONS)}")
    kind = _kind(data.get("kind"), problems)
    fields = data.get("fields") or {}
    if not isinstance(fields, Mapping):
        problems.append("fields: must be an object of field names and values")
        fields = {}
    contributor_data = data.get("contributor") or {}
    if not isinstance(contributor_data, Mapping):
        problems.append("contributor: must be an object with name, email, organisation and credit")
        contributor_data = {}
    contributor = _contributor(contributor_data, problems)
    note = _text(data.get("note"), "note", MAX_NOTE, problems)
    language = _language(data.get("language"), problems)
    sent_at = _text(data.get("sent_at"), "sent_at", 40, problems) or None
    record_id = data.get("record")
    if problems or kind is None:
        raise ValidationError(problems)
    return _checked(kind, str(action), fields, record_id, note, contributor, language, sent_at)


def _contributor(data: Mapping[str, Any], problems: list[str]) -> Contributor:
    unknown = sorted(set(data) - {"name", "email", "organisation", "credit"})
    if unknown:
        problems.append(f"contributor: unknown entries {', '.join(repr(str(u)[:40]) for u in unknown[:5])}: remove them")
    name = _text(data.get("name"), "contributor name", MAX_CONTACT, problems)
    email = _text(data.get("email"), "contributor e-mail", MAX_CONTACT, problems)
    if email and not EMAIL_RE.match(email):
        problems.append(f"contributor e-mail: {email[:60]!r} is not an e-mail address (name@example.org); correct it or leave it empty")
    organisation = _text(data.get("organisation"), "contributor organisation", MAX_CONTACT, problems)
    credit = data.get("credit") or "public"
    if not isinstance(credit, str) or credit not in CREDITS:
        problems.append(f"credit: {str(credit)[:40]!r} is not one of: {', '.join(CREDITS)}")
        credit = "public"
    elif credit == "organisation" and not organisation:
        problems.append("credit: crediting an organisation needs its name; give the organisation or choose to be credited as the public")
    return Contributor(name, email, organisation, str(credit))


def _language(value: Any, problems: list[str]) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not LANGUAGE_RE.match(value) or len(value) > 20:
        problems.append(f"language: {str(value)[:20]!r} is not a language code such as 'it' or 'pt'")
        return None
    return value


def _checked(
    kind: Kind,
    action: str,
    raw_fields: Mapping[str, Any],
    record_id: Any,
    note: str,
    contributor: Contributor,
    language: str | None,
    sent_at: str | None,
) -> Contribution:
    """Check the record's values with the registry's own rules, as staff would when adding or editing it."""
    problems: list[str] = []
    offered = kind.contributions.fields if kind.contributions else ()
    if action == "suggest" and not (kind.contributions and kind.contributions.suggest):
        problems.append(f"action: new {kind.name} are not suggested by the public; report a change to one that exists instead")
    if len(raw_fields) > MAX_ENTRIES:
        problems.append(f"fields: {len(raw_fields)} given; a contribution holds at most {MAX_ENTRIES}")
    fields: dict[str, Any] = {}
    for name, value in raw_fields.items():
        if name not in offered:
            problems.append(
                f"field {str(name)[:40]!r}: not one the public may send for {kind.name}{suggest(str(name), offered)}; fields: {', '.join(offered)}"
            )
            continue
        text = _text(
            value if not isinstance(value, int | float) or isinstance(value, bool) else str(value), f"field {name!r}", MAX_FIELD, problems
        )
        if text:  # a form sends every input; an empty one means "not given", for a change as for a suggestion
            fields[name] = text
    if action == "change":
        if not isinstance(record_id, str) or not record_id.strip():
            problems.append(f"record: a reported change names the {kind.singular} it is about (its id)")
        else:
            _text(record_id, "record", MAX_CONTACT, problems)
        if not fields and not note:
            problems.append("fields: a reported change gives at least one corrected value, or says what is wrong in the note")
    elif record_id not in (None, ""):
        problems.append("record: a suggestion of a new record names no existing record; leave it empty")
    if problems:
        raise ValidationError(problems)
    if action == "suggest":
        _check_values(kind, {**fields, "id": suggested_id(kind, fields)}, f"the suggested {kind.singular}", partial=False)
    elif fields:
        _check_values(kind, {**fields, "id": str(record_id)}, f"the change to {kind.singular} {str(record_id)[:60]!r}", partial=True)
    return Contribution(
        action=action,
        kind=kind.name,
        fields=fields,
        record_id=str(record_id).strip() if action == "change" else None,
        note=note,
        contributor=contributor,
        language=language,
        sent_at=sent_at,
    )


def _check_values(kind: Kind, values: dict[str, Any], who: str, *, partial: bool) -> None:
    """The registry's rules on the values, each problem told as being about the contribution, not a record yet."""
    try:
        clean_record(kind, values, partial=partial, check_country=False)
    except ValidationError as exc:
        prefix = describe(kind, values["id"]) + ": "
        raise ValidationError([f"{who}: {p.removeprefix(prefix)}" for p in exc.problems]) from None


def suggested_id(kind: Kind, values: Mapping[str, Any]) -> str:
    """The id a suggested record would be given: the kind's own rule, else its title as a slug (staff may choose another when accepting)."""
    if kind.id_from is not None:
        return kind.id_from(values)
    title = str(values.get(kind.title_field) or "")
    slug = slugify(title) if title else ""
    return slug if slug and not slug.startswith("unnamed-") else "suggested"


def contribution_from_form(pairs: Iterable[tuple[str, str]]) -> tuple[Contribution, bool]:
    """A contribution from the site's form fields, and whether the hidden field only a bot fills was filled."""
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "fields": {}, "contributor": {}}
    seen: set[str] = set()
    problems: list[str] = []
    trapped = False
    for name, value in pairs:
        if name in seen and not name.startswith(FIELD_PREFIX):
            problems.append(f"{name[:40]!r}: given twice; send it once")
        seen.add(name)
        if name == HONEYPOT:
            trapped = trapped or bool(value.strip())
        elif name.startswith(FIELD_PREFIX):
            data["fields"][name[len(FIELD_PREFIX) :]] = value
        elif name.startswith("contributor_"):
            data["contributor"][name[len("contributor_") :]] = value
        elif name == "credit":
            data["contributor"]["credit"] = value
        elif name == "record":
            data["record"] = value
        elif name == "lang":
            data["language"] = value
        elif name in FORM_NAMES:
            data[name] = value
        else:
            problems.append(f"{name[:40]!r}: not a field of the contribution form")
    if problems:
        raise ValidationError(problems)
    return parse_contribution(data), trapped


HEADER_LINE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")


def _message_body(text: str) -> str:
    """The plain text of a saved e-mail (.eml), decoded from quoted-printable or base64; other text as it is."""
    if not HEADER_LINE_RE.match(text) or "\n\n" not in text.replace("\r\n", "\n"):
        return text
    message = email.message_from_string(text, policy=email.policy.default)
    if not isinstance(message, email.message.EmailMessage) or not message.keys():
        return text
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else text


def _form_lines(body: str) -> list[tuple[str, str]]:
    """What a browser e-mails for a form without JavaScript: `name=value` lines, a value's own line breaks continuing it."""
    pairs: list[tuple[str, str]] = []
    for line in body.splitlines():
        name, sep, value = line.partition("=")
        if sep and (name in FORM_NAMES or name.startswith(FIELD_PREFIX)):
            pairs.append((name, value))
        elif pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]}\n{line}")
    return pairs


def read_contribution_text(text: str) -> Contribution:
    """A contribution from a saved file: its JSON, or an e-mail holding it between the marker lines or as the form's lines."""
    if len(text.encode("utf-8", "surrogatepass")) > 4 * MAX_BYTES:
        raise ValidationError([f"the file is over {4 * MAX_BYTES // 1000} KB; a contribution is far smaller, so this is not one"])
    body = _message_body(text.lstrip("\ufeff")).strip()
    if BEGIN_MARKER in body:
        start = body.index(BEGIN_MARKER) + len(BEGIN_MARKER)
        end = body.find(END_MARKER, start)
        if end < 0:
            raise ValidationError(
                [f"the message has no line {END_MARKER!r}: it was cut short; ask for the contribution again or save it as a file"]
            )
        # A reply or forward quotes each line with "> "; the JSON reads the same without it.
        body = "\n".join(re.sub(r"^(?:>\s?)+", "", line) for line in body[start:end].splitlines())
    elif not body.startswith("{"):
        pairs = _form_lines(body)
        if pairs:
            contribution, trapped = contribution_from_form(pairs)
            if trapped:
                raise ValidationError(
                    [f"{HONEYPOT}: this hidden field was filled in, as only automated senders do; the contribution is not kept"]
                )
            return contribution
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [f"not a contribution: the file is neither its JSON nor an e-mail from the site's forms ({exc.msg}, line {exc.lineno})"]
        ) from None
    return parse_contribution(data)
