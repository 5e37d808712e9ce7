"""Run a SymPy computation under a time budget (simplify and solve have no bound of their own).

The work runs in a forked child process that is killed when the budget runs out, so a hard
simplification can never hang the CLI or the web server; the caller falls back to a cheaper
answer. Where fork is unavailable (Windows), or inside another budget's child (daemonic: it may
not fork), the work runs in-process under the outer bound only.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def within(seconds: float, fn: Callable[..., T], *args: Any) -> tuple[bool, T | None]:
    """``(True, fn(*args))``, or ``(False, None)`` when it did not finish within ``seconds``.

    An exception in ``fn`` is re-raised here (as ``RuntimeError`` when it cannot be pickled).
    """
    # inside another budget's child (daemonic: it may not fork) the outer budget bounds it
    if "fork" not in multiprocessing.get_all_start_methods() or _in_child():
        return True, fn(*args)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, fn, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            return False, None
        ok, value = receiver.recv()
    except EOFError:
        return False, None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if not ok:
        raise value
    return True, value


def _in_child() -> bool:
    return bool(multiprocessing.current_process().daemon)


def _child(sender: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except Exception as exc:
        result = (False, exc)
    try:
        sender.send(result)
    except Exception as exc:  # an unpicklable result or exception
        sender.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    sender.close()
    os._exit(0)  # skip the parent's atexit handlers and buffered output
