"""Derivatives at their roots: a series about the root where the formula's terms cancel.

SiLU, Mish, GELU ... have a minimum where f' = g + x g' = 0: there the two terms cancel and the
float64 formula loses its relative accuracy. Near the root x0, f'(x0 + t) = t q(t) with q a
polynomial (fitted in 50 digits from the record's symbolic derivative by ``tools/gen_roots.py``)
and t = (x - x0_hi) - x0_lo carried with x0 in two floats. Only the default parameters have a
patch; float32 needs none (float64's cancellation is far below a float32 ulp).
"""

from __future__ import annotations

import numpy as np

from actlab.catalog._roots_table import ROOTS


def patch(name: str, x: np.ndarray, out: np.ndarray) -> None:
    """Overwrite out where x is within the root window of ``name``'s derivative."""
    entry = ROOTS.get(name)
    if entry is None:
        return
    x0_hi, x0_lo, low, high, coeffs = entry
    mask = (x >= low) & (x <= high)
    if not mask.any():
        return
    t = (x[mask] - x0_hi) - x0_lo
    acc = np.full_like(t, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc *= t
        acc += c
    out[mask] = acc * t
