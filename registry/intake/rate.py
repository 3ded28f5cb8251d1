"""How often one client may send: a sliding window per address, kept in memory.

A flood from one address is refused before its body is read, so it costs the
service almost nothing. The counts live in the one server process (run one
worker); a restart forgets them, which only ever lets a client through.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

WINDOW_SECONDS = 60.0
# Addresses remembered at most; past this the ones whose window has passed are forgotten.
MAX_CLIENTS = 50_000


class RateLimit:
    """At most `per_minute` requests from one client address in any sixty seconds."""

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            raise ValueError("a rate limit lets at least one request a minute through")
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> int:
        """0, counting this request, when the client may send; else how many seconds until it may send again."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.get(client)
            if times is None:
                if len(self._seen) >= MAX_CLIENTS:
                    self._forget_quiet(now)
                times = self._seen[client] = deque()
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, math.ceil(times[0] + WINDOW_SECONDS - now))
            times.append(now)
            return 0

    def _forget_quiet(self, now: float) -> None:
        """Drop the addresses that sent nothing within the window: they would be let through anyway."""
        quiet = [client for client, times in self._seen.items() if not times or times[-1] <= now - WINDOW_SECONDS]
        for client in quiet:
            del self._seen[client]
