"""Kernel cost: forward and forward+backward time of each activation, in memory copies.

Times are CPU time of this process (``time.process_time``, user + system: page faults count),
so other jobs on a shared machine don't inflate them. The unit is the *memory-bandwidth floor*:
the time ``np.copyto`` takes to copy the same float32 array into a preallocated buffer. An
element-wise kernel reads its input and writes its output at least once, so no implementation
can beat ~1x; a piecewise-linear activation should come close, a transcendental one pays for its
``exp``/``erf``.

Implementations timed (``impl``):

- ``actlab``: ``f(x)`` then ``f.derivative(x)``, a fresh output array per call;
- ``actlab out=``: the same into buffers the caller owns (no allocation, no page faults);
- ``torch``: PyTorch eager on CPU, when installed: forward under ``no_grad``; forward+backward
  through autograd (``torch.autograd.grad`` with a preallocated upstream gradient of ones, which
  also multiplies by that gradient: one extra read actlab's bare derivative doesn't do).

>>> bench = run(size=1024, repeat=1, only=["relu"])  # doctest: +SKIP
>>> bench.results[0].impl
'actlab'
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import actlab
from actlab.catalog.function import Function

#: 2^24 float32 elements = 64 MiB, far beyond any cache: the time is the memory traffic
DEFAULT_SIZE = 2**24
IMPLS = ("actlab", "actlab out=", "torch")

Timed = Callable[[], object]


@dataclass(frozen=True)
class KernelTiming:
    """Median times of one activation in one implementation, as multiples of the copy floor."""

    name: str
    impl: str
    fwd_x_floor: float
    fwdbwd_x_floor: float
    #: the median copy time (seconds) these ratios are relative to
    floor_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class KernelBench:
    """One run of the kernel benchmark."""

    size: int
    repeat: int
    results: list[KernelTiming]
    torch_version: str | None = None
    torch_threads: int | None = None
    #: why an implementation was left out, e.g. "torch gaussian: torch has no such op"
    skipped: list[str] = field(default_factory=list)

    def get(self, name: str, impl: str) -> KernelTiming | None:
        return next((t for t in self.results if t.name == name and t.impl == impl), None)


@dataclass(frozen=True)
class Comparison:
    """Is ``cheap`` cheaper than ``dear`` in one implementation, forward and forward+backward?"""

    impl: str
    cheap: KernelTiming
    dear: KernelTiming

    @property
    def holds(self) -> bool:
        fwd = self.cheap.fwd_x_floor < self.dear.fwd_x_floor
        return fwd and self.cheap.fwdbwd_x_floor < self.dear.fwdbwd_x_floor

    def text(self) -> str:
        c, d = self.cheap, self.dear
        return (
            f"{self.impl}: forward {c.name} {c.fwd_x_floor:.2f}x vs {d.name} {d.fwd_x_floor:.2f}x "
            f"the floor ({d.name}/{c.name} = {d.fwd_x_floor / c.fwd_x_floor:.1f}); "
            f"forward+backward {c.fwdbwd_x_floor:.2f}x vs {d.fwdbwd_x_floor:.2f}x "
            f"({d.fwdbwd_x_floor / c.fwdbwd_x_floor:.1f})"
        )


def compare(bench: KernelBench, cheap: str = "relu", dear: str = "sigmoid") -> list[Comparison]:
    """The claim "``cheap`` is cheaper than ``dear``, forward and backward", per implementation."""
    out = []
    for impl in IMPLS:
        a, b = bench.get(cheap, impl), bench.get(dear, impl)
        if a is not None and b is not None:
            out.append(Comparison(impl, a, b))
    return out


def verdict(comparisons: Sequence[Comparison], cheap: str = "relu", dear: str = "sigmoid") -> str:
    """The claim settled from the measured comparisons: a verdict line, then one per impl."""
    if not comparisons:
        return f"{cheap} vs {dear}: not measured (both must be benchmarked)"
    held = [c.holds for c in comparisons]
    word = "holds" if all(held) else ("does not hold" if not any(held) else "holds only partly")
    claim = f'"{_title(cheap)} is cheaper than {dear}, forward and backward": {word}'
    return "\n".join(
        [claim] + [f"  {'yes' if c.holds else 'no '}  {c.text()}" for c in comparisons]
    )


def _title(name: str) -> str:
    return {"relu": "ReLU"}.get(name, name)


def run(
    size: int = DEFAULT_SIZE,
    repeat: int = 5,
    only: Iterable[str] | None = None,
    *,
    use_torch: bool = True,
    torch_threads: int = 1,
    progress: Callable[[str], None] | None = None,
    seed: int = 0,
) -> KernelBench:
    """Time every registered activation (or those in ``only``) against the copy floor.

    Each round times the copy, then each variant, then the copy again; a variant's ratio in that
    round is its time over the mean of the two copies, and the reported ratio is the median over
    ``repeat`` rounds.
    """
    functions = [actlab.get(n) for n in (only or actlab.names())]
    x = (np.random.default_rng(seed).standard_normal(size) * 3).astype(np.float32)
    copy_buffer = np.empty_like(x)
    torch_ctx = _torch_context(x, torch_threads) if use_torch else None
    results: list[KernelTiming] = []
    skipped: list[str] = []
    try:
        for i, f in enumerate(functions):
            if progress:
                progress(f"[{i + 1}/{len(functions)}] {f.spec}")
            variants = _actlab_variants(f, x)
            if torch_ctx is not None:
                reason, pair = torch_ctx.variants(f)
                if pair is None:
                    skipped.append(f"torch {f.spec}: {reason}")
                else:
                    variants["torch"] = pair
            results += _time_variants(f.spec, variants, x, copy_buffer, repeat)
    finally:
        if torch_ctx is not None:
            torch_ctx.restore()
    return KernelBench(
        size=size,
        repeat=repeat,
        results=results,
        torch_version=torch_ctx.version if torch_ctx else None,
        torch_threads=torch_threads if torch_ctx else None,
        skipped=skipped,
    )


def _actlab_variants(f: Function, x: np.ndarray) -> dict[str, tuple[Timed, Timed]]:
    y, dy = np.empty_like(x), np.empty_like(x)

    def fwdbwd() -> object:
        f(x)
        return f.derivative(x)

    def fwdbwd_out() -> object:
        f(x, out=y)
        return f.derivative(x, out=dy)

    return {"actlab": (lambda: f(x), fwdbwd), "actlab out=": (lambda: f(x, out=y), fwdbwd_out)}


def _time_variants(
    name: str,
    variants: dict[str, tuple[Timed, Timed]],
    x: np.ndarray,
    buffer: np.ndarray,
    repeat: int,
) -> list[KernelTiming]:
    def copy() -> None:
        np.copyto(buffer, x)

    for fwd, fwdbwd in variants.values():  # warm up: first-touch page faults, lazy imports
        fwd()
        fwdbwd()
    ratios: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in variants}
    floors = []
    for _ in range(repeat):
        for impl, (fwd, fwdbwd) in variants.items():
            before = _seconds(copy)
            t_fwd, t_fwdbwd = _seconds(fwd), _seconds(fwdbwd)
            floor = 0.5 * (before + _seconds(copy))
            floors.append(floor)
            ratios[impl][0].append(t_fwd / floor)
            ratios[impl][1].append(t_fwdbwd / floor)
    floor_s = statistics.median(floors)
    return [
        KernelTiming(name, impl, statistics.median(a), statistics.median(b), floor_s)
        for impl, (a, b) in ratios.items()
    ]


def _seconds(fn: Timed) -> float:
    # CPU time of this process, not wall time: on a shared machine the wall clock also counts
    # the time other jobs hold the core, which has nothing to do with the kernel
    start = time.process_time()
    fn()
    return time.process_time() - start


class _TorchContext:
    """torch, pinned to ``threads`` threads for the run (NumPy's kernels use one)."""

    def __init__(self, torch: Any, x: np.ndarray, threads: int) -> None:
        self.torch = torch
        self.version = str(torch.__version__)
        self._threads = torch.get_num_threads()
        torch.set_num_threads(threads)
        self.x = torch.from_numpy(x)
        self.ones = torch.ones_like(self.x)

    def variants(self, f: Function) -> tuple[str, tuple[Timed, Timed] | None]:
        from actlab.bench.torch_ops import torch_op

        reason, op = torch_op(self.torch, f)
        if op is None:
            return reason, None
        torch, x, ones = self.torch, self.x, self.ones
        x_grad = x.detach().clone().requires_grad_(True)

        def fwd() -> object:
            with torch.no_grad():
                return op(x)

        def fwdbwd() -> object:
            y = op(x_grad)
            return torch.autograd.grad(y, x_grad, grad_outputs=ones)[0]

        return "", (fwd, fwdbwd)

    def restore(self) -> None:
        self.torch.set_num_threads(self._threads)


def _torch_context(x: np.ndarray, threads: int) -> _TorchContext | None:
    try:
        import torch
    except ImportError:
        return None
    return _TorchContext(torch, x, threads)
