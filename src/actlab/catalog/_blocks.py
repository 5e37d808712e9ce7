"""Building blocks for fast piecewise kernels: cache-sized blocks, constants, steps and windows.

A piecewise-linear kernel is a few passes of cheap ufuncs (compare, fill, fix NaN). On a large
array each pass would stream the whole array through main memory; :func:`blocked` runs the passes
on cache-sized blocks instead, so memory is read and written about once, as in a copy.

NumPy's ``maximum``/``minimum``/``copyto`` against a Python scalar take a slow broadcasting loop
(about 5x slower than against an array); :func:`const` hands kernels a cached block-sized array of
the constant instead. Selecting by a random mask (``copyto(where=)``, ``np.where``) branches on
every element and is about 10x slower than arithmetic, so kernels blend with 0/1 masks instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from actlab.catalog._numeric import nan_passing, via_float64
from actlab.catalog.record import Kernel

#: elements per block when a kernel's only temporaries are boolean masks: x, out and the masks
#: stay in L2 (measured best of 2^12..2^17 on a Zen 4)
BLOCK = 1 << 16
#: for kernels with float32 temporaries, and with float64 ones (via_float64): 64 KiB temporaries
#: come from malloc's heap and stay cached; from 128 KiB on, each is fresh mmap'd memory whose
#: page faults made such kernels 3-10x slower
FLOAT_BLOCK = 1 << 14
WIDE_BLOCK = 1 << 13


def blocked(kernel: Kernel | None = None, *, size: int = BLOCK) -> Any:
    """Run ``kernel`` block by block over large contiguous arrays (same result, less traffic).

    Use as ``@blocked`` or ``@blocked(size=FLOAT_BLOCK)``.
    """
    if kernel is None:
        return functools.partial(blocked, size=size)
    run = kernel

    @functools.wraps(run)
    def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
        if x.size <= 2 * size:  # first: the engine calls kernels on tiny batches, often
            if x.ndim == 0:  # as 1-d: arithmetic on 0-d arrays gives scalars, which out= refuses
                run(x.reshape(1), out.reshape(1), **params)
                return out
            return run(x, out, **params)
        simple = all(np.ndim(v) == 0 for v in params.values())
        contiguous = x.flags.c_contiguous and out.flags.c_contiguous
        if not (simple and contiguous):
            return run(x, out, **params)
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        for start in range(0, x.size, size):
            run(flat_x[start : start + size], flat_out[start : start + size], **params)
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


def float32_by(simple: Callable[..., np.ndarray]) -> Callable[[Kernel], Kernel]:
    """For float32 input, evaluate ``simple(x64, **params)``, a plain float64 formula; else the
    decorated kernel (float64 input only).

    float64 carries 29 bits more than float32 needs, so a formula whose float64 error is a few
    thousand float64 ulp still rounds to within half a float32 ulp; the float64-exact kernel's
    compensations (split squares, continued fractions) would only cost time.
    """

    def decorate(kernel: Kernel) -> Kernel:
        @functools.wraps(kernel)
        def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
            if x.dtype == np.float32:
                # at least 1-d: arithmetic on 0-d arrays gives scalars, which copyto refuses
                wide = x.astype(np.float64).reshape(x.shape or (1,))
                out[...] = simple(wide, **params).reshape(x.shape)
                return out
            return kernel(x, out, **params)

        return wrapper

    return decorate


def _fits_float32(value: Any) -> bool:
    if type(value) is float:  # the usual case, asked at every call: answered once per value
        return _float_fits_float32(value)
    with np.errstate(over="ignore"):
        return bool(np.all(np.asarray(value, np.float32) == np.asarray(value)))


@functools.lru_cache(maxsize=256)
def _float_fits_float32(value: float) -> bool:
    with np.errstate(over="ignore"):  # as Python floats: NumPy 2 compares np.float32(0.7) ==
        return float(np.float32(value)) == value  # 0.7 in float32, where it is True


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
    """``above`` where x > at, ``below`` where x <= at, NaN where x is NaN.

    Blended as m * above + (1 - m) * below with m in {0, 1}: exact (one term is 0), and several
    times faster than ``copyto(where=)`` or ``np.where``, which branch on every element.
    """
    np.copyto(out, np.greater(x, at))
    scalars = np.ndim(above) == 0 and np.ndim(below) == 0
    if scalars and above == 1.0 and 0.0 <= below <= 1.0:
        np.maximum(out, const(below, x), out=out)  # max(m, below) is 1 or below: one pass
    elif not (scalars and (above, below) == (1.0, 0.0)):
        other = np.subtract(const(1.0, x), out, out=np.empty_like(out))
        np.multiply(other, below, out=other)
        np.multiply(out, above, out=out)
        np.add(out, other, out=out)
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
