"""Kernel cost: forward and forward+backward time of each activation, in two regimes.

Every number comes from :mod:`actlab.bench.harness` (warm-up until stable, rotated order, page
faults counted, CPU time of the process), with all of one activation's variants and a plain copy
timed side by side in the same rounds. Two regimes, because they measure different things:

- ``cache``: 2^15 float32 elements (128 KiB: input and output stay in L2). The time is the
  arithmetic; reported in nanoseconds per element.
- ``dram``: 2^24 float32 elements (64 MiB, far beyond any cache). The time is mostly memory
  traffic; reported in *copies*, multiples of the time ``np.copyto`` takes to copy the same
  array into a preallocated buffer. An element-wise kernel reads its input and writes its output
  at least once, so no implementation beats ~1 copy; forward+backward reads x twice and writes
  two arrays, so its floor is ~2.

Implementations (``impl``):

- ``actlab``: ``f(x)`` then ``f.derivative(x)``, a fresh output array per call;
- ``actlab out=``: the same into buffers the caller owns (no allocation, no page faults);
- ``actlab NumPy``: ``out=`` with the compiled kernels switched off (``numpy_path=True``): what
  a machine without a C compiler runs, and what actlab ran before the compiled kernels;
- ``torch``: PyTorch eager on CPU, when installed, on the same number of threads: forward under
  ``no_grad``; forward+backward through autograd (``torch.autograd.grad`` with a preallocated
  upstream gradient of ones, which also multiplies by it: one read actlab's derivative doesn't do);
- ``torch.compile``: the same op through ``torch.compile``, with ``compile=True`` (seconds per
  activation to compile; skipped with the reason where it can't).

>>> bench = run({"dram": 1024}, rounds=2, only=["relu"], use_torch=False)  # doctest: +SKIP
>>> bench.results[0].impl
'actlab'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import actlab
from actlab.bench import harness
from actlab.catalog import _compiled
from actlab.catalog.function import Function

#: elements per regime: 128 KiB of float32 (cache-resident) and 64 MiB (DRAM-sized)
REGIMES: dict[str, int] = {"cache": 2**15, "dram": 2**24}
DEFAULT_SIZE = REGIMES["dram"]
IMPLS = ("actlab", "actlab out=", "actlab NumPy", "torch", "torch.compile")

Timed = Callable[[], object]


@dataclass(frozen=True)
class KernelTiming:
    """One activation in one implementation and regime: medians, ratios to the copy, noise."""

    name: str
    impl: str
    regime: str
    size: int
    #: median seconds per call
    fwd_s: float
    fwdbwd_s: float
    #: median over rounds of (time / time of the copy in the same round)
    fwd_copies: float
    fwdbwd_copies: float
    #: relative spread (IQR / median) of those per-round ratios: the noise
    fwd_noise: float
    fwdbwd_noise: float
    #: minor page faults per call
    fwd_faults: float
    fwdbwd_faults: float
    #: median seconds of the copy these ratios are relative to
    copy_s: float

    @property
    def fwd_ns(self) -> float:
        """Nanoseconds per element, forward."""
        return 1e9 * self.fwd_s / self.size

    @property
    def fwdbwd_ns(self) -> float:
        return 1e9 * self.fwdbwd_s / self.size

    def cost(self, which: str) -> float:
        """The regime's unit: ns per element in cache, copies in DRAM (``which``: fwd/fwdbwd)."""
        if self.regime == "cache":
            return self.fwd_ns if which == "fwd" else self.fwdbwd_ns
        return self.fwd_copies if which == "fwd" else self.fwdbwd_copies

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "fwd_ns": self.fwd_ns, "fwdbwd_ns": self.fwdbwd_ns}


@dataclass(frozen=True)
class KernelBench:
    """One run of the kernel benchmark."""

    regimes: dict[str, int]
    #: rounds per activation (the most, when they were two per variant)
    rounds: int
    dtype: str
    threads: int
    clock: str
    results: list[KernelTiming]
    torch_version: str | None = None
    #: rounds were two per variant (every variant in every position of the rotation)
    balanced: bool = False
    #: why an implementation was left out, e.g. "torch gaussian: torch has no single op"
    skipped: list[str] = field(default_factory=list)

    def get(self, name: str, impl: str, regime: str = "dram") -> KernelTiming | None:
        return next(
            (t for t in self.results if t.name == name and t.impl == impl and t.regime == regime),
            None,
        )

    @property
    def rounds_text(self) -> str:
        """ "median of N rounds", or of two rounds per variant when they were balanced."""
        if self.balanced:
            return f"median of two rounds per variant (up to {self.rounds})"
        return f"median of {self.rounds} rounds"

    def impls(self) -> list[str]:
        return [i for i in IMPLS if any(t.impl == i for t in self.results)]


