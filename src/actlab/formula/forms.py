"""A second algebraic form of a formula, tried where the first one leaves elements uncertain.

The bounds of :mod:`actlab.formula.exact` make any form exact; they do not make it cheap. A form
that cancels (the textbook tanh's derivative, ``((e^2x + 1)^2 - (e^2x - 1)^2) sigmoid(-2x)^2``,
loses 2^-144 of itself at x = 50) sends its elements to mpmath, tenths of a millisecond each.
Formulas built from exponentials alone are rational functions of E = e^(g x) (g the common
factor of the exponents): put over one denominator with SymPy's ``cancel``, the cancelling terms
go away symbolically (that derivative is 4 E^2 / (E^2 + 1)^2), and written in E for x <= 0 and
in 1/E for x > 0 (numerator and denominator divided by E^n), no power of E overflows. The form
as typed stays the first (it is often the cheaper one per element: Mish as typed is one exp, one
log and one tanh, its rational form two exps and two quotients); the second runs the compiled
float systems only on the elements the first left, so an element's value never depends on the
machine's speed or on the other elements.

A formula not made of exponentials alone gets its collected form instead (:func:`collected`):
the catalog calls written out and each sum collected, so that a call's own stable form that
cancels against the rest of the formula (x - gelu(x), x - silu(x)) is rewritten as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from actlab.catalog.record import Kernel
from actlab.formula import exact
from actlab.formula.functions import (
    X,
    domain_bases,
    erfc,
    keep_domain,
    our_abs,
    to_elementary,
)
from actlab.formula.rewrite import stabilize

#: the largest power of E kept (a higher one is a long polynomial: not worth it)
MAX_DEGREE = 8
#: the most operations in a formula tried (SymPy's cancel is quick below)
MAX_OPS = 80
#: the deepest nesting of functions tried: each tanh written in exps holds its argument four
#: times (tanh nested 9 deep took 27 s to build)
MAX_DEPTH = 3
_E = sp.Symbol("E", positive=True)
_KINKED = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside)


def variants(expr: Any) -> list[Any]:
    """Other forms of ``expr`` worth measuring: its rational form in e^(g x) where it is made of
    exponentials, else its collected form (where that differs)."""
    try:
        form = _exp_rational(expr)
        if form is None:
            form = collected(expr)
    except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, TypeError, ValueError):
        return []
    return [] if form is None else [stabilize(form)]


def collected(expr: Any) -> Any | None:
    """``expr`` with its catalog calls written out and each sum collected, innermost first (its
    terms multiplied out, their common factors taken out, the rewrites run on it), or None where
    that changes nothing. A call's own stable form can cancel against the rest of the formula:
    gelu(x) - x is x (1 + erf(x/sqrt 2))/2 - x, which collects to -x erfc(x/sqrt 2)/2, and
    x - silu(x) to x sigmoid(-x); the rewrites know each sum left. Powers of sums are not
    multiplied out ((x + 1)^100 would have 101 terms), nor a quotient's denominator, and long
    formulas are not tried."""
    if not expr.has(X) or sp.count_ops(expr) > MAX_OPS or _depth(expr) > 2 * MAX_DEPTH:
        return None
    form = _collect(expr)
    # a branch SymPy evaluated to 0/0 (sqrt(x relu(x))' for x <= 0 is sqrt(0) (...)/0) is a
    # limit to take, not a value: that form is not used
    if sp.count_ops(form) > 2 * MAX_OPS or form.has(sp.nan, sp.zoo, sp.oo):
        return None
    # the domain collected alike: log(x - gelu(x)) needs x - gelu(x) >= 0, decided as
    # x erfc(x/sqrt 2)/2 >= 0 (as typed it cancels as the log's argument does)
    bases = [_collect(b) for b in domain_bases(expr)]
    form = keep_domain(form, [b for b in bases if not b.is_nonnegative])
    # a condition on a piecewise base is an ITE, which no evaluator compiles: and/or/not
    form = form.replace(lambda e: isinstance(e, sp.ITE), lambda e: e.to_nnf())
    return None if form == stabilize(expr) else form


def _split_softplus(expr: Any) -> Any:
    """Each log(1 + e^u) as u + log(1 + e^-u) where u > 0: the u can then cancel against the
    rest of its sum (gelu(x) - log1p(exp(x)) is -x erfc(x/sqrt 2)/2 - log1p(e^-x) for x > 0, a
    difference of two numbers near x as typed: about -1e5 under a log at x = 1e5)."""

    def split(term: Any) -> Any:
        u = next(a.args[0] for a in term.args[0].args if isinstance(a, sp.exp))
        return sp.Piecewise((u + sp.log(1 + sp.exp(-u)), u > 0), (term, True))

    def one_plus_exp(term: Any) -> bool:
        if not isinstance(term, sp.log) or not isinstance(term.args[0], sp.Add):
            return False
        parts = term.args[0].args
        return len(parts) == 2 and sp.S.One in parts and any(isinstance(a, sp.exp) for a in parts)

    return expr.replace(one_plus_exp, split)


def _ours_erfc(e: Any) -> bool:
    return isinstance(e, erfc)


def _collect(expr: Any) -> Any:
    """``expr`` written out (:func:`to_elementary`, :func:`_split_softplus`) and each of its sums
    collected, innermost first, after a piecewise's branches are put in its place
    (log1p(elu(x)) is log1p(expm1(x)) for x <= 0, which is x)."""

    def collect(total: Any) -> Any:
        # an inner sum the rewrites made erfc(-u) is 2 - erfc(u) again here, so that its 2
        # can meet this sum's terms (gelu(x) - x - log1p(e^-x) for x > 0: x (2 - erfc(u))/2 - x
        # has its x cancel)
        terms = (t.replace(_ours_erfc, lambda e: sp.erfc(e.args[0])) for t in total.args)
        flat = sp.Add(*(sp.expand_mul(t, deep=False) for t in terms))
        return stabilize(sp.factor_terms(flat))

    folded = sp.piecewise_fold(_split_softplus(to_elementary(expr)))
    return stabilize(folded.replace(lambda e: isinstance(e, sp.Add), collect))


def _exp_rational(expr: Any) -> Any | None:
    """``expr`` as P(E)/Q(E) for u <= 0 and P~(1/E)/Q~(1/E) for u > 0, E = e^(g u), or None."""
    if expr.has(*_KINKED) or not expr.has(X) or _depth(expr) > MAX_DEPTH:
        return None
    e = to_elementary(expr).rewrite(sp.exp)
    # a catalog parameter is a binary Float (softplus(x, 1.0)): its exact rational, so that
    # exp(1.0*x) has the rational slope 1
    e = e.xreplace({f: sp.Rational(f) for f in e.atoms(sp.Float) if f.is_finite})
    if {type(f) for f in e.atoms(sp.Function)} != {sp.exp}:
        return None
    # each outermost exponent a u + b for one expression u of x (x itself, or e^x in
    # x*(e^(2e^x) - 1)/(e^(2e^x) + 1)), a rational, b a number (tanh(x) - tanh(x - 1)), so that
    # exp(a u + b) is e^b E^(a/g), E = e^(g u)
    inner = set().union(*(f.args[0].atoms(sp.exp) for f in e.atoms(sp.exp)))
    lines = {f: f.args[0].as_independent(X, as_Add=True) for f in e.atoms(sp.exp) - inner}
    parts = {f: ax.as_coeff_Mul() for f, (b, ax) in lines.items()}
    slopes = {f: k for f, (k, u) in parts.items()}
    inside = {u for k, u in parts.values()}
    if len(inside) != 1 or not all(
        k.is_Rational and k != 0 and lines[f][0].is_number for f, k in slopes.items()
    ):
        return None
    (u,) = inside
    values = list(set(slopes.values()))
    g = abs(sp.gcd(values) if len(values) > 1 else values[0])
    if max(abs(k / g) for k in values) > MAX_DEGREE or sp.count_ops(e) > MAX_OPS:
        return None  # SymPy's cancel is quick on what is left
    in_e = e.xreplace({f: sp.exp(lines[f][0]) * _E ** (slopes[f] / g) for f in lines})
    # what is left of x outside E is a coefficient: x itself, or an exp inside u (x e^x E^2)
    if any(f.has(X) and f not in u.atoms(sp.exp) for f in in_e.atoms(sp.exp)):
        return None
    p, q = sp.fraction(sp.cancel(sp.together(in_e)))
    p, q = sp.Poly(p, _E), sp.Poly(q, _E)
    n = max(p.degree(), q.degree())
    if n == 0:  # a constant: cosh(x)^2 - sinh(x)^2 is 1 (inf - inf far out)
        return p.as_expr() / q.as_expr()
    if n > MAX_DEGREE or (q.degree() == 0 and len(p.terms()) == 1):
        return None  # too long, or a monomial (exp(a x), x e^(x^2)): nothing to cancel

    def at(poly: Any, value: Any, flip: bool) -> Any:
        coeffs = poly.all_coeffs()[::-1]  # constant first
        terms = [c * _E ** (n - i if flip else i) for i, c in enumerate(coeffs)]
        return sp.horner(sp.Add(*terms), _E).xreplace({_E: value})

    low = at(p, sp.exp(g * u), False) / at(q, sp.exp(g * u), False)
    high = at(p, sp.exp(-g * u), True) / at(q, sp.exp(-g * u), True)
    return sp.Piecewise((low, u <= 0), (high, True))


def _depth(expr: Any) -> int:
    """How deep functions nest in ``expr`` (x*tanh(log(1 + exp(x))) is 3)."""
    inner = max((_depth(a) for a in expr.args), default=0)
    return inner + 1 if isinstance(expr, sp.Function) else inner


def kernel(expr: Any, params: Sequence[str], of: Any = None) -> Kernel:
    """The exact kernel of ``expr``, with another form (:func:`variants`) as the second form:
    what ``expr``'s compiled float systems leave uncertain goes to that form's before mpmath.
    ``expr`` the derivative of ``of`` without such a form: the derivative of ``of``'s collected
    form, if that has one (sqrt(x*relu(x))' is sqrt(x relu(x)) (x relu'(x) + relu(x))/(2 x
    relu(x)), 0/0 for x < 0, where the function is constant; collected, sqrt(x relu(x)) is |x|
    for x > 0 and 0 elsewhere, whose slope is 0 there)."""
    second = variants(expr)
    forward = collected(of) if not second and of is not None else None
    slope = collected_slope(forward) if forward is not None else None
    if slope is not None:
        second = [stabilize(slope)]
    return exact.kernel(expr, params, second[0] if second else None)


def collected_slope(form: Any) -> Any | None:
    """The derivative of a collected ``form``, collected again; None where a branch of it is
    0/0 (a limit, not a value)."""
    slope = sp.diff(our_abs(form), X)
    again = collected(slope)
    slope = slope if again is None else again
    return None if slope.has(sp.nan, sp.zoo, sp.oo) else slope
