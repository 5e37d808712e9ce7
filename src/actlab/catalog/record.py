"""The activation record: one per activation, the single source of truth.

Everything else (the CLI, plots, docs, tests, the engine, torch modules, the playground and the
report) iterates over records; nothing keeps its own list of names.

A *kernel* is ``kernel(x, out, **params) -> out``: ``x`` is a float32 or float64 array, ``out`` an
array of the same dtype and shape that the kernel fills and returns. Parameters arrive as Python
floats (or as arrays that broadcast against ``x``, which the engine uses for stacked models).
Kernels never see float16, ints, lists or scalars, and may assume ``out`` does not overlap ``x``:
:class:`actlab.catalog.function.Function` takes care of all of that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab.errors import ActlabError

Kernel = Callable[..., np.ndarray]
#: ``expr(sp, x, p)`` builds the symbolic form: ``sp`` is the sympy module, ``x`` the symbol,
#: ``p`` a mapping from parameter name to a sympy number or symbol. It is the high-precision
#: reference the tests measure ulp against, and what ``actlab derive`` differentiates.
SymbolicForm = Callable[[Any, Any, Mapping[str, Any]], Any]
#: ``sample(x, rng, **params) -> (y, dy)``: a training-mode draw of a random activation and its
#: derivative at the same draw (RReLU).
Sampler = Callable[..., tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Param:
    """A numeric parameter of an activation, with its valid range."""

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    low_inclusive: bool = True
    high_inclusive: bool = True
    #: trained by the engine and torch modules (PReLU's slope)
    learnable: bool = False
    doc: str = ""

    def check(self, value: float, owner: str) -> float:
        """Return ``value`` as a float, or raise :class:`ActlabError` naming the valid range.

        Infinite values are refused even where the range is open to infinity: a kernel computes
        ``inf * 0 = nan`` and ``inf - inf = nan``, so ``leaky_relu(negative_slope=inf)`` is not
        a function (1e400 reads as inf too).
        """
        v = float(value)
        if math.isinf(v):
            raise ActlabError(
                f"{owner}: parameter {self.name}={value!r} must be a finite number"
                f" in {self.range_text()}"
            )
        ok_low = v > self.low or (self.low_inclusive and v == self.low)
        ok_high = v < self.high or (self.high_inclusive and v == self.high)
        if math.isnan(v) or not (ok_low and ok_high):
            raise ActlabError(
                f"{owner}: parameter {self.name}={value!r} is out of range {self.range_text()}"
            )
        return v

    def range_text(self) -> str:
        left = "[" if self.low_inclusive and math.isfinite(self.low) else "("
        right = "]" if self.high_inclusive and math.isfinite(self.high) else ")"
        return f"{left}{_num(self.low)}, {_num(self.high)}{right}"


@dataclass(frozen=True)
class Kink:
    """A point where the derivative jumps, and the value actlab's derivative takes there."""

    #: where: a number, or a parameter name optionally with a leading '-' ("min_val", "-lambd")
    at: float | str
    #: the convention in words, e.g. "f'(0) = 0, the minimum-norm subgradient (as torch)"
    convention: str

    def point(self, params: Mapping[str, float]) -> float:
        if isinstance(self.at, str):
            sign = -1.0 if self.at.startswith("-") else 1.0
            return sign * float(params[self.at.lstrip("-")])
        return float(self.at)


@dataclass(frozen=True)
class Properties:
    """Qualitative properties at the default parameters (tests check each one numerically)."""

    #: (inf f, sup f) over the reals; +-inf where unbounded
    range: tuple[float, float]
    #: non-decreasing over the whole real line
    monotonic: bool
    #: infinitely differentiable everywhere (False when there are kinks or jumps)
    smooth: bool
    #: f(0) = 0 and f takes both signs
    zero_centred: bool
    #: f'(x) -> 0 as x -> -inf or as x -> +inf
    saturating: bool
    #: True when estimated numerically on a grid (custom formulas) rather than declared and tested
    estimated: bool = False

    @property
    def bounded_below(self) -> bool:
        return math.isfinite(self.range[0])

    @property
    def bounded_above(self) -> bool:
        return math.isfinite(self.range[1])


@dataclass(frozen=True, eq=False)
class Activation:
    """One activation function: its formula, its kernels, its properties, its reference."""

    name: str
    #: one line saying what it is
    summary: str
    #: f(x) in LaTeX (without "f(x) =")
    latex: str
    #: f'(x) in LaTeX
    derivative_latex: str
    forward: Kernel
    #: df/dx, written from x (never from the rounded output)
    derivative: Kernel
    symbolic: SymbolicForm
    properties: Properties
    #: paper or documentation the definition follows
    reference: str
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    kinks: tuple[Kink, ...] = ()
    #: df/dp for each learnable parameter, same kernel signature
    param_derivatives: Mapping[str, Kernel] = field(default_factory=dict)
    #: training-mode draw for random activations; None for deterministic ones
    sample: Sampler | None = None
    #: catalog section (used to group cards and menus)
    family: str = "other"
    #: parameter pairs (a, b) that must satisfy a <= b (hardtanh's clips, RReLU's bounds)
    ordered: tuple[tuple[str, str], ...] = ()
    #: for a custom activation, the formula in x it was built from (see actlab.formula); else ""
    formula: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ActlabError(
            f"{self.name} has no parameter {name!r}; it takes "
            + (", ".join(p.name for p in self.params) or "no parameters")
        )

    def check_ordered(self, values: Mapping[str, Any]) -> None:
        """Raise :class:`ActlabError` when a pair of parameters is out of order."""
        for low, high in self.ordered:
            a, b = values[low], values[high]
            if np.ndim(a) == 0 and np.ndim(b) == 0 and not a <= b:
                raise ActlabError(
                    f"{self.name}: needs {low} <= {high}, got {low}={a:g}, {high}={b:g}"
                )

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}


def _num(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:g}"
