"""Worked derivations: f(x), f'(x) simplified, and f' as a function of f alone when one exists.

Nothing is typed in by hand. For each branch of f (a piecewise f is split at its conditions):

1. differentiate the symbolic form;
2. simplify, keeping the shortest form that introduces no function f doesn't already use
   (so sigmoid' stays exp(-x)/(1 + exp(-x))^2 rather than 1/(4 cosh^2(x/2)));
3. write f' in terms of f: first by replacing f(x) where it appears in f'(x) (tanh: 1 - tanh^2
   -> 1 - f^2), else by solving f = f(x) for x and substituting each solution (sigmoid:
   x = log(f/(1 - f)) -> f(1 - f)); a candidate is kept only if it matches f'(x) to 1e-12 at
   sample points of the branch.

SymPy's simplify and solve have no time bound of their own, so the work runs under
:func:`actlab.formula.budget.within`; past the budget the derivation stops at step 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from actlab.catalog import Function
from actlab.formula.budget import within
from actlab.formula.functions import X

#: the symbol f' is written in
F = sp.Symbol("f", real=True)
#: where candidates are checked (those that satisfy the branch condition)
_SAMPLES = (-2.7, -1.3, -0.45, 0.35, 1.2, 2.9)
#: default seconds for the whole derivation
BUDGET = 20.0


@dataclass
class Step:
    """One step of a derivation: a title and (label, expression) lines."""

    title: str
    lines: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class Branch:
    """f on one piece of the real line (the whole line when ``condition`` is None)."""

    condition: Any
    f: Any
    derivative: Any
    derivative_of_f: Any
    steps: list[Step]


@dataclass
class Derivation:
    """The derivation of one activation (``actlab derive``)."""

    spec: str
    f: Any
    derivative: Any
    derivative_of_f: Any
    branches: list[Branch]
    #: False when the time budget ran out before simplification
    complete: bool = True


def derive(function: Function, budget: float = BUDGET) -> Derivation:
    """The worked derivation of an activation, within ``budget`` seconds.

    >>> import actlab
    >>> str(derive(actlab.get("tanh")).derivative_of_f)
    '1 - f**2'
    """
    f, defaults = symbolic(function)
    finished, result = within(budget, _derive, function.spec, f, defaults, function.derivative)
    if finished and result is not None:
        return result
    raw = sp.diff(f, X)
    steps = [Step("Differentiate", [("f'(x)", raw)]), Step(f"Stopped: over {budget:g} s")]
    return Derivation(function.spec, f, raw, None, [Branch(None, f, raw, None, steps)], False)


def symbolic(function: Function) -> tuple[Any, dict[Any, float]]:
    """f(x) with parameters left at their defaults as symbols, and those symbols' values."""
    record = function.record
    values: dict[str, Any] = {}
    defaults: dict[Any, float] = {}
    for p in record.params:
        bound = function.params[p.name]
        if float(bound) == p.default:
            positive = p.low > 0 or (p.low == 0 and not p.low_inclusive)
            symbol = sp.Symbol(p.name, positive=True) if positive else sp.Symbol(p.name, real=True)
            values[p.name] = symbol
            defaults[symbol] = sp.Float(p.default)
        else:
            values[p.name] = sp.nsimplify(float(bound), rational=len(repr(float(bound))) <= 8)
    return record.symbolic(sp, X, values), defaults


def _derive(
    spec: str, f: Any, defaults: dict[Any, float], slope: Callable[[np.ndarray], np.ndarray]
) -> Derivation:
    pieces = _pieces(f)
    branches = [
        _branch(cond, g, defaults) if points is None else _point(cond, g, points, slope)
        for g, cond, points in pieces
    ]
    if len(branches) == 1:
        derivative, of_f = branches[0].derivative, branches[0].derivative_of_f
    else:
        derivative = sp.Piecewise(*((b.derivative, b.condition) for b in branches))
        forms = {b.derivative_of_f for b in branches}
        of_f = forms.pop() if len(forms) == 1 else None
    return Derivation(spec, f, derivative, of_f, branches)


