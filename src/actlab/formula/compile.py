"""Compile a SymPy expression tree (one we built, never a string) into a vectorised NumPy kernel.

The expression becomes a straight-line program: each distinct subexpression is one step (a NumPy
function and the steps it reads), so shared subtrees of a derivative are computed once.

Precision: for float64 input the program runs in the platform's extended precision (x86
``long double``: 11 more bits than float64; float32 input runs in float64) and rounds once at the
end, so a composition such as mish's derivative
(``tanh(sp) + x*sigmoid(x)*sech(sp)^2``, which cancels near its zero) stays within a few float64
ulp. A catalog activation inside a formula is inlined as its stabilised symbolic form when that
agrees with the catalog's kernel on a wide grid (so it gains the extended precision), and
otherwise calls the catalog's kernel. Where long double is plain double, it always calls the
kernel. Everything runs under the caller's ``np.errstate``; NaN in gives NaN out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.special
import sympy as sp

from actlab.catalog._numeric import nan_passing
from actlab.catalog.record import Kernel
from actlab.errors import ActlabError
from actlab.formula.functions import (
    CatalogCall,
    CatalogDerivative,
    Log1pExp,
    Sigmoid,
    X,
    erfc,
    expm1,
    log1p,
)

#: the working precision of compiled formulas
EXTENDED = np.longdouble if np.finfo(np.longdouble).nmant > 52 else np.float64


#: 2/sqrt(pi) to 30 digits (np.pi is only a float64)
_TWO_OVER_SQRT_PI = EXTENDED("1.12837916709551257389615890312154517")


def _erf_series(u: Any) -> Any:
    """erf(u) for |u| <= 2 by its Taylor series, in extended precision (terms peak near 11, so
    at most 4 of the 11 extra bits are lost: still better than float64)."""
    square = u * u
    term = u.copy()
    total = u.copy()
    for n in range(1, 48):
        term = term * -square / n
        total = total + term / (2 * n + 1)
    return total * u.dtype.type(_TWO_OVER_SQRT_PI)


def _erfc_tail(v: Any) -> Any:
    """erfc(v) for v >= 2 as erfcx(v)*exp(-v^2): the steep factor from the unrounded v, in
    extended precision (SciPy's erfc amplifies v's rounding by 2v^2 and flushes subnormals)."""
    return scipy.special.erfcx(v.astype(np.float64)) * np.exp(-np.square(v))


def _erf_pair(complement: bool) -> Callable[[Any], Any]:
    """erf (or erfc) of u in extended precision, to well under a float64 ulp."""

    def evaluate(u: Any) -> Any:
        wide = np.asarray(u)
        small = np.clip(wide, -2.0, 2.0)
        tail = _erfc_tail(np.maximum(np.abs(wide), 2.0))  # erfc(|u|) where |u| > 2
        erf = np.where(np.abs(wide) <= 2.0, _erf_series(small), np.sign(wide) * (1 - tail))
        if not complement:
            return erf
        return np.where(wide > 2.0, tail, np.where(wide < -2.0, 2 - tail, 1 - erf))

    return evaluate


def _sigmoid(u: Any) -> Any:
    # e = exp(-|u|) never overflows; both branches are exact rearrangements of 1/(1+e^-u)
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


_UNARY: dict[type, Callable[[Any], Any]] = {
    sp.exp: np.exp,
    sp.log: np.log,
    sp.sin: np.sin,
    sp.cos: np.cos,
    sp.tan: np.tan,
    sp.tanh: np.tanh,
    sp.sinh: np.sinh,
    sp.cosh: np.cosh,
    sp.atan: np.arctan,
    sp.Abs: np.abs,
    sp.sign: np.sign,
    sp.erf: _erf_pair(complement=False),
    sp.erfc: _erf_pair(complement=True),
    erfc: _erf_pair(complement=True),
    Sigmoid: _sigmoid,
    log1p: np.log1p,
    expm1: np.expm1,
    Log1pExp: lambda u: np.logaddexp(0.0, u),
    # 1/cosh overflows to 1/inf = 0, which is the right answer
    sp.sech: lambda u: 1.0 / np.cosh(u),
    # the derivative of max/min: 0 at a tie (the minimum-norm choice for max(x, 0))
    sp.Heaviside: lambda u, *at_zero: np.heaviside(u, 0.0),
}
_VARIADIC: dict[type, Callable[..., Any]] = {
    sp.Max: lambda *a: functools.reduce(lambda p, q: extreme(p, q, True), a),
    sp.Min: lambda *a: functools.reduce(lambda p, q: extreme(p, q, False), a),
}
_RELATIONS: dict[type, Callable[[Any, Any], Any]] = {
    sp.StrictGreaterThan: np.greater,
    sp.GreaterThan: np.greater_equal,
    sp.StrictLessThan: np.less,
    sp.LessThan: np.less_equal,
    sp.Equality: np.equal,
    sp.Unequality: np.not_equal,
}
_LOGIC: dict[type, Callable[..., Any]] = {
    sp.And: lambda *a: functools.reduce(np.logical_and, a),
    sp.Or: lambda *a: functools.reduce(np.logical_or, a),
    sp.Not: np.logical_not,
}

#: a step reads the values of earlier steps and the bound parameters
Step = tuple[Callable[..., Any], tuple[int, ...]]


class Program:
    """A straight-line program computing one expression of ``x`` and named parameters."""

    def __init__(self, expr: Any, params: Sequence[str] = ()) -> None:
        self.params = tuple(params)
        self.steps: list[Step] = []
        self._slots: dict[Any, int] = {}
        #: could float64 rounding be amplified (cancellation, exp of a rounded argument)?
        self.sensitive = False
        #: can a step underflow into float64's subnormals (exp and its kin), losing bits that a
        #: later product (x * e^x) would need?
        self.underflows = False
        self.result = self._compile(expr)

    def __call__(self, x: np.ndarray, values: dict[str, Any]) -> np.ndarray:
        """Evaluate at ``x`` with parameter ``values``; the result broadcasts to x's shape."""
        results: list[Any] = []
        for fn, reads in self.steps:
            if not reads:
                results.append(fn(x, values))
            else:
                results.append(fn(*(results[i] for i in reads)))
        return np.broadcast_to(results[self.result], x.shape)

    def _add(self, fn: Callable[..., Any], reads: tuple[int, ...]) -> int:
        self.steps.append((fn, reads))
        return len(self.steps) - 1

    def _compile(self, expr: Any) -> int:
        slot = self._slots.get(expr)
        if slot is None:
            slot = self._new(expr)
            self._slots[expr] = slot
        return slot

    def _new(self, expr: Any) -> int:
        self.sensitive = self.sensitive or _sensitive(expr)
        self.underflows = self.underflows or isinstance(expr, _UNDERFLOWING)
        if expr == X:
            return self._add(lambda x, v: x, ())
        if isinstance(expr, sp.Symbol):
            name = expr.name
            if name not in self.params:
                raise ActlabError(f"formula: cannot compile the free symbol {name!r}")
            return self._add(lambda x, v: v[name], ())
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            value = _atom_value(expr)
            return self._add(lambda x, v: x.dtype.type(value), ())  # in the working precision
        if expr in (sp.true, sp.false):
            truth = bool(expr)
            return self._add(lambda x, v: truth, ())
        if isinstance(expr, sp.Piecewise):
            return self._piecewise(expr)
        if isinstance(expr, (CatalogCall, CatalogDerivative)):
            return self._catalog(expr)
        fn = self._function(expr)
        reads = tuple(self._compile(a) for a in expr.args)
        return self._add(fn, reads)

    def _function(self, expr: Any) -> Callable[..., Any]:
        if isinstance(expr, sp.Add):
            return lambda *a: functools.reduce(np.add, a)
        if isinstance(expr, sp.Mul):
            return lambda *a: functools.reduce(np.multiply, a)
        if isinstance(expr, sp.Pow):
            return _power(expr.args[1])
        for table in (_UNARY, _VARIADIC, _RELATIONS, _LOGIC):
            # by class, then its bases (formula.functions' Max and Min are SymPy's with a
            # derivative of their own)
            for kind in (*type(expr).__mro__, expr.func):
                fn = table.get(kind)
                if fn is not None:
                    return fn
        raise ActlabError(f"formula: cannot compile {type(expr).__name__}")

    def _piecewise(self, expr: Any) -> int:
        reads: list[int] = []
        for value, cond in expr.args:
            reads += [self._compile(value), self._compile(cond)]

        def select(*a: Any) -> Any:
            conds = [np.asarray(c, dtype=bool) for c in a[1::2]]
            return np.select(conds, list(a[0::2]), default=np.nan)

        return self._add(select, tuple(reads))

    def _catalog(self, expr: Any) -> int:
        inline = _inline(expr)
        if inline is not None:
            return self._compile(inline)
        record = expr.record
        kernel = record.derivative if isinstance(expr, CatalogDerivative) else record.forward
        names = [p.name for p in record.params]
        reads = tuple(self._compile(a) for a in expr.args)

        def call(u: Any, *params: Any) -> np.ndarray:
            u = np.array(u, dtype=np.float64)  # a fresh array: kernels may not overlap out
            bound = {n: p if np.ndim(p) else float(p) for n, p in zip(names, params)}
            out: np.ndarray = kernel(u, np.empty_like(u), **bound)
            return out

        return self._add(call, reads)


