"""High-precision reference values from each record's symbolic form (SymPy -> mpmath).

The precision adapts: each value is computed at increasing precision until two successive
precisions agree, so cancellation (1 - tanh(x)^2 at x = 300, 1 + erf(-20)) can't fool it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping

import mpmath
import numpy as np
import sympy as sp

from actlab.catalog import Activation

_X = sp.Symbol("x", real=True)


@functools.cache
def _compiled(
    record: Activation, params: tuple[tuple[str, float], ...]
) -> tuple[Callable, Callable]:
    p = {k: sp.Float(v, 60) if v != int(v) else sp.Integer(int(v)) for k, v in params}
    expr = record.symbolic(sp, _X, p)
    deriv = sp.diff(expr, _X)
    return (sp.lambdify(_X, expr, "mpmath"), sp.lambdify(_X, deriv, "mpmath"))


def reference(
    record: Activation, params: Mapping[str, float], xs: np.ndarray, derivative: bool
) -> list[mpmath.mpf]:
    """The exact value of f (or f') at each finite x, as mpmath numbers (NaN when undefined)."""
    fn = _compiled(record, tuple(sorted(params.items())))[1 if derivative else 0]
    return [_adaptive(fn, float(x)) for x in xs]


def _adaptive(fn: Callable, x: float) -> mpmath.mpf:
    previous = None
    for dps in (40, 80, 160, 320, 640, 1280):
        with mpmath.workdps(dps):
            try:
                value = mpmath.mpf(fn(mpmath.mpf(x)))
            except (ZeroDivisionError, ValueError, OverflowError):
                return mpmath.mpf("nan")
            if previous is not None and _agree(previous, value):
                return value
            previous = value
    return previous  # type: ignore[return-value]


def _agree(a: mpmath.mpf, b: mpmath.mpf) -> bool:
    if mpmath.isnan(a) or mpmath.isnan(b):
        return bool(mpmath.isnan(a) and mpmath.isnan(b))
    if a == 0 or b == 0:
        return False  # an exact zero may be cancellation: confirm it at the highest precision
    return bool(abs(a - b) <= abs(b) * mpmath.mpf(10) ** -30)


def ulp_error(got: np.ndarray, ref: list[mpmath.mpf], dtype: type) -> np.ndarray:
    """Error of each ``got`` in units in the last place of the exact value, for the dtype.

    Where the exact value is subnormal or zero in this dtype the error is measured in units of the
    smallest normal's ulp (an absolute error); where it overflows, ``got`` must be the infinity.
    NaN reference must give NaN. Mismatches of kind give ``inf``.
    """
    info = np.finfo(dtype)
    tiny_ulp = float(np.spacing(info.tiny.astype(dtype)))
    errors = np.zeros(len(ref))
    for i, (g, r) in enumerate(zip(got.astype(np.float64), ref)):
        if mpmath.isnan(r):
            errors[i] = 0.0 if math.isnan(g) else math.inf
            continue
        with np.errstate(over="ignore"):  # an exact value beyond the dtype's range rounds to inf
            rounded = (
                dtype(float(r))
                if abs(r) < mpmath.mpf(10) ** 400
                else dtype(math.copysign(math.inf, r))
            )
        if np.isinf(rounded):
            errors[i] = 0.0 if g == rounded else math.inf
            continue
        if math.isnan(g) or math.isinf(g):
            errors[i] = math.inf
            continue
        unit = max(float(np.spacing(np.abs(rounded))), tiny_ulp)
        if abs(r) < info.tiny:
            unit = tiny_ulp
        errors[i] = float(abs(mpmath.mpf(g) - r) / unit)
    return errors
