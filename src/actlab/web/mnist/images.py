"""The page's datasets as images, and the random crops the network trains on.

ConvNetJS's demo feeds random 24x24 crops of MNIST's 28x28 digits and averages the test
prediction over four random crops. Each dataset here says how to crop it: MNIST and Fashion-MNIST
as ConvNetJS (no padding, 24x24), the embedded 8x8 digits padded by one pixel and cropped back to
8x8 (a shift of up to one pixel each way), CIFAR-10 padded by two and cropped to 32x32.

Pixels are kept as uint8 (MNIST's 60,000 images take 47 MB, not 188) and standardised per batch
with the training set's per-channel mean and standard deviation. A loaded dataset is shared by
every session (it is read-only).

>>> im = load("digits")
>>> im.pixels_train.shape, im.crop, im.n_classes
((1213, 1, 8, 8), 8, 10)
>>> batch = im.batch(np.arange(4), np.random.default_rng(0))
>>> batch.shape, batch.dtype
((4, 1, 8, 8), dtype('float32'))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actlab import data
from actlab.errors import ActlabError

#: name -> (padding, crop side, summary); the order is the page's menu
DATASETS: dict[str, tuple[int, int, str]] = {
    "digits": (1, 8, "8x8 digits from scikit-learn (embedded)"),
    "mnist": (0, 24, "MNIST 28x28 digits, 24x24 crops (as ConvNetJS)"),
    "fashion_mnist": (0, 24, "Fashion-MNIST 28x28, 24x24 crops"),
    "cifar10": (2, 32, "CIFAR-10 32x32 colour, shifted up to 2 pixels"),
}
#: share of the training images held out for the validation accuracy
VALIDATION_SHARE = 0.1


@dataclass(frozen=True)
class Images:
    """A dataset as uint8 images (n, channels, height, width) with its crop rule."""

    name: str
    classes: tuple[str, ...]
    pixels_train: np.ndarray
    y_train: np.ndarray
    pixels_val: np.ndarray
    y_val: np.ndarray
    pixels_test: np.ndarray
    y_test: np.ndarray
    #: pixel value of full intensity (255, or 16 for digits)
    scale: float
    #: zero pixels added on each side before cropping
    pad: int
    #: side of the square crops the network sees
    crop: int
    #: per-channel mean and standard deviation of the training pixels, in [0, 1] units
    mean: np.ndarray
    std: np.ndarray
    source: str

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def channels(self) -> int:
        return int(self.pixels_train.shape[1])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """What the network sees: (channels, crop, crop)."""
        return (self.channels, self.crop, self.crop)

    def standardise(self, pixels: np.ndarray) -> np.ndarray:
        """uint8 or [0, scale] pixels -> float32 with zero mean, unit variance per channel."""
        x = pixels.astype(np.float32) / np.float32(self.scale)
        return (x - self.mean[:, None, None]) / self.std[:, None, None]

    def batch(
        self,
        index: np.ndarray,
        rng: np.random.Generator | None,
        split: str = "train",
    ) -> np.ndarray:
        """Standardised crops of the images ``index`` of a split: random with ``rng``, else
        the centre crop. Shape (len(index), channels, crop, crop), float32."""
        pixels = {"train": self.pixels_train, "val": self.pixels_val, "test": self.pixels_test}
        return self.standardise(crops(pixels[split][index], self.pad, self.crop, rng))


def crops(images: np.ndarray, pad: int, side: int, rng: np.random.Generator | None) -> np.ndarray:
    """Square crops of ``side`` from images (n, c, h, w) padded with ``pad`` zeros each side:
    at random offsets with ``rng``, else centred. One gather, no Python loop."""
    n, c, h, w = images.shape
    if pad:
        images = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        h, w = h + 2 * pad, w + 2 * pad
    if rng is None:
        oy = np.full(n, (h - side) // 2)
        ox = np.full(n, (w - side) // 2)
    else:
        oy = rng.integers(0, h - side + 1, n)
        ox = rng.integers(0, w - side + 1, n)
    span = np.arange(side)
    rows = (oy[:, None] + span)[:, None, :, None]  # (n, 1, side, 1)
    cols = (ox[:, None] + span)[:, None, None, :]  # (n, 1, 1, side)
    return images[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]


def available(root: Path | None) -> dict[str, str]:
    """Each dataset's name -> "" when it can be loaded, else one line saying why not."""
    out = {}
    for name in DATASETS:
        folder = _folder(name, root)
        if name == "digits":
            out[name] = ""
        elif folder is None:
            out[name] = f"no {name} files: run 'actlab data download {name}' or pass --data"
        else:
            out[name] = ""
    return out


