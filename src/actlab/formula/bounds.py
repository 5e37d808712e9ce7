"""Evaluate a formula with a rigorous error bound per element, in any number system.

A :class:`Plan` turns a SymPy expression (the formula after the stability rewrites, or its
derivative) into a straight-line program like :class:`actlab.formula.compile.Program`, but every
step computes a :class:`Bounded` value: ``v`` (what the number system computed), ``e`` (a bound:
the exact value lies in ``[v - e, v + e]``) and ``nan`` (the exact value is undefined, e.g. the
log of a negative number). An element whose bound is infinite or NaN is *uncertain*.

Why the bound is sound (running error analysis, one rule per operation). With ``a`` in
``[va - ea, va + ea]`` and ``b`` likewise, and ``u``, ``eta``, ``lib`` the number system's unit
roundoff, underflow term and library-function error (see :mod:`actlab.formula.numbers`):

- ``a + b``: exact sum within ``ea + eb`` of ``va + vb``; rounding adds ``u|v|``.
- ``a * b``: ``|ab - va vb| <= |va| eb + |vb| ea + ea eb``; rounding adds ``u|v| + eta``.
- ``1/b``: ``|1/b - 1/vb| <= eb / (|vb| (|vb| - eb))`` when ``|vb| > eb`` (else uncertain).
- ``f(a)``: ``|f(t) - f(va)| <= ea * max|f'|`` over ``[va - ea, va + ea]``, bounded per function
  (e.g. exp: ``|v| ea (1 + ea)`` for ``ea <= 1``; log: ``ea / (va - ea)``), plus the library's
  ``lib u |v|``.
- a comparison is decided only where ``|lhs - rhs| > e``; elsewhere the element is uncertain.

Each rule's bound is itself computed with a few roundings on non-negative numbers; multiplying by
``grow = 1 + 256u`` covers them. Overflow makes ``v`` infinite, and every rule adds ``u|v|``, so
the bound becomes infinite too: an overflowed intermediate is uncertain, never silently wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from actlab.errors import ActlabError
from actlab.formula.compile import extreme
from actlab.formula.functions import (
    CatalogCall,
    CatalogDerivative,
    Log1pExp,
    Sigmoid,
    X,
    domain_bases,
    erfc,
    expm1,
    keep_domain,
    log1p,
)


class Unsupported(ActlabError):
    """The expression has a node the bound rules do not know."""


class Bounded(NamedTuple):
    """Values ``v``, error bounds ``e`` (0 when exact) and the undefined mask ``nan``."""

    v: Any
    e: Any
    nan: Any


class Condition(NamedTuple):
    """A comparison per element: ``known`` where decided, ``value`` there, ``nan`` undefined."""

    known: Any
    value: Any
    nan: Any


def _zero(e: Any) -> bool:
    return isinstance(e, (int, float)) and e == 0


def _either(a: Any, b: Any) -> Any:
    if a is False:
        return b
    if b is False:
        return a
    return a | b


def _finish(s: Any, v: Any, e: Any, nan: Any = False) -> Bounded:
    """Add the rounding of ``v`` to the propagated bound ``e`` and scale for the bound's own
    rounding."""
    return Bounded(v, (e + s.u * abs(v) + s.eta) * s.grow, nan)


def _exact_where(s: Any, kind: str, operands: tuple[Bounded, ...], rounded: Bounded) -> Bounded:
    """In a system that can tell (mpmath), the sum or product of exact operands (the reciprocal
    of one) with no rounding error of its own is exact, element by element: ``x*x`` stays exact
    at 128 bits, so ``exp(x^2)`` at x = 1e30 is certified there instead of at 16384 bits (its
    u|v| of 1e60 2^-128 was 3e21); ``x/a`` with a declared a = 2 likewise, so ``e^(x/a)`` at
    x = 1e300 is certified at 128 bits (it climbed to 16384, 0.1 s an element)."""
    if not hasattr(s, "exact"):
        return rounded
    both: Any = True
    for a in operands:
        both = both & (True if _zero(a.e) else np.asarray(a.e == 0).astype(bool))
    if not np.any(both):
        return rounded
    first, second = operands[0], operands[-1]
    exact = both & s.exact(kind, first.v, second.v, rounded.v)
    return rounded._replace(e=np.where(exact, s.scalar(0), rounded.e))


def add(s: Any, a: Bounded, b: Bounded) -> Bounded:
    v = a.v + b.v
    e = a.e + b.e if not (_zero(a.e) and _zero(b.e)) else 0
    return _exact_where(s, "add", (a, b), _finish(s, v, e, _either(a.nan, b.nan)))


def mul(s: Any, a: Bounded, b: Bounded) -> Bounded:
    v = a.v * b.v
    e: Any = 0
    if not _zero(b.e):
        e = abs(a.v) * b.e
    if not _zero(a.e):
        e = e + abs(b.v) * a.e
        if not _zero(b.e):
            e = e + a.e * b.e
    return _exact_where(s, "mul", (a, b), _finish(s, v, e, _either(a.nan, b.nan)))


def reciprocal(s: Any, b: Bounded) -> Bounded:
    v = s.reciprocal(b.v)  # 1/0 is uncertain (its limit comes from the compiled kernel)
    if _zero(b.e):
        return _exact_where(s, "reciprocal", (b,), _finish(s, v, 0, b.nan))
    room = abs(b.v) - b.e
    ok = s.boolean(room > 0)
    # divided in turn: the product |v| room could overflow and the bound become 0
    e = np.where(ok, b.e / np.where(ok, abs(b.v), 1) / np.where(ok, room, 1), s.inf)
    return _exact_where(s, "reciprocal", (b,), _finish(s, v, e, b.nan))


def _within_one(s: Any, d: Any, bound: Any) -> Any:
    """``bound``, valid only while the argument's error ``d`` is at most 1."""
    if _zero(d):
        return 0
    return np.where(s.boolean(d <= 1), bound, s.inf)


