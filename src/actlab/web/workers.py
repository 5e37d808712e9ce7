"""Each tab's session lives in a process of its own, so no session can stall another or the server.

The server's event loop only validates messages and forwards bytes; a :class:`Worker` process
holds one :class:`~actlab.web.session.Session`, trains it, draws its heatmaps and encodes its
replies for the wire (:mod:`actlab.web.wire`), so the loop never computes. The operating system's
scheduler shares the cores fairly between sessions: a light session that sleeps most of the time
wakes ahead of a heavy one that never does, and the heavy one still gets every cycle left over.

Why processes and not threads: a small network's update is hundreds of small NumPy calls, each
holding the GIL between them, so threads would take turns on one core and a heavy session would
still slow every other (``benchmarks/playground_load.py --only isolation`` measures both). The
thread variant is kept for that comparison and for platforms without ``fork``.

Protocol (a socket pair, one request at a time): ``uint32 length | pickle`` both ways. A request
is ``(kind, argument)``: ``("handle", Message)``, ``("tick", None)`` or ``("ping", None)``; the
reply is ``(messages, status)``: ``messages`` lists ``(type, wire payload)``, ``status`` holds
``playing``, ``frame`` and ``fps``. The worker exits when its socket closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: idle workers kept started, so a new tab never waits for a process to start
SPARES = 2
#: seconds a closing worker gets to exit before it is killed
EXIT_GRACE = 2.0
#: a worker whose update takes more CPU time than this is a heavy session (a default update
#: takes about 1 ms): it lowers its own priority to HEAVY_NICE once, so the scheduler serves
#: the light sessions first and gives the heavy one every cycle they leave (CFS weights nice 10
#: at about a tenth of nice 0). CPU time, not wall time: on a busy machine a light update can
#: wait long for a core without being heavy.
HEAVY_SECONDS = 0.02
HEAVY_NICE = 10
#: the thread-count settings of the BLAS libraries NumPy may use, set to 1 in workers
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: ``process`` (default) or ``thread``, for the load benchmark's comparison
ISOLATION_VARIABLE = "ACTLAB_PLAYGROUND_ISOLATION"

_HEADER = struct.Struct("<I")
log = logging.getLogger("actlab.playground")

Reply = tuple[list[tuple[str, "str | bytes"]], dict[str, Any]]


class WorkerGone(Exception):
    """The session's worker exited (it crashed or was killed)."""


# ---------------------------------------------------------------------------- the worker's side


def _serve(sock: socket.socket) -> None:
    """A worker process: one session, answering requests until its socket closes."""
    from actlab.web.session import Session

    session = Session()
    niced = False
    with sock:
        while True:
            request = _read(sock)
            if request is None:
                return
            start = time.process_time()
            reply = answer(session, *request)
            if not niced and request[0] == "tick" and time.process_time() - start > HEAVY_SECONDS:
                niced = _lower_priority()
            try:
                _write(sock, pickle.dumps(reply, protocol=5))
            except OSError:  # the tab closed while this request ran
                return


def _lower_priority() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return True  # the thread variant shares the server's process: leave it be
    try:
        os.nice(max(0, HEAVY_NICE - os.nice(0)))
    except OSError:
        pass
    return True


def answer(session: Any, kind: str, argument: Any) -> Reply:
    """Run one request on ``session``; whatever fails becomes an error reply, never a crash."""
    import numpy as np

    try:
        with np.errstate(all="ignore"):
            if kind == "ping":  # a spare warming up: touch what its first state will touch
                frame = session.frame
                session.state()
                session.frame, replies = frame, []  # the page has seen no frame yet
            elif kind == "handle":
                replies = session.handle(argument)
            elif not session.playing:  # paused while this request was on its way
                replies = []
            else:
                replies = [session.tick()]
                if replies[0]["type"] == "error":
                    replies.insert(0, {"type": "playing", "playing": False})
    except Exception as exc:  # a bug must not take the session down: say so and go on
        log.exception("playground: %s failed", kind)
        context = argument.type if kind == "handle" else "train"
        if kind == "tick":
            session.playing = False
        replies = [
            {"type": "playing", "playing": session.playing},
            {"type": "error", "context": context, "message": f"internal error: {exc!r}"},
        ]
    status = {"playing": session.playing, "frame": session.frame, "fps": session.setup.fps}
    return [(m["type"], _encoded(m)) for m in replies], status


def _encoded(message: dict[str, Any]) -> str | bytes:
    from actlab.web import wire

    try:
        return wire.encode(message)
    except ValueError:
        kind = message.get("type", "?")
        return wire.encode(
            {"type": "error", "context": kind, "message": "a value was not a finite number"}
        )


