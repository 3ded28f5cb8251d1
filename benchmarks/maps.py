"""The overview map: bytes per point on the wire, and first render in headless Chromium.

Bytes are the page (map/overview.html) plus every file in map/data/, raw and
gzipped one by one as a static host would serve them; Leaflet and our script
are a fixed cost shared by all map pages, so they are left out. The render is
timed by the page itself: `commons-map.js` stamps when it started, when the
data arrived and when markers and clusters were drawn, and sets
`data-map-ready` on <html>; the page is served from 127.0.0.1 and tiles are
blocked, so only our code and data are measured.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import Context
from .measure import median

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_TIMEOUT_MS = 180_000


@dataclass
class MapBytes:
    """The overview's weight: page and data files, raw and gzipped, and how many points they carry."""

    points: int
    raw: int
    gzipped: int
    files: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def raw_per_point(self) -> float:
        return self.raw / max(1, self.points)

    @property
    def gzipped_per_point(self) -> float:
        return self.gzipped / max(1, self.points)


@dataclass
class MapRender:
    """First render of the overview in Chromium, median of the samples (ms since navigation start), and the JS heap after it."""

    rendered_ms: list[float]
    loaded_ms: list[float]
    named_ms: list[float]
    heap_mb: list[float]
    browser: str

    @property
    def rendered(self) -> float:
        return median(self.rendered_ms)

    @property
    def heap(self) -> float:
        return median(self.heap_mb)


def measure_bytes(output: Path) -> MapBytes:
    """Weigh map/overview.html and map/data/*; points are counted from the layers' own coordinate lists."""
    files = [output / "map" / "overview.html", *sorted((output / "map" / "data").glob("*"))]
    sizes: dict[str, tuple[int, int]] = {}
    points = 0
    for path in files:
        data = path.read_bytes()
        sizes[path.relative_to(output).as_posix()] = (len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))
        if path.parent.name == "data" and path.suffix == ".json" and "-" not in path.stem:
            points += len(json.loads(data).get("lat", []))
    return MapBytes(points, sum(r for r, _ in sizes.values()), sum(g for _, g in sizes.values()), sizes)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 for the length of the block; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def browser_missing() -> str | None:
    """Why the browser part cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    return None


def measure_render(ctx: Context, output: Path, size: int) -> MapRender:
    """Open the overview map in a fresh browser context `repeats` times; each waits for data-map-ready."""
    from playwright.sync_api import sync_playwright

    rendered, loaded, named, heap = [], [], [], []
    with serve(output) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            version = browser.version
            for _ in range(ctx.repeats(size)):
                context = browser.new_context(viewport={"width": 1000, "height": 700})
                try:
                    page = context.new_page()
                    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
                    page.goto(f"{base}/map/overview.html", wait_until="commit")
                    page.wait_for_selector("html[data-map-ready]", state="attached", timeout=READY_TIMEOUT_MS)
                    state = page.get_attribute("html", "data-map-ready")
                    if state != "true":
                        raise RuntimeError(f"the overview map failed to draw at {size} records (data-map-ready={state})")
                    # The heap is read once the names have arrived too: the map's steady state.
                    page.wait_for_selector("html[data-map-names]", state="attached", timeout=READY_TIMEOUT_MS)
                    timings = page.evaluate(
                        "() => { const m = window.commonsMaps.instances[0]; return {started: m.started, t: m.timings}; }"
                    )
                    cdp = context.new_cdp_session(page)
                    cdp.send("Performance.enable")
                    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                    started = float(timings["started"])
                    rendered.append(started + float(timings["t"]["rendered"]))
                    loaded.append(started + float(timings["t"]["loaded"]))
                    named.append(started + float(timings["t"].get("named", timings["t"]["rendered"])))
                    heap.append(float(metrics["JSHeapUsedSize"]) / 2**20)
                finally:
                    context.close()
        finally:
            browser.close()
    figures = MapRender(rendered, loaded, named, heap, f"Chromium {version}")
    ctx.note(f"  map first render {size}: {figures.rendered:.0f} ms, heap {figures.heap:.0f} MB")
    return figures
