"""CIFAR-10 and CIFAR-100 from the python-pickle batches (a folder, or the .tar.gz itself).

The batches are pickles, and unpickling runs code named in the file. So they are read with an
unpickler that resolves only what a batch legitimately contains (NumPy's array reconstruction);
anything else is refused, and the structure (keys, shapes, label ranges) is checked.
"""

from __future__ import annotations

import importlib
import io
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.errors import ActlabError

#: the globals a CIFAR batch may name: NumPy array and dtype reconstruction, nothing else
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    # protocol-2 pickles written by Python 3 spell bytes as _codecs.encode(text, "latin1")
    ("_codecs", "encode"),
}

#: per layout: training members, test member, label key, meta member and its class-name key
LAYOUTS = {
    "cifar10": (
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        "test_batch",
        "labels",
        "batches.meta",
        "label_names",
    ),
    "cifar100": (("train",), "test", "fine_labels", "meta", "fine_label_names"),
}
N_CLASSES = {"cifar10": 10, "cifar100": 100}
#: per-channel mean and standard deviation of the CIFAR-10 training images, in [0, 1] units
#: (the values torchvision's examples use); close enough for CIFAR-100 as well
CHANNEL_MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32)
CHANNEL_STD = np.array([0.2470, 0.2435, 0.2616], np.float32)


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        if module == "numpy":
            return getattr(np, name)
        if module == "_codecs":
            return _latin1_encode
        return getattr(_core_multiarray(), name)


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` limited to the one use pickle makes of it."""
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refusing to decode with codec {encoding!r}")
    return text.encode("latin1")


def _core_multiarray() -> Any:
    try:
        return importlib.import_module("numpy._core.multiarray")
    except ImportError:  # NumPy 1.x
        return importlib.import_module("numpy.core.multiarray")


def unpickle(data: bytes, where: str) -> dict[str, Any]:
    """A batch as a dict with str keys; refuses anything but plain data and NumPy arrays."""
    try:
        # latin1: the batches were written by Python 2; numpy's own advice for such pickles
        obj = _SafeUnpickler(io.BytesIO(data), encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        raise ActlabError(f"{where}: not a CIFAR python batch ({exc})") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise ActlabError(
            f"{where}: corrupt or truncated pickle ({exc or type(exc).__name__})"
        ) from None
    if not isinstance(obj, dict):
        raise ActlabError(f"{where}: not a CIFAR python batch (holds a {type(obj).__name__})")
    return {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


def _batch(data: bytes, where: str, label_key: str, n_classes: int) -> tuple[np.ndarray, ...]:
    batch = unpickle(data, where)
    for key in ("data", label_key):
        if key not in batch:
            raise ActlabError(f"{where}: not a CIFAR batch: no {key!r} entry")
    images = batch["data"]
    if not isinstance(images, np.ndarray) or images.ndim != 2 or images.shape[1] != 3072:
        shape = getattr(images, "shape", type(images).__name__)
        raise ActlabError(f"{where}: 'data' must be an (n, 3072) array, got {shape}")
    try:
        labels = np.asarray(batch[label_key], dtype=np.int64)
    except (TypeError, ValueError):
        raise ActlabError(f"{where}: {label_key!r} must be a list of integers") from None
    if labels.shape != (images.shape[0],):
        raise ActlabError(
            f"{where}: {images.shape[0]} images but {labels.size} entries in {label_key!r}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ActlabError(f"{where}: labels must be 0..{n_classes - 1}")
    return images.astype(np.uint8, copy=False), labels


class _Source:
    """The members of a distribution, from a directory or straight out of the .tar.gz."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members: dict[str, Any] = {}
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                self.members.setdefault(file.name, file)
        elif tarfile.is_tarfile(path):
            try:
                with tarfile.open(path) as tar:
                    for m in tar.getmembers():
                        if m.isfile():
                            fh = tar.extractfile(m)
                            self.members.setdefault(Path(m.name).name, fh.read() if fh else b"")
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise ActlabError(f"{path}: corrupt or truncated archive ({exc})") from None
        else:
            raise ActlabError(f"{path}: neither a folder of CIFAR batches nor a .tar.gz of them")

    def read(self, member: str) -> tuple[bytes, str]:
        item = self.members.get(member)
        if item is None:
            raise ActlabError(f"{self.path}: no {member!r} batch in it")
        if isinstance(item, Path):
            return item.read_bytes(), str(item)
        return item, f"{self.path}:{member}"


def load(path: Path | None, *, name: str = "cifar10", **_: Any) -> Dataset:
    """The official 50,000/10,000 split, per-channel standardised, flattened to 3,072 features."""
    assert path is not None
    if not path.exists():
        raise ActlabError(f"{path}: no such file or directory")
    train_members, test_member, label_key, meta_member, names_key = LAYOUTS[name]
    n_classes = N_CLASSES[name]
    source = _Source(path)
    parts = [_batch(*source.read(m), label_key, n_classes) for m in train_members]
    x_test, y_test = _batch(*source.read(test_member), label_key, n_classes)
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    return Dataset(
        name=name,
        kind="classification",
        x_train=_normalise(x_train),
        y_train=y_train,
        x_test=_normalise(x_test),
        y_test=y_test,
        classes=_class_names(source, meta_member, names_key, n_classes),
        image_shape=(3, 32, 32),
        source=str(path),
    )


def _normalise(images: np.ndarray) -> np.ndarray:
    """uint8 (n, 3072) in channel-major order -> float32, standardised per channel."""
    x = images.reshape(-1, 3, 1024).astype(np.float32) / np.float32(255.0)
    x = (x - CHANNEL_MEAN[:, None]) / CHANNEL_STD[:, None]
    return x.reshape(-1, 3072)


def _class_names(source: _Source, member: str, key: str, n: int) -> tuple[str, ...]:
    if member not in source.members:
        return tuple(str(i) for i in range(n))
    meta = unpickle(*source.read(member))
    names = meta.get(key)
    if not isinstance(names, list) or len(names) != n:
        raise ActlabError(f"{source.path}: {member} should list {n} names under {key!r}")
    return tuple(v.decode() if isinstance(v, bytes) else str(v) for v in names)
