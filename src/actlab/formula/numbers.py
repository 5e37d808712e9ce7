"""The number systems a formula is evaluated in with an error bound: NumPy floats and mpmath.

Each system supplies arrays of values, the elementary functions, and the constants the bound
rules of :mod:`actlab.formula.bounds` need: the unit roundoff ``u`` of one arithmetic operation,
the absolute error ``eta`` an operation can add in the subnormal range, and ``lib`` (in units of
``u``), the largest error a library function is allowed to have. Soundness of every bound rests on
these three facts, so they are stated here once:

- ``+ - * / sqrt`` are correctly rounded (IEEE 754 for NumPy floats; mpmath rounds every
  operation to nearest at its working precision): error <= u|result| + eta.
- NumPy's transcendental functions (float64: NumPy's SIMD loops or the C library; long double:
  glibc's ``expl``, ``logl``, ...) are within ``lib = 16`` ulp. glibc documents at most 3 ulp for
  the functions used here and NumPy's SIMD loops at most 4, so 16 is a margin of four; the tests
  compare every function against mpmath on the whole range.
- mpmath's functions run at 24 bits above the working precision and are then rounded to it, so
  ``lib = 4`` leaves a margin of 2^20 over mpmath's own (sub-ulp) accuracy.

erf and erfc have no long double loop in NumPy: both float systems call SciPy in float64 and carry
float64's error (``erf_error``), so formulas with erf reach mpmath for float64 output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import scipy.special
import sympy as sp

#: NumPy's extended type where it is wider than float64 (x86: 64-bit significand), else None
LONG = np.longdouble if np.finfo(np.longdouble).nmant > 52 else None
_U64 = 2.0**-53
#: beyond this an argument of exp is past every float format by far (and slow for mpmath)
_HUGE = mpmath.mpf(2) ** 4096


class FloatSystem:
    """NumPy arrays of one float dtype (float64 or long double)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype).type
        info = np.finfo(self.dtype)
        self.name = np.dtype(dtype).name
        self.u = self.dtype(info.epsneg)  # 2^-(p): half an ulp of 1
        self.eta = self.dtype(info.smallest_subnormal)
        self.lib = 16
        #: bound f' by evaluating it at the interval's end (False: cheap rules for small errors)
        self.endpoints = False
        #: bounds are computed with rounding too: every rule scales its bound by this
        self.grow = self.dtype(1) + 256 * self.u
        self.inf = self.dtype(np.inf)

    def array(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=self.dtype)

    def scalar(self, value: float) -> Any:
        return self.dtype(value)

    def constant(self, expr: Any) -> tuple[Any, bool]:
        """A SymPy number in this system and whether it is exact."""
        expr = _binary(expr)
        if isinstance(expr, sp.Rational) and _dyadic(expr) and abs(expr.p) < 2**52:
            return self.dtype(float(expr)), True
        return self.dtype(str(sp.Float(expr, 40))), False

    def boolean(self, a: Any) -> np.ndarray:
        return np.asarray(a, dtype=bool)

    def finite(self, a: Any) -> np.ndarray:
        return np.isfinite(a)

    def nan(self, a: Any) -> np.ndarray:
        return np.isnan(a)

    def to_float(self, a: Any, dtype: Any) -> np.ndarray:
        return np.asarray(a).astype(dtype)

    def reciprocal(self, a: Any) -> Any:
        return 1 / a

    def compare_array(self, a: np.ndarray) -> np.ndarray:
        """A float array (float32/float64) in this system, exactly."""
        return a.astype(self.dtype)

    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    sqrt = staticmethod(np.sqrt)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tan = staticmethod(np.tan)
    tanh = staticmethod(np.tanh)
    sinh = staticmethod(np.sinh)
    cosh = staticmethod(np.cosh)
    atan = staticmethod(np.arctan)

    def sigmoid(self, t: Any) -> Any:
        # e = exp(-|t|) never overflows; 3 roundings after exp (lib_composite covers them)
        e = np.exp(-np.abs(t))
        return np.where(t >= 0, 1.0, e) / (1.0 + e)

    def log1pexp(self, t: Any) -> Any:
        return np.logaddexp(self.dtype(0), t)

    def sech(self, t: Any) -> Any:
        return 1.0 / np.cosh(t)

    def erf(self, t: Any) -> Any:
        return scipy.special.erf(np.asarray(t, dtype=np.float64)).astype(self.dtype)

    def erfc(self, t: Any) -> Any:
        return scipy.special.erfc(np.asarray(t, dtype=np.float64)).astype(self.dtype)

    def erf_error(self, t: Any, value: Any, complement: bool) -> Any:
        """A bound on |computed - exact| of erf/erfc(t) (float64 arithmetic inside SciPy): the
        argument's rounding to float64 (amplified by 2t^2 in erfc's tail) plus 64 float64 ulp."""
        scale = 64 + 4 * t * t if complement else 64
        return np.abs(value) * (scale * _U64) + 1e-300