def _pieces(f: Any) -> list[tuple[Any, Any, list[Any] | None]]:
    """``(expression, condition, points)`` per branch, ``points`` the x it holds at where
    those are finitely many (else None); one piece with condition None when smooth."""
    kinked = (sp.Abs, sp.sign, sp.Max, sp.Min, sp.Heaviside)
    # |u| at u = 0 is a tie of its two sides, where eval's slope is max(u, -u)'s left one,
    # -|u'|, not either side's: a branch of its own, as a tie of max or min is
    f = f.replace(lambda e: isinstance(e, sp.Abs), _abs_pieces)
    folded = sp.piecewise_fold(f.rewrite(sp.Piecewise)) if f.has(*kinked) else f
    folded = sp.piecewise_fold(folded)
    if not isinstance(folded, sp.Piecewise):
        return [(f, None, None)]
    pieces, before = [], sp.false
    for g, cond in folded.args:  # first match wins: make each condition exclude earlier ones
        where, points = _readable(sp.And(cond, sp.Not(before)))
        if where != sp.false:  # a branch no x reaches
            pieces.append((g, where, points))
        before = sp.Or(before, cond)
    return pieces


def _abs_pieces(e: Any) -> Any:
    u = e.args[0]
    return sp.Piecewise((u, u > 0), (-u, u < 0), (sp.S.Zero, True))


def _readable(condition: Any) -> tuple[Any, list[Any] | None]:
    """A branch's condition as intervals of x where SymPy can solve it (``x < 0`` for
    ``(x <= 0) & ~((x <= 0) & (exp(x) >= 1))``), else as it is (a parameter's bounds); and
    its points where it holds at finitely many real x. SymPy's as_set raises
    NotImplementedError (or TypeError, ValueError) for what it cannot solve."""
    try:
        where = condition.as_set()
    except (NotImplementedError, TypeError, ValueError):
        return condition, None
    if where == sp.S.EmptySet:
        return sp.false, None
    if not isinstance(where, (sp.Interval, sp.Union, sp.FiniteSet)):
        return condition, None
    relation = where.as_relational(X)
    # x > 0, not SymPy's 0 < x
    relation = relation.replace(
        lambda e: isinstance(e, sp.core.relational.Relational) and e.rhs == X, lambda e: e.reversed
    )
    single = isinstance(where, sp.FiniteSet) and all(p.is_real for p in where)
    return relation, sorted(where, key=float) if single else None


def _point(
    condition: Any, g: Any, points: list[Any], slope: Callable[[np.ndarray], np.ndarray]
) -> Branch:
    """A branch that holds at single ``points`` only (ELU written ``max(x, 0) + min(exp(x) -
    1, 0)`` has one at x = 0, where both arguments of each max and min tie): f' there is not
    the derivative of that branch's expression (a constant's 0) but the slope of f, which is
    what the kernel computes (1 for this ELU: both sides have slope 1)."""
    values = slope(np.array([float(p) for p in points]))
    slopes = [_number(v) for v in values.tolist()]
    cases = [(v, sp.Eq(X, p)) for v, p in zip(slopes, points)]
    derivative = slopes[0] if len(cases) == 1 else sp.Piecewise(*cases)
    title = "At a single point: f' is the slope of f there, as actlab computes it"
    steps = [Step(title, [(f"f'({sp.sstr(p)})", v) for v, p in zip(slopes, points)])]
    return Branch(condition, g, derivative, None, steps)


def _number(value: float) -> Any:
    """A float as SymPy shows it: 1, -1/2 where the float is that short, else a Float."""
    return sp.nsimplify(value, rational=True) if len(repr(value)) <= 8 else sp.Float(value)


def _branch(condition: Any, g: Any, defaults: dict[Any, float]) -> Branch:
    raw = sp.diff(g, X)
    steps = [Step("Differentiate", [("f'(x)", raw)])]
    simple = _simplest(raw, g)
    steps.append(Step("Simplify", [("f'(x)", simple)]))
    points = _points(condition, defaults)
    of_f, lines = _in_terms_of_f(g, simple, points, defaults)
    steps.append(Step("Write f' in terms of f", lines))
    return Branch(condition, g, simple, of_f, steps)


