"""The PyTorch op that computes each catalog activation, for timing against torch eager.

Only activations torch has as one op (an entry of ``torch`` or ``torch.nn.functional``) are
mapped; composites (``exp(-x^2)``) would time several kernels and say nothing about torch. A
missing entry or a parameter torch can't express is reported as skipped, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from actlab.catalog.function import Function

#: ``name -> build(torch, F, params) -> (tensor -> tensor)``; F is torch.nn.functional
Builder = Callable[[Any, Any, Mapping[str, float]], "Callable[[Any], Any] | None"]


def _prelu(torch: Any, F: Any, p: Mapping[str, float]) -> Callable[[Any], Any]:
    # torch's PReLU keeps its slope as a 1-element weight tensor; ours is the record's one param
    weight = torch.tensor([next(iter(p.values()))])
    return lambda t: F.prelu(t, weight)


TORCH_OPS: dict[str, Builder] = {
    "sigmoid": lambda torch, F, p: torch.sigmoid,
    "tanh": lambda torch, F, p: torch.tanh,
    "relu": lambda torch, F, p: torch.relu,
    "relu6": lambda torch, F, p: F.relu6,
    "leaky_relu": lambda torch, F, p: lambda t: F.leaky_relu(t, p["negative_slope"]),
    "prelu": _prelu,
    "rrelu": lambda torch, F, p: lambda t: F.rrelu(t, p["lower"], p["upper"], training=False),
    "elu": lambda torch, F, p: lambda t: F.elu(t, p["alpha"]),
    "celu": lambda torch, F, p: lambda t: F.celu(t, p["alpha"]),
    "selu": lambda torch, F, p: F.selu,
    "gelu": lambda torch, F, p: F.gelu,
    "gelu_tanh": lambda torch, F, p: lambda t: F.gelu(t, approximate="tanh"),
    "silu": lambda torch, F, p: F.silu if p.get("beta", 1.0) == 1.0 else None,
    "mish": lambda torch, F, p: F.mish,
    "softplus": lambda torch, F, p: lambda t: F.softplus(t, beta=p.get("beta", 1.0)),
    "softsign": lambda torch, F, p: F.softsign,
    "hardtanh": lambda torch, F, p: lambda t: F.hardtanh(t, p["min_val"], p["max_val"]),
    "hardsigmoid": lambda torch, F, p: F.hardsigmoid,
    "hardswish": lambda torch, F, p: F.hardswish,
    "log_sigmoid": lambda torch, F, p: F.logsigmoid,
    "tanhshrink": lambda torch, F, p: F.tanhshrink,
    "softshrink": lambda torch, F, p: lambda t: F.softshrink(t, p["lambd"]),
    "hardshrink": lambda torch, F, p: lambda t: F.hardshrink(t, p["lambd"]),
    "threshold": lambda torch, F, p: lambda t: F.threshold(t, p["threshold"], p["value"]),
    "exponential": lambda torch, F, p: torch.exp,
    "arctan": lambda torch, F, p: torch.atan,
    "sinusoid": lambda torch, F, p: torch.sin,
}


def torch_op(torch: Any, f: Function) -> tuple[str, Callable[[Any], Any] | None]:
    """``("", op)`` for the torch op computing ``f``, or ``(reason, None)`` when there is none."""
    build = TORCH_OPS.get(f.name)
    if build is None:
        return "torch has no single op for it", None
    params = {k: float(v) for k, v in f.params.items()}
    try:
        op = build(torch, torch.nn.functional, params)
    except KeyError as exc:
        return f"parameter {exc.args[0]!r} not in the actlab record", None
    if op is None:
        return f"torch's op can't take the parameters {params}", None
    return "", op
