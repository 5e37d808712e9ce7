"""Building blocks for fast piecewise kernels: cache-sized blocks, constants, steps and windows.

A piecewise-linear kernel is a few passes of cheap ufuncs (compare, fill, fix NaN). On a large
array each pass would stream the whole array through main memory; :func:`blocked` runs the passes
on cache-sized blocks instead, so memory is read and written about once, as in a copy.

NumPy's ``maximum``/``minimum``/``copyto`` against a Python scalar take a slow broadcasting loop
(about 5x slower than against an array); :func:`const` hands kernels a cached block-sized array of
the constant instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from actlab.catalog._numeric import nan_passing, via_float64
from actlab.catalog.record import Kernel

#: elements per block: x, out and a few boolean temporaries of a block stay in L2
BLOCK = 1 << 14


def blocked(kernel: Kernel) -> Kernel:
    """Run ``kernel`` block by block over large contiguous arrays (same result, less traffic)."""

    @functools.wraps(kernel)
    def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
        simple = all(np.ndim(v) == 0 for v in params.values())
        contiguous = x.flags.c_contiguous and out.flags.c_contiguous
        if x.size <= 2 * BLOCK or not (simple and contiguous):
            return kernel(x, out, **params)
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        for start in range(0, x.size, BLOCK):
            kernel(flat_x[start : start + BLOCK], flat_out[start : start + BLOCK], **params)
        return out

    return wrapper


def exact_params(*names: str) -> Callable[[Kernel], Kernel]:
    """Compute float32 input in float64 when a named parameter isn't a float32 number.

    Kink positions and shifts (``min_val``, ``lambd``, ``threshold``) must be used at their exact
    value: rounded to float32 they would move the kink and spoil ``x - lambd`` next to it.
    """

    def decorate(kernel: Kernel) -> Kernel:
        wide = via_float64(kernel)

        @functools.wraps(kernel)
        def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
            if x.dtype == np.float32 and not all(_fits_float32(params[n]) for n in names):
                return wide(x, out, **params)
            return kernel(x, out, **params)

        return wrapper

    return decorate


def _fits_float32(value: Any) -> bool:
    with np.errstate(over="ignore"):
        return bool(np.all(np.asarray(value, np.float32) == np.asarray(value)))


@functools.lru_cache(maxsize=32)
def _constant(value: float, dtype: str) -> np.ndarray:
    block = np.full(BLOCK, value, dtype=dtype)
    block.flags.writeable = False
    return block


def const(value: Any, like: np.ndarray) -> Any:
    """``value`` as an array matching a block ``like`` (fast ufunc path); else as it came."""
    if np.ndim(value) == 0 and like.ndim == 1 and like.size <= BLOCK:
        return _constant(float(value), like.dtype.str)[: like.size]
    return value


def clip(x: np.ndarray, low: Any, high: Any, out: np.ndarray) -> np.ndarray:
    """min(max(x, low), high), keeping NaN."""
    np.maximum(x, const(low, x), out=out)
    return np.minimum(out, const(high, x), out=out)


def step(x: np.ndarray, out: np.ndarray, at: Any, above: Any, below: Any) -> np.ndarray:
    """``above`` where x > at, ``below`` where x <= at, NaN where x is NaN."""
    if np.ndim(above) == 0 and np.ndim(below) == 0 and (above, below) == (1.0, 0.0):
        np.copyto(out, np.greater(x, at))
    else:
        np.copyto(out, const(below, x))
        np.copyto(out, const(above, x), where=np.greater(x, at))
    return nan_passing(x, out)


def window(x: np.ndarray, out: np.ndarray, low: Any, high: Any, inside: float) -> np.ndarray:
    """``inside`` on the open interval (low, high), 0 outside it and at its ends, NaN for NaN.

    The derivative of a clip, with torch's convention at the ends (hardtanh_backward).
    """
    mask = np.greater(x, low)
    mask &= np.less(x, high)
    np.copyto(out, mask)
    if inside != 1.0:
        np.multiply(out, inside, out=out)
    return nan_passing(x, out)


def leaky(x: np.ndarray, out: np.ndarray, slope: Any) -> np.ndarray:
    """x for x > 0, slope * x otherwise (NaN stays NaN)."""
    np.multiply(x, slope, out=out)
    if np.ndim(slope) == 0:
        # for slope <= 1 the larger of x and slope*x is the right branch on both sides of 0
        pick = np.maximum if slope <= 1.0 else np.minimum
        return pick(out, x, out=out)
    np.copyto(out, x, where=np.greater(x, 0.0))
    return out
