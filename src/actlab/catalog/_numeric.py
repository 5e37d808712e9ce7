"""Small numeric helpers shared by the kernels."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from actlab.catalog.record import Kernel

#: below this, exp(x) is subnormal (or nearly) in float64 while x e^x may still be normal
TINY_EXP = -700.0
#: arguments are clipped here before products like x * exp(-x): the product is 0 (or its limit)
#: well before, and clipping keeps inf * 0 from making NaN
CLIP = 2000.0


def stable_sigmoid(u: np.ndarray) -> np.ndarray:
    """1/(1+e^-u) from e = exp(-|u|), which never overflows."""
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0, e) / (1.0 + e)


def via_float64(kernel: Kernel) -> Kernel:
    """Run a float64-exact kernel for float32 input too: compute in float64, round once.

    A float64 result within a few float64 ulp rounds to within half a float32 ulp (plus a hair),
    which is the accurate and simple way to get float32 right.
    """

    @functools.wraps(kernel)
    def wrapper(x: np.ndarray, out: np.ndarray, **params: Any) -> np.ndarray:
        if x.dtype == np.float64:
            return kernel(x, out, **params)
        out[...] = kernel(x.astype(np.float64), np.empty(x.shape, np.float64), **params)
        return out

    return wrapper


def nan_passing(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Put NaN back where x was NaN (for kernels built from comparisons, which drop it)."""
    np.copyto(out, x, where=np.isnan(x))
    return out
