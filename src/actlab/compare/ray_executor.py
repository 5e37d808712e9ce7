"""The Ray executor: a study's stacks trained as Ray tasks, on this machine or on a cluster.

``actlab compare --executor ray [--address HOST:PORT] [--cpus-per-task C] [--gpus-per-task G]``

Unit of work: one stack (an activation, every seed) for one epoch, :func:`_epoch`. It is a
pure function of what it is sent (the settings, the data, the models' stored states), so Ray
can run it anywhere and run it again: a worker killed mid-task is retried (``max_retries``) and
gives the same numbers, nothing is duplicated (the driver stores each (stack, epoch) once, as a
replace of its rows) and nothing is lost. Workers never touch the store; they return results to
the driver, which commits each stack's epoch as it arrives and sends that stack's next epoch, so
with S stacks up to S tasks run at once. A stack rather than a single seed per task: the NumPy
engine trains a stack's seeds together faster than one by one, and its numbers are then those of
the local executor bit for bit (see docs/cluster.md for the measured overhead).

Ray is imported here only, when this executor is chosen; without it, one line says how to
install it. ``--address`` is checked (its form, then a TCP connection) before Ray is asked, and
Ray's own connection is given :data:`CONNECT_SECONDS` (``ACTLAB_RAY_TIMEOUT``) before the
command gives up with one line: an unreachable cluster never hangs the command.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from actlab import data
from actlab.compare.config import StudyConfig
from actlab.compare.executor import Group, Job, make_backend
from actlab.compare.step import Measured, advance, train_subset
from actlab.errors import ActlabError

#: seconds Ray gets to connect before the command stops (``ACTLAB_RAY_TIMEOUT`` overrides)
CONNECT_SECONDS = 60.0
#: times Ray reruns a task whose worker died (a crash, a kill, a lost node)
MAX_RETRIES = 3
#: the most CPUs (GPUs) one task may ask for
MAX_PER_TASK = 1024
_ADDRESS = re.compile(r"(?:(ray)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})")
INSTALL = "--executor ray needs Ray: pip install 'actlab[ray]' (or pip install ray)"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ActlabError(INSTALL) from None
    return ray


def check_address(address: str | None) -> tuple[str, int] | None:
    """(host, port) of ``HOST:PORT`` or ``ray://HOST:PORT``; None for ``auto`` or no address.

    >>> check_address("10.0.0.5:6379"), check_address(None)
    (('10.0.0.5', 6379), None)
    """
    if address is None or address == "auto":
        return None
    match = _ADDRESS.fullmatch(address.strip())
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise ActlabError(
            f"--address {address!r} is not a Ray address; give HOST:PORT (the head node's,"
            " e.g. 10.0.0.5:6379), ray://HOST:10001 or auto"
        )
    return match.group(2).strip("[]"), int(match.group(3))


def check_share(value: float, flag: str, *, zero: bool) -> float:
    """A resource share per task: a positive number (0 too where ``zero``), fractions allowed."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero) or value > MAX_PER_TASK:
        need = "0 or more" if zero else "more than 0"
        raise ActlabError(
            f"{flag} must be {need} and at most {MAX_PER_TASK} (fractions allowed, e.g. 0.25),"
            f" got {value:g}"
        )
    if value > 1 and value != int(value):
        raise ActlabError(f"{flag} above 1 must be a whole number, got {value:g}")
    return float(value)


