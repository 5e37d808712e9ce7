"""Benchmark: forward+backward of an activation, four ways, side by side in one run.

* ``native``: torch's fused op (F.mish, F.silu ...) where the native table has one;
* ``node``: actlab's memory-efficient autograd Function of torch ops (one node, saves only x;
  the path a custom formula takes on a GPU);
* ``exact``: the ``exact=True`` path: on the CPU one node running the catalog's NumPy kernels,
  on a GPU the symbolic node computed in float64 and rounded once;
* ``eager``: the same formula composed from torch ops under autograd (what a user writes);
* ``compiled``: ``torch.compile`` of that composition (optional: compiling takes seconds);
* ``node_compiled``: the node with its forward and backward compiled (optional, same reason).

Time is the median of repeated forward+backward passes, timed by :mod:`actlab.bench.harness`
(warm-up until stable, rotated order, wall time with the device synchronised). Memory is what
the pass keeps for backward (the bytes of the distinct storages autograd saves, counted with
``saved_tensors_hooks``), the cost that grows with every layer; on CUDA also the peak allocated
during the pass. Accuracy is the largest error, in units in the last place of the input's
dtype, of f and f' against the catalog's exact kernels over |x| <= 100 and a few tails.

>>> from actlab.bench.torch import run
>>> rows = run(["silu"], size=1 << 12, repeats=3)          # doctest: +SKIP
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import sympy as sp
import torch

import actlab
from actlab.bench import harness
from actlab.errors import ActlabError
from actlab.torch._symbolic import compile_expr, stable
from actlab.torch.functions import NumpyFn, SymbolicFn, allow_recompiles, symbolic_plan
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
    #: largest error of f and of f' in ulp against the catalog's exact kernels
    forward_ulp: float = 0.0
    derivative_ulp: float = 0.0
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


def methods(
    spec: str, compile: bool, dtype_ok_for_numpy: bool = True
) -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
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
    if dtype_ok_for_numpy:
        found["exact"] = lambda t: NumpyFn.apply(fn, (), t)
    else:  # exact=True on a GPU: the node computed in float64, rounded once
        upcast = symbolic_plan(fn, upcast=True)
        found["exact"] = lambda t: SymbolicFn.apply(upcast, t)
    found["eager"] = composed
    if compile:
        allow_recompiles()
        found["compiled"] = torch.compile(composed, dynamic=False)
        compiled_plan = symbolic_plan(fn, compile=True)
        found["node_compiled"] = lambda t: SymbolicFn.apply(compiled_plan, t)
    return found


def measure(
    found: dict[str, Callable[[torch.Tensor], torch.Tensor]], x: torch.Tensor, repeats: int
) -> dict[str, tuple[float, int, int | None, float]]:
    """Per method: (median seconds, saved bytes, CUDA peak bytes or None, first-call seconds).

    The methods take turns in a rotated order (:func:`actlab.bench.harness.measure`), so a slow
    spell on a shared machine, or the cost of going first, hits all alike.
    """
    grad = torch.ones_like(x)
    first = {name: _timed(fn, x, grad) for name, fn in found.items()}  # compiles happen here
    variants = {name: functools.partial(_synced_pass, fn, x, grad) for name, fn in found.items()}
    m = harness.measure(variants, rounds=repeats, clock=time.perf_counter)
    return {
        name: (m[name].median, _saved_bytes(fn, x), _cuda_peak(fn, x, grad), first[name])
        for name, fn in found.items()
    }


def _synced_pass(
    fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, grad: torch.Tensor
) -> None:
    x.grad = None
    _pass(fn, x, grad)
    _sync(x)


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
    threads: int | None = 1,
) -> list[Row]:
    """Measure every method for every activation; ratios are against the native op of the run.

    ``threads`` sets torch's CPU threads for the run (1 by default, as NumPy's kernels use one;
    None leaves torch's setting).
    """
    if size < 1:
        raise ActlabError(f"--size must be positive, got {size}")
    if not threads:
        return _run(activations, size, repeats, device, dtype, compile)
    with harness.threads(threads):
        return _run(activations, size, repeats, device, dtype, compile)


def _run(
    activations: Sequence[str] | None,
    size: int,
    repeats: int,
    device: str,
    dtype: torch.dtype,
    compile: bool,
) -> list[Row]:
    torch.manual_seed(0)
    x = (torch.randn(size, dtype=dtype, device=device) * 3).requires_grad_()
    rows: list[Row] = []
    for spec in activations or default_activations():
        found = methods(spec, compile, device == "cpu")
        measured = measure(found, x, repeats)
        base = measured.get("native")
        for name, (seconds, saved, peak, first) in measured.items():
            f_ulp, d_ulp = accuracy(spec, found[name], dtype, device)
            rows.append(
                Row(
                    activation=spec,
                    method=name,
                    seconds=seconds,
                    saved_bytes=saved,
                    peak_bytes=peak,
                    first_call_seconds=first,
                    forward_ulp=f_ulp,
                    derivative_ulp=d_ulp,
                    time_vs_native=seconds / base[0] if base else None,
                    memory_vs_native=saved / base[1] if base and base[1] else None,
                )
            )
    return rows


def accuracy(
    spec: str, fn: Callable[[torch.Tensor], torch.Tensor], dtype: torch.dtype, device: str
) -> tuple[float, float]:
    """Largest error of f and f' in ulp of ``dtype`` against the catalog's exact kernels."""
    exact = actlab.get(spec)
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    xs = np.concatenate([np.linspace(-100, 100, 20001), -np.logspace(-30, 2, 200)])
    xs = np.concatenate([xs, -xs]).astype(np_dtype)
    x = torch.tensor(xs, device=device, requires_grad=True)
    y = fn(x)
    y.backward(torch.ones_like(y))
    assert x.grad is not None
    got_y, got_d = y.detach().cpu().numpy(), x.grad.cpu().numpy()
    return _ulp(got_y, exact(xs)), _ulp(got_d, exact.derivative(xs))


def _ulp(got: np.ndarray, want: np.ndarray) -> float:
    """Largest |got - want| in units of the spacing at want, where want is a normal number
    (below, the spacing of the smallest normal: as the catalog's own accuracy target)."""
    tiny = np.finfo(want.dtype).tiny
    with np.errstate(all="ignore"):
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        err = err / np.spacing(np.maximum(np.abs(want), tiny)).astype(np.float64)
    both_nan = np.isnan(got) & np.isnan(want)
    err = np.where(both_nan | (got == want), 0.0, err)
    return float(np.nan_to_num(err, nan=np.inf).max())


def as_dicts(rows: Sequence[Row]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| activation | method | median ms | x native | saved MiB | x native | first call s "
        "| f ulp | f' ulp |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.activation} | {r.method} | {r.seconds * 1e3:.2f} | {_ratio(r.time_vs_native)} "
            f"| {r.saved_bytes / 2**20:.1f} | {_ratio(r.memory_vs_native)} "
            f"| {r.first_call_seconds:.2f} | {_ulps(r.forward_ulp)} | {_ulps(r.derivative_ulp)} |"
        )
    return "\n".join(lines)


def _ulps(v: float) -> str:
    return "inf" if v == float("inf") else f"{v:.3g}"


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