def _binary(expr: Any) -> Any:
    """A SymPy Float as the rational it holds exactly (a catalog parameter, -1.0 or 0.01, is a
    binary number: exact in every system, not a decimal known to u); anything else as it is."""
    return sp.Rational(expr) if isinstance(expr, sp.Float) and expr.is_finite else expr


def _dyadic(r: Any) -> bool:
    return r.q & (r.q - 1) == 0


def _lifted(fn: Callable[..., Any], guard: Callable[[Any], Any] | None = None) -> Any:
    """An mpmath function on object arrays, computed 24 bits above the working precision and
    rounded to it; a failure (mpmath raising on an extreme argument) gives NaN: uncertain."""

    def one(t: Any) -> Any:
        if guard is not None:
            special = guard(t)
            if special is not None:
                return special
        try:
            with mpmath.workprec(mpmath.mp.prec + 24):
                value = fn(t)
        except (OverflowError, ValueError, ZeroDivisionError, MemoryError):
            return mpmath.nan
        if isinstance(value, mpmath.mpc):  # log, sqrt of a negative number: not real
            return mpmath.nan
        return +value

    return np.frompyfunc(one, 1, 1)


def _huge(t: Any) -> bool:
    return bool(mpmath.isfinite(t)) and abs(t) > _HUGE


def _limits(low: Any, high: Any) -> Callable[[Any], Any]:
    """A guard giving f's limits for |t| > 2^4096, where f is within 2^-(2^4096) of them (exp
    and its kin): no float format sees that difference, and nothing can magnify it back into
    range, as a factor that large is infinite (uncertain) itself. None: compute normally."""

    def guard(t: Any) -> Any:
        if not _huge(t):
            return None
        return high(t) if t > 0 else low(t)

    return guard


def _periodic(t: Any) -> Any:
    """sin, cos, tan: NaN (uncertain) for |t| beyond 2^prec, where t's own rounding is more than
    a period and the value is spent effort; below, mpmath reduces t exactly (sin(e^x) at
    x = 2840, e^x = 2^4097, settles at 8192 bits; a fixed 2^4096 cut had left it to the plain
    kernel's value)."""
    if mpmath.isfinite(t) and abs(t) > mpmath.ldexp(1, mpmath.mp.prec):
        return mpmath.nan
    return None


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda t: mpmath.mpf(value)


_INF, _ZERO, _ONE = _constant("inf"), _constant(0), _constant(1)
_exp_guard = _limits(_ZERO, _INF)


def _saturating(width: Callable[[int], float]) -> Callable[[Any], Any]:
    """tanh and erf are sign(t) to within 2^-(prec + 8) relative once |t| > width(prec) (and
    mpmath's tanh would build a 2^|t|-bit integer for a large t)."""

    def guard(t: Any) -> Any:
        if mpmath.isfinite(t) and abs(t) > width(mpmath.mp.prec):
            return mpmath.sign(t)
        return None

    return guard


def _exp(t: Any) -> Any:
    """mpmath's exp, which raises e to an integer-valued argument by repeated squaring: for
    |t| ~ 1e300 (an integer in binary) at 1000+ bits that is ~100x its general path (sigmoid of
    1.5 x at x = 1e300 cost 29 ms an element). So e^t = e^(t - 1/2) e^(1/2) there, exactly split."""
    if mpmath.isint(t) and abs(t) > _SQUARING:
        half = mpmath.mpf(0.5)
        return mpmath.exp(mpmath.fadd(t, -half, exact=True)) * mpmath.exp(half)
    return mpmath.exp(t)