def _function(s: Any, v: Any, propagated: Any, nan: Any, lib: Any = None) -> Bounded:
    """f's value, its propagated bound and the library's own error (lib units of u)."""
    own = (s.lib if lib is None else lib) * s.u * abs(v)
    return _finish(s, v, propagated + own, nan)


def _slope(s: Any, fn: str, a: Bounded) -> Any:
    """max |f'| over [va - ea, va + ea] from f's monotone slope (mpmath systems only: their range
    is unbounded, so an argument with a huge absolute error, such as e^x at x = 5e4, still gets a
    useful bound where the cheap rules below need ea <= 1)."""
    low = np.maximum(abs(a.v) - a.e, 0)  # the smallest |t| in the interval
    if fn in ("exp", "expm1"):
        return s.exp(a.v + a.e)
    if fn in ("sinh", "cosh"):
        return s.cosh(abs(a.v) + a.e)
    if fn == "sigmoid":  # sigmoid' = sigmoid(t) sigmoid(-t) <= sigmoid(-|t|)
        return s.sigmoid(-low)
    if fn == "log1pexp":  # log1pexp' = sigmoid, increasing
        return s.sigmoid(a.v + a.e)
    if fn == "sech":
        return s.sech(low)
    if fn == "tanh":
        return s.sech(low) ** 2
    if fn == "atan":
        return 1 / (1 + low * low)
    return 1  # sin, cos


def _lipschitz(fn: str) -> Callable[[Any, Bounded], Bounded]:
    """f with |f'| <= 1 everywhere (sin, cos, tanh, atan)."""

    def rule(s: Any, a: Bounded) -> Bounded:
        v = getattr(s, fn)(a.v)
        if _zero(a.e):
            return _function(s, v, 0, a.nan)
        prop = a.e * _slope(s, fn, a) if s.endpoints else a.e
        return _function(s, v, prop, a.nan)

    return rule


def _relative(fn: str, plus_one: bool = False, lib: int | None = None) -> Callable[..., Bounded]:
    """f with |f'(t)| <= (|f(a)| [+ 1]) e^|t - a| (exp, sigmoid, softplus, sech, cosh; expm1 and
    sinh with the + 1): for |t - a| <= d <= 1, |f(t) - f(a)| <= d (1 + 2d) (|f(a)| [+ 1])."""

    def rule(s: Any, a: Bounded) -> Bounded:
        v = getattr(s, fn)(a.v)
        if _zero(a.e):
            prop: Any = 0
        elif s.endpoints:
            prop = a.e * _slope(s, fn, a)
        else:
            scale = abs(v) + 1 if plus_one else abs(v)
            prop = _within_one(s, a.e, scale * (a.e * (1 + 2 * a.e)))
        return _function(s, v, prop, a.nan, None if lib is None else lib)

    return rule


