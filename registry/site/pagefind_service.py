"""Pagefind's indexing service, driven without waiting between messages.

Pagefind ships one binary that, run with `--service`, takes requests on stdin
and answers on stdout (base64 JSON messages, each followed by a comma): the
protocol its Node and Python APIs speak. The Python API polls for each answer
after a tenth of a second's sleep, so 10,000 records took over fifteen minutes
through it; here every request is written at once from a thread while the
answers are read as they come, so the same records take about a second.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from registry.model.errors import RegistryError


class SearchIndexer:
    """One running `pagefind --service`; use as a context manager so the process always ends."""

    def __init__(self) -> None:
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise RegistryError("the search index needs Pagefind's binary: pip install 'pagefind[bin]' (or build with --no-search)")
        self.process = subprocess.Popen(
            [str(executable), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._next_id = 0
        self._pending = b""

    def __enter__(self) -> SearchIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def new_index(self, language: str) -> int:
        """Start an empty index in the service; returns its id."""
        (answer,) = self.requests([{"type": "NewIndex", "config": {"force_language": language}}])
        return int(answer["index_id"])

    def index_files(self, index_id: int, items: Iterable[dict[str, Any]]) -> dict[str, bytes]:
        """Add every record or page to the index and return its bundle's files by path; the index is freed in the service."""
        # The service answers messages as it finishes them, not in order: every record must be in the index
        # (its answer received) before the bundle is asked for, or a loaded machine gets a partial bundle.
        self.requests([dict(item, index_id=index_id) for item in items])
        # The bundle's files come back in the answer, to be written here, each whole before the next: with
        # WriteFiles the service answered while a file could still be empty on disk under load (a worker script
        # was once copied into place with no bytes), so the bundle depended on timing.
        (answer,) = self.requests([{"type": "GetFiles", "index_id": index_id}])
        files = {}
        for file in answer["files"]:
            path = PurePosixPath(file["path"])
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise RegistryError(f"the search indexer named a file outside its bundle: {file['path']!r}")
            files[path.as_posix()] = base64.b64decode(file["content"])
        self.requests([{"type": "DeleteIndex", "index_id": index_id}])
        return files

    def requests(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send every request, then collect the answers in order; any error from Pagefind is raised."""
        first = self._next_id + 1
        self._next_id += len(payloads)
        messages = [
            base64.b64encode(json.dumps({"message_id": first + n, "payload": p}, ensure_ascii=False).encode("utf-8")) + b","
            for n, p in enumerate(payloads)
        ]
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        failure: list[BaseException] = []

        def send() -> None:
            try:
                for message in messages:
                    stdin.write(message)
                stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                failure.append(exc)

        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        answers: dict[int, dict[str, Any]] = {}
        while len(answers) < len(payloads):
            # A bundle's files come in one answer of megabytes: chunks are joined once, not re-copied as each arrives.
            chunks = [self._pending]
            while b"," not in chunks[-1]:
                chunk = stdout.read1(1 << 16)  # type: ignore[attr-defined]
                if not chunk:
                    writer.join()
                    raise RegistryError(f"the search indexer stopped unexpectedly{f': {failure[0]}' if failure else ''}")
                chunks.append(chunk)
            *complete, self._pending = b"".join(chunks).split(b",")
            for raw in complete:
                message = json.loads(base64.b64decode(raw))
                payload = message.get("payload") or {}
                if payload.get("type") == "Error":
                    writer.join()
                    raise RegistryError(f"the search indexer refused a request: {payload.get('message')}")
                answers[int(message["message_id"])] = payload
        writer.join()
        return [answers[first + n] for n in range(len(payloads))]
