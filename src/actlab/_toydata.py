"""The datasets the engine's experiments use: digits (embedded in scikit-learn) and two of TF
Playground's 2-D sets (from :mod:`actlab.data.toy`), by name.

Every loader is seeded and returns ``(X, y)`` with ``X`` float64 (n, d) and ``y`` int labels.
"""

from __future__ import annotations

import numpy as np

from actlab.errors import ActlabError


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
