"""The datasets the engine's experiments use, by name: views of :mod:`actlab.data`'s digits and
of two of TF Playground's 2-D sets (:mod:`actlab.data.toy`), scaled for these experiments.

Every loader is seeded and returns ``(X, y)`` with ``X`` float64 (n, d) and ``y`` int labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.registry import Registry


def _playground(
    name: str, n: int, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray]:
    from actlab.data.toy import BOX, generate

    x, y = generate(name, n, noise=0, rng=rng or np.random.default_rng(0))
    # TF Playground draws in [-6, 6]^2; the engine's experiments like inputs of order 1
    return x / BOX, y.astype(np.int64)


def xor(n: int = 400, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """TF Playground's XOR (scaled to [-1, 1]^2): the label is whether x1 and x2 share a sign."""
    return _playground("xor", n, rng)


def circle(n: int = 400, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """TF Playground's circle (scaled to [-1, 1]^2): a disc of one class inside a ring."""
    return _playground("circle", n, rng)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (1797 x 64, ten classes) from the dataset registry, its train and
    test parts together (these experiments measure gradients and speed, not test accuracy)."""
    from actlab import data

    ds = data.load("digits")
    x = np.concatenate([ds.x_train, ds.x_test]).astype(np.float64)
    return x, np.concatenate([ds.y_train, ds.y_test]).astype(np.int64)


@dataclass(frozen=True)
class ExperimentSet:
    """A dataset of the experiments: ``draw(rng)`` gives ``(X, y)``."""

    name: str
    draw: Callable[[np.random.Generator | None], tuple[np.ndarray, np.ndarray]]


#: the experiments' datasets by name (``actlab gradients --dataset``)
DATASETS: Registry[ExperimentSet] = Registry(
    "dataset",
    (
        ExperimentSet("digits", lambda rng: digits()),  # fixed data: no draw to seed
        ExperimentSet("xor", lambda rng: xor(rng=rng)),
        ExperimentSet("circle", lambda rng: circle(rng=rng)),
    ),
)


def load(name: str, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A dataset by name."""
    return DATASETS.lookup(name).draw(rng)