#: functions whose value can underflow to a subnormal float64 while the formula's stays normal
_UNDERFLOWING = (sp.exp, Sigmoid, sp.erfc, erfc, Log1pExp, sp.sech)

#: functions whose relative error does not grow with their argument's rounding error
_TAME = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise, CatalogCall)


def _sensitive(expr: Any) -> bool:
    """Does this node amplify float64 rounding of its operands? Sums of terms in x cancel; exp,
    erfc, powers... of a computed (rounded) argument multiply its error by up to |u f'/f|."""
    if isinstance(expr, sp.Add):  # a sum rounds once, but cancels the errors of its terms
        return any(a.has(X) and not _exact(a) for a in expr.args)
    if isinstance(expr, sp.Pow):
        return expr.exp.has(X) or (expr.base.has(X) and expr.base != X)
    if isinstance(expr, (sp.Function, CatalogDerivative)) and not isinstance(expr, _TAME):
        return any(a.has(X) and not _exact(a) for a in expr.args)
    return False


def _exact(arg: Any) -> bool:
    """x times a power of two (-x, 2x, x/2): computed without rounding."""
    coeff, rest = arg.as_coeff_Mul()
    if rest != X or not isinstance(coeff, sp.Rational):
        return False
    p, q = abs(coeff.p), coeff.q
    return p & (p - 1) == 0 and q & (q - 1) == 0