class RayExecutor:
    """Stacks as Ray tasks (see the module docstring).

    ``address``: a running cluster's (None: start Ray on this machine with ``num_cpus``, all
    its cores when None); ``cpus_per_task`` and ``gpus_per_task``: what each task reserves
    (fractions allowed: ``gpus_per_task=0.25`` runs four stacks on one GPU).
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        cpus_per_task: float = 1.0,
        gpus_per_task: float = 0.0,
        num_cpus: int | None = None,
        connect_seconds: float | None = None,
    ) -> None:
        self.address = address
        self.host = check_address(address)
        self.cpus = check_share(cpus_per_task, "--cpus-per-task", zero=False)
        self.gpus = check_share(gpus_per_task, "--gpus-per-task", zero=True)
        self.num_cpus = num_cpus
        self.connect_seconds = connect_seconds or _timeout()
        self._started = False  # whether close() must shut down the Ray this made
        self._ray: Any = None

    def connect(self) -> None:
        """Join the cluster (or start Ray here), and check it has room for one task."""
        if self._ray is not None:
            return
        ray = _ray()
        if not ray.is_initialized():
            if self.host is not None:
                _reachable(*self.host, self.address or "")
            self._init(ray)
            self._started = True
        self._ray = ray
        self._check_room()

    def _init(self, ray: Any) -> None:
        where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
        # Ray's connection can block in C++ for minutes (or abort the process) when the address
        # answers but is no Ray: a timer ends the command with one line instead
        timer = threading.Timer(self.connect_seconds, _give_up, (where, self.connect_seconds))
        timer.daemon = True
        timer.start()
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "logging_level": "ERROR",
            "configure_logging": True,
        }
        if self.address is None:
            options["num_cpus"] = self.num_cpus or os.cpu_count() or 1
        else:
            options["address"] = self.address
        # Ray's core installs its own handlers (a SIGTERM would end the command with a C++
        # stack dump): the command's own are put back, so Ctrl-C and SIGTERM stop it cleanly
        main = threading.current_thread() is threading.main_thread()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            ray.init(**options)
        except Exception as exc:  # Ray raises many kinds (ConnectionError, RuntimeError, ...)
            raise ActlabError(f"cannot start or join {where}: {_first_line(exc)}") from None
        finally:
            timer.cancel()
            for sig, handler in handlers.items():
                if main and handler is not None:
                    signal.signal(sig, handler)

    def _check_room(self) -> None:
        nodes = [n for n in self._ray.nodes() if n.get("Alive")]
        for flag, key, want in (
            ("--cpus-per-task", "CPU", self.cpus),
            ("--gpus-per-task", "GPU", self.gpus),
        ):
            most = max((n.get("Resources", {}).get(key, 0.0) for n in nodes), default=0.0)
            if want > most:
                self.close()
                has = f"the largest has {most:g}" if most else f"none has a {key}"
                raise ActlabError(
                    f"{flag} {want:g}: no node of the cluster has {want:g} {key}"
                    f"{'' if want == 1 else 's'} ({has});"
                    f" ask for at most {most:g}"
                )

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        """Shut down the Ray this executor started (a cluster it joined keeps running)."""
        if self._started:
            with _quiet_native_stderr():
                _ray().shutdown()
        self._started = False
        self._ray = None

    def run(self, job: Job) -> None:
        self.run_all([job])

    def run_all(self, jobs: Sequence[Job]) -> None:
        """Every stack of every job side by side: each stack's next epoch is sent as soon as
        its last one is stored (in its own job's store)."""
        for job in jobs:
            self._check_device(job.config)
        self.connect()
        ray = self._ray
        task = ray.remote(_epoch).options(
            num_cpus=self.cpus,
            num_gpus=self.gpus,
            max_retries=MAX_RETRIES,
            retry_exceptions=False,  # an error in the training code would only repeat itself
            scheduling_strategy="SPREAD",
            name="actlab-epoch",
        )
        pending: dict[Any, tuple[Job, Group]] = {}
        shipped: dict[int, Any] = {}  # each job's dataset, put in the object store once

        def submit(job: Job, g: Group) -> None:
            if id(job) not in shipped:
                shipped[id(job)] = ray.put(job.dataset)
            ref = task.remote(
                job.backend, g.config, shipped[id(job)], g.activation, g.seeds, g.blobs, g.done + 1
            )
            pending[ref] = (job, g)

        for job in jobs:
            for g in job.groups:
                if g.done < job.epochs:
                    submit(job, g)
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                job, g = pending.pop(ready[0])
                job.commit([(g, self._result(ready[0], g))])
                if g.done < job.epochs:
                    submit(job, g)
        except BaseException:
            # Ctrl-C or an error: stop the work in flight (what is stored is kept); a cancel that
            # fails must not hide why the study stopped. A Ray this executor started is shut
            # down with its workers by close(): no cancel there, as a cancel racing the task's
            # own completion can crash Ray's core (a RAY_CHECK "Tried to complete task that was
            # not pending", ray-project/ray#54798): exit 1 and a C++ stack dump, not our line
            if not self._started:
                for ref in pending:
                    with contextlib.suppress(Exception):
                        ray.cancel(ref)
            raise

    def _result(self, ref: Any, g: Group) -> Measured:
        ray = self._ray
        try:
            measured: Measured = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, ActlabError):
                raise ActlabError(str(cause)) from None
            raise ActlabError(
                f"training {g.activation} epoch {g.done + 1} failed on a Ray worker:"
                f" {type(cause).__name__ if cause else 'error'}: {_first_line(cause or exc)}"
            ) from None
        except ray.exceptions.RayError as exc:  # workers or nodes lost more often than retried
            raise ActlabError(
                f"training {g.activation} epoch {g.done + 1}: Ray gave up after"
                f" {MAX_RETRIES} retries ({type(exc).__name__}: {_first_line(exc)}); the"
                " epochs stored so far are kept: run the same command to resume"
            ) from None
        return measured

    def _check_device(self, config: StudyConfig) -> None:
        gpu = config.device.startswith("cuda")
        if gpu and not self.gpus:
            raise ActlabError(
                f"--device {config.device} on Ray needs --gpus-per-task (e.g. 1, or 0.25 for four"
                " runs on one GPU): Ray hides the GPUs from tasks that reserve none"
            )
        if self.gpus and not gpu:
            raise ActlabError(
                f"--gpus-per-task {self.gpus:g} reserves GPUs the study would not use"
                f" (--device {config.device}); add --backend torch --device cuda"
            )