@dataclass(frozen=True)
class Comparison:
    """Is ``cheap`` cheaper than ``dear`` in one implementation and regime?"""

    impl: str
    regime: str
    cheap: KernelTiming
    dear: KernelTiming

    def ratio(self, which: str) -> float:
        """dear / cheap (> 1: the cheap one is cheaper), ``which``: fwd or fwdbwd."""
        return self.dear.cost(which) / self.cheap.cost(which)

    def noise(self, which: str) -> float:
        # the two ratios to the copy are independent medians: their noises add
        return getattr(self.dear, f"{which}_noise") + getattr(self.cheap, f"{which}_noise")

    def answer(self, which: str) -> str:
        """ "yes", "no" or "can't tell" (the difference is within the noise)."""
        r = self.ratio(which)
        if abs(r - 1.0) <= self.noise(which):
            return "can't tell"
        return "yes" if r > 1.0 else "no"

    @property
    def holds(self) -> bool:
        return self.answer("fwd") == "yes" and self.answer("fwdbwd") == "yes"

    def text(self) -> str:
        c, d = self.cheap, self.dear
        unit = "ns/element" if self.regime == "cache" else "copies"
        return (
            f"{self.impl} ({self.regime}): forward {c.name} {c.cost('fwd'):.3g} vs {d.name} "
            f"{d.cost('fwd'):.3g} {unit} ({d.name}/{c.name} = {self.ratio('fwd'):.2f}); "
            f"forward+backward {c.cost('fwdbwd'):.3g} vs {d.cost('fwdbwd'):.3g} "
            f"({self.ratio('fwdbwd'):.2f})"
        )


def compare(bench: KernelBench, cheap: str = "relu", dear: str = "sigmoid") -> list[Comparison]:
    """The claim "``cheap`` is cheaper than ``dear``", per implementation and regime."""
    out = []
    for regime in bench.regimes:
        for impl in IMPLS:
            a, b = bench.get(cheap, impl, regime), bench.get(dear, impl, regime)
            if a is not None and b is not None:
                out.append(Comparison(impl, regime, a, b))
    return out


def verdict_word(comparisons: Sequence[Comparison]) -> str:
    """ "holds", "does not hold" or "partly" over all comparisons (both directions each)."""
    answers = [c.answer(w) for c in comparisons for w in ("fwd", "fwdbwd")]
    if answers and all(a == "yes" for a in answers):
        return "holds"
    if answers and all(a == "no" for a in answers):
        return "does not hold"
    return "partly"


def verdict(comparisons: Sequence[Comparison], cheap: str = "relu", dear: str = "sigmoid") -> str:
    """The claim settled from the measured comparisons: a verdict line, then one per impl."""
    if not comparisons:
        return f"{cheap} vs {dear}: not measured (both must be benchmarked)"
    word = verdict_word(comparisons)
    claim = f'"{_title(cheap)} is cheaper than {dear}, forward and backward": {word}'
    lines = [claim]
    for c in comparisons:
        answers = f"fwd {c.answer('fwd')}, fwd+bwd {c.answer('fwdbwd')}"
        lines.append(f"  {answers:<28} {c.text()}")
    return "\n".join(lines)


def _title(name: str) -> str:
    return {"relu": "ReLU"}.get(name, name)


def run(
    regimes: Mapping[str, int] | None = None,
    rounds: int | None = None,
    only: Iterable[str] | None = None,
    *,
    use_torch: bool = True,
    compile: bool = False,
    numpy_path: bool = False,
    dtype: str = "float32",
    threads: int = 1,
    reverse: bool = False,
    progress: Callable[[str], None] | None = None,
    seed: int = 0,
) -> KernelBench:
    """Time every registered activation (or those in ``only``) in each regime.

    ``rounds`` defaults to two per variant, so that each variant runs in every position of the
    rotation once forwards and once backwards. ``reverse`` lists the variants the other way
    round (to see for yourself that no verdict depends on the order).
    """
    regimes = dict(regimes or REGIMES)
    functions = [actlab.get(n) for n in (only or actlab.names())]
    torch_ctx = _torch_context(threads, compile) if use_torch else None
    results: list[KernelTiming] = []
    skipped: list[str] = []
    used_rounds = rounds or 0
    try:
        with harness.threads(threads):
            for regime, size in regimes.items():
                x = (np.random.default_rng(seed).standard_normal(size) * 3).astype(dtype)
                copy_buffer = np.empty_like(x)
                harness.prefault(copy_buffer)
                for i, f in enumerate(functions):
                    if progress:
                        progress(f"{regime} [{i + 1}/{len(functions)}] {f.spec}")
                    variants = _actlab_variants(f, x, numpy_path)
                    if torch_ctx is not None:
                        for impl, (reason, pair) in torch_ctx.variants(f, x).items():
                            if pair is None:
                                if regime == next(iter(regimes)):
                                    skipped.append(f"{impl} {f.spec}: {reason}")
                            else:
                                variants[impl] = pair
                    n = rounds or 2 * (1 + 2 * len(variants))
                    used_rounds = max(used_rounds, n)
                    results += _time_variants(
                        f.spec, regime, size, variants, x, copy_buffer, n, seed, reverse
                    )
    finally:
        if torch_ctx is not None:
            torch_ctx.close()
    return KernelBench(
        regimes=regimes,
        rounds=used_rounds,
        dtype=str(np.dtype(dtype)),
        threads=threads,
        clock="process_time",
        results=results,
        torch_version=torch_ctx.version if torch_ctx else None,
        balanced=rounds is None,
        skipped=skipped,
    )


