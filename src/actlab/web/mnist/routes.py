"""The MNIST page's routes: ``/mnist`` (the page), ``/mnist/static`` and ``/mnist/ws``.

The socket's two halves run on the event loop, but all their work (training, answering a
message, building a frame) runs in worker threads (``anyio.to_thread``): the loop only moves
bytes, so one tab's training never holds up another tab's frames or messages. A session's lock
keeps its own message and its training step from overlapping.

The edge is the playground's: the app's Host guard covers these routes, a WebSocket whose Origin
is not the page's own is refused before it is accepted, every message is size-checked,
rate-limited and validated against :mod:`actlab.web.mnist.setup`, a bad message gets one error
reply and the session goes on. Frames are pushed at most :data:`MAX_FPS` a second and never more
than :data:`IN_FLIGHT` ahead of the page's acknowledgements.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from actlab.errors import ActlabError
from actlab.web import wire
from actlab.web.mnist.setup import LIMITS, parse_message

STATIC = Path(__file__).parent / "static"
#: where the CLI's ``--data`` reaches the app (it is built in each worker process)
DATA_VARIABLE = "ACTLAB_PLAYGROUND_DATA"
#: frames the server may push ahead of the page's acknowledgements
IN_FLIGHT = 2
#: frames a second at most
MAX_FPS = 30
#: MNIST sessions one server holds at most (each holds a network and its optimiser)
MAX_SESSIONS = 8
#: torch CPU threads: the small convnet is fastest on one (a second thread costs more in
#: synchronisation than it gains), and sessions then share the cores between them
TORCH_THREADS = 1
CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

log = logging.getLogger("actlab.playground.mnist")


def routes(origin_ok: Callable[[str | None, str | None], bool]) -> list[BaseRoute]:
    """The page's routes; ``origin_ok(origin, host)`` is the app's WebSocket origin policy."""
    live: set[Any] = set()

    async def page(request: Request) -> Response:
        response = FileResponse(STATIC / "mnist.html")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def socket(websocket: WebSocket) -> None:
        headers = websocket.headers
        if not origin_ok(headers.get("origin"), headers.get("host")):
            await websocket.close(code=1008)  # before accept: the handshake gets HTTP 403
            return
        await websocket.accept()
        if len(live) >= MAX_SESSIONS:
            busy = wire.error("connect", f"server busy: {MAX_SESSIONS} sessions")
            await wire.send(websocket, busy)
            await websocket.close(code=1013)
            return
        connection = _Connection(websocket)
        live.add(connection)
        try:
            await connection.run()
        finally:
            live.discard(connection)

    return [
        Route("/mnist", page),
        Mount("/mnist/static", StaticFiles(directory=STATIC), name="mnist-static"),
        WebSocketRoute("/mnist/ws", socket),
    ]


def data_root() -> Path | None:
    value = os.environ.get(DATA_VARIABLE)
    return Path(value) if value else None


class _Connection:
    """One socket: reading messages, pushing training frames; the work in worker threads."""

    def __init__(self, websocket: WebSocket) -> None:
        self.ws = websocket
        self.session: Any = None
        self.acked = 0
        self.wake = anyio.Event()
        self.lock = anyio.Lock()
        self.budget = float(LIMITS["max_messages_per_second"])
        self.refilled = time.monotonic()

    async def send(self, message: dict[str, Any]) -> bool:
        try:
            async with self.lock:
                await wire.send(self.ws, message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False
        return True

    async def run(self) -> None:
        try:
            first = await anyio.to_thread.run_sync(self._start)
        except ActlabError as exc:
            await self.send(wire.error("connect", str(exc)))
            return
        for message in first:
            if not await self.send(message):
                return
        async with anyio.create_task_group() as group:

            async def read_then_stop() -> None:
                await self.read()
                group.cancel_scope.cancel()

            group.start_soon(read_then_stop)
            group.start_soon(self.train)

    def _start(self) -> list[dict[str, Any]]:
        try:
            import torch
        except ImportError:
            raise ActlabError("the MNIST page trains with torch: pip install torch") from None
        from actlab.web.mnist import session

        torch.set_num_threads(TORCH_THREADS)
        root = data_root()
        self.session = session.Session(root)
        return [session.hello(root), self.session.state()]

    async def read(self) -> None:
        while True:
            try:
                event = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if event["type"] == "websocket.disconnect":
                return
            replies = await anyio.to_thread.run_sync(self.answer, event.get("text"))
            for reply in replies:
                if not await self.send(reply):
                    return
            self._wake()

    def _wake(self) -> None:
        self.wake.set()
        self.wake = anyio.Event()

    def answer(self, text: str | None) -> list[dict[str, Any]]:
        """Replies to one raw message; whatever is wrong with it, an error reply, never a crash."""
        if text is None:
            return [wire.error("message", "binary messages are not accepted; send JSON text")]
        if len(text) > LIMITS["max_message"]:
            too_large = f"message too large (over {LIMITS['max_message']} bytes)"
            return [wire.error("message", too_large)]
        if not self._within_rate():
            return [wire.error("message", "too many messages; slow down")]
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):
            return [wire.error("message", "not valid JSON")]
        try:
            msg = parse_message(raw)
        except ActlabError as exc:
            return [wire.error("message", str(exc))]
        if msg.type == "ack":
            self.acked = max(self.acked, min(msg["frame"], self.session.frame))
        try:
            replies: list[dict[str, Any]] = self.session.handle(msg)
            return replies
        except Exception as exc:  # a bug must not take the session down: say so and go on
            log.exception("mnist page: %s failed", msg.type)
            return [wire.error(msg.type, f"internal error: {type(exc).__name__}: {exc}")]

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
        due = time.monotonic()
        while True:
            s = self.session
            if not s.playing or s.frame - self.acked >= IN_FLIGHT:
                await self.wake.wait()
                continue
            try:
                frame = await anyio.to_thread.run_sync(s.tick)
            except Exception as exc:
                log.exception("mnist page: training failed")
                s.playing = False
                frame = wire.error("train", f"internal error: {type(exc).__name__}: {exc}")
            if frame["type"] == "error" and not await self.send(
                {"type": "playing", "playing": False}
            ):
                return
            if not await self.send(frame):
                return
            period, now = 1.0 / MAX_FPS, time.monotonic()
            due = due + period if due + period > now - period else now
            await anyio.sleep(max(0.0, due - now))
