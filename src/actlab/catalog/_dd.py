"""Float64 kernels with a float32 fast path, and double-double pieces for the float64 one.

The smooth catalog kernels compute in float64. For float64 input they run in *precise* mode:
the few roundings that a tail amplifies (x^2 in exp(-x^2/2), the cubic in tanh-GELU) are carried
in two floats, and the cancellation at a derivative's root is replaced by a series (see
:mod:`actlab.catalog._roots`). For float32 input plain float64 is already ~1e-13 accurate, far
below float32's 6e-8 ulp, so the kernel runs in float64 on cache-sized chunks and rounds once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from actlab.catalog.record import Kernel

#: elements per float32 chunk: small enough for the float64 temporaries to stay in cache
CHUNK = 1 << 16
_SPLITTER = 134217729.0  # 2^27 + 1, Dekker's split of a double into two 26-bit halves

#: fn(x, out, precise, **params) -> out, x and out float64
PreciseKernel = Callable[..., np.ndarray]


def precise_kernel(fn: PreciseKernel) -> Kernel:
    """Wrap a float64 kernel: precise for float64 input, chunked float64 for float32 input."""

    @functools.wraps(fn)
    def kernel(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
        if x.dtype == np.float64:
            return fn(x, out, True, **params)
        if any(np.ndim(v) for v in params.values()) or not out.flags.c_contiguous:
            out[...] = fn(x.astype(np.float64), np.empty(x.shape), False, **params)
            return out
        flat_x, flat_out = x.reshape(-1), out.reshape(-1)
        buffer = np.empty(min(CHUNK, flat_x.size))
        for start in range(0, flat_x.size, CHUNK):
            piece = flat_x[start : start + CHUNK].astype(np.float64)
            result = fn(piece, buffer[: piece.size], False, **params)
            flat_out[start : start + CHUNK] = result
        return out

    return kernel


def where_apply(
    mask: np.ndarray, x: np.ndarray, out: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]
) -> None:
    """out[mask] = fn(x[mask]), skipped when the mask is empty (the usual case)."""
    if mask.any():
        out[mask] = fn(x[mask])


def split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a = hi + lo exactly, each with at most 26 significant bits (|a| < 1e300)."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a: np.ndarray, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """a*b = p + e exactly (Dekker): p the rounded product, e its rounding error."""
    p = a * b
    a_hi, a_lo = split(a)
    b_hi, b_lo = split(np.asarray(b, dtype=np.float64))
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def two_sum(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """a+b = s + e exactly (Knuth): s the rounded sum, e its rounding error."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def exp_neg_half_square(x: np.ndarray, power: float = 1.0) -> np.ndarray:
    """exp(-x^2/2)^power to ~1 ulp: x^2 is carried in two floats (its rounding is amplified by x^2).

    x must be finite and |x| < 1e150 (callers clip); the result underflows gracefully.
    ``power=0.5`` gives a factor h with h*h = exp(-x^2/2) that stays normal twice as far.
    """
    sq, err = two_prod(x, x)
    scale = -0.5 * power
    e = np.exp(scale * sq)
    # exp(s (sq + err)) = e * exp(s err) = e + e s err to first order (|err| < 1e-16 sq)
    e += e * (scale * err)
    return e


def times_exp(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """a * exp(v) for v < 0, accurate even where exp(v) alone is subnormal but the product isn't.

    exp(v) = exp(v/2)^2: each half stays normal down to v = -1416.
    """
    h = np.exp(0.5 * v)
    return (a * h) * h


def exact_multiplier(v: Any) -> bool:
    """True when multiplying by v (and dividing) is exact: v is a scalar power of two."""
    return np.ndim(v) == 0 and math.frexp(float(v))[0] == 0.5


def scaled(x: np.ndarray, beta: Any, precise: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """beta*x as p + e: p rounded, e its rounding error (None when beta*x is exact or unneeded)."""
    if exact_multiplier(beta) or not precise:
        return x * beta, None
    p, e = two_prod(x, beta)
    # an infinite product, or one so large that the error's splitting overflows (|beta x| > ~1e300,
    # where every correction it feeds is multiplied by e^-|beta x| = 0), contributes no error
    return p, np.where(np.isfinite(p) & np.isfinite(e), e, 0.0)