def log_rule(s: Any, a: Bounded, shift: int = 0) -> Bounded:
    """log(shift + a): |log t - log w| <= d/(w - d) for t in [w - d, w + d], w - d > 0."""
    w = a.v + shift if shift else a.v
    v = s.log1p(a.v) if shift else s.log(a.v)
    low = w - a.e if not _zero(a.e) else w
    low = low - abs(w) * (2 * s.u) if shift else low  # 1 + a was rounded
    ok = s.boolean(low > 0)
    prop = np.where(ok, a.e / np.where(ok, low, 1) if not _zero(a.e) else 0, s.inf)
    high = w + a.e if not _zero(a.e) else w
    undefined = s.boolean(high < 0) if not shift else s.boolean(high < -abs(w) * (2 * s.u))
    return _function(s, v, prop, _either(a.nan, undefined))


def sqrt_rule(s: Any, a: Bounded) -> Bounded:
    """|sqrt t - sqrt w| = |t - w| / (sqrt t + sqrt w) <= d / sqrt(w); sqrt is correctly rounded."""
    v = s.sqrt(a.v)
    if _zero(a.e):
        return _finish(s, v, 0, _either(a.nan, s.boolean(a.v < 0)))
    ok = s.boolean(a.v - a.e >= 0)
    positive = s.boolean(v > 0)
    prop = np.where(ok & positive, a.e / np.where(positive, v, 1) * (1 + 2 * s.u), s.inf)
    return _finish(s, v, prop, _either(a.nan, s.boolean(a.v + a.e < 0)))


def tan_rule(s: Any, a: Bounded) -> Bounded:
    """|tan'| = 1/cos^2; |cos t| >= |cos w| - d - lib u, which must stay positive (no pole)."""
    v = s.tan(a.v)
    room = abs(s.cos(a.v)) - (a.e if not _zero(a.e) else 0) - 4 * s.lib * s.u
    ok = s.boolean(room > 0)
    safe = np.where(ok, room, 1)
    prop = np.where(ok, (a.e if not _zero(a.e) else 0) / (safe * safe), s.inf)
    # tan's own error grows near a pole like the argument's rounding, |w| u / cos^2
    own = abs(a.v) * s.u / (safe * safe)
    return _function(s, v, np.where(ok, prop + own, s.inf), a.nan)


def erf_rule(s: Any, a: Bounded, complement: bool) -> Bounded:
    """|erf'(t)| = (2/sqrt(pi)) e^(-t^2) <= 1.13 e^(-m^2), m the smallest |t| in the interval;
    the factor 2 below covers the rounding of e^(-m^2) itself."""
    v = s.erfc(a.v) if complement else s.erf(a.v)
    prop: Any = 0
    if not _zero(a.e):
        m = np.maximum(abs(a.v) - a.e, 0)
        prop = 2.26 * a.e * s.exp(-(m * m))
    return _finish(s, v, prop + s.erf_error(a.v, v, complement), a.nan)


def power(s: Any, base: Bounded, exponent: Any, plan: Plan) -> Bounded:
    """base^n for an integer n by repeated multiplication; base^(k/2) through sqrt; any other
    exponent as exp(exponent * log(base))."""
    if exponent.is_Integer:
        n = int(exponent)
        result = _integer_power(s, base, abs(n))
        return reciprocal(s, result) if n < 0 else result
    if exponent.is_Rational and exponent.q == 2:
        return power(s, sqrt_rule(s, base), sp.Integer(exponent.p), plan)
    raise Unsupported("formula: internal error, general powers are rewritten to exp/log")


