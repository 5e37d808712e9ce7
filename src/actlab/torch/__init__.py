"""actlab's activations as PyTorch modules: any catalog entry or custom formula, drop-in.

>>> import torch
>>> from actlab.torch import Activation
>>> act = Activation("x*tanh(log(1 + exp(x)))")      # a formula: one memory-efficient node
>>> act(torch.zeros(3)).tolist()
[0.0, 0.0, 0.0]
>>> from actlab.torch import LeakyReLU, PReLU         # named classes, generated from the registry
>>> PReLU(num_parameters=8).a.shape                   # the slope, one per channel
torch.Size([8])

How a module computes, per call (one switch, ``exact``: a constructor flag, default
:func:`set_exact`'s global, initially ``False``):

========================  ===========================  =========================================
                          ``exact=False`` (speed)      ``exact=True`` (accuracy)
========================  ===========================  =========================================
torch op, exact           the native op (F.relu, F.leaky_relu, F.hardtanh ...: one rounding)
torch op, inexact         the native op (F.gelu,       CPU: the catalog's NumPy kernels, one
                          F.mish, torch.sigmoid ...)   node (a few ulp); GPU: the symbolic form
                                                       as one node, in float64, rounded once
no torch op               the symbolic form as one     as for an inexact torch op
                          node of torch ops (saves x)
a formula                 as above                     the formula's kernels, within 1 ulp
                                                       (issue 12); on a GPU they run on the
                                                       CPU (one copy each way)
random (RReLU), train()   F.rrelu (rrelu_xu: torch     CPU: the record's NumPy sampler
                          ops)
========================  ===========================  =========================================

``compile=True`` sends every non-native case through the symbolic node, compiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

import actlab
from actlab.catalog import Activation as Record
from actlab.catalog import Function
from actlab.errors import ActlabError
from actlab.torch.functions import NumpyFn, SampledFn, SymbolicFn, symbolic_plan
from actlab.torch.native import EXACT as EXACT_NATIVE
from actlab.torch.native import native_op, takes_training

__all__ = ["Activation", "exact_default", "set_exact"]

_EXACT = False


def set_exact(flag: bool) -> bool:
    """Set the global default of the ``exact`` switch; returns the previous value."""
    global _EXACT
    previous, _EXACT = _EXACT, bool(flag)
    return previous


def exact_default() -> bool:
    """The global default of the ``exact`` switch."""
    return _EXACT


class Activation(nn.Module):
    """An element-wise activation module for a spec: a catalog name, ``name(p=v)``, or a formula.

    Parameters
    ----------
    spec : str, Function or record
        ``"gelu"``, ``"leaky_relu(0.2)"``, ``"x*sigmoid(1.5*x)"``...
    exact : bool, optional
        ``True``: actlab's exact kernels (see the table above); ``False``: torch's fused op
        where one exists, else the symbolic node of torch ops. ``None`` (default): the global
        default from :func:`set_exact`.
    compile : bool
        Wrap the symbolic path's forward and backward in ``torch.compile`` (first call is slow).
    num_parameters : int
        Size of each learnable parameter (PReLU's slope): 1, or the channel count (dimension 1 of
        the input), as ``torch.nn.PReLU``.
    **params
        Parameter values, overriding those in the spec.

    Input ``(N, C, ...)`` or any shape when ``num_parameters == 1``; output the same shape.
    """

    def __init__(
        self,
        spec: str | Function | Record,
        *,
        exact: bool | None = None,
        compile: bool = False,
        num_parameters: int = 1,
        **params: float,
    ) -> None:
        super().__init__()
        fn = actlab.get(spec)
        if params:
            fn = Function(fn.record, {**fn.params, **params})
        if num_parameters < 1:
            raise ActlabError(f"num_parameters must be >= 1, got {num_parameters}")
        self.function = fn
        self.exact = exact
        #: named so as not to shadow nn.Module.compile
        self.use_compile = compile
        self.learnable = tuple(p.name for p in fn.record.params if p.learnable)
        for name in self.learnable:
            value = torch.full((num_parameters,), float(fn.params[name]))
            self.register_parameter(name, nn.Parameter(value))
        self._native = native_op(fn.record)

    @property
    def spec(self) -> str:
        return self.function.spec

    def __getstate__(self) -> dict[str, Any]:
        # records hold lambdas (kernels, symbolic forms), which don't pickle: keep the spec
        state = self.__dict__.copy()
        state["function"] = self.function.spec
        state["_native"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        function = actlab.get(state.pop("function"))
        super().__setstate__(state)
        self.function = function
        self._native = native_op(function.record)

    def extra_repr(self) -> str:
        return f"{self.spec!r}" + ("" if self.exact is None else f", exact={self.exact}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        exact = _EXACT if self.exact is None else self.exact
        params = [self._shaped(getattr(self, n), x) for n in self.learnable]
        record = self.function.record
        if self.training and record.sample is not None:
            return self._sampled(x, exact)
        if self._native is not None and (not exact or record.name in EXACT_NATIVE):
            return self._call_native(x)
        if exact and x.device.type == "cpu" and not self.use_compile:
            # the catalog's (or the formula's) own kernels: exact to a few ulp (a formula: 1 ulp)
            return NumpyFn.apply(self.function, self.learnable, x, *params)
        if exact and record.formula and not self.use_compile:
            # a formula's 1-ulp guarantee needs its hard elements finished in extended precision
            # and mpmath: the tensor goes to the CPU and back (one copy each way, autograd sees
            # both)
            on_cpu = [p.cpu() for p in params]
            return NumpyFn.apply(self.function, self.learnable, x.cpu(), *on_cpu).to(x.device)
        plan = symbolic_plan(self.function, self.learnable, compile=self.use_compile, upcast=exact)
        return SymbolicFn.apply(plan, x, *params)

    def _sampled(self, x: torch.Tensor, exact: bool) -> torch.Tensor:
        if self._native is not None and not (exact and x.device.type == "cpu"):
            return self._call_native(x)
        if x.device.type != "cpu":
            raise ActlabError(f"{self.spec}: training-mode sampling on {x.device} needs a torch op")
        return SampledFn.apply(self.function, x)

    def _call_native(self, x: torch.Tensor) -> torch.Tensor:
        op: Callable[..., torch.Tensor] = self._native  # type: ignore[assignment]
        kwargs: dict[str, Any] = {
            k: v for k, v in self.function.params.items() if k not in self.learnable
        }
        kwargs.update({n: getattr(self, n) for n in self.learnable})
        if takes_training(op):
            kwargs["training"] = self.training
        return op(x, **kwargs)

    def _shaped(self, p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """A per-channel parameter viewed to broadcast along dimension 1 of x."""
        if p.numel() == 1:
            return p.reshape(())
        if x.dim() < 2 or x.shape[1] != p.numel():
            raise ActlabError(
                f"{self.spec}: {p.numel()} parameters need input with {p.numel()} channels "
                f"in dimension 1, got shape {tuple(x.shape)}"
            )
        return p.reshape((1, -1) + (1,) * (x.dim() - 2))


# ---- named classes, generated from the registry: actlab.torch.GELU, LeakyReLU, PReLU ... ----

_CLASSES: dict[str, type[Activation]] = {}


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _named_class(record: Record) -> type[Activation]:
    def __init__(self: Activation, *args: float, **kwargs: Any) -> None:
        if len(args) > len(record.params):
            raise ActlabError(f"{record.name} takes at most {len(record.params)} parameter(s)")
        values: dict[str, Any] = {p.name: float(a) for p, a in zip(record.params, args)}
        Activation.__init__(self, record, **values, **kwargs)

    doc = f"{record.summary}\n\nActivation({record.name!r}); see :class:`Activation`."
    attrs = {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    return type(_class_name(record.name), (Activation,), attrs)


def _class_name(name: str) -> str:
    """leaky_relu -> LeakyReLU, gelu_tanh -> GELUTanh, silu -> SiLU, softplus -> Softplus."""

    def word(w: str) -> str:
        if re.fullmatch(r"[a-z]*lu\d*", w):  # the *LU family, capitalised as torch does
            return w.upper().replace("RELU", "ReLU").replace("SILU", "SiLU")
        return w.capitalize()

    return "".join(word(w) for w in name.split("_"))


def __getattr__(name: str) -> type[Activation]:
    """Activation classes by name (case and underscores ignored): ``actlab.torch.LeakyReLU``."""
    if name.startswith("__"):
        raise AttributeError(name)
    key = _key(name)
    if key not in _CLASSES:
        for record in actlab.records():
            keys = {_key(n) for n in (record.name, *record.aliases)}
            if key in keys:
                _CLASSES[key] = _named_class(record)
                break
        else:
            raise AttributeError(f"module 'actlab.torch' has no attribute {name!r}")
    return _CLASSES[key]


def __dir__() -> list[str]:
    return sorted([*__all__, *(_class_name(r.name) for r in actlab.records())])
