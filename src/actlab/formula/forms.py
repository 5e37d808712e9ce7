"""A second algebraic form of a formula, and the choice between forms by measurement.

The bounds of :mod:`actlab.formula.exact` make any form exact; they do not make it cheap. A form
that cancels (the textbook tanh's derivative, ``((e^2x + 1)^2 - (e^2x - 1)^2) sigmoid(-2x)^2``,
loses 2^-144 of itself at x = 50) sends its elements to mpmath, about 0.4 ms each. Formulas
built from exponentials alone are rational functions of E = e^(g x) (g the common factor of the
exponents): put over one denominator with SymPy's ``cancel``, the cancelling terms go away
symbolically (that derivative is 4 E^2 / (E^2 + 1)^2), and written in E for x <= 0 and in
1/E for x > 0 (numerator and denominator divided by E^n), no power of E overflows. Which form
is better is measured, not guessed: each candidate runs the compiled tier's float systems on a
fixed grid over the whole range in both dtypes, and the one leaving the fewest elements uncertain
(then the fewest past the first system) wins; the form as written wins ties.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from actlab.catalog.record import Kernel
from actlab.formula import exact, vm
from actlab.formula.functions import X, to_elementary
from actlab.formula.rewrite import stabilize

#: the largest power of E kept (a higher one is a long polynomial: not worth it)
MAX_DEGREE = 8
#: the most operations in a formula tried (SymPy's cancel is quick below)
MAX_OPS = 80
_E = sp.Symbol("E", positive=True)
_KINKED = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside)


def variants(expr: Any) -> list[Any]:
    """Other forms of ``expr`` worth measuring (none when it is not made of exponentials)."""
    try:
        form = _exp_rational(expr)
    except (sp.PolynomialError, sp.polys.polyerrors.PolificationFailed, TypeError, ValueError):
        return []
    return [] if form is None else [stabilize(form)]


def _exp_rational(expr: Any) -> Any | None:
    """``expr`` as P(E)/Q(E) for x <= 0 and P~(1/E)/Q~(1/E) for x > 0, E = e^(g x), or None."""
    if expr.has(*_KINKED) or not expr.has(X):
        return None
    e = to_elementary(expr).rewrite(sp.exp)
    if {type(f) for f in e.atoms(sp.Function)} != {sp.exp}:
        return None
    slopes = {sp.cancel(f.args[0] / X) for f in e.atoms(sp.exp)}
    if not all(k.is_Rational and k != 0 for k in slopes):
        return None
    g = sp.gcd(list(slopes)) if len(slopes) > 1 else next(iter(slopes))
    g = abs(g)
    if max(abs(k / g) for k in slopes) > MAX_DEGREE or sp.count_ops(e) > MAX_OPS:
        return None  # SymPy's cancel is quick on what is left
    in_e = e.replace(lambda f: isinstance(f, sp.exp), lambda f: _E ** (f.args[0] / X / g))
    if in_e.has(sp.exp):
        return None
    p, q = sp.fraction(sp.cancel(sp.together(in_e)))
    p, q = sp.Poly(p, _E), sp.Poly(q, _E)
    n = max(p.degree(), q.degree())
    if n > MAX_DEGREE or n < 1:
        return None

    def at(poly: Any, value: Any, flip: bool) -> Any:
        coeffs = poly.all_coeffs()[::-1]  # constant first
        terms = [c * _E ** (n - i if flip else i) for i, c in enumerate(coeffs)]
        return sp.horner(sp.Add(*terms), _E).xreplace({_E: value})

    low = at(p, sp.exp(g * X), False) / at(q, sp.exp(g * X), False)
    high = at(p, sp.exp(-g * X), True) / at(q, sp.exp(-g * X), True)
    return sp.Piecewise((low, X <= 0), (high, True))


def _probe(dtype: Any) -> np.ndarray:
    top = math.log10(float(np.finfo(dtype).max)) - 0.5
    wide = np.logspace(-top, top, 300)
    near = np.linspace(-60.0, 60.0, 241)
    return np.concatenate([-wide, wide, near]).astype(dtype)


_PROBES = {np.dtype(t): _probe(t) for t in (np.float32, np.float64)}


def best_kernel(expr: Any, params: Sequence[str], values: Mapping[str, float]) -> Kernel:
    """The exact kernel of ``expr`` or of one of its :func:`variants`: the one that leaves the
    fewest elements of the probe grid to mpmath, then to the second float system (``expr`` as
    written on a tie, and always where the compiled tier is not available)."""
    kernels = [exact.kernel(form, params) for form in [expr, *variants(expr)]]
    codes: list[vm.Code] = [c for k in kernels if (c := getattr(k, "code", None)) is not None]
    if len(kernels) == 1 or not vm.enabled() or len(codes) < len(kernels):
        return kernels[0]
    scores = []
    for code in codes:
        left = later = 0
        for x in _PROBES.values():
            _, _, in_long, uncertain = vm.run(code, x, np.empty_like(x), dict(values))
            left, later = left + uncertain, later + in_long
        scores.append((left, later))
    return kernels[min(range(len(kernels)), key=lambda i: scores[i])]
