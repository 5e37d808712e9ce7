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
    modules = [{"tanh": _tanh, "erfc": _erfc}, "mpmath"]
    return (sp.lambdify(_X, expr, modules), sp.lambdify(_X, deriv, modules))


def _tanh(y: mpmath.mpf) -> mpmath.mpf:
    # mpmath's tanh builds a 2^|y|-bit integer for huge y (tanh(exp(1e4)) runs out of memory);
    # beyond |y| = prec, tanh(y) is +-1 to the working precision
    if abs(y) > 10**6:
        return mpmath.sign(y)  # 1 - tanh|y| < 1e-868000: below any precision used here
    if abs(y) > mpmath.mp.prec:
        return mpmath.sign(y) * (1 - 2 * mpmath.exp(-2 * abs(y)))
    return mpmath.tanh(y)


def _erfc(z: mpmath.mpf) -> mpmath.mpf:
    # mpmath's erfc raises OverflowError for z > ~1e77 (and SymPy writes erfc(-x) as 2 - erfc(x));
    # far out the asymptotic series is exact to 1e-48 relative
    if z > 10**8:
        inv = 1 / (2 * z * z)
        return mpmath.exp(-z * z) / (z * mpmath.sqrt(mpmath.pi)) * (1 - inv + 3 * inv**2)
    return mpmath.erfc(z)


def reference(
    record: Activation, params: Mapping[str, float], xs: np.ndarray, derivative: bool
) -> list[mpmath.mpf]:
    """The exact value of f (or f') at each finite x, as mpmath numbers (NaN when undefined)."""
    fn = _compiled(record, tuple(sorted(params.items())))[1 if derivative else 0]
    return [_adaptive(fn, float(x)) for x in xs]


def _adaptive(fn: Callable, x: float) -> mpmath.mpf:
    # 1 + e^x rounds to 1 below -2.3*dps (and 1 - erf(x) below -1.5 sqrt(dps)): start precise
    # enough that e^x or e^{-x^2/2} survives wherever it still matters, or two low precisions
    # agree on the same wrong value
    start = 40 + int(min(max(abs(x), x * x / 2), 800.0) / 2.3)
    previous = None
    for dps in (start, 2 * start, max(4 * start, 1280)):
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
        with np.errstate(over="ignore"):  # beyond the dtype's max the exact value rounds to inf
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
