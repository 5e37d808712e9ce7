"""The timing harness every actlab benchmark uses: one way to time, so every number means the same.

A *variant* is a zero-argument callable that does one unit of work (a kernel call, a training
step). :func:`measure` times a set of variants side by side and guarantees:

- **warm-up until stable**: each variant runs until its last :data:`STABLE_CALLS` times agree
  within ``tolerance`` (first-touch page faults, lazy imports, allocator growth, JIT), up to a cap;
- **the order rotates every round**, alternately forwards and backwards: round ``2k`` runs the
  variants from the ``k``-th on, round ``2k + 1`` the same rotation of the reversed list. Over
  ``2 * len(variants)`` rounds each variant runs in each position equally often and after each
  other variant equally often, so whatever the first of a round (or the one after the copy) pays,
  a cold cache or a fresh allocation, every variant pays alike; and the set of orders is the same
  when the variants are given reversed, so reversing them changes no ratio beyond the machine's
  noise (``tests/test_bench_harness.py`` checks this on a simulated machine);
- **one sample is many calls** when a call is short (``min_sample_s``), so a 5 µs kernel in cache
  is not timed at the clock's resolution;
- **minimum and median with spread**: every per-round sample is kept; ratios are the median over
  rounds of per-round ratios (both sides of a ratio ran in the same round), with their spread;
- **page faults per call** (``getrusage`` minor faults), so an allocator that hands out fresh
  memory on every call shows up as what it is, not as a mystery in the time;
- **the clock is the process's CPU time** (``time.process_time``) by default: other jobs on a
  shared machine don't count. With several threads it sums them, so for ``threads > 1`` use
  :func:`time.perf_counter` (wall time) and say so; :func:`threads` pins every library to the
  same count, and benchmarks report it.

Buffers are the benchmark's: :func:`prefault` writes every page of the arrays a variant reuses,
once, before timing.

>>> m = measure({"a": lambda: sum(range(100)), "b": lambda: sum(range(200))}, rounds=4)
>>> 1.0 < m.ratio("b", "a") < 4.0
True
"""

from __future__ import annotations

import contextlib
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Variant = Callable[[], object]
Clock = Callable[[], float]

#: a variant is warm when this many successive times agree within the tolerance
STABLE_CALLS = 3
#: shortest sample, seconds: shorter calls are repeated back to back to fill one
MIN_SAMPLE_S = 0.002
#: most warm-up turns before timing starts anyway
MAX_WARMUP = 20
#: page faults: getrusage's minor-fault counter of this process
_FAULTS = resource.RUSAGE_SELF


@dataclass(frozen=True)
class Timing:
    """All samples of one variant: seconds per call, one per round, in round order."""

    name: str
    samples: tuple[float, ...]
    #: minor page faults per call, mean over rounds
    faults: float
    #: calls per sample (>1 when one call is shorter than ``min_sample_s``)
    calls: int
    #: calls spent warming up before the first sample
    warmup_calls: int

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Relative spread: (upper quartile - lower quartile) / median."""
        return _relative_iqr(self.samples)


@dataclass(frozen=True)
class Measurement:
    """One side-by-side run of several variants."""

    timings: dict[str, Timing]
    rounds: int
    #: "rotate" (the default), "shuffle" or "fixed" (only to show what rotation prevents)
    order: str
    #: name of the clock, e.g. "process_time"
    clock: str

    def __getitem__(self, name: str) -> Timing:
        return self.timings[name]

    def ratios(self, name: str, reference: str) -> list[float]:
        """``name``'s time over ``reference``'s, round by round (both ran in each round)."""
        a, b = self.timings[name].samples, self.timings[reference].samples
        return [x / y for x, y in zip(a, b)]

    def ratio(self, name: str, reference: str) -> float:
        """Median over rounds of the per-round ratio."""
        return statistics.median(self.ratios(name, reference))

    def noise(self, name: str, reference: str) -> float:
        """Relative spread of the per-round ratio: the noise any comparison must clear."""
        return _relative_iqr(self.ratios(name, reference))


def measure(
    variants: Mapping[str, Variant],
    *,
    rounds: int = 6,
    order: str = "rotate",
    seed: int = 0,
    clock: Clock = time.process_time,
    tolerance: float = 0.1,
    max_warmup: int | None = None,
    min_sample_s: float | None = None,
    faults: Callable[[], int] | None = None,
) -> Measurement:
    """Time every variant ``rounds`` times, side by side (see the module doc for the method).

    ``order`` is ``"rotate"`` (rotations, alternately of the reversed list), ``"shuffle"`` (a
    seeded random order each round) or ``"fixed"`` (always as given: only for showing what the
    others prevent).
    ``clock`` and ``faults`` are injectable so the harness's own logic can be tested exactly.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if order not in ("rotate", "shuffle", "fixed"):
        raise ValueError(f"order must be rotate, shuffle or fixed, got {order!r}")
    count_faults = faults or _minor_faults
    max_warmup = MAX_WARMUP if max_warmup is None else max_warmup
    min_sample_s = MIN_SAMPLE_S if min_sample_s is None else min_sample_s
    names = list(variants)
    calls = {name: 1 for name in names}
    warm = {name: 0 for name in names}
    _warm_up(variants, names, calls, warm, clock, tolerance, max_warmup, min_sample_s)
    samples: dict[str, list[float]] = {name: [] for name in names}
    fault_counts: dict[str, list[float]] = {name: [] for name in names}
    rng = np.random.default_rng(seed)
    for r in range(rounds):
        for name in _round_order(names, r, order, rng):
            f0 = count_faults()
            seconds = _time(variants[name], calls[name], clock)
            fault_counts[name].append((count_faults() - f0) / calls[name])
            samples[name].append(seconds)
    timings = {
        name: Timing(
            name,
            tuple(samples[name]),
            statistics.fmean(fault_counts[name]),
            calls[name],
            warm[name],
        )
        for name in names
    }
    return Measurement(timings, rounds, order, getattr(clock, "__name__", "clock"))


