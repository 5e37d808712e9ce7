"""MNIST and Fashion-MNIST from their IDX files (raw or gzip-compressed).

The IDX format (LeCun et al.): two zero bytes, a type code, the number of dimensions ``n``; then
``n`` big-endian uint32 sizes; then the values, big-endian, in C order. Every check below names
the file and what is wrong, because a half-downloaded ``.gz`` is the usual way this goes wrong.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.errors import ActlabError

#: IDX type code -> big-endian NumPy dtype
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: the four files of a distribution, by role, under their official names
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed when it is gzip (recognised by its magic, not its name)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ActlabError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ActlabError(f"{path}: corrupt or truncated gzip data ({exc})") from None


def parse_idx(data: bytes, path: Path | str) -> np.ndarray:
    """An IDX byte string as a native-endian array; any inconsistency raises ActlabError.

    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "x").tolist()
    [7, 9]
    """
    if len(data) < 4:
        raise ActlabError(f"{path}: not an IDX file (only {len(data)} bytes)")
    if data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES or data[3] == 0:
        raise ActlabError(f"{path}: not an IDX file (bad magic number 0x{data[:4].hex()})")
    dtype, ndim = IDX_TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ActlabError(f"{path}: truncated IDX header ({len(data)} of {header} bytes)")
    shape = tuple(int(v) for v in np.frombuffer(data, ">u4", ndim, 4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) < expected:
        raise ActlabError(
            f"{path}: truncated: the header promises shape {shape} ({expected} bytes), "
            f"the file has {len(data)}"
        )
    if len(data) > expected:
        raise ActlabError(
            f"{path}: {len(data) - expected} unexpected bytes after the data of shape {shape}"
        )
    values: np.ndarray = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return values.astype(values.dtype.newbyteorder("="))


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (raw or .gz)."""
    return parse_idx(read_bytes(path), path)


def find_file(directory: Path, stem: str) -> Path:
    """The file for ``stem`` in ``directory`` or below it (torchvision keeps them in MNIST/raw).

    Accepts the official name, the same with ``.gz``, and the variant with a dot before
    ``idx`` that some unpackers produce.
    """
    variants = {stem, stem.replace("-idx", ".idx")}
    candidates = [v + ext for v in sorted(variants) for ext in ("", ".gz")]
    for depth in range(3):
        for name in candidates:
            hits = sorted(directory.glob("/".join(["*"] * depth + [name])))
            if hits:
                return hits[0]
    raise ActlabError(f"{directory}: no {stem}[.gz] in this directory (or the two below it)")


def load_pair(
    images_path: Path, labels_path: Path, n_classes: int
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Images as (n, 784) float32 in [0, 1] and labels as int64, checked against each other."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise ActlabError(f"{images_path}: expected 3-D images (n, rows, cols), got {images.shape}")
    if labels.ndim != 1:
        raise ActlabError(f"{labels_path}: expected 1-D labels, got shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ActlabError(
            f"{images_path}: {images.shape[0]} images but {labels_path.name} has "
            f"{labels.shape[0]} labels"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ActlabError(
            f"{labels_path}: labels must be 0..{n_classes - 1}, found {int(labels.max())}"
        )
    # pixel intensities 0..255 -> [0, 1]; centred later, with the training set's statistics
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    flat = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(scale)
    return flat, labels.astype(np.int64), images.shape[1:]


def load(path: Path | None, *, name: str = "mnist", **_: Any) -> Dataset:
    """The official 60,000/10,000 split from a directory holding the four IDX files."""
    assert path is not None
    if not path.is_dir():
        raise ActlabError(f"{path}: not a directory (--data should name the folder of IDX files)")
    found = {role: find_file(path, stem) for role, stem in FILES.items()}
    classes = FASHION_CLASSES if name == "fashion_mnist" else tuple(str(i) for i in range(10))
    x_train, y_train, shape = load_pair(found["train_images"], found["train_labels"], len(classes))
    x_test, y_test, test_shape = load_pair(found["test_images"], found["test_labels"], len(classes))
    if shape != test_shape:
        raise ActlabError(
            f"{found['test_images']}: images are {test_shape}, the training images {shape}"
        )
    # one mean and one standard deviation over all training pixels (MNIST's are the familiar
    # 0.1307 and 0.3081): zero-centred inputs, which tanh and sigmoid networks need to be fair
    mean, std = float(x_train.mean()), float(x_train.std()) or 1.0
    return Dataset(
        name=name,
        kind="classification",
        x_train=(x_train - np.float32(mean)) / np.float32(std),
        y_train=y_train,
        x_test=(x_test - np.float32(mean)) / np.float32(std),
        y_test=y_test,
        classes=classes,
        image_shape=(1, *shape),
        source=str(path),
    )
