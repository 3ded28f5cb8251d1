"""Serving the public copy read-only with Datasette, so journalists can browse, facet and write SQL.

Datasette opens `public.db` as an immutable database: SQLite itself refuses every
write, whatever endpoint or SQL asks for one. Datasette is imported only inside
these functions, so `commons --help` stays fast.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.model.errors import NotFound, RegistryError
from registry.store.database import Registry

if TYPE_CHECKING:
    from datasette.app import Datasette

# Measured at 100k rows: Datasette's suggested facets cost ~0.8 s on every table
# page, 30-40x the query itself, so the public instance never computes them.
PUBLIC_SETTINGS: dict[str, Any] = {
    "suggest_facets": False,
    "sql_time_limit_ms": 2000,
    "max_returned_rows": 1000,
    "facet_time_limit_ms": 500,
    "default_allow_sql": True,
    "allow_facet": True,
    "allow_download": True,
}

# Plugins known to add nothing but maps; any other plugin that adds routes,
# permissions, queries or SQL functions could open a way to write, so serving
# refuses to start beside one.
ALLOWED_PLUGINS = frozenset({"datasette-cluster-map", "datasette-leaflet", "datasette_cluster_map", "datasette_leaflet"})
RISKY_HOOKS = frozenset(
    {
        "register_routes",
        "permission_allowed",
        "canned_queries",
        "actor_from_request",
        "prepare_connection",
        "asgi_wrapper",
        "startup",
        "register_output_renderer",
        "register_commands",
        "register_magic_parameters",
    }
)

DATABASE_NAME = "public"
DEFAULT_PORT = 8001


@dataclass(frozen=True)
class ServeOptions:
    """Where the public copy lives and where Datasette listens."""

    directory: Path = Path("public")
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    publish: bool = True
    metadata: Path | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


def find_metadata(explicit: Path | None = None) -> Path:
    """The metadata.json to serve with: the one asked for, else the working folder's, else the project's."""
    if explicit is not None:
        if not explicit.is_file():
            raise NotFound(f"no metadata file at {explicit}")
        return explicit
    for candidate in (Path.cwd() / "metadata.json", Path(__file__).resolve().parents[2] / "metadata.json"):
        if candidate.is_file():
            return candidate
    raise NotFound("no metadata.json in this folder or the project; pass --metadata PATH")


def load_metadata(path: Path) -> dict[str, Any]:
    """Read Datasette metadata, saying which file is broken when it does not parse."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RegistryError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def unsafe_plugins() -> list[str]:
    """Installed Datasette plugins that are not known map plugins and hook into routes, permissions or SQL."""
    from datasette.plugins import DEFAULT_PLUGINS, get_plugins

    from registry.publishing import facet_counts, query_limits

    ours = {query_limits.PLUGIN_NAME, facet_counts.PLUGIN_NAME}
    found = []
    for plugin in get_plugins():
        name = plugin["name"]
        if name in DEFAULT_PLUGINS or name in ALLOWED_PLUGINS or name in ours:
            continue
        if RISKY_HOOKS & set(plugin["hooks"]):
            found.append(name)
    return sorted(found)


def datasette_app(
    database: Path,
    metadata: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Datasette:
    """A Datasette serving one public copy immutable, with the public settings and no cross-database SQL."""
    from datasette.app import Datasette

    # Datasette 0.65 hands every error to rich when it is importable (Pelican
    # brings it): on a 404 outside an except block rich raises, turning the 404
    # into a 500, and it logs each request's headers. Plain errors suffice.
    # Imported after datasette.app, which must register its default plugins first.
    handlers: Any = importlib.import_module("datasette.handle_exception")
    handlers.rich = None
    if not database.is_file():
        raise NotFound(f"no public copy at {database}: run `commons publish -o {database.parent}` first")
    from registry.publishing import facet_counts, query_limits

    query_limits.install()
    facet_counts.install()
    unsafe = unsafe_plugins()
    if unsafe:
        raise RegistryError(
            f"refusing to serve: Datasette plugin(s) {', '.join(unsafe)} could allow writes or change permissions; "
            "uninstall them or serve from a clean environment"
        )
    return Datasette(
        immutables=[str(database)],
        metadata=dict(metadata or {}),
        settings={**PUBLIC_SETTINGS, **(settings or {})},
        crossdb=False,
        cors=False,
    )


async def start(datasette: Datasette) -> None:
    """Run Datasette's start-up (which counts the default facets), then set every object made so far aside from the garbage collector.

    Those objects (modules, templates, the facet counts) live as long as the
    server. Left in the collector's reach, a full collection walked them all
    every few requests: in the benchmark at 1M records, every ninth or tenth
    table page took about 55 ms longer than the others (p95 107 ms against a
    median of 42). A frozen object is still freed when nothing refers to it.
    """
    await datasette.invoke_startup()
    gc.collect()
    gc.freeze()


@dataclass
class PublicServer:
    """A configured Datasette and the socket it will answer on, bound before the URL is announced."""

    datasette: Datasette
    database: Path
    sock: socket.socket
    url: str

    @property
    def database_url(self) -> str:
        """Where the registry's tables and canned queries are listed."""
        return self.url + DATABASE_NAME

    def run(self) -> None:
        """Answer requests until interrupted (Ctrl-C or SIGTERM)."""
        import uvicorn

        from registry.publishing.request_guards import public_asgi

        config = uvicorn.Config(public_asgi(self.datasette.app()), log_level="warning", lifespan="on")
        try:
            uvicorn.Server(config).run(sockets=[self.sock])
        finally:
            self.sock.close()


def bind_socket(host: str, port: int) -> socket.socket:
    """Listen on host:port now, so the announced URL answers at once and a busy port is a clear error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise RegistryError(f"cannot listen on host {host!r}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise RegistryError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from None
    return sock


def open_server(registry: Registry | None, options: ServeOptions) -> PublicServer:
    """Publish (unless told to reuse the existing copy), configure Datasette and bind the port."""
    database = options.directory / "public.db"
    if options.publish:
        if registry is None:
            raise RegistryError("publishing needs a registry; pass one or reuse the existing public copy")
        from registry.publishing.publish import publish_registry

        database = publish_registry(registry, options.directory).database
    elif not database.is_file():
        raise NotFound(f"no public copy at {database}: run `commons publish -o {options.directory}` or serve without --no-publish")
    metadata = load_metadata(find_metadata(options.metadata))
    datasette = datasette_app(database, metadata, options.settings)
    asyncio.run(start(datasette))
    sock = bind_socket(options.host, options.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return PublicServer(datasette, database, sock, f"http://{shown}:{port}/")


def serve_registry(registry: Registry | None, options: ServeOptions, announce: Callable[[PublicServer], None]) -> None:
    """Serve the public copy read-only until interrupted, telling the caller where once it is listening."""
    server = open_server(registry, options)
    announce(server)
    server.run()