def _actlab_variants(
    f: Function, x: np.ndarray, numpy_path: bool
) -> dict[str, tuple[Timed, Timed]]:
    y, dy = np.empty_like(x), np.empty_like(x)
    harness.prefault(y, dy)
    found: dict[str, tuple[Timed, Timed]] = {}

    def fwdbwd() -> object:
        f(x)
        return f.derivative(x)

    def fwdbwd_out() -> object:
        f(x, out=y)
        return f.derivative(x, out=dy)

    def numpy_fwd() -> object:
        with _compiled.disabled():
            return f(x, out=y)

    def numpy_fwdbwd() -> object:
        with _compiled.disabled():
            f(x, out=y)
            return f.derivative(x, out=dy)

    found["actlab"] = (lambda: f(x), fwdbwd)
    found["actlab out="] = (lambda: f(x, out=y), fwdbwd_out)
    if numpy_path and _compiled.AVAILABLE:
        found["actlab NumPy"] = (numpy_fwd, numpy_fwdbwd)
    return found


def _time_variants(
    name: str,
    regime: str,
    size: int,
    variants: dict[str, tuple[Timed, Timed]],
    x: np.ndarray,
    buffer: np.ndarray,
    rounds: int,
    seed: int,
    reverse: bool = False,
) -> list[KernelTiming]:
    flat: dict[str, Timed] = {"copy": lambda: np.copyto(buffer, x)}
    for impl, (fwd_fn, fwdbwd_fn) in variants.items():
        flat[f"{impl} fwd"] = fwd_fn
        flat[f"{impl} fwdbwd"] = fwdbwd_fn
    if reverse:
        flat = dict(reversed(flat.items()))
    m = harness.measure(flat, rounds=rounds, seed=seed, clock=time.process_time)
    out = []
    for impl in variants:
        fwd, fwdbwd = m[f"{impl} fwd"], m[f"{impl} fwdbwd"]
        out.append(
            KernelTiming(
                name=name,
                impl=impl,
                regime=regime,
                size=size,
                fwd_s=fwd.median,
                fwdbwd_s=fwdbwd.median,
                fwd_copies=m.ratio(f"{impl} fwd", "copy"),
                fwdbwd_copies=m.ratio(f"{impl} fwdbwd", "copy"),
                fwd_noise=m.noise(f"{impl} fwd", "copy"),
                fwdbwd_noise=m.noise(f"{impl} fwdbwd", "copy"),
                fwd_faults=fwd.faults,
                fwdbwd_faults=fwdbwd.faults,
                copy_s=m["copy"].median,
            )
        )
    return out


class _TorchContext:
    """torch eager (and torch.compile) variants of the catalog's activations."""

    def __init__(self, torch: Any, compile: bool) -> None:
        self.torch = torch
        self.version = str(torch.__version__)
        self.compile = compile
        self._compiled: dict[str, Any] = {}

    def variants(
        self, f: Function, x: np.ndarray
    ) -> dict[str, tuple[str, tuple[Timed, Timed] | None]]:
        from actlab.torch.native import native_call

        torch = self.torch
        op = native_call(f.record, f.params)
        if op is None:
            return {"torch": ("torch has no single op for it", None)}
        tx = torch.from_numpy(x)
        if op(tx) is tx:
            return {"torch": ("torch's op returns its input: no work to time", None)}
        ones = torch.ones_like(tx)
        x_grad = tx.detach().clone().requires_grad_(True)
        found: dict[str, tuple[str, tuple[Timed, Timed] | None]] = {
            "torch": ("", _torch_pair(torch, op, tx, x_grad, ones))
        }
        if self.compile:
            compiled = self._compile(f.spec, op)
            if isinstance(compiled, str):
                found["torch.compile"] = (compiled, None)
            else:
                found["torch.compile"] = ("", _torch_pair(torch, compiled, tx, x_grad, ones))
        return found

    def _compile(self, key: str, op: Callable[[Any], Any]) -> Any:
        if key not in self._compiled:
            try:
                compiled = self.torch.compile(op, dynamic=False)
                compiled(self.torch.zeros(8, requires_grad=True)).sum().backward()
            except Exception as exc:  # no C compiler, an unsupported op: say why, go on
                self._compiled[key] = f"torch.compile failed: {str(exc).splitlines()[0][:120]}"
            else:
                self._compiled[key] = compiled
        return self._compiled[key]

    def close(self) -> None:
        self._compiled.clear()


