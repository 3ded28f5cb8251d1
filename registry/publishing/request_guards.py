"""What stands between the public and Datasette: reads only, one costly query at a time, no formulas in CSV.

Three small ASGI wrappers, stacked by `public_asgi`:

- every request that is not a read gets a plain 405 before Datasette sees it;
- requests that run SQL of the visitor's own (`sql=`, `_where=`, extra
  `_facet` columns) take turns, COSTLY_SLOTS at a time, so a crowd of slow
  queries holds one of Datasette's SQL threads and ordinary table pages keep
  the others; one that waits longer than COSTLY_WAIT_SECONDS is told to retry;
- CSV answers have every cell a spreadsheet would run as a formula written as
  text (a leading apostrophe, as OWASP recommends), row by row as they stream,
  while the JSON keeps the exact text.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from registry.formats.csv_text import neutralise

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The public instance has no forms, logins or debug tools, so only reads pass.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COSTLY_PARAMETERS = frozenset({"sql", "_where", "_facet", "_facet_array", "_facet_date"})
COSTLY_SLOTS = 1
COSTLY_WAIT_SECONDS = 10.0
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


async def _plain(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    start = [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": text.encode("utf-8")})


def read_only_asgi(app: App) -> App:
    """Refuse every request that is not a read before Datasette sees it.

    Immutable mode already makes SQLite refuse writes; this closes Datasette's
    own POST endpoints too (a POST to a read-only canned query answers 500 in
    Datasette 0.65), so a write attempt gets a plain 405 from any URL.
    """

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in READ_METHODS:
            await _plain(send, 405, "This registry is read-only.\n", [(b"allow", b"GET, HEAD, OPTIONS")])
            return
        await app(scope, receive, send)

    return guarded


def asks_costly_sql(scope: Scope) -> bool:
    """Whether a request runs SQL of the visitor's own making rather than a table page or a canned query."""
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name in COSTLY_PARAMETERS for name, _ in parse_qsl(query, keep_blank_values=True))


def one_costly_query_at_a_time(app: App, slots: int = COSTLY_SLOTS, wait_seconds: float = COSTLY_WAIT_SECONDS) -> App:
    """Let costly requests through `slots` at a time; one that cannot get a turn in time answers 503."""
    turn = asyncio.Semaphore(slots)  # binds to the server's loop on first use

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not asks_costly_sql(scope):
            await app(scope, receive, send)
            return
        try:
            await asyncio.wait_for(turn.acquire(), wait_seconds)
        except TimeoutError:
            await _plain(send, 503, "Too many queries are running; try again in a few seconds.\n", [(b"retry-after", b"5")])
            return
        try:
            await app(scope, receive, send)
        finally:
            turn.release()

    return guarded


def is_csv_request(scope: Scope) -> bool:
    """Datasette answers in CSV at any address ending in .csv (a table, a query, a canned query)."""
    return str(scope.get("path", "")).endswith(".csv")


def _is_text(start: Message) -> bool:
    """Datasette sends CSV as text/csv for downloads and text/plain to view; anything else (JSON) is left alone."""
    types = [v for k, v in start.get("headers", []) if k.lower() == b"content-type"]
    return bool(types) and types[0].split(b";")[0].strip() in (b"text/csv", b"text/plain")


def neutralise_cell(cell: str) -> str:
    """A CSV cell as a spreadsheet may open it: numbers stay numbers, formula starts become text."""
    return cell if NUMBER.fullmatch(cell) else neutralise(cell)


class CsvNeutraliser:
    """Rewrites a CSV stream record by record; a record may span chunks and hold quoted line breaks."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""

    def feed(self, chunk: bytes, final: bool = False) -> bytes:
        self.pending += self.decoder.decode(chunk, final)
        end = len(self.pending) if final else _complete_records(self.pending)
        ready, self.pending = self.pending[:end], self.pending[end:]
        if not ready:
            return b""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for row in csv.reader(io.StringIO(ready, newline="")):
            writer.writerow([neutralise_cell(cell) for cell in row])
        return out.getvalue().encode("utf-8")


def _complete_records(text: str) -> int:
    """Where the last complete record ends: after a line break with an even number of quotes before it."""
    end, start, quotes = 0, 0, 0
    line_break = text.find("\n")
    while line_break != -1:
        quotes += text.count('"', start, line_break)
        if quotes % 2 == 0:
            end = line_break + 1
        start = line_break
        line_break = text.find("\n", line_break + 1)
    return end


def csv_without_formulas(app: App) -> App:
    """Neutralise formulas in every CSV answer; other answers pass untouched."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_csv_request(scope):
            await app(scope, receive, send)
            return
        rewriter: CsvNeutraliser | None = None

        async def rewriting_send(message: Message) -> None:
            nonlocal rewriter
            if message["type"] == "http.response.start" and message["status"] == 200 and _is_text(message):
                rewriter = CsvNeutraliser()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and rewriter is not None:
                final = not message.get("more_body", False)
                message = {**message, "body": rewriter.feed(message.get("body", b""), final)}
            await send(message)

        await app(scope, receive, rewriting_send)

    return guarded


def public_asgi(app: App) -> App:
    """Datasette as the public meets it: reads only, costly queries in turn, CSV without formulas."""
    return read_only_asgi(one_costly_query_at_a_time(csv_without_formulas(app)))
