"""Compile a SymPy expression tree (one we built, never a string) into a vectorised NumPy kernel.

The expression becomes a straight-line program: each distinct subexpression is one step (a NumPy
function and the steps it reads), so shared subtrees of a derivative are computed once. Catalog
activations call the catalog's kernels. Everything runs in float64 (float32 input is rounded once
at the end) under the caller's ``np.errstate``; NaN in gives NaN out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.special
import sympy as sp

from actlab.catalog.record import Kernel
from actlab.catalog._numeric import nan_passing, via_float64
from actlab.errors import ActlabError
from actlab.formula.functions import X, CatalogCall, CatalogDerivative, Log1pExp, erfc, expm1, log1p

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
    sp.erf: scipy.special.erf,
    sp.erfc: scipy.special.erfc,
    erfc: scipy.special.erfc,
    log1p: np.log1p,
    expm1: np.expm1,
    Log1pExp: lambda u: np.logaddexp(0.0, u),
    # 1/cosh overflows to 1/inf = 0, which is the right answer
    sp.sech: lambda u: 1.0 / np.cosh(u),
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
        if expr == X:
            return self._add(lambda x, v: x, ())
        if isinstance(expr, sp.Symbol):
            name = expr.name
            if name not in self.params:
                raise ActlabError(f"formula: cannot compile the free symbol {name!r}")
            return self._add(lambda x, v: v[name], ())
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            value = _atom_value(expr)
            return self._add(lambda x, v: value, ())
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
        for table in (_UNARY, _RELATIONS, _LOGIC):
            fn = table.get(type(expr)) or table.get(expr.func)
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
    return lambda b, e: np.power(np.asarray(b, np.float64), e)


def _atom_value(expr: Any) -> float:
    if isinstance(expr, sp.Rational) and not isinstance(expr, sp.Integer):
        try:
            return expr.p / expr.q  # correctly rounded true division of Python ints
        except OverflowError:
            return math.copysign(math.inf, expr.p) if abs(expr.p) > expr.q else 0.0
    try:
        return float(expr)
    except OverflowError:
        return math.copysign(math.inf, float(sp.sign(expr)))


def constant_value(expr: Any) -> float:
    """The float64 value of an x-free constant expression, computed with NumPy (never evalf)."""
    with np.errstate(all="ignore"):
        value = Program(expr)(np.zeros(()), {})
    return float(value)


def kernel(expr: Any, params: Sequence[str]) -> Kernel:
    """A catalog-style kernel ``kernel(x, out, **params) -> out`` computing ``expr``."""
    program = Program(expr, params)

    @via_float64
    def run(x: np.ndarray, out: np.ndarray, **values: Any) -> np.ndarray:
        out[...] = program(x, values)
        return nan_passing(x, out)

    return run
