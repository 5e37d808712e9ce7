"""Small datasets the engine's experiments use: digits (embedded in scikit-learn) and 2-D toys.

Kept private and tiny on purpose: the playground owns the full TensorFlow-Playground generators.
Every generator is seeded and returns ``(X, y)`` with ``X`` float64 (n, d) and ``y`` int labels.
"""

from __future__ import annotations

import numpy as np

from actlab.errors import ActlabError


def xor(n: int = 400, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-1, 1]^2, label 1 where x1 and x2 have the same sign (not linearly separable)."""
    rng = rng or np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(n, 2))
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.int64)


def circle(n: int = 400, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-1, 1]^2, label 1 inside the circle of radius 0.6 (about half the points)."""
    rng = rng or np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(n, 2))
    return x, (np.hypot(x[:, 0], x[:, 1]) < 0.6).astype(np.int64)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 digits (1797 x 64, ten classes), standardised per pixel."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ActlabError(
            "the digits dataset needs scikit-learn (pip install actlab[data])"
        ) from None
    x, y = load_digits(return_X_y=True)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    return x, y.astype(np.int64)


DATASETS = {"digits": digits, "xor": xor, "circle": circle}


def load(name: str, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A dataset by name."""
    if name not in DATASETS:
        raise ActlabError(f"unknown dataset {name!r} (choose from {', '.join(DATASETS)})")
    if name == "digits":
        return digits()
    return DATASETS[name](rng=rng)  # type: ignore[call-arg]