def _integer_power(s: Any, base: Bounded, n: int) -> Bounded:
    if n == 0:
        return Bounded(s.scalar(1.0), 0, base.nan)
    result, square = None, base
    while True:
        if n & 1:
            result = square if result is None else mul(s, result, square)
        n >>= 1
        if not n:
            return result if result is not None else square
        square = mul(s, square, square)


def sign_rule(s: Any, a: Bounded, heaviside: bool) -> Bounded:
    """sign(a) or Heaviside(a) (H(0) = 0): exact where the sign of a is decided."""
    positive = s.boolean(a.v > 0)
    value = np.where(positive, 1.0, 0.0 if heaviside else np.where(s.boolean(a.v < 0), -1.0, 0.0))
    value = s.array(value)
    if _zero(a.e):
        return Bounded(value, 0, a.nan)
    known = s.boolean((abs(a.v) > a.e) | (a.e == 0))  # an exact 0 (bound 0) is decided too
    return Bounded(value, np.where(known, 0, s.inf), a.nan)


def compare(s: Any, relation: Any, a: Bounded, b: Bounded) -> Condition:
    """lhs (relation) rhs, decided where |lhs - rhs| exceeds its bound."""
    test = _RELATIONS[type(relation)]
    if _zero(a.e) and _zero(b.e):  # exact operands: compare them directly
        return Condition(True, s.boolean(test(a.v, b.v)), _either(a.nan, b.nan))
    diff = add(s, a, Bounded(-b.v, b.e, b.nan))
    # decided where the difference is certainly not 0, or is exactly 0 (a tie, bound 0)
    known = s.boolean((abs(diff.v) > diff.e) | (diff.e == 0))
    return Condition(known, s.boolean(test(diff.v, 0)), diff.nan)


@functools.lru_cache(maxsize=512)
def solved_condition(relation: Any) -> Any:
    """``relation`` as comparisons of x with constants, where it is a polynomial condition of
    degree at most 2 in x with rational coefficients, through max, min and abs (SymPy's
    ``solve_univariate_inequality``): ``min(1, x/5 + 1/2) < 0`` is ``x < -5/2``. A tie at a
    kink (x = -2.5 there) is then decided in the first tier, x and -5/2 both exact, where the
    rounded x/5 + 1/2 left it undecided at every precision (to mpmath's time budget, about 6
    ms an element). Anything else is kept as it is."""
    from sympy.solvers.inequalities import solve_univariate_inequality

    gap = relation.lhs - relation.rhs
    if relation.free_symbols != {X} or _is_bare(relation) or sp.count_ops(gap) > 24:
        return relation
    # each kink doubles the solver's cases: 6 nested abs took 15 s to build, 8 over a minute
    if sum(isinstance(node, (sp.Abs, sp.Max, sp.Min)) for node in sp.preorder_traversal(gap)) > 3:
        return relation
    for node in sp.preorder_traversal(gap):
        plain = isinstance(node, (sp.Add, sp.Mul, sp.Abs, sp.Max, sp.Min, sp.Rational)) or node == X
        whole = isinstance(node, sp.Pow) and node.exp.is_Integer and 0 < node.exp <= 2
        if not (plain or whole):
            return relation
    try:
        solved = solve_univariate_inequality(relation, X, relational=True)
    except Exception:  # SymPy's solver gives up by raising one of many error types
        return relation
    for node in sp.preorder_traversal(solved):
        if isinstance(node, sp.core.relational.Relational):
            if type(node) not in _RELATIONS or not _is_bare(node):
                return relation
        elif not isinstance(node, (sp.And, sp.Or, sp.Symbol, sp.Number, sp.Pow, sp.Mul, sp.Add)):
            if node not in (sp.true, sp.false):
                return relation
    return solved


def _is_bare(relation: Any) -> bool:
    """x against a constant (a rational or a square root of one)."""
    sides = (relation.lhs, relation.rhs)
    return X in sides and all(
        side == X or (side.is_number and not side.has(sp.CRootOf)) for side in sides
    )


_RELATIONS: dict[type, Callable[[Any, Any], Any]] = {
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
}