def _expm1(t: Any) -> Any:
    """mpmath's expm1, through _exp above 1 (where e^t - 1 doesn't cancel): mpmath's own takes
    its integer path for a huge integer argument (min(0, a (e^(x/a) - 1)) at x = 1e300: 0.1 s)."""
    return _exp(t) - 1 if t > 1 else mpmath.expm1(t)


def _log(t: Any) -> Any:
    """mpmath's log, NaN at 0 (uncertain) instead of -inf: the exact argument may be nonzero at a
    higher precision, and an infinite mpmath value must mean exp's limit (exact._tier)."""
    return mpmath.log(t) if t != 0 else mpmath.nan


def _log1p(t: Any) -> Any:
    """mpmath's log1p, NaN at -1 (as _log)."""
    return mpmath.log1p(t) if t != -1 else mpmath.nan


#: beyond this an integer argument of exp takes the split path
_SQUARING = 2**20


def mp_erfc(t: Any) -> Any:
    """mpmath's erfc, but from |t| = 2^64 on its asymptotic series (mpmath's own raises
    OverflowError from t ~ 1.34e154): erfc(t) = e^{-t^2}/(t sqrt(pi)) sum_n (-1)^n (2n-1)!! /
    (2t^2)^n, alternating with terms that fall by 2^-120 or more each there, so the sum stops
    at the first term below 2^-(prec + 8) and is within that of the exact value."""
    if abs(t) < _ASYMPTOTIC:
        return mpmath.erfc(t)
    if t < 0:
        return 2 - mp_erfc(-t)
    z = 1 / (2 * t * t)
    term = total = mpmath.mpf(1)
    n, small = 1, mpmath.ldexp(1, -(mpmath.mp.prec + 8))
    while abs(term) > small:
        term *= -(2 * n - 1) * z
        total += term
        n += 1
    return _exp(-t * t) / (t * mpmath.sqrt(mpmath.pi)) * total


#: from this |t| on erfc takes its asymptotic series
_ASYMPTOTIC = mpmath.mpf(2) ** 64


def _sinh(t: Any) -> Any:
    return (_exp(t) - _exp(-t)) / 2 if abs(t) > 1 else mpmath.sinh(t)


def _cosh(t: Any) -> Any:
    return (_exp(t) + _exp(-t)) / 2


def _sigmoid(t: Any) -> Any:
    return 1 / (1 + _exp(-t))


def _log1pexp(t: Any) -> Any:
    return t + mpmath.log1p(_exp(-t)) if t > 0 else mpmath.log1p(_exp(t))


def _sech(t: Any) -> Any:
    return 1 / _cosh(t)


def _exact_one(fn: Callable[..., Any]) -> Any:
    def one(a: Any, b: Any, v: Any) -> bool:
        try:
            return bool(mpmath.isfinite(v)) and fn(a, b, exact=True) == v
        except (OverflowError, MemoryError):  # sinh(1e200) + 1 exactly: 2^(1e200) bits
            return False

    return np.frompyfunc(one, 3, 1)


def _exact_reciprocal(a: Any, _: Any, v: Any) -> bool:
    try:
        return bool(mpmath.isfinite(v)) and v != 0 and mpmath.fmul(v, a, exact=True) == 1
    except (OverflowError, MemoryError):
        return False


_EXACT = {
    "add": _exact_one(mpmath.fadd),
    "mul": _exact_one(mpmath.fmul),
    "reciprocal": np.frompyfunc(_exact_reciprocal, 3, 1),
}