def _power(exponent: Any) -> Callable[[Any, Any], Any]:
    if exponent == -1:
        return lambda b, e: 1.0 / b
    if exponent == sp.Rational(1, 2):
        return lambda b, e: np.sqrt(b)
    if exponent == sp.Rational(-1, 2):
        return lambda b, e: 1.0 / np.sqrt(b)
    if exponent == 2:
        return lambda b, e: np.square(b)
    # real-valued power: NaN where the principal value is complex (a negative base)
    return lambda b, e: np.power(b, e)


def _atom_value(expr: Any) -> Any:
    """A number or constant in the working precision (sqrt(2)/2 rounded to float64 first would
    put a float64 rounding error into every later step)."""
    if isinstance(expr, sp.Integer) and abs(expr.p) < 2**53:
        return float(expr.p)
    return EXTENDED(sp.Float(expr, 30).__str__())


def constant_value(expr: Any) -> float:
    """The float64 value of an x-free constant expression, computed with NumPy (never evalf)."""
    with np.errstate(all="ignore"):
        value = Program(expr)(np.zeros((), dtype=EXTENDED), {})
    return float(value)


def kernel(expr: Any, params: Sequence[str]) -> Kernel:
    """A catalog-style kernel ``kernel(x, out, **params) -> out`` computing ``expr``."""
    program = Program(expr, params)

    def run(x: np.ndarray, out: np.ndarray, **values: Any) -> np.ndarray:
        # float32 needs only float64 to round right; float64 needs extra bits where rounding
        # can be amplified (extended precision costs ~10x)
        work = np.float64 if x.dtype == np.float32 or not program.sensitive else EXTENDED
        out[...] = program(x.astype(work), values)  # one rounding, to out's dtype
        if work is np.float64 and x.dtype == np.float64 and program.underflows:
            _redo_tiny(program, x, out, values)
        undefined = np.isinf(x) & np.isnan(out)
        if undefined.any():  # inf*0, inf - inf: the formula's value is its limit
            out[undefined] = [_limit(program, float(s), values) for s in np.sign(x[undefined])]
        return nan_passing(x, out)

    return run


