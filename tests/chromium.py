"""Debian's Chromium for the browser tests: where it is, how it is started, and a quiet local web server.

Playwright's own browser download cannot work here, so every browser test
drives /usr/bin/chromium (`apt-get install chromium`) with the same flags.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium() -> Iterator[Any]:
    """A headless Chromium for a module-scoped fixture, closed when the fixture ends."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without logging every request to the test output."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


def serve_under_subpath(site: Path, host_root: Path, subpath: str) -> Iterator[str]:
    """A built site copied under a subpath of a local web server, as a partner's host would serve it; yields its address."""
    import functools
    import shutil
    import threading
    from http.server import ThreadingHTTPServer

    shutil.copytree(site, host_root / subpath)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(host_root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{subpath}"
    finally:
        server.shutdown()
        server.server_close()
