"""scikit-learn's ``load_digits``: 1,797 8x8 handwritten digits, shipped with scikit-learn.

The embedded default: no file, no network. Features are standardised (statistics from the
training part), the split is stratified, 25% test, fixed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from actlab.data import Dataset
from actlab.data._prep import standardize, stratified_split
from actlab.errors import ActlabError

#: the fixed split: a quarter for testing, drawn once with this seed
TEST_FRACTION = 0.25
SPLIT_SEED = 0


def _read() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 rows of scikit-learn's digits.csv.gz (pixels, then the label).

    Read straight from the installed package's data file: importing scikit-learn itself costs
    seconds, the file a few milliseconds. ``load_digits`` reads the same file the same way.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ActlabError("digits needs scikit-learn: pip install 'actlab[data]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        from sklearn.datasets import load_digits  # a layout we don't know: ask sklearn

        bunch = load_digits()
        return np.asarray(bunch.data, np.float64), np.asarray(bunch.target, np.int64)
    table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    return table[:, :-1], table[:, -1].astype(np.int64)


def load(path: Path | None, *, name: str = "digits", **_: Any) -> Dataset:
    """The digits arrays: 1,347 training and 450 test examples, 64 standardised features."""
    if path is not None:
        raise ActlabError("digits is embedded in scikit-learn; it takes no --data PATH")
    x, y = _read()
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
