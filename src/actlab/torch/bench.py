"""Benchmark: forward+backward of an activation, four ways, side by side in one run.

* ``native``: torch's fused op (F.mish, F.silu ...) where the native table has one;
* ``node``: actlab's memory-efficient autograd Function (one node, saves only x);
* ``eager``: the same formula composed from torch ops under autograd (what a user writes);
* ``compiled``: ``torch.compile`` of that composition (optional: compiling takes seconds);
* ``node_compiled``: the node with its forward and backward compiled (optional, same reason).

Time is the median of repeated forward+backward passes. Memory is what the pass keeps for backward
(the bytes of the distinct storages autograd saves, counted with ``saved_tensors_hooks``), the
cost that grows with every layer; on CUDA also the peak allocated during the pass.

>>> from actlab.torch.bench import run
>>> rows = run(["silu"], size=1 << 12, repeats=3)          # doctest: +SKIP
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import sympy as sp
import torch

import actlab
from actlab.errors import ActlabError
from actlab.torch._symbolic import compile_expr, stable
from actlab.torch.functions import SymbolicFn, symbolic_plan
from actlab.torch.native import native_op


@dataclass(frozen=True)
class Row:
    """One activation, one method."""

    activation: str
    method: str
    #: median seconds of one forward+backward
    seconds: float
    #: bytes autograd keeps between forward and backward
    saved_bytes: int
    #: peak bytes allocated during the pass above the input and gradient (CUDA only, else None)
    peak_bytes: int | None
    #: seconds the first call took (compilation), for the compiled methods
    first_call_seconds: float
    #: time relative to the native op in the same run (None without one)
    time_vs_native: float | None = None
    #: saved bytes relative to the native op
    memory_vs_native: float | None = None


def default_activations() -> list[str]:
    """Registry entries with a native op and a formula of more than a couple of operations."""
    x = sp.Symbol("x", real=True)
    chosen = []
    for record in actlab.records():
        if native_op(record) is None or any(p.learnable for p in record.params):
            continue
        params = {k: sp.Float(v) for k, v in record.defaults.items()}
        if sp.count_ops(record.symbolic(sp, x, params)) >= 3 and record.sample is None:
            chosen.append(record.name)
    return chosen


def methods(spec: str, compile: bool) -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """The ways to compute one activation, by method name."""
    fn = actlab.get(spec)
    if any(p.learnable for p in fn.record.params):
        raise ActlabError(f"{spec}: the benchmark takes activations without learnable parameters")
    plan = symbolic_plan(fn)
    x = sp.Symbol("x", real=True)
    params = {k: sp.Float(v) for k, v in fn.params.items()}
    composed = compile_expr(stable(fn.record.symbolic(sp, x, params)), [x])
    found: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {}
    op = native_op(fn.record)
    if op is not None:
        found["native"] = lambda t: op(t, **fn.params)
    found["node"] = lambda t: SymbolicFn.apply(plan, t)
    found["eager"] = composed
    if compile:
        found["compiled"] = torch.compile(composed, dynamic=False)
        compiled_plan = symbolic_plan(fn, compile=True)
        found["node_compiled"] = lambda t: SymbolicFn.apply(compiled_plan, t)
    return found


def measure(
    found: dict[str, Callable[[torch.Tensor], torch.Tensor]], x: torch.Tensor, repeats: int
) -> dict[str, tuple[float, int, int | None, float]]:
    """Per method: (median seconds, saved bytes, CUDA peak bytes or None, first-call seconds).

    The methods take turns within each round, so a slow spell on a shared machine hits all alike.
    """
    grad = torch.ones_like(x)
    first: dict[str, float] = {}
    times: dict[str, list[float]] = {name: [] for name in found}
    for name, fn in found.items():
        first[name] = _timed(fn, x, grad)
    for _ in range(repeats):
        for name, fn in found.items():
            times[name].append(_timed(fn, x, grad))
    return {
        name: (
            statistics.median(times[name]),
            _saved_bytes(fn, x),
            _cuda_peak(fn, x, grad),
            first[name],
        )
        for name, fn in found.items()
    }


def _timed(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, grad: torch.Tensor
) -> float:
    x.grad = None
    _sync(x)
    start = time.perf_counter()
    _pass(fn, x, grad)
    _sync(x)
    return time.perf_counter() - start


def run(
    activations: Sequence[str] | None = None,
    *,
    size: int = 1 << 22,
    repeats: int = 7,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    compile: bool = False,
) -> list[Row]:
    """Measure every method for every activation; ratios are against the native op of the run."""
    if size < 1:
        raise ActlabError(f"--size must be positive, got {size}")
    torch.manual_seed(0)
    x = (torch.randn(size, dtype=dtype, device=device) * 3).requires_grad_()
    rows: list[Row] = []
    for spec in activations or default_activations():
        found = methods(spec, compile)
        measured = measure(found, x, repeats)
        base = measured.get("native")
        for name, (seconds, saved, peak, first) in measured.items():
            rows.append(
                Row(
                    activation=spec,
                    method=name,
                    seconds=seconds,
                    saved_bytes=saved,
                    peak_bytes=peak,
                    first_call_seconds=first,
                    time_vs_native=seconds / base[0] if base else None,
                    memory_vs_native=saved / base[1] if base and base[1] else None,
                )
            )
    return rows


def as_dicts(rows: Sequence[Row]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| activation | method | median ms | x native | saved MiB | x native | first call s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.activation} | {r.method} | {r.seconds * 1e3:.2f} | {_ratio(r.time_vs_native)} "
            f"| {r.saved_bytes / 2**20:.1f} | {_ratio(r.memory_vs_native)} "
            f"| {r.first_call_seconds:.2f} |"
        )
    return "\n".join(lines)


def _ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def _pass(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, grad: torch.Tensor) -> None:
    y = fn(x)
    y.backward(grad)


def _saved_bytes(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> int:
    """Bytes of the distinct storages autograd saves for backward (the input counts too)."""
    storages: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        s = t.untyped_storage()
        storages[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return sum(storages.values())


def _cuda_peak(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, grad: torch.Tensor
) -> int | None:
    if x.device.type != "cuda":
        return None
    x.grad = None
    torch.cuda.synchronize(x.device)
    torch.cuda.reset_peak_memory_stats(x.device)
    before = torch.cuda.memory_allocated(x.device)
    _pass(fn, x, grad)
    torch.cuda.synchronize(x.device)
    return int(torch.cuda.max_memory_allocated(x.device) - before)


def _sync(x: torch.Tensor) -> None:
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