def _folder(name: str, root: Path | None) -> Path | None:
    """Where a dataset's files are: ROOT/NAME, ROOT itself when it holds MNIST's IDX files, or
    the data cache (``actlab data download``)."""
    candidates = []
    if root is not None:
        candidates.append(root / name)
        if name == "mnist":
            candidates.append(root)
    candidates.append(data.default_dir(name))
    for folder in candidates:
        if folder.is_dir() and (name == "cifar10" or any(folder.glob("train-images-idx3-ubyte*"))):
            return folder
        if name == "cifar10" and folder.with_suffix(".tar.gz").is_file():
            return folder.with_suffix(".tar.gz")
    return None


def load(name: str, root: Path | None = None) -> Images:
    """The dataset ``name`` (see :data:`DATASETS`), from ``root`` or the data cache."""
    if name not in DATASETS:
        raise ActlabError(f"dataset: expected one of {', '.join(DATASETS)}, got {name!r}")
    return _load(name, None if root is None else Path(root).resolve())


@functools.lru_cache(maxsize=4)
def _load(name: str, root: Path | None) -> Images:
    if name == "digits":
        from actlab.data import _prep, digits

        x, y = digits._read()  # raw 0..16 pixels; the Dataset's are standardised per pixel
        train, test = _prep.stratified_split(y, digits.TEST_FRACTION, digits.SPLIT_SEED)
        pixels = x.reshape(-1, 1, 8, 8).astype(np.uint8)
        return _images(
            name,
            tuple(map(str, range(10))),
            pixels[train],
            y[train],
            pixels[test],
            y[test],
            16.0,
            "scikit-learn load_digits (embedded)",
        )
    folder = _folder(name, root)
    if folder is None:
        raise ActlabError(available(root)[name])
    if name == "cifar10":
        from actlab.data import cifar

        ds = data.load("cifar10", folder)
        mean, std = cifar.CHANNEL_MEAN[:, None], cifar.CHANNEL_STD[:, None]

        def raw(x: np.ndarray) -> np.ndarray:
            back = x.reshape(-1, 3, 1024) * std + mean  # undo the loader's standardisation
            return np.clip(np.rint(back * 255), 0, 255).astype(np.uint8).reshape(-1, 3, 32, 32)

        return _images(
            name,
            ds.classes,
            raw(ds.x_train),
            ds.y_train,
            raw(ds.x_test),
            ds.y_test,
            255.0,
            str(folder),
        )
    from actlab.data import idx

    found = {role: idx.find_file(folder, stem) for role, stem in idx.FILES.items()}
    classes = idx.FASHION_CLASSES if name == "fashion_mnist" else tuple(map(str, range(10)))
    parts = []
    for kind in ("train", "test"):
        images = idx.read_idx(found[f"{kind}_images"])
        labels = idx.read_idx(found[f"{kind}_labels"])
        if images.ndim != 3 or images.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ActlabError(
                f"{found[f'{kind}_images']}: expected uint8 images (n, 28, 28) with one label each"
            )
        if labels.size and int(labels.max()) >= len(classes):
            raise ActlabError(f"{found[f'{kind}_labels']}: labels must be 0..{len(classes) - 1}")
        parts += [images[:, None], labels.astype(np.int64)]
    train, y_train, test, y_test = parts
    return _images(name, classes, train, y_train, test, y_test, 255.0, str(folder))


def _images(
    name: str,
    classes: tuple[str, ...],
    train: np.ndarray,
    y_train: np.ndarray,
    test: np.ndarray,
    y_test: np.ndarray,
    scale: float,
    source: str,
) -> Images:
    pad, crop, _ = DATASETS[name]
    if len(train) < 10 or len(test) < 1:
        raise ActlabError(f"{name}: too few images ({len(train)} train, {len(test)} test)")
    if crop > train.shape[2] + 2 * pad or crop > train.shape[3] + 2 * pad:
        raise ActlabError(f"{name}: images are {train.shape[2]}x{train.shape[3]}, not {crop}+")
    order = np.random.default_rng(0).permutation(len(train))  # a fixed validation split
    n_val = max(1, int(len(train) * VALIDATION_SHARE))
    val, fit = np.sort(order[:n_val]), np.sort(order[n_val:])
    x = train[fit].astype(np.float32) / np.float32(scale)
    mean = x.mean(axis=(0, 2, 3)).astype(np.float32)
    std = np.maximum(x.std(axis=(0, 2, 3)), 1e-3).astype(np.float32)
    return Images(
        name,
        classes,
        np.ascontiguousarray(train[fit]),
        y_train[fit],
        np.ascontiguousarray(train[val]),
        y_train[val],
        np.ascontiguousarray(test),
        y_test,
        scale,
        pad,
        crop,
        mean,
        std,
        source,
    )
