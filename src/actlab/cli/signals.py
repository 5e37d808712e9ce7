"""Stopping a command: Ctrl-C exits 130, SIGTERM exits 143 (128 + signal), both at a clean point.

:func:`actlab.cli.main` turns SIGTERM into :class:`Terminated`, a :class:`KeyboardInterrupt`, so
every command that keeps what finished on Ctrl-C (a study's last epoch, an accuracy table's
finished rows) does the same on a polite kill, and only the exit status differs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, like Ctrl-C's KeyboardInterrupt."""


#: set when SIGTERM arrived: a library that turns every exception raised inside it into a plain
#: KeyboardInterrupt (Ray's wait does) must not turn a SIGTERM into a Ctrl-C
_TERMINATED = threading.Event()


def _by_sigterm(exc: BaseException) -> bool:
    return isinstance(exc, Terminated) or _TERMINATED.is_set()


def stopped_by(exc: BaseException) -> str:
    """ "terminated (SIGTERM)" or "interrupted", for the one line a stopped command prints."""
    return "terminated (SIGTERM)" if _by_sigterm(exc) else "interrupted"


def exit_status(exc: BaseException) -> int:
    """143 for SIGTERM, 130 for Ctrl-C (the shell's 128 + signal number)."""
    return 143 if _by_sigterm(exc) else 130


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises :class:`Terminated` (main thread only: signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _TERMINATED.clear()
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise(signum: int, frame: Any) -> None:
    _TERMINATED.set()
    raise Terminated
