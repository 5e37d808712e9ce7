"""Which catalog activations torch computes natively, and how to call its op.

This is the one table of torch ops in actlab: the torch modules, ``actlab bench kernels`` and
``actlab bench torch`` and the tests that compare against torch all read it. It is data, not a
list of activations to support: every record works through the exact and the
symbolic paths; an entry here only says "torch has a fused op for this one". An entry is used only
when its keyword arguments are exactly the record's parameter names (a test checks every entry
against the registry, so a renamed parameter shows up as a failure rather than a silent fallback).
A learnable parameter arrives as a tensor; ``training`` is passed to ops that take it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from actlab.catalog import Activation

#: canonical name -> ``op(x, **params)``
NATIVE: dict[str, Callable[..., torch.Tensor]] = {
    "identity": lambda x: x,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "relu6": F.relu6,
    "leaky_relu": lambda x, negative_slope: F.leaky_relu(x, negative_slope),
    "prelu": lambda x, a: F.prelu(x, a.to(x.dtype)),
    "rrelu": lambda x, lower, upper, training=False: F.rrelu(x, lower, upper, training),
    "rrelu_xu": lambda x, lower, upper, training=False: _rrelu_xu(x, lower, upper, training),
    "threshold": lambda x, threshold, value: F.threshold(x, threshold, value),
    "hardtanh": lambda x, min_val, max_val: F.hardtanh(x, min_val, max_val),
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "softsign": F.softsign,
    "elu": lambda x, alpha: F.elu(x, alpha),
    "celu": lambda x, alpha: F.celu(x, alpha),
    "selu": F.selu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": lambda x, beta: F.silu(x) if beta == 1.0 else x * torch.sigmoid(beta * x),
    "mish": F.mish,
    "softplus": lambda x, beta: F.softplus(x, beta),
    "log_sigmoid": F.logsigmoid,
    "tanhshrink": F.tanhshrink,
    "softshrink": lambda x, lambd: F.softshrink(x, lambd),
    "hardshrink": lambda x, lambd: F.hardshrink(x, lambd),
    "exponential": torch.exp,
    "arctan": torch.atan,
    "sinusoid": torch.sin,
}


#: native ops that are exact (one rounding, as the catalog's kernels): used even when
#: ``exact=True`` is asked for. The tests check each against the catalog to the last bit.
EXACT: frozenset[str] = frozenset(
    {
        "identity",
        "relu",
        "relu6",
        "leaky_relu",
        "prelu",
        "rrelu",
        "rrelu_xu",
        "threshold",
        "hardtanh",
        "softshrink",
        "hardshrink",
    }
)


def _rrelu_xu(x: torch.Tensor, lower: float, upper: float, training: bool) -> torch.Tensor:
    """Xu et al.'s RReLU: x / a for x <= 0, a ~ U(lower, upper) per element in training, and
    x / ((lower + upper) / 2) in evaluation (torch has no op; this is its composition)."""
    if not training:
        return F.leaky_relu(x, 2.0 / (lower + upper))
    slope = torch.empty_like(x).uniform_(lower, upper).reciprocal_()
    return torch.where(x > 0, x, x * slope)


def native_op(record: Activation) -> Callable[..., torch.Tensor] | None:
    """torch's op for this record, or None when there is none (or its signature has drifted)."""
    op = NATIVE.get(record.name)
    if op is None or not compatible(record, op):
        return None
    return op


def native_call(
    record: Activation, params: Mapping[str, Any]
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``x -> torch's op at these parameter values`` (evaluation mode), or None without one.

    A learnable parameter (PReLU's slope) is passed as a one-element tensor, as torch keeps it.

    >>> import actlab
    >>> op = native_call(actlab.lookup("leaky_relu"), {"negative_slope": 0.1})
    >>> float(op(torch.tensor(-2.0)))
    -0.2
    """
    op = native_op(record)
    if op is None:
        return None
    learnable = {p.name for p in record.params if p.learnable}
    kwargs: dict[str, Any] = {
        k: torch.tensor([float(v)]) if k in learnable else float(v) for k, v in params.items()
    }
    return lambda x: op(x, **kwargs)


def compatible(record: Activation, op: Callable[..., Any]) -> bool:
    """Whether ``op``'s keyword arguments are exactly the record's parameters."""
    try:
        params = list(inspect.signature(op).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []  # builtins like torch.sigmoid: x only
    # arguments with defaults (inplace=, approximate=, training=) are torch's, not the record's
    names = {p.name for p in params if p.default is inspect.Parameter.empty}
    return names == {p.name for p in record.params}


@functools.cache  # inspect.signature costs ~0.1 ms, and a module's forward asks at every call
def takes_training(op: Callable[..., Any]) -> bool:
    try:
        return "training" in inspect.signature(op).parameters
    except (TypeError, ValueError):
        return False