def _read(sock: socket.socket) -> Any:
    head = _exactly(sock, _HEADER.size)
    if head is None:
        return None
    body = _exactly(sock, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def _exactly(sock: socket.socket, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        try:
            chunk = sock.recv(min(left, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_HEADER.pack(len(data)) + data)


# ---------------------------------------------------------------------------- the server's side


class Worker:
    """The server's handle on one session's process: :meth:`call` sends a request, awaits the
    reply. Calls are serialised (a tick and a message never run at once)."""

    def __init__(self, process: Any, sock: socket.socket) -> None:
        self.process, self.sock = process, sock
        self.lock = asyncio.Lock()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(sock=self.sock)

    async def call(self, kind: str, argument: Any = None) -> Reply:
        assert self.reader is not None and self.writer is not None
        data = pickle.dumps((kind, argument), protocol=5)
        async with self.lock:
            try:
                self.writer.write(_HEADER.pack(len(data)) + data)
                await self.writer.drain()
                head = await self.reader.readexactly(_HEADER.size)
                body = await self.reader.readexactly(_HEADER.unpack(head)[0])
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
                raise WorkerGone(str(exc)) from None
        reply: Reply = pickle.loads(body)
        return reply

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()
        await asyncio.to_thread(_reap, self.process)


def _reap(process: Any) -> None:
    process.join(EXIT_GRACE)
    if process.is_alive():
        process.kill()
        process.join(EXIT_GRACE)


class _ThreadProcess:
    """The thread variant's stand-in for a process: a thread serving the same socket protocol."""

    def __init__(self, sock: socket.socket) -> None:
        self.thread = threading.Thread(target=_serve, args=(sock,), daemon=True)
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def kill(self) -> None:
        pass  # a thread ends when its socket closes


class _Pid:
    """A worker process forked by the zygote (its child, which reaps it): enough of
    ``multiprocessing.Process`` for :func:`_reap`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def is_alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)


class Zygote:
    """A warm process that forks session workers on request.

    It imports the session code and trains one session (:mod:`actlab.web.warm`) once; each
    worker forked from it starts ready in milliseconds, not the half second a fresh interpreter
    takes. (multiprocessing's fork server would do the same but re-runs the server's main
    script in every worker.) It exits when the server closes its control socket.
    """

    def __init__(self) -> None:
        self.control, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        # one core per session: the scheduler shares the cores between sessions, and a BLAS
        # thread pool in each worker would only spin against the others on arrays this small
        for name in BLAS_THREADS:
            env.setdefault(name, "1")
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "actlab.web.workers", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                env=env,
            )
        self.lock = threading.Lock()

    def fork(self) -> tuple[_Pid, socket.socket]:
        """A new worker, and the server's end of its socket."""
        ours, theirs = socket.socketpair()
        with self.lock, theirs:
            socket.send_fds(self.control, [b"f"], [theirs.fileno()])
            reply = _exactly(self.control, 4)
        if reply is None:
            ours.close()
            raise WorkerGone("the worker zygote has exited")
        return _Pid(struct.unpack("<i", reply)[0]), ours

    def close(self) -> None:
        self.control.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(EXIT_GRACE)


def _zygote(fd: int) -> None:
    """The zygote's loop: one byte and a socket in, fork a worker on it, its pid out."""
    import actlab.web.warm  # noqa: F401  (the point: everything imported and warmed once)

    # the objects made so far are shared by every worker: keep the collector from touching
    # (and so copying) their pages in each of them
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    # Ctrl-C in the terminal reaches the whole process group: the server stops, and the zygote
    # and its workers follow when their sockets close (no traceback from each of them)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message or not fds:
            return
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _serve(socket.socket(fileno=fds[0]))
            except BaseException:
                log.exception("playground: session worker failed")
                code = 1
            finally:
                os._exit(code)
        os.close(fds[0])
        control.sendall(struct.pack("<i", pid))


class Pool:
    """Starts workers, keeping :data:`SPARES` started ahead so a new tab gets one at once."""

    def __init__(self, isolation: str | None = None) -> None:
        self.isolation = isolation or os.environ.get(ISOLATION_VARIABLE, "process")
        if not hasattr(os, "fork"):
            self.isolation = "thread"  # no fork (Windows): sessions share the server's process
        if self.isolation not in ("process", "thread"):
            raise ValueError(f"{ISOLATION_VARIABLE}: expected process or thread")
        if self.isolation == "thread":
            from actlab.web.session import Session

            Session()  # fills the registries once, before threads look names up at once
        self.zygote = Zygote() if self.isolation == "process" else None
        self.spares: list[Worker] = []
        self.refilling: asyncio.Task[None] | None = None
        # one thread starts processes (forking from a thread of a busy loop stays off the loop)
        self.starter = ThreadPoolExecutor(1, thread_name_prefix="actlab-workers")

    async def take(self) -> Worker:
        """A ready worker for a new session."""
        worker = self.spares.pop() if self.spares else await self._new()
        if self.refilling is None or self.refilling.done():
            self.refilling = asyncio.create_task(self._refill())
        return worker

    async def _new(self) -> Worker:
        loop = asyncio.get_running_loop()
        worker = await loop.run_in_executor(self.starter, self._start)
        await worker.open()
        return worker

    def _start(self) -> Worker:
        if self.zygote is None:
            ours, theirs = socket.socketpair()
            return Worker(_ThreadProcess(theirs), ours)
        process, ours = self.zygote.fork()
        return Worker(process, ours)

    async def _refill(self) -> None:
        try:
            while len(self.spares) < SPARES:
                worker = await self._new()
                await worker.call("ping")  # waits until its session is built
                self.spares.append(worker)
        except Exception:  # a spare that fails to start is not fatal: take() starts one then
            log.exception("playground: starting a spare worker failed")

    async def close(self) -> None:
        spares, self.spares = self.spares, []
        for worker in spares:
            await worker.close()
        if self.zygote is not None:
            await asyncio.to_thread(self.zygote.close)


if __name__ == "__main__":  # the zygote: python -m actlab.web.workers FD
    _zygote(int(sys.argv[1]))
