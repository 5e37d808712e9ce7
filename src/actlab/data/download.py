"""``actlab data download``: fetch the official files, check their checksums, keep them.

Each file is streamed to a temporary name in the target folder, its MD5 compared with the
published one, and only then renamed into place (so an interrupted download never looks like a
complete file). Archives (CIFAR) are unpacked with tarfile's "data" filter, which refuses links
and paths that would escape the folder. Without a network this says so in one line.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actlab.data import DatasetInfo, RemoteFile, default_dir, info
from actlab.errors import ActlabError
from actlab.outputs import check_folder

#: seconds to wait for a server before deciding there is no network
TIMEOUT = 20.0
Opener = Callable[..., Any]


def download(
    name: str,
    directory: str | Path | None = None,
    *,
    opener: Opener | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Download every file of dataset ``name`` into ``directory``; return the paths written.

    Files already present with the right checksum are not fetched again.
    """
    record = info(name)
    opener = opener or urllib.request.urlopen
    if not record.files:
        raise ActlabError(f"dataset {record.name} has nothing to download ({_why_not(record)})")
    target = Path(directory) if directory is not None else default_dir(record.name)
    created = not target.exists()
    check_folder(target, "--dir")  # writable, before the first byte is fetched
    try:
        return _fetch_all(record, target, opener, progress)
    except BaseException:
        if created and not any(target.iterdir()):
            target.rmdir()  # a failed first download leaves no empty folder that looks like data
        raise


def _fetch_all(
    record: DatasetInfo, target: Path, opener: Opener, progress: Callable[[str], None] | None
) -> list[Path]:
    paths = []
    for remote in record.files:
        path = target / remote.url.rsplit("/", 1)[1]
        if path.exists() and md5_of(path) == remote.md5:
            if progress:
                progress(f"{path}: present, checksum ok")
        else:
            fetch(remote, path, opener)
            if progress:
                progress(f"{path}: downloaded, checksum ok")
        if path.name.endswith(".tar.gz"):
            unpack(path, target)
        paths.append(path)
    return paths


def _why_not(record: DatasetInfo) -> str:
    return "it is embedded or generated" if not record.needs_path else "bring your own file"


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(remote: RemoteFile, path: Path, opener: Opener) -> None:
    """Stream ``remote`` to ``path`` through a temporary file; check the MD5 before renaming."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, opener(remote.url, timeout=TIMEOUT) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != remote.md5:
            raise ActlabError(
                f"{remote.url}: checksum mismatch (md5 {digest.hexdigest()}, expected "
                f"{remote.md5}); the file was not kept"
            )
        os.replace(tmp, path)
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc.strerror or exc
        raise ActlabError(
            f"cannot download {remote.url}: no network connection ({reason}); fetch it by hand "
            f"and pass --data"
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def unpack(archive: Path, target: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ActlabError(f"{archive}: cannot unpack ({exc})") from None
