"""Output paths checked before the work: one check for every command that writes a file.

A command that computes for minutes and then cannot write its result has lost the user's time.
So every output path is checked up front, in this order, each failure one line:

1. the extension is one the writer knows (``results.jpg`` for a figure is refused);
2. the folder exists and is a folder (no silent ``mkdir`` of a typo);
3. the path is not a folder;
4. the folder is writable: :func:`os.access` and then a real write probe (a temporary file made
   and removed), because ``os.access`` answers yes for root and on some network file systems,
   and a probe is the only answer that cannot be wrong.

>>> folder_problem("/nonexistent")
"the folder '/nonexistent' does not exist"
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from actlab.errors import ActlabError

#: what Matplotlib writes for us
FIGURE_FORMATS = (".png", ".svg", ".pdf")


def check_output(path: str | Path, suffixes: tuple[str, ...] = (), what: str = "") -> Path:
    """``path`` as a :class:`Path` if a file can be written there, else :class:`ActlabError`.

    ``suffixes``: the extensions allowed (lower case, with the dot; empty: any); ``what``: the
    option that named the path (``-o``, ``--csv``), to start the message with.
    """
    target = Path(path)
    label = f"{what} {path}" if what else str(path)
    if not str(path).strip():
        raise ActlabError(f"{what or 'output'}: the path is empty")
    if suffixes and target.suffix.lower() not in suffixes:
        raise ActlabError(
            f"{label}: unknown extension {target.suffix or '(none)'!r}; use {', '.join(suffixes)}"
        )
    if target.is_dir():
        raise ActlabError(f"{label}: cannot write: it is a folder, not a file")
    problem = folder_problem(target.parent)
    if problem:
        raise ActlabError(f"{label}: cannot write: {problem}")
    effective = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
    if target.exists() and not os.access(target, os.W_OK, **effective):
        raise ActlabError(f"{label}: cannot write: the file is read-only; choose another path")
    return target


def check_folder(folder: str | Path, what: str = "", hint: str = "") -> Path:
    """A folder that exists (or is created now, with its parents) and is writable.

    ``hint``: what the user can do about a folder they may not write in.
    """
    target = Path(folder)
    label = f"{what} {folder}" if what else str(folder)
    if target.exists() and not target.is_dir():
        raise ActlabError(f"{label}: exists and is not a folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ActlabError(f"{label}: cannot create the folder ({_reason(exc)})") from None
    problem = folder_problem(target)
    if problem:
        raise ActlabError(f"{label}: cannot write: {problem}" + (f"; {hint}" if hint else ""))
    return target


def folder_problem(folder: str | Path) -> str:
    """Why a file cannot be created in ``folder`` ("" when it can)."""
    folder = Path(folder) if str(folder) else Path(".")
    if not folder.exists():
        return f"the folder {str(folder)!r} does not exist"
    if not folder.is_dir():
        return f"{str(folder)!r} is not a folder"
    effective = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
    if not os.access(folder, os.W_OK | os.X_OK, **effective):
        return f"no permission to write in {str(folder)!r}"
    try:
        fd, probe = tempfile.mkstemp(prefix=".actlab-probe-", dir=folder)
    except OSError as exc:
        return f"cannot write in {str(folder)!r}: {_reason(exc)}"
    os.close(fd)
    os.unlink(probe)
    return ""


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)
