"""The playground's web server: a Starlette app serving the page and one WebSocket per tab.

Safety at the edge: a request whose Host is not this server's own is refused (DNS rebinding), a
WebSocket whose Origin is not the page's own is refused before it is accepted (another web site
must not drive a user's local server), every message is size-checked, rate-limited and validated
against :mod:`actlab.web.state` before a :class:`~actlab.web.session.Session` sees it, a bad
message gets an error reply and the session goes on, and a session's memory is dropped when its
socket closes.

Isolation: each tab's session lives in a worker process (:mod:`actlab.web.workers`) that trains,
draws and encodes; this event loop only checks messages and forwards bytes, so no session's work
can stall another tab or a new connection.

Streaming: while playing, the server asks the worker for an update and pushes the frame, at most
``setup.fps`` a second and never more than :data:`IN_FLIGHT` frames ahead of the page's
acknowledgements (a slow tab slows its own training instead of queueing frames without limit).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from actlab.errors import ActlabError
from actlab.web import wire, workers
from actlab.web.state import DEFAULT, LIMITS, Message, parse_message

STATIC = Path(__file__).parent / "static"
#: frames the server may push ahead of the page's acknowledgements
IN_FLIGHT = 2
#: live sessions one server holds at most
MAX_SESSIONS = 32
#: how worker processes learn the address the server was bound to
HOST_VARIABLE = "ACTLAB_PLAYGROUND_HOST"
#: hosts a loopback server answers to
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: the page may load only what this server serves
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

log = logging.getLogger("actlab.playground")


def _hostname(netloc: str) -> str:
    host = urlsplit(f"//{netloc}").hostname
    return (host or "").lower()


class Policy:
    """Which Host headers and WebSocket Origins this server accepts."""

    def __init__(self, bind_host: str) -> None:
        self.any_host = bind_host in ("0.0.0.0", "::", "")
        self.hosts = LOOPBACK | {bind_host.strip("[]").lower()}

    def host_ok(self, host: str | None) -> bool:
        return bool(host) and (self.any_host or _hostname(host or "") in self.hosts)

    def origin_ok(self, origin: str | None, host: str | None) -> bool:
        """The Origin must be this very page: http(s)://<the Host header>."""
        if not origin or not self.host_ok(host):
            return False
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc.lower() == (host or "").lower()


