"""Turn a parsed formula into an :class:`~actlab.catalog.Activation` record like any other.

The forward is the formula after the stability rewrites; the derivative is SymPy's derivative of
that, rewritten again; both are compiled to NumPy kernels. The symbolic form is the formula with
catalog calls expanded to their own symbolic forms (the high-precision reference and what
``actlab derive`` works on). Kinks come from the formula's branch points, confirmed numerically;
properties are estimated on a grid and marked ``estimated``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from actlab.catalog import Activation, Function, Kink, Param, Properties
from actlab.errors import ActlabError
from actlab.formula import compile as compiler
from actlab.formula import forms
from actlab.formula.build import build, param_symbol
from actlab.formula.functions import (
    CatalogCall,
    CatalogDerivative,
    X,
    domain_bases,
    keep_domain,
    to_elementary,
)
from actlab.formula.parser import Parsed
from actlab.formula.rewrite import shortest, stabilize


def make_record(parsed: Parsed, name: str) -> Activation:
    """The record of a parsed formula, named ``name`` (the formula text when unnamed)."""
    return from_expression(build(parsed), name, parsed.text, parsed.params)


def from_expression(expr: Any, name: str, text: str, values: Mapping[str, float]) -> Activation:
    """The record of a SymPy expression in ``X`` we built (never a string), params ``values``."""
    try:
        # the build's own numeric checks (a catalog form against its kernel, kinks, properties)
        # underflow and overflow on purpose: a caller's np.errstate(all="raise") is not theirs
        with np.errstate(all="ignore"):
            return _assemble(expr, name, text, values)
    except (TypeError, ValueError, ArithmeticError, RecursionError, NotImplementedError) as exc:
        if isinstance(exc, ActlabError):
            raise
        raise ActlabError(f"formula: cannot build {text!r} ({type(exc).__name__})") from None


def _assemble(expr: Any, name: str, text: str, values: Mapping[str, float]) -> Activation:
    names = tuple(values)
    stable = stabilize(expr)
    derivative = derivative_of(stable)
    # expm1(log1p(x)) is exp(log(1 + x)) - 1, which SymPy makes x at once: the symbolic form
    # (the accuracy reference, derive) keeps the formula's domain (NaN at x = -2)
    bases = [to_elementary(b) for b in domain_bases(expr)]
    elementary = keep_domain(to_elementary(expr), bases)
    symbols = {n: param_symbol(n) for n in names}

    def symbolic(sp: Any, x: Any, p: Mapping[str, Any]) -> Any:
        mapping = {X: x, **{s: p[n] for n, s in symbols.items() if n in p}}
        return elementary.xreplace(mapping)

    params = tuple(Param(n, default=v, doc="set in the formula") for n, v in values.items())
    draft = Activation(
        name=name,
        summary=f"Custom activation {text}",
        latex=sympy.latex(expr),
        derivative_latex=sympy.latex(sympy.diff(expr, X)),
        forward=forms.kernel(stable, names),
        derivative=forms.kernel(derivative, names, of=stable),
        symbolic=symbolic,
        properties=Properties((-math.inf, math.inf), False, False, False, False, estimated=True),
        reference="user formula",
        params=params,
        family="custom",
        formula=text,
    )
    kinks = _kinks(stable, draft)
    return dataclasses.replace(draft, kinks=kinks, properties=_properties(draft, kinks))


def derivative_of(stable: Any) -> Any:
    """The derivative of a stabilised formula, as its exact kernel's candidates start from."""
    return stabilize(shortest(_fold_zero_branches(stabilize(sympy.diff(stable, X)))))


def _fold_zero_branches(expr: Any) -> Any:
    """Each product with a factor that is 0 on a branch and a factor that may be infinite
    there, as a piecewise of products: the chain rule's ``max(x, 0)' / (2 sqrt(max(x, 0)))`` is
    0/0 for x < 0, where the function is constant and its slope 0; ``where(x > 0, 1/(2
    sqrt(max(x, 0))), 0)`` is 0 there. A factor 0 on a branch is a piecewise with a 0 branch,
    ``max(0, g)`` or ``min(0, g)``, or a catalog derivative that is such a piecewise (relu',
    hardtanh'). On the 0 branch the rest keeps its domain: ``max(x, 0)' log(x)`` stays NaN for
    x < 0, where log(x) is not real. Only such products are split (SymPy's ``piecewise_fold``
    of the whole derivative would multiply out every pair of branches)."""

    def branches(node: Any) -> Any:
        """``node`` as a piecewise with a 0 branch, or None."""
        if isinstance(node, CatalogDerivative):
            node = node.elementary()
        if isinstance(node, (sympy.Max, sympy.Min)) and len(node.args) == 2 and 0 in node.args:
            g = node.args[1] if node.args[0] == 0 else node.args[0]
            zero = sympy.Le(g, 0) if isinstance(node, sympy.Max) else sympy.Ge(g, 0)
            return sympy.Piecewise((0, zero), (g, True))
        if isinstance(node, sympy.Piecewise) and any(v == 0 for v, _ in node.args):
            return node
        return None

    def unbounded(node: Any) -> bool:  # a quotient or a log: infinite where its argument is 0
        return any(
            isinstance(n, sympy.log) or (isinstance(n, sympy.Pow) and n.exp.is_negative)
            for n in sympy.preorder_traversal(node)
        )

    def foldable(node: Any) -> bool:
        return (
            isinstance(node, sympy.Mul)
            and any(branches(a) is not None for a in node.args)
            and unbounded(node)
        )

    def split(product: Any) -> Any:
        i = next(i for i, a in enumerate(product.args) if branches(a) is not None)
        rest = sympy.Mul(*product.args[:i], *product.args[i + 1 :])
        node = branches(product.args[i])  # one branch where the other's condition is decided
        pieces = node.args if isinstance(node, sympy.Piecewise) else ((node, sympy.true),)
        return sympy.Piecewise(
            *((_domain(rest) if v == 0 else _fold_zero_branches(v * rest), c) for v, c in pieces)
        )

    return expr.replace(foldable, split)


