"""Accuracy in ulp against a high-precision reference from each record's symbolic form.

The reference is SymPy -> mpmath, at adaptive precision: each value is computed at increasing
precision until two successive precisions agree, so cancellation (1 - tanh(x)^2 at x = 300,
1 + erf(-20)) can't fool it. The tests (``tests/test_catalog_accuracy.py``) assert <= 4 ulp with
it; :func:`measure` reports the worst case per activation for ``docs/accuracy.md``.

SymPy and mpmath are imported here, so import this module only when you need it.

>>> rows = measure(actlab.lookup("sigmoid"))  # doctest: +SKIP
>>> [(r.which, r.dtype, r.worst_ulp <= 4) for r in rows][:1]
[('forward', 'float32', True)]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp

import actlab
from actlab.catalog import Activation

_X = sp.Symbol("x", real=True)


@functools.cache
def _compiled(
    record: Activation, params: tuple[tuple[str, float], ...]
) -> tuple[Callable, Callable]:
    expr = _log1p(_symbolic(record, params))
    return _to_mpmath(expr, _log1p(sp.diff(expr, _X)))


@functools.cache
def _collected(
    record: Activation, params: tuple[tuple[str, float], ...]
) -> tuple[Callable, Callable] | None:
    """A formula's forward and derivative with each sum collected (:mod:`actlab.formula.forms`),
    for mpmath: a sum that cancels as written (2 - erfc(-u) - 1 ...) is one that does not
    (erfc(u)); None where collecting changes nothing."""
    from actlab.formula import forms

    form = forms.collected(_symbolic(record, params))
    if form is None:
        return None
    slope = forms.collected_slope(form)
    return _to_mpmath(form, sp.nan if slope is None else slope)


def _symbolic(record: Activation, params: tuple[tuple[str, float], ...]) -> Any:
    """The record's symbolic form at ``params``, with |u|' as the kernels take it
    (:func:`actlab.formula.functions.our_abs`: softsign(erfc(x^1.5))' had no reference value,
    mpmath took SymPy's re() and im() through complex values)."""
    from actlab.formula.functions import our_abs

    p = {k: sp.Float(v, 60) if v != int(v) else sp.Integer(int(v)) for k, v in params}
    return our_abs(record.symbolic(sp, _X, p))


def _to_mpmath(expr: Any, deriv: Any) -> tuple[Callable, Callable]:
    """f and f' as mpmath functions of x."""
    modules = [
        {
            "tanh": _tanh,
            "erf": _erf,
            "erfc": _erfc,
            "exp": _exp,
            "real_pow": _real_pow,
            "Log1pExp": lambda v: mpmath.log1p(_exp(v)),
            "sigmoid": lambda v: 1 / (1 + _exp(-v)),
        },
        _REAL_ONLY,
        "mpmath",
    ]
    # SymPy's 1/0 (zoo, from 1/where(x > 0, x, 0)) has no printed form: undefined there
    forward, slope = (
        sp.lambdify(_X, _erf_sums(_real_powers(e).xreplace({sp.zoo: sp.nan})), modules)
        for e in (expr, deriv)
    )
    # branches are picked by comparisons, which are False on NaN: a derivative with branches
    # is checked against f's domain (the others are NaN where f is, by arithmetic, or are the
    # derivative's own value, as in the kernels: log(x)' is 1/x at x = -1)
    if deriv.has(sp.Piecewise, sp.Heaviside, sp.Max, sp.Min):
        slope = _where_defined(forward, slope)
    return forward, slope


def _real_powers(expr: Any) -> Any:
    """Each power with a non-integer exponent of a base in x as ``real_pow`` (below): mpmath's
    (-2)^1.5 is complex, and abs() or a square made it real again (abs(x^1.5) had a value at
    x = -28, where the formula has none)."""
    real_pow = sp.Function("real_pow")
    return expr.replace(
        lambda e: isinstance(e, sp.Pow) and not e.exp.is_integer and e.base.has(_X),
        lambda e: real_pow(e.base, e.exp),
    )


def _real_pow(base: Any, exponent: Any) -> Any:
    """base^exponent, NaN where it is not real (a negative base, a non-integer exponent)."""
    if isinstance(base, mpmath.mpc) or base < 0:
        return mpmath.mpf("nan")
    return base**exponent


def _erf_sums(expr: Any) -> Any:
    """``1 + erf(u)`` as ``erfc(-u)`` and ``1 - erf(u)`` as ``erfc(u)`` (inside ``log1p`` too):
    1 + erf(x) at x = -60 is 10^-1565, past the precisions tried (log1p(erf(x)) read -inf there,
    its exact value -3604.67). ``erfc(-u)`` stays unevaluated (SymPy would write 2 - erfc(u))."""
    from sympy.codegen.cfunctions import log1p

    def erfc_of(term: Any) -> Any:
        """erfc(v) with 1 + term = erfc(v), or None."""
        if isinstance(term, sp.erf):
            return sp.erfc(-term.args[0], evaluate=False)
        if isinstance(-term, sp.erf):
            return sp.erfc((-term).args[0], evaluate=False)
        return None

    def rewrite(e: Any) -> Any:
        if isinstance(e, log1p) and erfc_of(e.args[0]) is not None:
            return sp.log(erfc_of(e.args[0]), evaluate=False)
        if isinstance(e, sp.Add) and sp.Integer(1) in e.args:
            rest = [t for t in e.args if t != 1]
            for i, term in enumerate(rest):
                if erfc_of(term) is not None:
                    others = rest[:i] + rest[i + 1 :]
                    return sp.Add(erfc_of(term), *others, evaluate=False)
        return e

    return expr.replace(lambda e: isinstance(e, (log1p, sp.Add)), rewrite)


def _log1p(expr: Any) -> Any:
    """``log(1 + u)`` as ``log1p(u)``: mpmath rounds 1 + e^-1e300 to 1 at any precision it is
    given, so log(1 + exp(x)) far left was 0 (sinh(x) softplus(x) at -1e300: 0, not -1/2)."""
    from sympy.codegen.cfunctions import log1p

    def one_plus(e: Any) -> bool:
        return isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and 1 in e.args[0].args

    return expr.replace(one_plus, lambda e: log1p(e.args[0] - 1))


def _real_only(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` with NaN where its value is not real: ``log(x) * log(x)`` at x = -1 is undefined in
    the reals, though mpmath's complex (i pi)^2 = -pi^2 would come out real again."""

    def real(y: Any) -> Any:
        value = fn(y)
        if isinstance(value, mpmath.mpc):
            return value.real if value.imag == 0 else mpmath.mpf("nan")
        return value

    return real


def _nan_first(pick: Callable[..., Any]) -> Callable[..., Any]:
    """Python's max/min, but NaN when an operand is NaN (undefined), as NumPy's maximum: the
    builtins skip a NaN or not depending on its position."""

    def extremum(*args: Any) -> Any:
        if any(mpmath.isnan(a) for a in args):
            return mpmath.mpf("nan")
        return pick(*args)

    return extremum


def _past_guard(y: mpmath.mpf) -> bool:
    """|y| beyond 2^4096: exp, sinh, cosh and erf there are at their limits far past any float,
    and mpmath would build numbers it cannot hold."""
    return bool(mpmath.isfinite(y)) and mpmath.mag(y) > 4096


def _sinh(y: mpmath.mpf) -> mpmath.mpf:
    # as _exp: sinh(exp(x)) at x = 1e15 ran out of memory
    if _past_guard(y):
        return mpmath.inf if y > 0 else -mpmath.inf
    return mpmath.sinh(y)


def _cosh(y: mpmath.mpf) -> mpmath.mpf:
    if _past_guard(y):
        return mpmath.inf
    return mpmath.cosh(y)


class _Beyond(ValueError):
    """An argument past the working precision; ``bits`` is what would hold it."""

    def __init__(self, bits: int) -> None:
        super().__init__(f"needs {bits} bits")
        self.bits = bits


#: the most bits the reference climbs to for a periodic function's argument (sin(e^x) up to
#: x = 11356, as the formula tier)
_PERIODIC_BITS = 16384 + 256


def _periodic(fn: Callable) -> Callable:
    """sin, cos, tan, refused (ValueError: no value at this precision) beyond 2^prec, where
    the argument's own rounding is more than a period: mpmath would reduce sin(e^x) at
    x = 1e300 by a 10^300-bit pi (`accuracy --formula "sin(exp(x))"` ran past 10 minutes)."""

    def guarded(t: mpmath.mpf) -> mpmath.mpf:
        if mpmath.isfinite(t) and abs(t) > mpmath.ldexp(1, mpmath.mp.prec):
            raise _Beyond(int(mpmath.log(abs(t), 2)) + 128)
        return fn(t)

    return guarded


_REAL_ONLY = {
    **{name: _real_only(getattr(mpmath, name)) for name in ("log", "sqrt", "log1p")},
    **{name: _periodic(getattr(mpmath, name)) for name in ("sin", "cos", "tan")},
    "sinh": _sinh,
    "cosh": _cosh,
    "max": _nan_first(max),
    "min": _nan_first(min),
}


def _tanh(y: mpmath.mpf) -> mpmath.mpf:
    # mpmath's tanh builds a 2^|y|-bit integer for huge y (tanh(exp(1e4)) runs out of memory)
    if abs(y) > 10**6:
        return mpmath.sign(y)  # 1 - tanh|y| < 1e-868000: below any precision used here
    if abs(y) > mpmath.mp.prec:
        return mpmath.sign(y) * (1 - 2 * mpmath.exp(-2 * abs(y)))
    return mpmath.tanh(y)


def _exp(y: mpmath.mpf) -> mpmath.mpf:
    # e^y for |y| beyond 2^4096 has an exponent mpmath cannot hold (exp(-e^(2x)) in the
    # derivative of erf(e^x) at x = 1e300 ran for hours): 0 or inf, far past any float
    if _past_guard(y):
        return mpmath.mpf(0) if y < 0 else mpmath.inf
    return mpmath.exp(y)


def _erf(z: mpmath.mpf) -> mpmath.mpf:
    # mpmath's erf raises OverflowError past about 2^1000 (erf(e^x) at x = 1e308); 1 - erf|z|
    # is below 2^-(2^8192) from 2^4096 on
    if _past_guard(z):
        return mpmath.sign(z)
    return mpmath.erf(z)


def _erfc(z: mpmath.mpf) -> mpmath.mpf:
    # mpmath's erfc raises OverflowError far out (SymPy writes erfc(-x) as 2 - erfc(x)): the
    # exact tier's erfc, its asymptotic series there to the working precision
    from actlab.formula.numbers import mp_erfc

    if z > mpmath.mpf(2) ** 4096:  # erfc(e^(1e15)): below 2^-(2^8192), and exp(-z^2) would hang
        return mpmath.mpf(0)
    return mp_erfc(z)


def reference(
    record: Activation, params: Mapping[str, float], xs: np.ndarray, derivative: bool
) -> list[mpmath.mpf]:
    """The exact value of f (or f') at each finite x, as mpmath numbers (NaN when undefined);
    at an isolated point where the expression is undefined (sin(x)/x at 0) its limit there,
    by the rule of :mod:`actlab.formula.singular` (SymPy's one-sided limits of the defined
    sides)."""
    key = tuple(sorted(params.items()))
    fn = _compiled(record, key)[1 if derivative else 0]
    values = [_adaptive(fn, float(x)) for x in xs]
    suspect = [
        i
        for i, v in enumerate(values)
        if (not mpmath.isfinite(v) or v == 0) and abs(float(xs[i])) > _EXACT_UP_TO
    ]
    collected = _collected(record, key) if suspect and record.formula else None
    if collected is not None:
        # past where the starting precision follows e^(-x^2/2), a value of 0, +-inf or NaN may
        # be a cancellation beyond the precisions tried (x - gelu(x) at x = 94 is e^-4418 from
        # two numbers near 94): the same function collected (formula/forms.py, as the kernels'
        # second form) where it has a finite non-zero value
        other = collected[1 if derivative else 0]
        for i in suspect:
            value = _adaptive(other, float(xs[i]))
            if mpmath.isfinite(value) and value != 0:
                values[i] = value
    for i, x in enumerate(xs):
        if mpmath.isnan(values[i]) and math.isfinite(x):
            values[i] = _limit(record, key, fn, float(x), derivative)
    return values


def _where_defined(forward: Callable, derivative: Callable) -> Callable:
    """f' where f is defined, NaN where f is not: SymPy's derivative of max(x, log(x)) picks a
    branch by comparisons that are False on NaN, and read -1 at x = -1, where log(x) is not
    real."""

    def slope(t: Any) -> Any:
        value = forward(t)
        if isinstance(value, mpmath.mpc) or mpmath.isnan(value):
            return mpmath.mpf("nan")
        return derivative(t)

    return slope


def _limit(
    record: Activation,
    params: tuple[tuple[str, float], ...],
    fn: Callable,
    x: float,
    derivative: bool,
) -> mpmath.mpf:
    from actlab.formula import singular

    sides = [
        side
        for side, near in (("-", np.nextafter(x, -np.inf)), ("+", np.nextafter(x, np.inf)))
        if not mpmath.isnan(_adaptive(fn, float(near)))
    ]
    if not sides:
        return mpmath.mpf("nan")
    p = {k: sp.Float(v, 60) if v != int(v) else sp.Integer(int(v)) for k, v in params}
    expr = record.symbolic(sp, _X, p)
    value = singular.limit_at(sp.diff(expr, _X) if derivative else expr, x, {}, sides)
    return mpmath.mpf(value) if value is not None else mpmath.mpf("nan")


#: |x| up to which the starting precision holds e^x and e^(-x^2/2) (800 = 40^2/2)
_EXACT_UP_TO = 40.0


def _adaptive(fn: Callable, x: float) -> mpmath.mpf:
    # 1 + e^x rounds to 1 below -2.3*dps (and 1 - erf(x) below -1.5 sqrt(dps)): start precise
    # enough that e^x or e^{-x^2/2} survives wherever it still matters, or two low precisions
    # agree on the same wrong value (mish'(-200) = x e^x instead of (1 + x) e^x)
    start = 40 + int(min(max(abs(x), x * x / 2), _EXACT_UP_TO**2 / 2) / 2.3)
    # and 1 + x rounds x away below 10^-dps (log(1 + x) + x at x = 1e-169): keep x's digits
    if 0 < abs(x) < 1:
        start += int(-math.log10(abs(x)))
    previous = None
    precisions = [start, 2 * start, max(4 * start, 1280)]
    for dps in precisions:
        with mpmath.workdps(dps):
            try:
                value = _real(fn(mpmath.mpf(x)))
            except _Beyond as beyond:  # sin(e^x) past 2^prec: two tries where it fits
                digits = beyond.bits * 100 // 332 + 30
                if beyond.bits > _PERIODIC_BITS or dps >= digits:
                    return mpmath.mpf("nan")
                precisions[precisions.index(dps) + 1 :] = [digits, digits + 30]
                previous = None
                continue
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):  # TypeError: max()
                # of a complex (undefined) value; a 0 divisor may be a cancellation that a higher
                # precision resolves (1 + erf(x) at x = -14 below 85 digits, in log1p(erf(x))')
                if dps == precisions[-1]:
                    return mpmath.mpf("nan")
                previous = None
                continue
            if previous is not None and _agree(previous, value):
                return value
            previous = value
    return previous


def _real(value: Any) -> mpmath.mpf:
    """A real value; NaN for a complex one (sqrt or log of a negative number is undefined)."""
    if isinstance(value, mpmath.mpc):
        return value.real if value.imag == 0 else mpmath.mpf("nan")
    return mpmath.mpf(value)


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
        # the ulp of the largest finite (np.spacing of it overflows): its binade's, below it
        top = np.abs(rounded) if np.abs(rounded) < info.max else np.nextafter(info.max, 0)
        unit = max(float(np.spacing(top)), tiny_ulp)
        if abs(r) < info.tiny:
            unit = tiny_ulp
        errors[i] = float(abs(mpmath.mpf(g) - r) / unit)
    return errors


#: seeded uniform random points in [-50, 50] on every grid, where kernels switch pieces
SWITCH_POINTS = 100


def grid(record: Activation, dtype: type, extra: int = 0, seed: int = 0) -> np.ndarray:
    """The whole finite range of ``dtype``: subnormals to the largest finite, a dense stretch of
    [-40, 40], every integer and half-integer in [-50, 50] and :data:`SWITCH_POINTS` seeded random
    points there (kernels switch pieces at such round numbers: gelu_tanh' at x = -7 once was
    5.4 ulp), every kink and its neighbours, plus ``extra`` log-uniform random points."""
    mags = np.concatenate(
        [
            [1e-45, 1e-40, 1.17e-38, 1e-30, 1e-20, 1e-12, 1e-8, 1e-6],
            np.logspace(-4, 4, 81),
            [5e4, 1e5, 1e6, 1e8, 1e10, 1e15, 1e20, 1e30, 3.4e38],
        ]
    )
    if dtype == np.float64:
        mags = np.concatenate(
            [mags, [1e-320, 1e-310, 2.3e-308, 1e50, 1e100, 1e200, 1e300, 1.79e308]]
        )
    if extra:
        rng = np.random.default_rng(seed)
        top = math.log10(float(np.finfo(dtype).max))
        mags = np.concatenate([mags, 10 ** rng.uniform(-6, min(top, 40), extra)])
    dense = np.concatenate(
        [
            np.arange(-40.0, 40.0, 0.37),
            np.arange(-50.0, 50.5, 0.5),
            np.random.default_rng(seed + 1).uniform(-50.0, 50.0, SWITCH_POINTS),
        ]
    )
    # where functions of e^x underflow (float32: x e^x is normal while e^x is not, on
    # [-107, -88.7]; float64 the same on [-745, -708]), and where derivatives cancel near a minimum
    hard = np.concatenate([np.arange(-110.0, -85.0, 1.3), np.arange(-3.0, 0.0, 0.113)])
    if dtype == np.float64:
        hard = np.concatenate([hard, np.arange(-760.0, -700.0, 3.1)])
    kinks = [k.point(record.defaults) for k in record.kinks]
    near = [np.nextafter(np.asarray(k, dtype), s) for k in kinks for s in (-np.inf, np.inf)]
    with np.errstate(over="ignore"):
        points: np.ndarray = np.concatenate(
            [mags, -mags, dense, hard, [0.0, -0.0], kinks, near]
        ).astype(dtype)
    return np.unique(points[np.isfinite(points)])


@dataclass(frozen=True)
class UlpResult:
    """The worst error of one kernel in one dtype over :func:`grid`."""

    name: str
    #: "forward" or "derivative"
    which: str
    dtype: str
    worst_ulp: float
    #: where the worst error is
    at: float
    points: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["worst_ulp"] = self.worst_ulp if math.isfinite(self.worst_ulp) else "inf"
        return d


def measure(record: Activation, extra: int = 200) -> list[UlpResult]:
    """Worst-case ulp of forward and derivative, float32 and float64, at default parameters."""
    return measure_function(actlab.get(record.name), extra)


def measure_function(f: actlab.Function, extra: int = 200) -> list[UlpResult]:
    """:func:`measure` for any Function (a formula, or an activation with parameters bound)."""
    record = f.record
    results = []
    for which in ("forward", "derivative"):
        for dtype in (np.float32, np.float64):
            xs = grid(record, dtype, extra)
            got = f.derivative(xs) if which == "derivative" else f(xs)
            errors = ulp_error(got, reference(record, f.params, xs, which == "derivative"), dtype)
            worst = int(np.argmax(errors))
            results.append(
                UlpResult(
                    f.spec,
                    which,
                    np.dtype(dtype).name,
                    float(errors[worst]),
                    float(xs[worst]),
                    len(xs),
                )
            )
    return results


def markdown_table(results: Iterable[UlpResult]) -> str:
    """One row per activation: worst ulp for forward/derivative x float32/float64."""
    rows: dict[str, dict[tuple[str, str], UlpResult]] = {}
    for r in results:
        rows.setdefault(r.name, {})[(r.which, r.dtype)] = r
    cols = [(w, d) for w in ("forward", "derivative") for d in ("float32", "float64")]
    lines = [
        "| activation | " + " | ".join(f"{w} {d}" for w, d in cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    for name, cells in rows.items():
        lines.append(f"| `{name}` | " + " | ".join(_cell(cells.get(c)) for c in cols) + " |")
    return "\n".join(lines)


def _cell(r: UlpResult | None) -> str:
    if r is None:
        return "-"
    if not math.isfinite(r.worst_ulp):
        return f"**wrong kind** at {r.at:.3g}"
    return f"{r.worst_ulp:.2f}" if r.worst_ulp <= 4 else f"**{r.worst_ulp:.3g}** at {r.at:.3g}"