def _redo_tiny(program: Program, x: np.ndarray, out: np.ndarray, values: dict[str, Any]) -> None:
    """Recompute in extended precision the elements whose float64 result is zero or within 2^64
    of the subnormals: there a step such as e^x may have underflowed while a later factor brought
    the result back up (x*sigmoid(x) at x = -713). Rare elements, so the common case costs one
    comparison."""
    if EXTENDED is np.float64 or any(np.ndim(v) for v in values.values()):
        return
    tiny = (np.abs(out) < np.finfo(np.float64).tiny * 2.0**64) & np.isfinite(x)
    if tiny.any():
        out[tiny] = np.broadcast_to(program(x[tiny].astype(EXTENDED), values), out[tiny].shape)


def _limit(program: Program, sign: float, values: dict[str, Any]) -> float:
    """lim f(x) as x -> sign*inf, estimated at sign*1e150 and sign*1e300 (extended precision):
    equal values (to 1e-12) are the limit, growth beyond 1e100x is infinite; else NaN."""
    if EXTENDED is np.float64 or any(np.ndim(v) for v in values.values()):
        return math.nan
    a, b = (float(v) for v in program(np.array([sign * 1e150, sign * 1e300], EXTENDED), values))
    if math.isnan(a) or math.isnan(b):
        return math.nan
    if a == b or abs(b - a) <= 1e-12 * abs(b) or (abs(a) < 1e-200 and abs(b) < 1e-200):
        return b if abs(b) >= 1e-200 else 0.0
    if math.copysign(1, a) == math.copysign(1, b) and abs(b) > 1e100 * abs(a):
        return math.copysign(math.inf, b)
    return math.nan


def _inline(expr: Any) -> Any:
    """The stabilised symbolic form of a catalog call, if it matches the kernel; else None."""
    if EXTENDED is np.float64 or not all(a.is_number for a in expr.args[1:]):
        return None
    key = (expr.func, expr.args[1:])
    if key not in _INLINE:
        _INLINE[key] = _checked_form(expr)
    form = _INLINE[key]
    return None if form is None else form.xreplace({X: expr.args[0]})


_INLINE: dict[Any, Any] = {}


def _checked_form(expr: Any) -> Any:
    from actlab.formula.rewrite import stabilize

    call = expr.func(X, *expr.args[1:])
    try:
        form = stabilize(call.elementary())
        program = Program(form)
    except (ActlabError, TypeError, ValueError, ArithmeticError, NotImplementedError):
        return None
    record = expr.record
    kernel = record.derivative if isinstance(expr, CatalogDerivative) else record.forward
    x = np.concatenate([-np.logspace(-8, 3, 300), [0.0], np.logspace(-8, 3, 300)])
    x = np.concatenate([x, np.arange(-40.0, 40.0, 0.37)])
    params = {p.name: float(v) for p, v in zip(record.params, expr.args[1:])}
    with np.errstate(all="ignore"):
        want = kernel(x, np.empty_like(x), **params)
        got = program(x.astype(EXTENDED), {}).astype(np.float64)
    close = np.isclose(got, want, rtol=1e-14, atol=0) | (np.isnan(got) & np.isnan(want))
    return form if close.all() else None


def extreme(v: Any, w: Any, largest: bool) -> Any:
    """max/min of two values; of -0 and +0 as IEEE 754-2019's maximum and minimum (max +0,
    min -0) in either order and every dtype: NumPy's loops return either zero (1/min(x, 0) at
    x = -0 was +inf in float64 and -inf in float32). mpmath has no signed zero."""
    m = np.maximum(v, w) if largest else np.minimum(v, w)
    if np.asarray(m).dtype.kind != "f":
        return m
    negative = np.signbit(v) & np.signbit(w) if largest else np.signbit(v) | np.signbit(w)
    zero = (v == 0) & (w == 0)
    return np.where(zero, np.where(negative, -abs(m), abs(m)), m)
