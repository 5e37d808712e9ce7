"""scikit-learn's ``load_digits``: 1,797 8x8 handwritten digits, shipped with scikit-learn.

The embedded default: no file, no network. Features are standardised (statistics from the
training part), the split is stratified, 25% test, fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.data._prep import standardize, stratified_split
from actlab.errors import ActlabError

#: the fixed split: a quarter for testing, drawn once with this seed
TEST_FRACTION = 0.25
SPLIT_SEED = 0


def load(path: Path | None, *, name: str = "digits", **_: Any) -> Dataset:
    """The digits arrays: 1,347 training and 450 test examples, 64 standardised features."""
    if path is not None:
        raise ActlabError("digits is embedded in scikit-learn; it takes no --data PATH")
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ActlabError("digits needs scikit-learn: pip install 'actlab[data]'") from None
    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    train, test = stratified_split(y, TEST_FRACTION, SPLIT_SEED)
    x_train, x_test = standardize(x[train], x[test])
    return Dataset(
        name=name,
        kind="classification",
        x_train=x_train,
        y_train=y[train],
        x_test=x_test,
        y_test=y[test],
        classes=tuple(str(i) for i in range(10)),
        image_shape=(1, 8, 8),
        source="scikit-learn load_digits (embedded)",
    )
