"""SymPy expression trees to torch: stable rewrites, then a small closure compiler.

A record's ``symbolic`` form (or a custom formula's) is the textbook formula: ``log(1 + exp(x))``,
``1/(1 + exp(-x))``. Evaluated literally in floating point these overflow or cancel, and their
SymPy derivatives (``1 - tanh(u)**2``, ``exp(-x)/(1 + exp(-x))**2``) are worse. :func:`stable`
rewrites the known unstable patterns into stable primitives, and :func:`compile_expr` turns the tree
into a Python closure over torch ops (no strings, no ``eval``), which runs on any device and can be
traced by ``torch.compile``.

>>> import sympy as sp, torch
>>> x = sp.Symbol("x", real=True)
>>> f = compile_expr(stable(sp.log(1 + sp.exp(x))), [x])
>>> f(torch.tensor([1000.0, -1000.0], dtype=torch.float64))
tensor([1000.,    0.], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp
import torch
from sympy.codegen.cfunctions import expm1, log1p

from actlab.errors import ActlabError
from actlab.formula.functions import Log1pExp, Sigmoid, erfc
from actlab.formula.rewrite import stabilize

Evaluator = Callable[[tuple[Any, ...]], Any]


#: the stable rewrites are actlab.formula's (one rule set for NumPy and torch)
stable = stabilize


# ---- the closure compiler ----

#: env is the tuple of argument values; env[_LIKE] (the input x) gives constants their dtype and
#: device. Plain tuples and ints keep the closures easy for torch.compile to trace.
_LIKE = 0


def _softplus_t(u: torch.Tensor) -> torch.Tensor:
    # torch's fused softplus returns u above `threshold`: exact once e^-u is below half an ulp
    # of u, which is u > 17 in float32 and u > 37 in float64 (its default 20 is not, there)
    threshold = 20.0 if u.dtype in (torch.float32, torch.float16, torch.bfloat16) else 40.0
    return torch.nn.functional.softplus(u, 1.0, threshold)


def _sech_t(u: torch.Tensor) -> torch.Tensor:
    # sech u = 2 sqrt(sigmoid(2u) sigmoid(-2u)): full relative accuracy in the tails, where
    # 1/cosh(u) overflows to 0 first
    v = 2 * u
    return 2 * torch.sqrt(torch.sigmoid(v) * torch.sigmoid(-v))


def _heaviside(u: torch.Tensor, *h0: Any) -> torch.Tensor:
    # H(0) = 0 whatever SymPy's default (1/2): actlab's convention at a kink, as actlab.formula's
    # (so max(x, 0) has ReLU's f'(0) = 0)
    return torch.heaviside(u, torch.zeros((), dtype=u.dtype, device=u.device))


_FUNCTIONS: dict[type, Callable[..., Any]] = {
    sp.exp: torch.exp,
    sp.log: torch.log,
    log1p: torch.log1p,
    expm1: torch.expm1,
    sp.tanh: torch.tanh,
    sp.sinh: torch.sinh,
    sp.cosh: torch.cosh,
    sp.sin: torch.sin,
    sp.cos: torch.cos,
    sp.atan: torch.atan,
    sp.asinh: torch.asinh,
    sp.erf: torch.erf,
    sp.erfc: torch.erfc,
    sp.Abs: torch.abs,
    sp.sign: torch.sign,
    Log1pExp: _softplus_t,
    Sigmoid: torch.sigmoid,
    sp.sech: _sech_t,
    erfc: torch.erfc,
    sp.Heaviside: _heaviside,
}

_RELATIONS: dict[type, Callable[[Any, Any], Any]] = {
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


def compile_expr(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> Callable[..., torch.Tensor]:
    """A function of tensors (one per symbol, in order) that evaluates ``expr`` with torch ops.

    The result always has the first argument's shape and dtype (constants are broadcast).
    """
    # common subexpressions (softplus(x) twice in mish's derivative) are computed once
    shared, (reduced,) = sp.cse(expr, symbols=sp.numbered_symbols("_cse"))
    index = {s: i for i, s in enumerate(symbols)}
    steps = []
    for name, sub in shared:
        steps.append(_compile(sub, index))
        index[name] = len(index)
    evaluate = _compile(reduced, index)
    compares = expr.has(sp.Piecewise, sp.Heaviside, sp.Max, sp.Min)

    def run(*values: Any) -> torch.Tensor:
        x = values[0]
        env = list(values)
        for step in steps:
            env.append(step(tuple(env)))
        out = _tensor(evaluate(tuple(env)), x)
        if out.shape != x.shape:
            out = out.expand(x.shape)
        if compares:
            # comparisons are False at NaN, so a where() would turn NaN into a branch's value
            out = torch.where(torch.isnan(x), x, out)
        return out

    return run


def _compile(e: sp.Basic, index: dict[sp.Symbol, int]) -> Evaluator:
    if isinstance(e, sp.Symbol):
        if e not in index:
            raise ActlabError(f"the formula has an unbound symbol {e}")
        i = index[e]
        return lambda env: env[i]
    if e.is_number:
        value = float(e)
        return lambda env: value
    if isinstance(e, sp.Add):
        return _fold([_compile(a, index) for a in e.args], lambda env, a, b: a + b)
    if isinstance(e, sp.Mul):
        return _fold([_compile(a, index) for a in e.args], lambda env, a, b: a * b)
    if isinstance(e, sp.Pow):
        return _pow(_compile(e.args[0], index), e.args[1], index)
    if isinstance(e, sp.Piecewise):
        return _piecewise(e, index)
    if isinstance(e, (sp.Max, sp.Min)):
        pick = torch.maximum if isinstance(e, sp.Max) else torch.minimum
        parts = [_compile(a, index) for a in e.args]
        return _fold(parts, lambda env, a, b: pick(_tensor(a, env[_LIKE]), _tensor(b, env[_LIKE])))
    # by class, then its bases (formula.functions' Abs is SymPy's with its own derivative)
    known = next((k for k in type(e).__mro__ if k in _FUNCTIONS), None)
    if isinstance(e, sp.Function) and known is not None:
        fn = _FUNCTIONS[known]
        args = [_compile(a, index) for a in e.args]
        first, rest = args[0], args[1:]
        return lambda env: fn(_tensor(first(env), env[_LIKE]), *(a(env) for a in rest))
    raise ActlabError(f"no torch translation for {type(e).__name__} in {e}")


def _fold(parts: list[Evaluator], op: Callable[[Any, Any, Any], Any]) -> Evaluator:
    def run(env: tuple[Any, ...]) -> Any:
        acc = parts[0](env)
        for p in parts[1:]:
            acc = op(env, acc, p(env))
        return acc

    return run


def _pow(base: Evaluator, exponent: sp.Basic, index: dict[sp.Symbol, int]) -> Evaluator:
    if exponent == -1:
        return lambda env: 1 / base(env)
    if exponent == 2:
        return lambda env: torch.square(_tensor(base(env), env[_LIKE]))
    if exponent == sp.Rational(1, 2):
        return lambda env: torch.sqrt(_tensor(base(env), env[_LIKE]))
    if exponent == -sp.Rational(1, 2):
        return lambda env: torch.rsqrt(_tensor(base(env), env[_LIKE]))
    if exponent.is_number:
        k = float(exponent)
        return lambda env: torch.pow(_tensor(base(env), env[_LIKE]), k)
    power = _compile(exponent, index)
    return lambda env: torch.pow(_tensor(base(env), env[_LIKE]), power(env))


def _piecewise(e: sp.Piecewise, index: dict[sp.Symbol, int]) -> Evaluator:
    branches = [(_compile(value, index), _condition(cond, index)) for value, cond in e.args]

    def run(env: tuple[Any, ...]) -> Any:
        # built from the last branch back: where(c_i, v_i, rest). Values on the untaken side
        # are discarded, and no derivative flows through here (the derivative is symbolic).
        like = env[_LIKE]
        out = _tensor(branches[-1][0](env), like)
        for value, cond in reversed(branches[:-1]):
            out = torch.where(_tensor(cond(env), like, torch.bool), value(env), out)
        return out

    return run


def _condition(c: sp.Basic, index: dict[sp.Symbol, int]) -> Evaluator:
    if c is sp.true or c is sp.false:
        flag = c is sp.true
        return lambda env: flag
    if type(c) in _RELATIONS:
        rel = _RELATIONS[type(c)]
        lhs, rhs = _compile(c.args[0], index), _compile(c.args[1], index)
        return lambda env: rel(lhs(env), rhs(env))
    if isinstance(c, (sp.And, sp.Or)):
        parts = [_condition(a, index) for a in c.args]
        op = torch.logical_and if isinstance(c, sp.And) else torch.logical_or
        return _fold(
            parts,
            lambda env, a, b: op(
                _tensor(a, env[_LIKE], torch.bool), _tensor(b, env[_LIKE], torch.bool)
            ),
        )
    if isinstance(c, sp.Not):
        inner = _condition(c.args[0], index)
        return lambda env: torch.logical_not(_tensor(inner(env), env[_LIKE], torch.bool))
    raise ActlabError(f"no torch translation for the condition {c}")


def _tensor(v: Any, like: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """v as a tensor: Python numbers become 0-d tensors in like's dtype (float32 scalars would
    round a float64 computation's constants) on like's device."""
    if isinstance(v, torch.Tensor):
        return v
    return torch.as_tensor(v, dtype=dtype or like.dtype, device=like.device)
