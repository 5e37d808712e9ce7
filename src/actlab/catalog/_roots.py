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

import functools
from collections.abc import Sequence

import numpy as np

from actlab.catalog._roots_table import ROOTS


def patch(name: str, x: np.ndarray, out: np.ndarray) -> None:
    """Overwrite out where x is in ``name``'s tabulated interval around its derivative's root."""
    x0_hi, x0_lo, low, high, q, _ = ROOTS[name]
    near = (x >= low) & (x <= high)
    if near.any():
        t = (x[near] - x0_hi) - x0_lo
        out[near] = _horner(q, t) * t
    lo, hi, centre, c0_hi, c0_lo, coeffs = _segments(name)
    inside = (x >= lo[0]) & (x < hi[-1]) & ~near
    if not inside.any():
        return
    # every segment's polynomial in one pass (a pass per segment cost ~30 calls each on small
    # batches): the coefficients gathered per element, shorter ones padded with leading zeros,
    # which leave Horner's sums bit for bit as they were
    xs = x[inside]
    k = np.searchsorted(lo, xs, side="right") - 1
    h = xs - centre[k]
    acc = coeffs[-1].take(k)
    for row in coeffs[-2::-1]:  # one coefficient per element, gathered row by row
        acc *= h
        acc += row.take(k)
    acc *= h
    acc += c0_lo[k]  # c0 in two floats: the final sum is the only large rounding
    acc += c0_hi[k]
    covered = xs < hi[k]  # a point between two segments keeps the formula's value
    if covered.all():
        out[inside] = acc
    else:
        out[np.flatnonzero(inside)[covered]] = acc[covered]


@functools.cache
def _segments(name: str) -> tuple[np.ndarray, ...]:
    """``name``'s segments as arrays sorted by their left end: lo, hi, centre, c0_hi, c0_lo, and
    the coefficients c1, c2, ... as rows ``(degree, segments)``, zero-padded at the top."""
    segments = sorted(ROOTS[name][5])
    degree = max(len(seg[5]) for seg in segments)
    coeffs = np.zeros((degree, len(segments)))
    for j, seg in enumerate(segments):
        coeffs[: len(seg[5]), j] = seg[5]
    columns = (np.array([seg[i] for seg in segments], dtype=np.float64) for i in range(5))
    return (*columns, coeffs)


def _horner(coeffs: Sequence[float], h: np.ndarray) -> np.ndarray:
    acc = np.full_like(h, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc *= h
        acc += c
    return acc