def _epoch(
    factory: str,
    config: StudyConfig,
    dataset: data.Dataset,
    activation: str,
    seeds: Sequence[int],
    blobs: Sequence[bytes] | None,
    epoch: int,
) -> Measured:
    """A Ray task: the stack at its stored state (fresh at epoch 0), one epoch on, measured."""
    import ray

    backend = make_backend(factory)
    if blobs is None:
        stack = backend.build(config, dataset, activation, seeds)
    else:
        stack = backend.restore(config, dataset, activation, seeds, blobs)
    node = ray.get_runtime_context().get_node_id()[:12]
    return advance(
        backend, stack, dataset, epoch, train_subset(dataset), (node, f"ray/{os.getpid()}")
    )


def _timeout() -> float:
    text = os.environ.get("ACTLAB_RAY_TIMEOUT", "")
    if not text:
        return CONNECT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < 1e6:
        raise ActlabError(f"ACTLAB_RAY_TIMEOUT must be a number of seconds, got {text!r}")
    return seconds


def _reachable(host: str, port: int, address: str) -> None:
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, socket.timeout):
            reason = "no answer in 5 s"
        raise ActlabError(
            f"cannot reach a Ray cluster at {address} ({reason}); start one with"
            " 'ray start --head' there, or check --address"
        ) from None


def _give_up(where: str, seconds: float) -> None:
    """Ray's connection has not come back: say so in one line and end (no way to interrupt
    a call blocked in Ray's C++ core from Python)."""
    print(
        f"actlab: error: {where} did not answer within {seconds:g} s (is it a Ray head node's"
        " address? ACTLAB_RAY_TIMEOUT sets the wait)",
        file=sys.stderr,
        flush=True,
    )
    os._exit(2)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """File descriptor 2 to /dev/null for the duration: Ray's C++ core logs straight to it while
    it shuts down (``task_manager.cc: Failed to push error to driver`` after a SIGTERM, a race
    in its teardown), past Python's sys.stderr, and the command's own one-line message is all
    the user should see. Python's own stderr is flushed first and comes back after."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (a daemon): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