def _torch_pair(torch: Any, op: Any, x: Any, x_grad: Any, ones: Any) -> tuple[Timed, Timed]:
    def fwd() -> object:
        with torch.no_grad():
            return op(x)

    def fwdbwd() -> object:
        y = op(x_grad)
        return torch.autograd.grad(y, x_grad, grad_outputs=ones)[0]

    return fwd, fwdbwd


def _torch_context(threads: int, compile: bool) -> _TorchContext | None:
    try:
        import torch
    except ImportError:
        return None
    return _TorchContext(torch, compile)


#: formula atoms that make an activation part of the exp/erf family
_TRANSCENDENTAL = ("exp", "erf", "erfc", "log", "tanh", "atan", "sin", "cos", "sqrt")


def kind(name: str) -> str:
    """``"piecewise-linear"``, ``"exp/erf"`` (the formula has exp, erf, log, tanh...) or
    ``"other"`` (piecewise polynomials, rational functions), from the record's symbolic form."""
    import sympy as sp

    f = actlab.get(name)
    x = sp.Symbol("x", real=True)
    params = {k: sp.Float(v) for k, v in f.params.items() if np.ndim(v) == 0}
    expr = f.record.symbolic(sp, x, params)
    names = {type(a).__name__.lower() for a in sp.preorder_traversal(expr)}
    if any(t in names for t in _TRANSCENDENTAL) or any(
        isinstance(a, sp.Pow) and not a.exp.is_Integer for a in sp.preorder_traversal(expr)
    ):
        return "exp/erf"
    pieces = expr.rewrite(sp.Piecewise)
    parts = [e for e, _ in pieces.args] if isinstance(pieces, sp.Piecewise) else [pieces]
    linear = all(p.is_polynomial(x) and sp.degree(p, x) <= 1 if p.has(x) else True for p in parts)
    return "piecewise-linear" if linear else "other"


@dataclass(frozen=True)
class Goal:
    """One of issue 13's goals, checked against one run (DRAM regime)."""

    text: str
    met: list[str]
    missed: list[str]

    @property
    def holds(self) -> bool:
        return not self.missed


def goals(bench: KernelBench, regime: str = "dram") -> list[Goal]:
    """The speed goals, per activation: faster than torch eager, forward and forward+backward
    (a fresh output against torch's fresh output, and with out=); piecewise-linear <= 1.5
    copies with out=; the exp/erf family <= 3 copies forward with out=."""
    names = list(dict.fromkeys(t.name for t in bench.results if t.regime == regime))
    faster: tuple[list[str], list[str]] = ([], [])
    faster_out: tuple[list[str], list[str]] = ([], [])
    linear: tuple[list[str], list[str]] = ([], [])
    family: tuple[list[str], list[str]] = ([], [])
    for name in names:
        ours, out, theirs = (bench.get(name, i, regime) for i in ("actlab", "actlab out=", "torch"))
        for mine, tally in ((ours, faster), (out, faster_out)):
            if mine is not None and theirs is not None:
                ok = mine.fwd_s < theirs.fwd_s and mine.fwdbwd_s < theirs.fwdbwd_s
                tally[0 if ok else 1].append(name)
        if out is None:
            continue
        k = kind(name)
        if k == "piecewise-linear":
            linear[0 if out.fwd_copies <= 1.5 else 1].append(f"{name} {out.fwd_copies:.2f}")
        elif k == "exp/erf":
            family[0 if out.fwd_copies <= 3.0 else 1].append(f"{name} {out.fwd_copies:.2f}")
    return [
        Goal("faster than torch eager, forward and forward+backward (both fresh output)", *faster),
        Goal(
            "faster than torch eager, forward and forward+backward (actlab with out=)", *faster_out
        ),
        Goal("piecewise-linear: forward <= 1.5 copies with out=", *linear),
        Goal("exp/erf family: forward <= 3 copies with out=", *family),
    ]
