"""Autograd Functions that save only their input and compute the derivative in backward.

Three ways to run a record, all one autograd node each (one saved input, no intermediate tensors
kept for backward, which is what makes a composed formula as cheap in memory as a fused op):

* :class:`SymbolicFn`: the record's SymPy form, stably rewritten and compiled to torch ops
  (any device; optionally through ``torch.compile``). The derivative is SymPy's, computed once.
* :class:`NumpyFn`: the catalog's own NumPy kernels on CPU tensors (zero-copy through
  ``Tensor.numpy()``): exact to a few ulp, the reference path.
* :class:`SampledFn`: a training-mode draw of a random activation (RReLU) on the CPU; it saves the
  drawn slope instead of the input.

>>> import actlab
>>> plan = symbolic_plan(actlab.get("x*tanh(log(1 + exp(x)))"))
>>> plan.derivative
x*sigmoid(x)*sech(Log1pExp(x))**2 + tanh(Log1pExp(x))
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
import torch

from actlab.catalog import Function
from actlab.errors import ActlabError
from actlab.torch._symbolic import compile_expr, stable

_X = sp.Symbol("x", real=True)
TensorFn = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class Plan:
    """f, f' and df/dp of one bound activation as torch functions of ``(x, *learnable)``."""

    #: f(x, *p)
    forward: TensorFn
    #: grad * f'(x, *p): one function so that torch.compile fuses the product too
    backward: TensorFn
    #: grad * df/dp_i(x, *p), one per learnable parameter, in ``learnable`` order
    param_backward: tuple[TensorFn, ...]
    learnable: tuple[str, ...]
    #: compute in float64 and round once (the exact path on GPUs)
    upcast: bool
    #: the stable forms, for display and tests
    expression: sp.Expr
    derivative: sp.Expr
    #: forward and backward never compiled (for re-evaluating a few elements in float64)
    forward_plain: TensorFn
    backward_plain: TensorFn


def symbolic_plan(
    fn: Function, learnable: Sequence[str] = (), *, compile: bool = False, upcast: bool = False
) -> Plan:
    """Build (and cache) the torch plan for a bound activation."""
    fixed = tuple(sorted((k, float(v)) for k, v in fn.params.items() if k not in learnable))
    return _plan(fn.record, fixed, tuple(learnable), compile, upcast)


@functools.lru_cache(maxsize=256)
def _plan(
    record: Any,
    fixed: tuple[tuple[str, float], ...],
    learnable: tuple[str, ...],
    compile: bool,
    upcast: bool,
) -> Plan:
    symbols = {name: sp.Symbol(name, real=True) for name in learnable}
    params: dict[str, Any] = {k: sp.Float(v) for k, v in fixed}
    params.update(symbols)
    try:
        expr = record.symbolic(sp, _X, params)
    except Exception as exc:  # a symbolic form that can't take these parameters
        raise ActlabError(f"{record.name}: no symbolic form for torch: {exc}") from None
    args = [_X, *symbols.values()]
    derivative = stable(sp.diff(expr, _X))
    f = compile_expr(stable(expr), args)
    df = compile_expr(derivative, args)
    dps = [compile_expr(stable(sp.diff(expr, s)), args) for s in symbols.values()]

    def backward(grad: torch.Tensor, *xs: torch.Tensor) -> torch.Tensor:
        return grad * df(*xs)

    def param_backward(d: TensorFn) -> TensorFn:
        return lambda grad, *xs: grad * d(*xs)

    pbs = tuple(param_backward(d) for d in dps)
    f_run, b_run = f, backward
    if compile:
        allow_recompiles()
        f_run = torch.compile(f, dynamic=False)
        b_run = torch.compile(backward, dynamic=False)
    return Plan(f_run, b_run, pbs, learnable, upcast, stable(expr), derivative, f, backward)


def allow_recompiles(limit: int = 256) -> None:
    """Every compiled formula shares the code of one closure (``compile_expr``'s ``run``), and
    dynamo caches per code object: past its default limit of 8 entries it would silently fall
    back to eager for the ninth formula, so the limit is raised (never lowered)."""
    config = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(config, name):
            setattr(config, name, max(int(getattr(config, name)), limit))


class SymbolicFn(torch.autograd.Function):
    """One node: forward f(x), backward grad * f'(x), saving only x (and learnable parameters)."""

    @staticmethod
    def forward(ctx: Any, plan: Plan, x: torch.Tensor, *params: torch.Tensor) -> torch.Tensor:
        ctx.plan = plan
        ctx.save_for_backward(x, *params)
        return _run(plan, plan.forward, x, params, redo=plan.forward_plain)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        plan: Plan = ctx.plan
        x, *params = ctx.saved_tensors
        gx = None
        if ctx.needs_input_grad[1]:
            gx = _run(plan, plan.backward, x, params, grad, redo=plan.backward_plain)
        gps = [
            _sum_to(_run(plan, pb, x, params, grad), p.shape)
            if ctx.needs_input_grad[2 + i]
            else None
            for i, (pb, p) in enumerate(zip(plan.param_backward, params))
        ]
        return (None, gx, *gps)


def _run(
    plan: Plan,
    fn: TensorFn,
    x: torch.Tensor,
    params: Sequence[torch.Tensor],
    grad: torch.Tensor | None = None,
    redo: TensorFn | None = None,
) -> torch.Tensor:
    lead = () if grad is None else (grad,)
    if plan.upcast and x.dtype != torch.float64:
        args = [t.double() for t in (*lead, x, *params)]
        return fn(*args).to(x.dtype)
    out = fn(*lead, x, *params)
    if x.dtype != torch.float64 and out.shape == x.shape:
        out = _redo_overflow(out, redo or fn, lead, x, params)
    return out