class MpSystem:
    """Object arrays of mpmath numbers at a working precision of ``prec`` bits.

    Evaluate under ``mpmath.workprec(prec)``. mpmath's exponent range is unbounded, so nothing
    overflows or underflows (eta = 0) except through the guards above (then NaN: uncertain).
    """

    def __init__(self, prec: int) -> None:
        self.prec = prec
        self.name = f"mpmath {prec}-bit"
        self.eta = 0
        self.lib = 4
        self.endpoints = True
        self._bind(())

    def _bind(self, shape: tuple[int, ...]) -> None:
        # every number is a full-size object array: an mpf on the left of an array would make
        # mpmath try (and fail, slowly, through repr) to convert the whole array first
        self.shape = shape
        self.u = self.scalar(mpmath.ldexp(mpmath.mpf(1), -self.prec))
        self.grow = self.scalar(1 + 256 * mpmath.ldexp(mpmath.mpf(1), -self.prec))
        self.inf = self.scalar(mpmath.inf)

    def array(self, x: Any) -> np.ndarray:
        out = np.empty(np.shape(x), dtype=object)
        out.reshape(-1)[:] = [mpmath.mpf(float(v)) for v in np.asarray(x).reshape(-1)]
        if out.shape != self.shape:
            self._bind(out.shape)
        return out

    def scalar(self, value: Any) -> np.ndarray:
        out = np.empty(self.shape, dtype=object)
        out[...] = mpmath.mpf(value)
        return out

    def exact(self, kind: str, a: Any, b: Any, v: Any) -> np.ndarray:
        """Where ``v``, the rounded sum or product of the exact ``a`` and ``b`` (the reciprocal
        of ``a``), is exact (the product of two floats fits in 106 bits: x^2 at 128 bits has no
        rounding error; 1/2 is 0.5)."""
        return np.asarray(_EXACT[kind](a, b, v)).astype(bool)

    def constant(self, expr: Any) -> tuple[Any, bool]:
        expr = _binary(expr)
        if isinstance(expr, sp.Rational) and _dyadic(expr):
            exact = abs(expr.p) < 2 ** (self.prec - 1)
            return self.scalar(mpmath.mpf(expr.p) / expr.q), exact
        digits = int(self.prec * 0.302) + 20
        return self.scalar(+mpmath.mpf(sp.Float(expr, digits)._mpf_)), False

    def boolean(self, a: Any) -> np.ndarray:
        return np.asarray(a).astype(bool)

    finite_one = np.frompyfunc(lambda t: bool(mpmath.isfinite(t)), 1, 1)
    nan_one = np.frompyfunc(lambda t: bool(mpmath.isnan(t)), 1, 1)

    def finite(self, a: Any) -> np.ndarray:
        return np.asarray(self.finite_one(a)).astype(bool)

    def nan(self, a: Any) -> np.ndarray:
        return np.asarray(self.nan_one(a)).astype(bool)

    reciprocal = np.frompyfunc(lambda t: 1 / t if t != 0 else mpmath.nan, 1, 1)

    def to_float(self, a: Any, dtype: Any) -> np.ndarray:
        flat = [float(t) for t in np.asarray(a, dtype=object).reshape(-1)]
        with np.errstate(over="ignore"):
            return np.array(flat, dtype=np.float64).reshape(np.shape(a)).astype(dtype)

    def compare_array(self, a: np.ndarray) -> np.ndarray:
        return self.array(a)

    exp = _lifted(_exp, _exp_guard)
    expm1 = _lifted(_expm1, _limits(_constant(-1), _INF))
    log = _lifted(_log)
    log1p = _lifted(_log1p)
    sqrt = _lifted(mpmath.sqrt)
    sin = _lifted(mpmath.sin, _periodic)
    cos = _lifted(mpmath.cos, _periodic)
    tan = _lifted(mpmath.tan, _periodic)
    tanh = _lifted(mpmath.tanh, _saturating(lambda p: p + 64))
    sinh = _lifted(_sinh, _limits(_constant("-inf"), _INF))
    cosh = _lifted(_cosh, _limits(_INF, _INF))
    atan = _lifted(mpmath.atan)
    erf = _lifted(mpmath.erf, _saturating(lambda p: p**0.5 + 8))
    erfc = _lifted(mp_erfc, _limits(_constant(2), _ZERO))
    _sigmoid = _lifted(_sigmoid, _limits(_ZERO, _ONE))
    _log1pexp = _lifted(_log1pexp, _limits(_ZERO, lambda t: t))
    _sech = _lifted(_sech, _limits(_ZERO, _ZERO))

    def sigmoid(self, t: Any) -> Any:
        return self._sigmoid(t)

    def log1pexp(self, t: Any) -> Any:
        return self._log1pexp(t)

    def sech(self, t: Any) -> Any:
        return self._sech(t)

    def erf_error(self, t: Any, value: Any, complement: bool) -> Any:
        return np.abs(value) * (self.lib * self.u)
