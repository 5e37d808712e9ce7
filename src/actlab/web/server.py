"""Start the playground: bind a loopback socket, run uvicorn on it, open the browser.

>>> sock = bind("127.0.0.1", 0)
>>> sock.getsockname()[0]
'127.0.0.1'
>>> sock.close()
"""

from __future__ import annotations

import asyncio
import socket
import threading
import webbrowser
from typing import Any

from actlab.errors import ActlabError

#: the port ``actlab playground`` tries first
DEFAULT_PORT = 8787
#: uvicorn's settings: messages up to 2 MiB (a CSV upload is the largest) and no per-message
#: compression (deflating every frame took a quarter of the server's CPU, for a page on loopback)
UVICORN_OPTIONS: dict[str, Any] = {
    "log_level": "warning",
    "ws_max_size": 2**21,
    "ws_per_message_deflate": False,
    "lifespan": "off",
}


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ActlabError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ActlabError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def serve(
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    open_browser: bool = True,
    announce: bool = True,
    workers: int = 1,
) -> None:
    """Serve the playground until interrupted. ``port=None``: 8787, or any free port if taken.

    With ``workers > 1`` that many processes share the socket: each tab's session lives in one
    of them, so sessions train on several cores at once.
    """
    import os

    import uvicorn

    from actlab.web.app import HOST_VARIABLE, create_app

    if port is None:
        try:
            sock = bind(host, DEFAULT_PORT)
        except ActlabError:
            sock = bind(host, 0)
    else:
        sock = bind(host, port)
    url = url_of(sock, host)
    options = UVICORN_OPTIONS
    app = create_app(host) if workers <= 1 else None  # starts the session workers' fork server
    if announce:
        print(f"actlab playground at {url}  (MNIST page: {url}mnist; Ctrl-C stops it)", flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"note: listening on {host}: other machines that reach it can use it", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        if app is not None:
            server = uvicorn.Server(uvicorn.Config(app, **options))
            asyncio.run(server.serve(sockets=[sock]))
            return
        from uvicorn.supervisors import Multiprocess

        os.environ[HOST_VARIABLE] = host  # the workers build their app from it
        config = uvicorn.Config(
            "actlab.web.app:create_app", factory=True, workers=workers, **options
        )
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