def _simplest(expr: Any, f: Any) -> Any:
    """The shortest of a few simplifications that adds no function f does not use."""
    allowed = {type(a) for a in f.atoms(sp.Function)}
    candidates = [expr]
    for simplifier in (sp.simplify, sp.factor, sp.cancel, sp.expand):
        try:
            candidates.append(simplifier(expr))
        except (NotImplementedError, sp.PolynomialError, TypeError, ValueError):
            continue

    def cost(e: Any) -> tuple[bool, int]:
        new = any(type(a) not in allowed for a in e.atoms(sp.Function))
        return new, sp.count_ops(e)

    return _tidy(min(candidates, key=cost))


def _tidy(expr: Any) -> Any:
    """-f*(f - 1) -> f*(1 - f): move a leading minus sign into a factor, as textbooks do."""
    coeff, rest = expr.as_coeff_Mul()
    if coeff < 0 and isinstance(rest, sp.Mul):
        for factor in rest.args:
            base, power = factor.as_base_exp()
            if isinstance(base, sp.Add) and power.is_Integer and power % 2 == 1:
                others = [a for a in rest.args if a is not factor]
                return sp.Mul(-coeff, *others, (-base) ** power)
    return expr


def tidy(expr: Any) -> Any:
    """:func:`_tidy` applied to every product in ``expr`` (for display)."""
    return expr.replace(lambda e: isinstance(e, sp.Mul), _tidy)


def _points(condition: Any, defaults: dict[Any, float]) -> list[float]:
    if condition is None or condition == sp.true:
        return list(_SAMPLES)
    cond = condition.xreplace(defaults)
    return [x for x in _SAMPLES if bool(cond.subs(X, x))]


def _in_terms_of_f(
    g: Any, derivative: Any, points: list[float], defaults: dict[Any, float]
) -> tuple[Any, list[tuple[str, Any]]]:
    lines: list[tuple[str, Any]] = []
    if not derivative.has(X):
        lines.append(("f' does not depend on x", derivative))
        return derivative, lines
    if g.has(X) and not isinstance(g, sp.Symbol):
        direct = derivative.subs(g, F)
        if not direct.has(X) and _agrees(direct, g, derivative, points, defaults):
            lines.append((f"replace {sp.sstr(g)} by f", direct))
            return _simplest(direct, direct), lines
    try:
        solutions = sp.solve(sp.Eq(F, g), X)
    except (NotImplementedError, ValueError, TypeError):
        solutions = []
    for s in solutions:
        candidate = _simplest(sp.simplify(derivative.subs(X, s)), derivative)
        if candidate.has(X) or not _agrees(candidate, g, derivative, points, defaults):
            continue
        lines += [
            (f"solve f = {sp.sstr(g)} for x", sp.Eq(X, tidy(s), evaluate=False)),
            ("substitute into f'(x)", derivative.subs(X, s)),
            ("simplify", candidate),
            (f"check at x = {', '.join(f'{p:g}' for p in points)}", "agrees to 1e-12"),
        ]
        return candidate, lines
    lines.append(("no closed form in f alone was found", None))
    return None, lines


def _agrees(
    candidate: Any, g: Any, derivative: Any, points: list[float], defaults: dict[Any, float]
) -> bool:
    """Does candidate(f(x)) equal f'(x) at each sample point (at least two)?"""
    if len(points) < 2:
        return False
    for x in points:
        at = {X: sp.Float(x, 30), **defaults}
        fx = g.xreplace(at).evalf(30)
        want = derivative.xreplace(at).evalf(30)
        got = candidate.xreplace({F: fx, **defaults}).evalf(30)
        if not (got.is_real and want.is_real):
            return False
        if abs(got - want) > 1e-12 * (1 + abs(want)):
            return False
    return True