def piecewise(s: Any, *pieces: Any) -> Bounded:
    """The first piece whose condition holds; uncertain where an earlier condition is undecided."""
    v: Any = s.scalar(float("nan"))
    e: Any = s.inf
    nan: Any = True
    open_ = True  # elements still looking for their piece
    unknown: Any = False
    for value, cond in zip(pieces[0::2], pieces[1::2]):
        # an undefined condition (log(x) < 0 at x < 0) makes the result undefined
        undefined = _as_bool(cond.nan)
        take = open_ & ((cond.known & cond.value) | undefined) & ~_as_bool(unknown)
        unknown = _either(unknown, open_ & ~_as_bool(cond.known) & ~undefined)
        v = np.where(take, value.v, v)
        e = np.where(take, value.e, e)
        nan = np.where(take, _as_bool(value.nan) | _as_bool(cond.nan), nan)
        open_ = open_ & ~take
    e = np.where(_as_bool(unknown), s.inf, e)
    # NaN is certain only where the piece is known (no piece at all is undefined, hence NaN);
    # where a condition is undecided nothing is certain yet, NaN included
    nan = np.where(_as_bool(unknown), False, nan)
    return Bounded(v, e, np.asarray(nan, dtype=bool))


def _as_bool(a: Any) -> Any:
    return a if not isinstance(a, bool) else np.bool_(a)


def extremum(s: Any, *args: Bounded, largest: bool) -> Bounded:
    """max/min: exact (no rounding), error at most the largest operand error; of two operands
    whose intervals are apart, the one picked with its own error (min(0, 2*expm1(x/2)) at
    x = 1e120 is 0 exactly, though the other operand's bound is 1e217147...: it went on to
    the limit machinery, 0.2 s an element)."""
    v = functools.reduce(lambda p, q: extreme(p, q, largest), (a.v for a in args))
    errors = [a.e for a in args if not _zero(a.e)]
    e = functools.reduce(np.maximum, errors) if errors else 0
    if errors:  # mpmath's max() skips a NaN operand (an uncertain 1/0): never certify past one
        broken = functools.reduce(np.logical_or, (~s.finite(a.e) | s.nan(a.v) for a in args))
        e = np.where(broken, s.inf, e)
        if len(args) == 2:
            a, b = args
            # |a - b| rounded down by its rounding, the bounds' sum rounded up by theirs:
            # NaN or an infinite bound fails the comparison
            gap = abs(a.v - b.v) * (1 - 2 * s.u)
            apart = s.boolean(gap > (a.e + b.e) * (1 + 4 * s.u)) & ~broken
            takes_a = s.boolean(a.v > b.v if largest else a.v < b.v)
            own = np.where(takes_a, a.e, b.e)
            e = np.where(apart, own, e)
    return Bounded(v, e, functools.reduce(_either, (a.nan for a in args)))


def logic(kind: type, *conds: Condition) -> Condition:
    if kind is sp.Not:
        (c,) = conds
        return Condition(c.known, ~_as_bool(c.value), c.nan)
    combine = np.logical_and if kind is sp.And else np.logical_or
    value = functools.reduce(combine, (c.value for c in conds))
    # And: a known False decides it; Or: a known True decides it
    decisive = functools.reduce(
        np.logical_or, (c.known & (c.value if kind is sp.Or else ~_as_bool(c.value)) for c in conds)
    )
    known = functools.reduce(np.logical_and, (c.known for c in conds)) | decisive
    # an undefined operand leaves it undefined unless a defined one decides it: and/or come
    # from folded where()s, whose ((x <= 10) | (sqrt(x) < g)) needs sqrt(x) only for x > 10
    # (min(where(x > 10, sqrt(x), cos(x)), g)' was NaN for x < 0)
    settled = functools.reduce(
        np.logical_or,
        (
            c.known & (c.value if kind is sp.Or else ~_as_bool(c.value)) & ~_as_bool(c.nan)
            for c in conds
        ),
    )
    nan = functools.reduce(_either, (c.nan for c in conds))
    return Condition(known, value, nan if nan is False else nan & ~settled)


