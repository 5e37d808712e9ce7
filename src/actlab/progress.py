"""Progress of long work on stderr, with an estimate of the time left: a bar or plain lines.

On a terminal it is one line redrawn in place; when stderr is a file or a pipe (CI logs,
``2> log``) it is plain lines, at most one every :data:`EVERY_SECONDS` (plus the last), so a
log shows that the work is alive and how long it has left without filling up with redraws.

The estimate is the rate measured in *this* run (a resumed study's earlier epochs took no time
now, so counting them would promise too little time left).

>>> import io
>>> stream = io.StringIO()
>>> p = Progress(stream, "demo", every=0.0)
>>> p.update(1, 4, "epoch"); p.update(4, 4, "epoch")
>>> stream.getvalue().splitlines()[-1].startswith("demo: epoch 4/4")
True
"""

from __future__ import annotations

import time
from typing import Any, TextIO

#: plain-line mode prints at most one line this often
EVERY_SECONDS = 5.0
#: plain-line mode stays silent this long: a job that ends sooner needs no progress in the log
QUIET_SECONDS = 1.0


class Progress:
    """Report ``done`` of ``total`` on ``stream``; call :meth:`clear` when the work ends."""

    def __init__(self, stream: TextIO, label: str, every: float | None = None) -> None:
        self.stream = stream
        self.label = label
        self.every = EVERY_SECONDS if every is None else every
        self.terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        #: ``done`` before the first update: the work this run did not have to do
        self.done0: int | None = None
        self.last_line = -float("inf")
        self.drawn = False

    def __call__(self, progress: Any) -> None:
        """The callback of :func:`actlab.compare.compare`: ``progress.epoch`` of ``.epochs``."""
        if self.done0 is None:  # a resumed study: the epochs before this one took no time now
            self.done0 = progress.epoch - 1
        self.update(progress.epoch, progress.epochs, "epoch")

    def update(self, done: int, total: int, unit: str = "step") -> None:
        now = time.perf_counter()
        if self.done0 is None:
            self.done0 = 0
        done0 = self.done0
        elapsed = now - self.t0
        left = ""
        if done > done0 and done < total:
            left = f", ~{duration_text(elapsed / (done - done0) * (total - done))} left"
        text = f"{self.label}: {unit} {done}/{total}, {duration_text(elapsed)} so far{left}"
        if self.terminal:
            width = 20
            filled = int(width * done / max(total, 1))
            bar = f"[{'#' * filled}{'.' * (width - filled)}] "
            self.stream.write(f"\r{bar}{text}"[:79].ljust(79))
            self.drawn = True
        elif elapsed < QUIET_SECONDS and self.every > 0:
            return
        elif (done >= total and self.drawn) or now - self.last_line >= self.every:
            self.stream.write(text + "\n")
            self.last_line = now
            self.drawn = True
        self.stream.flush()

    def clear(self) -> None:
        """Remove the terminal bar (plain lines stay: they are the log)."""
        # (in plain-line mode ``drawn`` means "a line was printed", so the last one follows)
        if self.terminal and self.drawn:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self.drawn = False


def left_text(started: float, done: int, total: int) -> str:
    """ ", ~3 min 5 s left" from the rate so far (``started`` a perf_counter time); "" at first."""
    if done <= 0 or done >= total:
        return ""
    elapsed = time.perf_counter() - started
    return f", ~{duration_text(elapsed / done * (total - done))} left"


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"
    return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"
