"""A real playground server (uvicorn) on a free loopback port, for the server and browser tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette


@contextmanager
def running_server() -> Iterator[tuple[str, Starlette]]:
    """Yield ``("127.0.0.1:PORT", app)`` while a server runs in a background thread."""
    import uvicorn

    from actlab.web.app import create_app
    from actlab.web.server import UVICORN_OPTIONS, bind

    sock = bind("127.0.0.1", 0)
    app = create_app("127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(app, **UVICORN_OPTIONS))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}", app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