_UNARY: dict[Any, Callable[[Any, Bounded], Bounded]] = {
    sp.exp: _relative("exp"),
    expm1: _relative("expm1", plus_one=True),
    sp.sinh: _relative("sinh", plus_one=True),
    sp.cosh: _relative("cosh"),
    sp.sech: _relative("sech", lib=17),
    Sigmoid: _relative("sigmoid", lib=64),
    Log1pExp: _relative("log1pexp", lib=64),
    sp.log: log_rule,
    log1p: lambda s, a: log_rule(s, a, 1),
    sp.sin: _lipschitz("sin"),
    sp.cos: _lipschitz("cos"),
    sp.tanh: _lipschitz("tanh"),
    sp.atan: _lipschitz("atan"),
    sp.tan: tan_rule,
    sp.erf: lambda s, a: erf_rule(s, a, False),
    sp.erfc: lambda s, a: erf_rule(s, a, True),
    erfc: lambda s, a: erf_rule(s, a, True),
    sp.Abs: lambda s, a: Bounded(abs(a.v), a.e, a.nan),
    sp.sign: lambda s, a: sign_rule(s, a, False),
}

#: a step reads earlier steps' results (or, with no reads, builds its own from x and params)
Step = tuple[Callable[..., Any], tuple[int, ...]]
#: what a step does, as data (for the compiled tier, :mod:`actlab.formula.vm`): a kind
#: ("x", "param", "const", "bool", "power", "piecewise", "add", "mul", "max", "min",
#: "heaviside", "compare", "logic", "unary") and its detail (a name, an exponent, a SymPy class)
Op = tuple[str, Any]


