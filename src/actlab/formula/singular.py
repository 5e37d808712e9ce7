"""The value of a formula at an isolated singular point: its limit there, found by SymPy.

Where a formula divides by an exact zero or takes the log of one (``sin(x)/x``, ``x*log(x)``
and ``(x - 1)/log(x)`` at their points, ``x/log(x)``'s derivative at 0), no precision certifies
the element: the interval of the divisor contains 0 at every precision, and IEEE arithmetic gives
NaN or an infinity. The right answer is the formula's limit, which is what a mathematician means
by its value there (``sin(x)/x`` is 1 at 0). :func:`resolve` finds it for the elements
:mod:`actlab.formula.exact` leaves uncertain, in three steps:

1. **Isolated?** The exact evaluation at the two floats adjacent to the point must be settled:
   certified (the side is defined) or certified NaN (undefined, as ``log(x)`` left of 0). An
   element whose neighbours are uncertain too (``sin(exp(exp(x)))`` at x = 10) is not a point
   singularity; it keeps the plain value.
2. **The one-sided limits** of the defined sides, by ``sympy.limit`` at the exact binary value
   of the point, under a time budget in a forked process (:mod:`actlab.formula.budget`).
3. **The value**: one side defined: its limit; both, and equal: that; both, finite and
   different (a kink of ``abs(2*x - 1)`` at 1/2): nothing, the formula's own convention at a tie
   stands; both, different, one infinite (``1/x`` at 0: -inf and +inf): at a signed zero the
   side its sign names (IEEE's convention: ``1/+0 = +inf``), elsewhere NaN (``x/log(x)`` at 1
   is a pole with two signs: undefined).
   A limit that SymPy leaves unevaluated, that oscillates (``sin(1/x)``) or that is not real
   is no answer: the plain value stays.

Each point's answer (or its absence) is remembered on the plan, per parameter values.
:func:`at_infinity` asks SymPy the same way for the limit at +-inf (``log(x)`` and ``1/x``
approach theirs too slowly for a numeric rule), and :func:`limit_at` is the rule of step 3 for
any SymPy expression (the accuracy reference uses it too).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from actlab.formula.budget import within

#: at most this many distinct points per call get a limit (each costs a SymPy computation),
#: nearest 0 first (sin(pi x)/sin(pi x/2) on the integers of [-20, 20] has 21 such points; 0,
#: once the eleventh from the left, was left NaN)
POINTS = 64
#: seconds for the SymPy limits of one point (both sides), and for all points of one call
SECONDS = 2.0
SECONDS_PER_CALL = 4.0

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def resolve(
    plan: Any,
    x: np.ndarray,
    values: dict[str, Any],
    out: np.ndarray,
    todo: np.ndarray,
    settle: Evaluate,
) -> np.ndarray:
    """Write the limit at the elements ``todo`` of ``x`` that are isolated singular points;
    return the indices left as they were. ``settle(points)`` evaluates the formula exactly at
    float64 ``points`` and says which were certified."""
    if plan.expr is None or not todo.size or any(np.ndim(v) for v in values.values()):
        return todo
    key_values = tuple(sorted((k, float(v)) for k, v in values.items()))
    deadline = time.monotonic() + SECONDS_PER_CALL
    # distinct points, +0 and -0 apart (where the two sides differ, a zero's sign picks one)
    points = sorted({_signed(p) for p in x[todo].tolist()}, key=lambda s: (abs(s[0]), s[1]))
    answers: dict[tuple[float, float], float] = {}
    for signed in points[:POINTS]:
        point = math.copysign(signed[0], signed[1])
        if not math.isfinite(point) or time.monotonic() >= deadline:
            continue
        key = ("point", *signed, key_values)
        if key not in plan.limits:
            plan.limits[key] = _value_at(plan.expr, point, values, settle)
        value = plan.limits[key]
        if value is not None:
            answers[signed] = value
    if not answers:
        return todo
    left = []
    for index in todo:
        value = answers.get(_signed(float(x[index])))
        if value is None:
            left.append(index)
        else:
            out[index] = value
    return np.asarray(left, dtype=todo.dtype)


def at_infinity(expr: Any, sign: float, values: dict[str, Any]) -> float | None:
    """lim f(x) as x -> sign*inf by SymPy (within the same budget), or None where SymPy finds
    no real limit (then the caller's numeric rule decides)."""
    side = "-" if sign > 0 else "+"
    finished, limits = within(SECONDS, _limits, expr, sign * math.inf, values, [side])
    return limits[side] if finished and limits is not None else None


def _signed(point: float) -> tuple[float, float]:
    return point, math.copysign(1.0, point)


def _value_at(expr: Any, point: float, values: dict[str, Any], settle: Evaluate) -> float | None:
    below = np.nextafter(point, -np.inf)
    above = np.nextafter(point, np.inf)
    got, certified = settle(np.array([below, above]))
    if not certified.all():
        return None  # a neighbour is uncertain too: not an isolated point
    sides = [side for side, v in (("-", got[0]), ("+", got[1])) if not np.isnan(v)]
    return limit_at(expr, point, values, sides)


def limit_at(expr: Any, point: float, values: dict[str, Any], sides: list[str]) -> float | None:
    """The value at ``point`` from SymPy's one-sided limits of ``expr`` on the defined
    ``sides`` ("-", "+"), by the rule of step 3 above; None where there is no answer."""
    if not sides:
        return None  # undefined on both sides: the NaN stands
    finished, limits = within(SECONDS, _limits, expr, point, values, sides)
    if not finished or limits is None:
        return None
    found = [v for v in (limits[side] for side in sides) if v is not None]
    if len(found) < len(sides):
        return None
    if len(found) == 1 or found[0] == found[1]:
        return found[-1]
    if all(math.isfinite(v) for v in found):
        return None  # a kink or a jump: the formula's own convention stands (max(x, 0)' = 0)
    if point == 0:  # a pole: the side a signed zero names, as IEEE's 1/+0 = +inf
        return found[1] if math.copysign(1.0, point) > 0 else found[0]
    return math.nan  # a pole elsewhere: undefined there


def _limits(
    expr: Any, point: float, values: dict[str, Any], sides: list[str]
) -> dict[str, float | None]:
    """SymPy's one-sided limits of ``expr`` at ``point`` (runs in the forked child)."""
    import sympy as sp

    from actlab.formula.functions import X, to_elementary

    names = {s.name: s for s in expr.free_symbols}
    subs = {names[k]: sp.Rational(float(v)) for k, v in values.items() if k in names}
    form = to_elementary(expr).subs(subs)
    # a constant base to the power x as exp(x log(base)): SymPy's limit of 3**x as x -> -oo is oo
    form = form.replace(
        lambda e: e.is_Pow and e.base.is_number and e.base.is_positive and not e.exp.is_number,
        lambda e: sp.exp(e.exp * sp.log(e.base)),
    )
    # a Float (softplus's beta = 1.0, SELU's 31-digit constants) as the exact rational of its
    # own value: SymPy's limit is several times slower through Floats (rounded to doubles
    # first, SELU's lambda alpha was the double product, 1 ulp off at -inf)
    form = form.xreplace({f: sp.Rational(f) for f in form.atoms(sp.Float)})
    point_at = sp.oo * int(math.copysign(1, point)) if math.isinf(point) else sp.Rational(point)
    out: dict[str, float | None] = {}
    for side in sides:
        try:
            near, at = _branches(sp, form, point_at, side), point_at
            if math.isinf(point):
                near, at = _erf_tails(sp, near, at)
            limit = _bounded(sp, _termwise(sp, near, at, side))
            if limit.has(sp.AccumBounds):  # SymPy's interval arithmetic may just be loose:
                simpler = sp.trigsimp(near)  # sin(x)^2 + cos(x)^2 gave AccumBounds(0, 2)
                if simpler != near:
                    limit = _bounded(sp, sp.limit(simpler, X, at, side))
            if limit.has(sp.AccumBounds):
                limit = _continuous(sp, near, at, side) or limit
        except Exception:  # SymPy gives up in many ways (NotImplementedError, ValueError, ...)
            out[side] = None
            continue
        out[side] = _real(sp, limit)
    return out


def _continuous(sp: Any, form: Any, at: Any, side: str) -> Any:
    """lim f(u) as f(lim u), where u's limit is a finite real number and f is continuous there
    (sums, products, positive bases to a power, and the elementary functions below where they
    are finite), or None. SymPy's own limit of atan(atan(x)) as x -> oo is
    atan(AccumBounds(-pi/2, pi/2)), an oscillation, where the value is atan(pi/2)."""
    from actlab.formula.functions import X

    continuous = (
        sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.atan, sp.sinh, sp.cosh, sp.tanh, sp.asinh,
        sp.erf, sp.erfc, sp.Abs,
    )  # fmt: skip

    def finite(value: Any) -> bool:
        return bool(
            value is not None
            and not value.has(sp.AccumBounds)
            and value.is_extended_real
            and value.is_finite
        )

    def lim(e: Any) -> Any:
        if not e.has(X):
            return e
        plain = sp.limit(e, X, at, side)
        if finite(plain):
            return plain
        if e.is_Add or e.is_Mul:
            parts = [lim(a) for a in e.args]
            return None if None in parts else e.func(*parts)
        if e.is_Pow:
            base, power = lim(e.base), lim(e.exp)
            return base**power if finite(base) and base.is_positive and finite(power) else None
        if isinstance(e, continuous) and len(e.args) == 1:
            inner = lim(e.args[0])
            value = e.func(inner) if finite(inner) else None
            return value if finite(value) else None
        return None

    found = lim(form)
    return found if finite(found) else None


def _termwise(sp: Any, form: Any, at: Any, side: str) -> Any:
    """The limit of a sum as the sum of its terms' limits where they are finite real numbers,
    plus the limit of the other terms taken together (``cos(x)/x - sin(x)/x**2`` at 0 is two
    infinities that cancel). The same value as SymPy's limit of the whole sum, many times
    faster: a derivative such as that of ``x*tanh(softplus(x)) + sin(x)/x`` took SymPy 1-3 s as
    one expression (past the budget, so its value at 0 stayed NaN), 0.06 s term by term."""
    from actlab.formula.functions import X

    terms = sp.Add.make_args(form)
    if len(terms) == 1:
        return sp.limit(form, X, at, side)
    settled, rest = sp.Integer(0), []
    try:
        for term in terms:
            limit = sp.limit(term, X, at, side)
            if limit.is_extended_real and limit.is_finite and not limit.has(sp.AccumBounds):
                settled += limit
            else:
                rest.append(term)
    except Exception:  # SymPy gave up on a term: the whole sum may still go
        return sp.limit(form, X, at, side)
    return settled + (sp.limit(sp.Add(*rest), X, at, side) if rest else 0)


def _branches(sp: Any, form: Any, at: Any, side: str) -> Any:
    """``form`` with each piecewise part (where, max, min, Heaviside) replaced by the branch that
    holds for every x near ``at`` on ``side`` ("-": below it, "+": above; towards +-oo: beyond
    some point), where that is decided: SymPy's limit gives up on Piecewise
    (``where(x > 0, log(x), 0)`` as x -> oo, ``min(x, tanh(x))/x`` at 0). A condition whose two
    sides tie at ``at`` is decided by the sign of their difference near it (x - tanh(x) is
    positive just above 0)."""
    from actlab.formula.functions import X

    def near(cond: Any) -> bool | None:
        if cond in (sp.true, sp.false):
            return bool(cond)
        if isinstance(cond, sp.Not):
            inner = near(cond.args[0])
            return None if inner is None else not inner
        if isinstance(cond, sp.ITE):  # a condition on a catalog call's own branches (elu's)
            first = near(cond.args[0])
            return None if first is None else near(cond.args[1] if first else cond.args[2])
        if isinstance(cond, (sp.And, sp.Or)):
            parts = [near(c) for c in cond.args]
            if isinstance(cond, sp.And):
                return False if False in parts else (None if None in parts else True)
            return True if True in parts else (None if None in parts else False)
        if isinstance(cond, sp.core.relational.Relational):
            difference = cond.lhs - cond.rhs
            gap = sp.limit(difference, X, at, side)
            if gap == 0:  # a tie: the sign of the difference near the point
                gap = sp.limit(sp.sign(difference), X, at, side)
            if gap.is_extended_real is not True or gap == 0:
                return None  # no limit, or equal near the point: undecided
            holds = cond.func(gap, 0)
            return bool(holds) if holds in (sp.true, sp.false) else None
        return None

    def branch(part: Any) -> Any:  # the part itself where undecided
        pw = part if isinstance(part, sp.Piecewise) else part.rewrite(sp.Piecewise)
        for value, cond in pw.args if isinstance(pw, sp.Piecewise) else ():
            truth = near(cond)
            if truth is None:
                return part
            if truth:
                return value
        return part

    kinds = (sp.Piecewise, sp.Max, sp.Min, sp.Heaviside)
    return form.replace(lambda e: isinstance(e, kinds), branch)


def _erf_tails(sp: Any, form: Any, at: Any) -> tuple[Any, Any]:
    """``form`` as x -> ``at`` (+-oo) rewritten so that SymPy sees erf's tails: SymPy leaves
    lim log(erfc(x)) unevaluated and then calls log(erfc(x)) + x**2 +oo (it falls like -log x).
    The limit at -oo is taken as the limit at +oo of f(-x); erf(u) with u -> +oo is written
    1 - erfc(u); and each erfc(v) with v -> +oo is e^(-v^2) times erfcx(v) = e^(v^2) erfc(v),
    with the logs of those products split, so that e^(-v^2) cancels what it cancels
    (log(erfc(x)) + x**2 becomes log(e^(x^2) erfc(x)), whose limit SymPy finds: -oo). Each
    step is an identity, so where SymPy found the limit before it finds the same one."""
    from actlab.formula.functions import X

    if not form.has(sp.erf, sp.erfc):
        return form, at
    if at == -sp.oo:
        form, at = form.xreplace({X: -X}), sp.oo

    def toward_oo(u: Any) -> bool:
        try:
            return bool(sp.limit(u, X, at) == sp.oo)
        except Exception:
            return False

    form = form.replace(
        lambda e: isinstance(e, sp.erf) and toward_oo(e.args[0]), lambda e: 1 - sp.erfc(e.args[0])
    )
    scaled: dict[Any, Any] = {}

    def split(e: Any) -> Any:
        v = e.args[0]
        if not toward_oo(v):
            return e
        w = sp.Dummy(positive=True)
        scaled[w] = sp.Mul(sp.exp(v**2), e, evaluate=False)
        return sp.exp(-(v**2)) * w

    form = form.replace(lambda e: isinstance(e, sp.erfc), split)
    return sp.expand_log(form).xreplace(scaled), at


def _bounded(sp: Any, limit: Any) -> Any:
    """SymPy's answer with the sign of a one-signed AccumBounds resolved: x*(2 + sin(x)) as
    x -> oo is oo*sign(AccumBounds(1, 3)), which is oo."""

    def one_signed(e: Any) -> bool:
        bounds = e.args[0] if isinstance(e, sp.sign) else None
        return isinstance(bounds, sp.AccumBounds) and (bounds.min > 0 or bounds.max < 0)

    return limit.replace(one_signed, lambda e: sp.Integer(1 if e.args[0].min > 0 else -1))


def _real(sp: Any, limit: Any) -> float | None:
    """A limit as a float: NaN where SymPy still finds that it oscillates between finite bounds
    (AccumBounds, after the sign and simplification above: there is none), None where it has no
    answer (unbounded AccumBounds arithmetic, oo*sign(AccumBounds(0, 4)), may just be loose:
    the caller's numeric rule decides)."""
    if limit.has(sp.AccumBounds):
        return None if limit.has(sp.oo, -sp.oo) else math.nan
    if limit.has(sp.Limit, sp.zoo, sp.nan) or limit.is_extended_real is not True:
        return None
    if limit in (sp.oo, -sp.oo):
        return math.copysign(math.inf, 1 if limit == sp.oo else -1)
    try:
        return float(sp.N(limit, 30))
    except (TypeError, ValueError):
        return None
