"""Run a piece of a test as an unprivileged user, so permission checks mean something as root.

Root may write into a read-only folder, so a permission test run as root proves nothing. When
the tests run as root, :func:`as_nobody` switches the *effective* user and group to nobody
(65534) for the duration and back afterwards (the real user stays root, which is what allows
switching back); as any other user it does nothing. Modules are imported lazily all over actlab,
and Python's own library may live in a folder nobody cannot read, so call the code once as the
real user first (the warm-up imports everything it needs).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NOBODY = 65534


@contextmanager
def as_nobody() -> Iterator[None]:
    if os.geteuid() != 0:
        yield
        return
    try:
        os.setegid(NOBODY)
        os.seteuid(NOBODY)
    except OSError as exc:  # a container without CAP_SETUID: root can write anyway
        os.setegid(0)
        pytest.skip(f"running as root and cannot drop privileges ({exc})")
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def shared_folder() -> Path:
    """A fresh folder under the system temp dir that nobody may enter (pytest's tmp_path is 700)."""
    folder = Path(tempfile.mkdtemp(prefix="actlab-perm-"))
    folder.chmod(0o777)
    return folder