def _domain(expr: Any) -> Any:
    """0 where ``expr`` is real or infinite, NaN (the square root of a negative number) where
    it is not real: where a log, a square root or a non-integer power takes a negative
    argument, outside any piecewise (whose branches keep their own domains)."""
    bases = [b for b in domain_bases(expr) if b.has(X) and not b.is_nonnegative]
    if not bases:
        return sympy.Integer(0)
    return sympy.Piecewise(*((sympy.sqrt(b), sympy.Lt(b, 0)) for b in bases), (0, True))


def _candidates(expr: Any) -> list[tuple[Any, Any]]:
    """``(g, c)`` pairs: f' may jump where g(x) = c."""
    found: list[tuple[Any, Any]] = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.core.relational.Relational):
            found.append((node.lhs - node.rhs, 0))
        elif isinstance(node, (sympy.Abs, sympy.sign, sympy.Heaviside)):
            found.append((node.args[0], 0))
        elif isinstance(node, (sympy.Max, sympy.Min)):
            found += [(a - b, 0) for i, a in enumerate(node.args) for b in node.args[i + 1 :]]
        elif isinstance(node, CatalogCall):
            defaults = dict(zip((p.name for p in node.record.params), node.args[1:]))
            for kink in node.record.kinks:
                at = kink.point({k: float(v) for k, v in defaults.items() if v.is_number})
                found.append((node.args[0], at))
    return found


def _kinks(stable: Any, record: Activation) -> tuple[Kink, ...]:
    f = Function(record)
    at_defaults = stable.xreplace({param_symbol(p.name): p.default for p in record.params})
    points: set[float] = set()
    for g, c in _candidates(at_defaults):
        # only linear g: a constant slope, found without expanding anything
        slope = sympy.diff(g, X)
        if slope.has(X) or not slope.is_number:
            continue
        try:
            a = compiler.constant_value(slope)
            b = compiler.constant_value(sympy.Add(g.xreplace({X: 0}), -c))
        except (ActlabError, TypeError, ValueError, ArithmeticError):
            continue
        if a != 0 and math.isfinite(-b / a):
            points.add(-b / a + 0.0)  # + 0.0: no kink at -0
    kinks = []
    for point in sorted(points):
        left, right = f.derivative(
            np.array([point - 1e-9 * (1 + abs(point)), point + 1e-9 * (1 + abs(point))])
        )
        if not abs(left - right) > 1e-6 * (1 + abs(left) + abs(right)):
            continue
        value = float(f.derivative(point))
        kinks.append(
            Kink(point, f"f'({point:g}) = {value:g} (where(): the branch that holds; max/min: 0)")
        )
    return tuple(kinks)


def _properties(record: Activation, kinks: tuple[Kink, ...]) -> Properties:
    """Properties estimated on the grid the catalog tests use (marked ``estimated``)."""
    f = Function(record)
    with np.errstate(all="ignore"):
        return _estimate(f, kinks)


def _estimate(f: Function, kinks: tuple[Kink, ...]) -> Properties:
    x = np.concatenate([-np.logspace(-3, 3, 400)[::-1], [0.0], np.logspace(-3, 3, 400)])
    y, dy = f(x), f.derivative(x)
    values = y[~np.isnan(y)]
    if values.size == 0:
        return Properties((math.nan, math.nan), False, not kinks, False, False, estimated=True)
    low, high = float(np.min(values)), float(np.max(values))
    # still moving at the end of the grid: the infimum/supremum lies beyond it
    moving = np.abs(dy[[0, -1]]) > 1e-6
    if low in (y[0], y[-1]) and moving[0 if low == y[0] else 1]:
        low = -math.inf
    if high in (y[0], y[-1]) and moving[0 if high == y[0] else 1]:
        high = math.inf
    return Properties(
        range=(low, high),
        monotonic=bool(np.all(y[1:] >= y[:-1])),
        smooth=not kinks,
        zero_centred=bool(y[400] == 0 and low < 0 < high),
        saturating=bool(np.min(np.abs(dy[[0, -1]])) < 1e-6),
        estimated=True,
    )
