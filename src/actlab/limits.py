"""Size limits: estimate the memory a job needs before allocating it, and refuse what can't fit.

A width of ten million asks NumPy for 728 TiB; the honest answer is one line before anything
is allocated, with the estimate and the limit, and ``--force`` for those who know better (swap,
or an estimate that is too cautious). The limit is the memory this machine has available now
(``MemAvailable`` in ``/proc/meminfo``; the physical memory where that file does not exist).

>>> check_memory(10, "a tiny job", limit=100)
>>> check_memory(3 * 2**40, "gradients at width 10000000", limit=24 * 2**30)
Traceback (most recent call last):
...
actlab.errors.ActlabError: gradients at width 10000000 needs about 3 TiB of memory; \
this machine has 24 GiB available (use --force to try anyway)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence

from actlab.errors import ActlabError


def available_memory() -> int:
    """Bytes of memory available to a new allocation on this machine."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return 2**63  # unknown: let the allocation decide


def check_memory(
    needed: float, what: str, *, force: bool = False, limit: int | None = None
) -> None:
    """Raise :class:`ActlabError` (estimate and limit in one line) when ``needed`` can't fit."""
    limit = available_memory() if limit is None else limit
    if needed > limit and not force:
        raise ActlabError(
            f"{what} needs about {size_text(needed)} of memory; this machine has"
            f" {size_text(limit)} available (use --force to try anyway)"
        )


def check_count(value: int, option: str, low: int, high: int) -> int:
    """``value`` if ``low <= value <= high``, else :class:`ActlabError` naming the range.

    Every count has an upper bound, generous for real use: an unbounded one
    (``--repeat 99999999999999999999``) is a run that never ends, or a size NumPy cannot hold.

    >>> check_count(0, "--repeat", 1, 1000)
    Traceback (most recent call last):
    ...
    actlab.errors.ActlabError: --repeat must be 1..1000, got 0
    """
    if not low <= value <= high:
        raise ActlabError(f"{option} must be {low}..{high}, got {value}")
    return value


#: the deepest network gradients and collapse build (memory decides what fits)
MAX_DEPTH = 100_000
#: the widest layer they build (memory decides what fits)
MAX_WIDTH = 10_000_000


def mlp_bytes(sizes: Sequence[int], models: int, batch: int, itemsize: int, copies: int) -> float:
    """Memory of ``models`` MLPs with layer ``sizes``: ``copies`` of the parameters (weights,
    gradients, optimiser slots) and the forward cache of one batch (inputs, pre-activations,
    activations and their gradients: 4 per layer)."""
    params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    cache = 4 * batch * sum(sizes)
    return float(models) * itemsize * (copies * params + cache)


def size_text(n: float) -> str:
    """Bytes in binary units: ``1.5 GiB``, ``728 TiB``."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            digits = 0 if value >= 10 or unit == "B" or value == int(value) else 1
            return f"{value:.{digits}f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
