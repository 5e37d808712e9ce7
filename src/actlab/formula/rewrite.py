"""Rewrite numerically unstable patterns into their stable forms, bottom-up.

=============================  ==============================  ===================================
pattern                        becomes                         why
=============================  ==============================  ===================================
``log(1 + exp(u))``            ``log1pexp(u)`` (logaddexp)     exp overflows for u > 709
``log1p(exp(u))``              ``log1pexp(u)``                 the same
``log(1 + u)``                 ``log1p(u)``                    1 + u rounds away u when |u| << 1
``log1p(v)``, v below -1/2     ``log`` of 1 + v's stable form  1 + v cancels (log1p(erf(u)), u << 0)
``log1p(expm1(u))``            ``u``                           e^u - 1 + 1 loses u for u < -745
``c + c*expm1(u)``             ``c*exp(u)``                    the same
``log(sigmoid(u))``            ``-log1pexp(-u)``               sigmoid underflows to 0 for u < -745
``c/(c + c*exp(u))``           ``sigmoid(-u)``                 exp overflows: inf/inf = NaN
``exp(u)*sigmoid(-u)``         ``sigmoid(u)``                  the same, after the rule above
``c*exp(u) - c``               ``c*expm1(u)``                  cancellation near u = 0
``c + c*erf(u)``, ``c - ...``  ``c*erfc(-u)``, ``c*erfc(u)``   1 + erf(u) cancels for u < -3
``c - c*tanh(u)^2``            ``c*sech(u)^2``                 cancellation for |u| > 1 (tanh')
``c - c*sigmoid(u)``           ``c*sigmoid(-u)``               cancellation for u > 1 (sigmoid')
``c + c*tanh(u)``              ``2c*sigmoid(2u)`` (and c - )   1 + tanh(u) cancels for u < -1
``2c - c*erfc(u)``             ``c*erfc(-u)``                  SymPy's own form of erfc(-u)
``c - c*sqrt(u)``              ``c*(1 - u)/(1 + sqrt(u))``     cancellation for u near 1
``c*log1pexp(v) - c*v``        ``c*log1pexp(-v)``              cancellation for v > 1 (also
                                                               with the catalog's softplus)
=============================  ==============================  ===================================

``c`` is any term free of x. The rules run on the formula before it is differentiated and again on
its derivative, so derivatives of stable forms stay stable.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from actlab.formula.functions import Abs, CatalogCall, Log1pExp, Sigmoid, X, erfc, expm1, log1p


def stabilize(expr: Any) -> Any:
    """``expr`` with every known unstable pattern replaced by its stable form."""
    memo: dict[Any, Any] = {}
    return _walk(expr, memo)


def shortest(expr: Any) -> Any:
    """``expr`` or its stabilised form over a common denominator, whichever is shorter: the
    quotient rule's ``1/(1+|x|) - x*sign(x)/(1+|x|)^2`` cancels, ``(1 + |x| - |x|)/(1+|x|)^2`` =
    ``1/(1+|x|)^2`` does not. ``together`` never expands powers (``cancel`` would: (x+1)^100
    has 101 terms)."""
    combined = stabilize(sp.together(expr))
    return combined if sp.count_ops(combined) < sp.count_ops(expr) else expr


def _walk(expr: Any, memo: dict[Any, Any]) -> Any:
    done = memo.get(expr)
    if done is not None:
        return done
    result = expr
    if expr.args and not expr.is_Atom:
        args = tuple(_walk(a, memo) for a in expr.args)
        if args != expr.args:
            result = expr.func(*args)
        for _ in range(4):  # a rule's output may match another rule at the same node
            new = _rule(result)
            if new is None:
                break
            result = new
    memo[expr] = result
    return result


def _rule(expr: Any) -> Any:
    if isinstance(expr, sp.log):
        return _log(expr.args[0])
    if isinstance(expr, log1p):
        return _log1p(expr.args[0])
    if isinstance(expr, sp.Pow):
        return _reciprocal(expr)
    if isinstance(expr, sp.Add):
        return _cancel(expr)
    if isinstance(expr, sp.Mul):
        return _exp_times_sigmoid(expr)
    return None


def _is_sigmoid(expr: Any) -> bool:
    if isinstance(expr, CatalogCall):
        return expr.record.name == "sigmoid" and len(expr.args) == 1
    return isinstance(expr, Sigmoid)


def _is_softplus(expr: Any) -> bool:
    return (
        isinstance(expr, CatalogCall)
        and expr.record.name == "softplus"
        and len(expr.args) == 2
        and expr.args[1].is_number
        and expr.args[1] > 0
    )


def _split(expr: Any) -> tuple[Any, Any] | None:
    """``c + rest`` with c the x-free terms (non-zero), or None."""
    const, rest = expr.as_independent(X, as_Add=True)
    if const == 0 or rest == 0:
        return None
    return const, rest


def _log(arg: Any) -> Any:
    if _is_sigmoid(arg):
        return -Log1pExp(-arg.args[0])
    if not isinstance(arg, sp.Add):
        return None
    parts = _split(arg)
    if parts is None or parts[0] != 1:
        return None
    rest = parts[1]
    if isinstance(rest, sp.exp):
        return Log1pExp(rest.args[0])
    return log1p(rest)


def _log1p(v: Any) -> Any:
    """``log1p(v)`` as ``log`` of a stable form of 1 + v where v < -1/2 (log1p(erf(x)) at
    x = -107: 1 + erf(x) is 10^-4975, past mpmath's precisions; log(erfc(-x)) is exact), and
    as itself above, where log(1 + small) would lose v's digits."""
    if isinstance(v, expm1):  # exactly u: e^u - 1 > -1 for every real u
        return v.args[0]
    if isinstance(v, sp.exp):  # log1p(exp(u)) is log(1 + exp(u)): exp overflows for u > 709
        return Log1pExp(v.args[0])
    stable = _stable_sum(v)
    if stable is None:
        return None
    return sp.Piecewise((sp.log(stable), v < sp.Rational(-1, 2)), (log1p(v), True))


def _reciprocal(expr: Any) -> Any:
    """``(c + c*exp(u))^-n`` -> ``c^-n * sigmoid(-u)^n``."""
    base, exponent = expr.args
    if not (isinstance(base, sp.Add) and exponent.is_Integer and exponent < 0):
        return None
    parts = _split(base)
    if parts is None:
        return None
    const, rest = parts
    ratio = rest / const
    if not isinstance(ratio, sp.exp):
        return None
    return const**exponent * Sigmoid(-ratio.args[0]) ** (-exponent)


def _exp_times_sigmoid(expr: Any) -> Any:
    """``exp(v)*sigmoid(-v)^k`` -> ``sigmoid(v)*sigmoid(-v)^(k-1)``; ``u*sign(u)`` -> ``|u|``."""
    factors = list(expr.args)
    for i, f in enumerate(factors):
        if isinstance(f, sp.sign) and f.args[0] in factors:
            rest = [h for k, h in enumerate(factors) if k != i]
            rest.remove(f.args[0])
            return sp.Mul(*rest, Abs(f.args[0]))
    for i, f in enumerate(factors):
        if not isinstance(f, sp.exp):
            continue
        v = f.args[0]
        for j, g in enumerate(factors):
            base, power = g.as_base_exp()
            if _is_sigmoid(base) and base.args[0] == -v and power.is_Integer and power > 0:
                rest = [h for k, h in enumerate(factors) if k not in (i, j)]
                return sp.Mul(*rest, Sigmoid(v), base ** (power - 1))
    return None


def _cancel(expr: Any) -> Any:
    """``c + c*g`` -> a stable form, for the g of the table in the module docstring; and
    ``c log1pexp(v) - c v`` -> ``c log1pexp(-v)``."""
    terms = expr.args
    if len(terms) > 16:
        return None
    for term in terms:  # log1pexp(v) = v + log1pexp(-v): x + log(1 + exp(-x)) cancels for x < 0
        c, core = term.as_coeff_Mul()
        if _is_softplus(core):  # softplus(u, beta) = log1pexp(beta u)/beta
            u, beta = core.args
            c, core = c / beta, Log1pExp(beta * u)
        if isinstance(core, Log1pExp):
            v = core.args[0]
            rest = expr - term
            left = rest + c * v  # fewer terms: -c v was among them
            if len(sp.Add.make_args(left)) < len(sp.Add.make_args(rest)) or left == 0:
                return c * Log1pExp(-v) + left
    for i, const in enumerate(terms):
        if const.has(X):
            continue
        for j, other in enumerate(terms):
            if i == j or not other.has(X):
                continue
            stable = _stable_sum(other / const)
            if stable is not None:
                rest = [t for k, t in enumerate(terms) if k not in (i, j)]
                return sp.Add(*rest, const * stable)
    return None


def _stable_sum(ratio: Any) -> Any:
    """A stable form of ``1 + ratio``, or None."""
    coeff, core = ratio.as_coeff_Mul()
    if float(abs(coeff)) == 1.0:  # a float 1.0 (a parameter's value) would hide the pattern below
        ratio = core if coeff > 0 else -core
    negated = -ratio
    if isinstance(ratio, expm1):
        return sp.exp(ratio.args[0])
    if isinstance(negated, sp.exp):
        return -expm1(negated.args[0])
    if isinstance(ratio, sp.tanh):
        return 2 * Sigmoid(2 * ratio.args[0])
    if isinstance(negated, sp.tanh):
        return 2 * Sigmoid(-2 * negated.args[0])
    if negated.as_coeff_Mul()[0] == sp.Rational(1, 2) and isinstance(
        negated.as_coeff_Mul()[1], (sp.erfc, erfc)
    ):  # 2 - erfc(u), which is how SymPy writes erfc(-u)
        return erfc(-negated.as_coeff_Mul()[1].args[0]) / 2
    if isinstance(ratio, sp.erf):
        return erfc(-ratio.args[0])
    if isinstance(negated, sp.erf):
        return erfc(negated.args[0])
    base, power = negated.as_base_exp()
    if isinstance(base, sp.tanh) and power == 2:
        return sp.sech(base.args[0]) ** 2
    if _is_sigmoid(negated):
        return Sigmoid(-negated.args[0])
    if power == sp.Rational(1, 2) and (base - 1).has(X):
        return -sp.expand(base - 1) / (negated + 1)  # 1 - sqrt(u) = (1 - u)/(1 + sqrt(u))
    return None
