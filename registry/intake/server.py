"""Running the intake: uvicorn on a socket bound before the address is announced.

It is meant to listen on 127.0.0.1 behind a reverse proxy that holds the TLS
certificate; the proxy's address is trusted to say who the client is
(X-Forwarded-For), so the rate limit counts visitors rather than the proxy.
"""

from __future__ import annotations

from collections.abc import Callable

from registry.intake.app import IntakeSettings, create_app
from registry.publishing.datasette import bind_socket


def serve_intake(settings: IntakeSettings, host: str, port: int, forwarded_allow_ips: str, announce: Callable[[str], None]) -> None:
    """Receive contributions until interrupted (Ctrl-C or SIGTERM), telling the caller the address once listening."""
    import uvicorn

    app = create_app(settings)
    try:
        sock = bind_socket(host, port)
    except BaseException:
        app.state.intake.close()
        raise
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    announce(f"http://{shown}:{bound_port}/")
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="warning",
        # The access log would record every visitor's address; errors are still logged.
        access_log=False,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_keep_alive=5,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
