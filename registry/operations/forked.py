"""Work done in a forked process beside the caller, its result collected when the caller needs it.

A build after an edit writes the downloads, draws the maps and indexes the
records for search in children while it reads the page data; an import checks
its records for likely duplicates in a child while it writes them. Each is
work on the second core that needs nothing back but its result. A process, not
a thread, because the page step forks its render workers, and a fork taken
while another thread runs can leave a worker holding a lock it never gets back
(and the pipes to Pagefind open in every worker). Where fork is not the way
processes start (Windows, macOS), or when the caller does not want it beside
(a clean build, a small import), the work is done in this process at once.

A child must not use a SQLite connection it inherited (SQLite's rule for
fork): what it needs from a database is read before it starts, or it opens
its own.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from registry.model.errors import RegistryError

T = TypeVar("T")


def can_fork() -> bool:
    """Whether work can start beside: Linux, where a forked child is cheap, and safe while no other thread runs."""
    return sys.platform.startswith("linux")


class Forked(Generic[T]):
    """One piece of work running in a child process; `result()` waits for it, `close()` makes sure it has ended."""

    def __init__(self, work: Callable[[], T], name: str, *, beside: bool = True) -> None:
        """Start the work in a child; without `beside`, or where processes do not fork, do it here and now instead."""
        self.name = name
        self.seconds: float | None = None  # how long the work took in its child, once its result is in; None when it ran here
        self._done: tuple[T] | None = None
        self._process: Any = None
        self._receiving: Connection | None = None
        if beside and can_fork():
            context = multiprocessing.get_context("fork")
            self._receiving, sending = context.Pipe(duplex=False)
            self._process = context.Process(target=_run, args=(work, sending), name=name)
            self._process.start()
            sending.close()  # the child holds the other end: its exit ends the pipe, so a crash is an EOF here, not a hang
        else:
            self._done = (work(),)

    def result(self) -> T:
        """The work's result, once it is done; its error, raised here as it was there."""
        if self._done is not None:
            return self._done[0]
        if self._receiving is None:
            raise RuntimeError(f"{self.name}: the result was already taken")
        process = self._process
        try:
            outcome, value, self.seconds = self._receiving.recv()
        except EOFError:
            self.close()
            raise RegistryError(f"{self.name} stopped without finishing (exit code {process.exitcode}); run the command again") from None
        self._receiving.close()
        self._receiving = None
        self.close()
        if outcome == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Wait for the child to end; a caller that failed elsewhere lets it finish what it writes rather than cut it off."""
        if self._receiving is not None:
            try:
                self._receiving.recv()  # the child sends its result before it ends: a result never asked for is dropped
            except EOFError:
                pass
            self._receiving.close()
            self._receiving = None
        if self._process is not None:
            self._process.join()
            self._process = None


def _run(work: Callable[[], Any], sending: Connection) -> None:
    start = time.perf_counter()
    try:
        outcome: tuple[str, Any] = ("done", work())
    except BaseException as exc:  # every error goes back to the parent, which raises it
        outcome = ("error", _portable(exc))
    sending.send((*outcome, time.perf_counter() - start))
    sending.close()


def _portable(exc: BaseException) -> BaseException:
    """The error itself when it can be sent to the parent, else its traceback as text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError("".join(traceback.format_exception(exc)))
    return exc