def _round_order(names: Sequence[str], r: int, order: str, rng: np.random.Generator) -> list[str]:
    if order == "fixed":
        return list(names)
    if order == "shuffle":
        return [names[i] for i in rng.permutation(len(names))]
    ring = list(names) if r % 2 == 0 else list(reversed(names))
    k = (r // 2) % len(names)
    return [*ring[k:], *ring[:k]]


def _warm_up(
    variants: Mapping[str, Variant],
    names: list[str],
    calls: dict[str, int],
    warm: dict[str, int],
    clock: Clock,
    tolerance: float,
    max_warmup: int,
    min_sample_s: float,
) -> None:
    """Run the variants in turns until each one's last few times agree (or ``max_warmup``
    turns), and set how many calls make one sample of at least ``min_sample_s``."""
    history: dict[str, list[float]] = {name: [] for name in names}
    pending = set(names)
    for _ in range(max_warmup):
        for name in names:
            if name not in pending:
                continue
            seconds = _time(variants[name], calls[name], clock)
            warm[name] += calls[name]
            if seconds * calls[name] < min_sample_s:
                calls[name] = math.ceil(min_sample_s / seconds)
                history[name].clear()  # a new sample size: start agreeing again
                continue
            last = [*history[name], seconds][-STABLE_CALLS:]
            history[name] = last
            if len(last) == STABLE_CALLS and max(last) <= min(last) * (1 + tolerance):
                pending.discard(name)
        if not pending:
            break


def _time(fn: Variant, calls: int, clock: Clock) -> float:
    """Seconds per call over ``calls`` back-to-back calls."""
    start = clock()
    for _ in range(calls):
        fn()
    elapsed = clock() - start
    return max(elapsed, 1e-9) / calls


def _minor_faults() -> int:
    return resource.getrusage(_FAULTS).ru_minflt


def _relative_iqr(values: Sequence[float]) -> float:
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q3 - q1) / statistics.median(values)


def prefault(*arrays: Any) -> None:
    """Write every page of each array once, so timing never pays their first-touch faults."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.fill(0)
        elif hasattr(a, "zero_"):  # a torch tensor
            a.detach().zero_()


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """Pin torch (when imported) and NumPy's BLAS/OpenMP pools to ``n`` threads for the duration.

    NumPy's element-wise ufuncs always run on one thread; this makes everything else match.
    """
    torch: Any = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limiter: Any = contextlib.nullcontext()
    else:
        limiter = threadpool_limits(limits=n)
    try:
        with limiter:
            yield
    finally:
        if torch is not None and previous is not None:
            torch.set_num_threads(previous)