class Plan:
    """A straight-line program of bound rules for one expression of ``x`` and parameters."""

    def __init__(self, expr: Any, params: Sequence[str] = ()) -> None:
        #: the expression (SymPy), for its limits at singular points (actlab.formula.singular)
        self.expr = expr
        self.params = tuple(params)
        self.steps: list[Step] = []
        #: ``ops[i]`` says what ``steps[i]`` computes, as data
        self.ops: list[Op] = []
        #: the limits at +-inf and at singular points found so far (actlab.formula.exact,
        #: actlab.formula.singular), by side, point and parameters
        self.limits: dict[tuple[Any, ...], float] = {}
        #: another form of the same function (actlab.formula.forms), for what this one leaves
        self.second: Plan | None = None
        self._slots: dict[Any, int] = {}
        self.result = self._compile(expr)

    def __call__(self, system: Any, x: Any, values: dict[str, Any]) -> Bounded:
        """Evaluate at ``x`` (an array of the system) with parameter arrays/scalars ``values``."""
        return self.steps_at(system, x, values)[self.result]

    def steps_at(self, system: Any, x: Any, values: dict[str, Any]) -> list[Bounded]:
        """Every step's result (``[self.result]`` is the value)."""
        results: list[Any] = []
        for fn, reads in self.steps:
            if reads and reads[0] < 0:  # a leaf
                results.append(fn(system, x, values))
            else:
                results.append(fn(system, *(results[i] for i in reads)))
        return results

    def _add(self, fn: Callable[..., Any], reads: tuple[int, ...], op: Op) -> int:
        self.steps.append((fn, reads))
        self.ops.append(op)
        return len(self.steps) - 1

    def _compile(self, expr: Any) -> int:
        slot = self._slots.get(expr)
        if slot is None:
            slot = self._new(expr)
            self._slots[expr] = slot
        return slot

    def _leaf(self, fn: Callable[..., Any], op: Op) -> int:
        return self._add(fn, (-1,), op)

    def _new(self, expr: Any) -> int:
        if expr == X:
            return self._leaf(lambda s, x, v: Bounded(x, 0, False), ("x", None))
        if isinstance(expr, sp.Symbol):
            name = expr.name
            if name not in self.params:
                raise Unsupported(f"formula: free symbol {name!r}")
            return self._leaf(lambda s, x, v: Bounded(v[name], 0, False), ("param", name))
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            return self._constant(expr)
        if expr in (sp.true, sp.false):
            truth = bool(expr)
            return self._leaf(lambda s, x, v: Condition(True, truth, False), ("bool", truth))
        if isinstance(expr, (CatalogCall, CatalogDerivative)):
            from actlab.formula.rewrite import shortest, stabilize

            # the argument's domain survives the substitution: sigmoid(log(x)) is x/(1 + x)
            # once e^-u meets u = log(x), which read 1.1145 at x = -9.73 (a randomized sweep)
            form = keep_domain(stabilize(expr.elementary()), domain_bases(expr))
            # a derivative's chain-rule terms may cancel: isru' is 1/sqrt(1 + x^2) -
            # x^2/(1 + x^2)^(3/2), over one denominator 1/(1 + x^2)^(3/2)
            return self._compile(shortest(form) if isinstance(expr, CatalogDerivative) else form)
        if isinstance(expr, sp.Pow):
            return self._power(expr)
        if type(expr) in _RELATIONS:
            solved = solved_condition(expr)
            if solved != expr:
                return self._compile(solved)
        if isinstance(expr, (sp.Max, sp.Min)) and len(expr.args) == 2:
            # as where(), where the comparison solves: max(0, 1 - |x|) takes its 0 exactly
            # from |x| >= 1 on, not as the larger of two rounded values at a tie; a tie takes
            # a, SymPy's first argument (a number where there is one)
            a, b = expr.args
            first = sp.Lt(a - b, 0) if isinstance(expr, sp.Max) else sp.Gt(a - b, 0)
            if first in (sp.true, sp.false):  # decided (an unevaluated max of two slopes)
                return self._compile(b if first == sp.true else a)
            solved = solved_condition(first)
            if solved != first:
                return self._compile(sp.Piecewise((b, solved), (a, True)))
        if isinstance(expr, (sp.Heaviside, sp.sign)):  # as where(): its conditions solved
            above, below = sp.Gt(expr.args[0], 0), sp.Lt(expr.args[0], 0)
            positive, negative = solved_condition(above), solved_condition(below)
            if positive != above or negative != below:
                low = 0 if isinstance(expr, sp.Heaviside) else -1
                return self._compile(sp.Piecewise((1, positive), (low, negative), (0, True)))
        if isinstance(expr, sp.Piecewise):
            reads = tuple(self._compile(part) for pair in expr.args for part in pair)
            return self._add(piecewise, reads, ("piecewise", None))
        rule, op = self._rule(expr)
        return self._add(rule, tuple(self._compile(a) for a in expr.args), op)

    def _constant(self, expr: Any) -> int:
        def leaf(s: Any, x: Any, v: Any) -> Bounded:
            value, exact = s.constant(expr)
            return Bounded(value, 0 if exact else abs(value) * s.u, False)

        return self._leaf(leaf, ("const", expr))

    def _power(self, expr: Any) -> int:
        base, exponent = expr.args
        if exponent.is_Integer or (exponent.is_Rational and exponent.q == 2):
            read = self._compile(base)

            def rule(s: Any, b: Bounded) -> Bounded:
                return power(s, b, exponent, self)

            return self._add(rule, (read,), ("power", exponent))
        return self._compile(sp.exp(exponent * sp.log(base), evaluate=False))

    def _rule(self, expr: Any) -> tuple[Callable[..., Any], Op]:
        if isinstance(expr, sp.Add):
            return lambda s, *a: functools.reduce(lambda p, q: add(s, p, q), a), ("add", None)
        if isinstance(expr, sp.Mul):
            return lambda s, *a: functools.reduce(lambda p, q: mul(s, p, q), a), ("mul", None)
        if isinstance(expr, (sp.Max, sp.Min)):
            largest = isinstance(expr, sp.Max)
            op = ("max" if largest else "min", None)
            return lambda s, *a: extremum(s, *a, largest=largest), op
        if isinstance(expr, sp.Heaviside):
            return lambda s, a, *rest: sign_rule(s, a, True), ("heaviside", None)
        if type(expr) in _RELATIONS:
            return lambda s, a, b: compare(s, expr, a, b), ("compare", type(expr))
        if isinstance(expr, (sp.And, sp.Or, sp.Not)):
            kind = type(expr)
            return lambda s, *c: logic(kind, *c), ("logic", kind)
        # by class, then its bases (formula.functions' Abs is SymPy's with its own derivative)
        key = next((k for k in type(expr).__mro__ if k in _UNARY), expr.func)
        rule = _UNARY.get(key)
        if rule is None:
            raise Unsupported(f"formula: no error bound for {type(expr).__name__}")
        return rule, ("unary", key)