class _HostGuard:
    """Refuse HTTP requests addressed to another host name (a DNS-rebinding page)."""

    def __init__(self, app: ASGIApp, policy: Policy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not self.policy.host_ok(host):
                await PlainTextResponse("unknown host", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(bind_host: str | None = None) -> Starlette:
    """The ASGI app; ``bind_host`` (default: $ACTLAB_PLAYGROUND_HOST or 127.0.0.1) decides which
    Host names and Origins are accepted."""
    from actlab.web.mnist.routes import routes as mnist_routes

    bind_host = bind_host or os.environ.get(HOST_VARIABLE, "127.0.0.1")
    policy = Policy(bind_host)
    live: set[_Connection] = set()
    pool = workers.Pool()

    async def index(request: Request) -> Response:
        response = FileResponse(STATIC / "index.html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def socket(websocket: WebSocket) -> None:
        headers = websocket.headers
        if not policy.origin_ok(headers.get("origin"), headers.get("host")):
            await websocket.close(code=1008)  # before accept: the handshake gets HTTP 403
            return
        await websocket.accept()
        if len(live) >= MAX_SESSIONS:
            busy = wire.error("connect", f"server busy: {MAX_SESSIONS} sessions")
            await wire.send(websocket, busy)
            await websocket.close(code=1013)
            return
        try:
            worker = await pool.take()
        except Exception as exc:  # no process could start: say so rather than hang
            log.exception("playground: no worker")
            await wire.send(websocket, wire.error("connect", f"cannot start a session: {exc}"))
            await websocket.close(code=1011)
            return
        connection = _Connection(websocket, worker)
        live.add(connection)
        try:
            await connection.run()
        finally:
            live.discard(connection)
            await worker.close()

    app = Starlette(
        routes=[
            Route("/", index),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            WebSocketRoute("/ws", socket),
            *mnist_routes(policy.origin_ok),  # the MNIST page: /mnist
        ]
    )
    app.state.sessions = live
    app.state.pool = pool
    app.add_middleware(_HostGuard, policy=policy)
    return app


@functools.lru_cache(maxsize=1)
def _hello() -> str:
    # the same for every tab (menus from the registries): made once, sent as it is
    from actlab.web.session import hello

    text = wire.encode(hello())
    assert isinstance(text, str)
    return text


class _Connection:
    """The two halves of one socket: reading messages and pushing training frames. The session
    itself lives in a worker (:mod:`actlab.web.workers`): this loop only checks and forwards."""

    def __init__(self, websocket: WebSocket, worker: workers.Worker) -> None:
        self.ws, self.worker = websocket, worker
        self.acked = 0
        #: what the worker last said: the last frame it made, whether it plays, at what rate
        self.frame, self.playing, self.fps = 0, False, DEFAULT.fps
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()
        self.budget = float(LIMITS["max_messages_per_second"])
        self.refilled = time.monotonic()

    async def send(self, message: dict[str, Any] | str | bytes) -> bool:
        """Send one message; False once the page has gone (then both halves stop)."""
        try:
            async with self.lock:
                if isinstance(message, dict):
                    await wire.send(self.ws, message)
                elif isinstance(message, bytes):
                    await self.ws.send_bytes(message)
                else:
                    await self.ws.send_text(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False
        return True

    async def run(self) -> None:
        if not await self.send(_hello()):
            return
        # anyio's task group (Starlette's own) so the server's cancellation reaches both halves
        async with anyio.create_task_group() as group:

            async def read_then_stop() -> None:
                await self.read()
                group.cancel_scope.cancel()

            async def train_then_stop() -> None:
                await self.train()
                group.cancel_scope.cancel()

            group.start_soon(read_then_stop)
            group.start_soon(train_then_stop)

    async def read(self) -> None:
        while True:
            try:
                event = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if event["type"] == "websocket.disconnect":
                return
            msg = self.check(event.get("text"), event.get("bytes"))
            if isinstance(msg, dict):
                if not await self.send(msg):
                    return
                continue
            if msg.type == "ack":
                self.acked = max(self.acked, min(msg["frame"], self.frame))
            elif not await self.forward("handle", msg):
                return
            self.wake.set()

    def check(self, text: str | None, data: bytes | None) -> Message | dict[str, Any]:
        """The validated message, or the error reply to a bad one."""
        if text is None:
            return wire.error("message", "binary messages are not accepted; send JSON text")
        if len(text) > LIMITS["max_message"]:
            return wire.error("message", f"message too large (over {LIMITS['max_message']} bytes)")
        if not self._within_rate():
            return wire.error("message", "too many messages; slow down")
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):
            return wire.error("message", "not valid JSON")
        try:
            return parse_message(raw)
        except ActlabError as exc:
            return wire.error("message", str(exc))

    async def forward(self, kind: str, msg: Message | None = None) -> bool:
        """One request to the session's worker; its replies go to the page. False: gone."""
        return await self.deliver(self.worker.call(kind, msg))

    async def deliver(self, call: Awaitable[workers.Reply], tick: bool = False) -> bool:
        """The replies of a request to the worker, sent to the page. False: gone."""
        try:
            replies, status = await call
        except workers.WorkerGone:
            await self.send(wire.error("session", "this tab's session stopped; reload the page"))
            return False
        # an update asked for ahead may be answered after a later message's reply: it can stop
        # the play (training diverged) but never restart it, nor move the frame count back
        self.playing = self.playing and status["playing"] if tick else status["playing"]
        self.frame, self.fps = max(self.frame, status["frame"]), status["fps"]
        for _, payload in replies:
            if not await self.send(payload):
                return False
        return True

    def _within_rate(self) -> bool:
        # a token bucket: max_messages_per_second on average, bursts up to the same number
        now = time.monotonic()
        rate = float(LIMITS["max_messages_per_second"])
        self.budget = min(rate, self.budget + (now - self.refilled) * rate)
        self.refilled = now
        if self.budget < 1.0:
            return False
        self.budget -= 1.0
        return True

    async def train(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()  # when the next frame is due: fps frames a second, on a fixed schedule
        # the next update, asked for as soon as a frame is sent: the worker computes it while
        # this loop waits for its time (on a busy machine the round trip would cost a period)
        ahead: asyncio.Future[workers.Reply] | None = None
        try:
            while True:
                if (ahead is None and not self.playing) or self.frame - self.acked >= IN_FLIGHT:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                call, ahead = ahead or asyncio.ensure_future(self.worker.call("tick")), None
                if not await self.deliver(call, tick=True):
                    return
                period, now = 1.0 / self.fps, loop.time()
                # a frame late by more than a period restarts the schedule: no burst to catch up
                due = due + period if due + period > now - period else now
                if self.playing and self.frame - self.acked < IN_FLIGHT:
                    ahead = asyncio.ensure_future(self.worker.call("tick"))
                await asyncio.sleep(max(0.0, due - now))
        finally:
            if ahead is not None:  # the connection is closing: its worker goes with it
                ahead.cancel()