def _redo_overflow(
    out: torch.Tensor,
    fn: TensorFn,
    lead: tuple[torch.Tensor, ...],
    x: torch.Tensor,
    params: Sequence[torch.Tensor],
) -> torch.Tensor:
    """Recompute in float64 the elements where an intermediate overflowed the narrow dtype.

    A finite input with a non-finite result is either a true overflow (which float64 rounds back
    to inf) or inf*0 inside the formula (tanhexp's e^x sech^2(e^x) at x >= 88 in float32): one
    reduction over the output, and a float64 pass over the few elements it finds.
    """
    if bool(torch.isfinite(out.sum())):
        return out  # the common case, in one reduction (a sum overflowing only sends us on)
    bad = ~torch.isfinite(out) & torch.isfinite(x)
    if lead:
        bad &= torch.isfinite(lead[0])
    if not bool(bad.any()):
        return out
    idx = bad.nonzero(as_tuple=True)
    wide = [t[idx].double() for t in (*lead, x)]
    wide_params = [p.double() if p.dim() == 0 else p.expand_as(x)[idx].double() for p in params]
    out = out.clone()
    out[idx] = fn(*wide, *wide_params).to(out.dtype)
    return out


def _sum_to(t: torch.Tensor, shape: torch.Size) -> torch.Tensor:
    """Sum a broadcast gradient back to a parameter's shape."""
    lead = t.dim() - len(shape)
    dims = [i for i in range(t.dim()) if i < lead or (shape[i - lead] == 1 and t.shape[i] != 1)]
    return t.sum(dim=dims, keepdim=True).reshape(shape) if dims else t.reshape(shape)


class NumpyFn(torch.autograd.Function):
    """One node running the catalog's NumPy kernels on a CPU tensor (the exact path)."""

    @staticmethod
    def forward(
        ctx: Any, fn: Function, learnable: tuple[str, ...], x: torch.Tensor, *params: torch.Tensor
    ) -> torch.Tensor:
        ctx.fn, ctx.learnable = fn, learnable
        ctx.save_for_backward(x, *params)
        bound = _bind(fn, learnable, params)
        return _from_numpy(bound, x, lambda a: bound(a))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        x, *params = ctx.saved_tensors
        bound = _bind(ctx.fn, ctx.learnable, params)
        gx = None
        if ctx.needs_input_grad[2]:
            gx = grad * _from_numpy(bound, x, bound.derivative)
        gps = [
            _sum_to(grad * _from_numpy(bound, x, _param_kernel(bound, n)), p.shape)
            if ctx.needs_input_grad[3 + i]
            else None
            for i, (n, p) in enumerate(zip(ctx.learnable, params))
        ]
        return (None, None, gx, *gps)


class SampledFn(torch.autograd.Function):
    """A training-mode draw of a random activation (RReLU) through the record's NumPy sampler.

    The draw comes from a NumPy generator seeded from torch's, so ``torch.manual_seed`` makes it
    reproducible. It saves the drawn derivative (the slope), not the input.
    """

    @staticmethod
    def forward(ctx: Any, fn: Function, x: torch.Tensor) -> torch.Tensor:
        rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,)).item()))
        work = x.detach()
        if work.dtype not in (torch.float32, torch.float64):
            work = work.float()
        y, dy = fn.sample(work.numpy(), rng)
        ctx.save_for_backward(torch.from_numpy(np.asarray(dy)).to(_out_dtype(x)))
        return torch.from_numpy(np.asarray(y)).to(_out_dtype(x))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        (dy,) = ctx.saved_tensors
        return None, grad * dy


def _param_kernel(bound: Function, name: str) -> Callable[[np.ndarray], np.ndarray]:
    return lambda a: np.asarray(bound.param_gradient(name, a))


def _bind(fn: Function, learnable: tuple[str, ...], params: Sequence[torch.Tensor]) -> Function:
    if not learnable:
        return fn
    values: dict[str, Any] = dict(fn.params)
    values.update({n: p.detach().double().numpy() for n, p in zip(learnable, params)})
    return Function(fn.record, values)


def _from_numpy(
    fn: Function, x: torch.Tensor, kernel: Callable[[np.ndarray], np.ndarray]
) -> torch.Tensor:
    """Run a NumPy kernel on a CPU tensor without copying it (bfloat16 goes through float32)."""
    if x.device.type != "cpu":
        raise ActlabError(f"the NumPy path needs CPU tensors, got {x.device}")
    dtype = _out_dtype(x)
    work = x.detach()
    if work.dtype not in (torch.float16, torch.float32, torch.float64):
        work = work.float()
    out = np.asarray(kernel(work.numpy()))
    if out.dtype != work.numpy().dtype:
        out = out.astype(work.numpy().dtype)  # float64 parameter arrays promote float32 input
    return torch.from_numpy(out).to(dtype)


def _out_dtype(x: torch.Tensor) -> torch.dtype:
    """The result's dtype: the input's, or torch's default for an integer tensor (as
    ``torch.sigmoid`` promotes); a complex tensor is refused."""
    if x.is_complex():
        raise ActlabError(f"activations take real tensors, got {x.dtype}")
    return x.dtype if x.is_floating_point() else torch.get_default_dtype()
