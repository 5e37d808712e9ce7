"""The high-precision reference lives in the library (``actlab.analysis.accuracy``) so the docs
generator (``benchmarks/ulp_table.py``) measures exactly what the tests assert.

``reference`` is memoised for the test session: the catalog's accuracy tests and the formula
corpus (a hand-written form against its catalog twin) ask for the same record's exact values on
the same grid, and mpmath's erf forms take seconds per grid."""

from collections.abc import Mapping
from typing import Any

import mpmath
import numpy as np

from actlab.analysis.accuracy import _X, _compiled, grid, ulp_error
from actlab.analysis.accuracy import reference as _reference

__all__ = ["_X", "_compiled", "grid", "reference", "ulp_error"]

_MEMO: dict[tuple[Any, ...], list[mpmath.mpf]] = {}


def reference(
    record: Any, params: Mapping[str, float], xs: np.ndarray, derivative: bool
) -> list[mpmath.mpf]:
    """``actlab.analysis.accuracy.reference``, computed once per record, parameters, points and
    side (a copy of the list each time: callers may change theirs)."""
    xs = np.asarray(xs)
    key = (record.name, tuple(sorted(params.items())), xs.dtype.str, xs.tobytes(), derivative)
    if key not in _MEMO:
        _MEMO[key] = _reference(record, params, xs, derivative)
    return list(_MEMO[key])
