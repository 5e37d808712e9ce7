"""Derivatives near their roots: tabulated where the float64 formula's terms cancel.

SiLU, Mish, GELU ... have a minimum where f' = g + x g' = 0: there the two terms cancel and the
float64 formula loses its relative accuracy, not only at the root but (less) over a few units
around it. Near the root x0, f'(x0 + t) = t q(t) with q a polynomial and t = (x - x0_hi) - x0_lo
(x0 carried in two floats); on the rest of the interval f' is a polynomial per segment. All are
fitted in 60 digits from the record's symbolic derivative by ``tools/gen_roots.py``. Only the
default parameters have a table; float32 needs none (float64's cancellation is far below a
float32 ulp).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.catalog._roots_table import ROOTS


def patch(name: str, x: np.ndarray, out: np.ndarray) -> None:
    """Overwrite out where x is in ``name``'s tabulated interval around its derivative's root."""
    x0_hi, x0_lo, low, high, q, segments = ROOTS[name]
    near = (x >= low) & (x <= high)
    if near.any():
        t = (x[near] - x0_hi) - x0_lo
        out[near] = _horner(q, t) * t
    for lo, hi, centre, c0_hi, c0_lo, coeffs in segments:
        inside = (x >= lo) & (x < hi) & ~near
        if inside.any():
            h = x[inside] - centre
            acc = _horner(coeffs, h)
            acc *= h
            acc += c0_lo  # c0 in two floats: the final sum is the only large rounding
            out[inside] = acc + c0_hi


def _horner(coeffs: Sequence[float], h: np.ndarray) -> np.ndarray:
    acc = np.full_like(h, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc *= h
        acc += c
    return acc
