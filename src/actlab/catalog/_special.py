"""GELU's tail factors and erf, accurate to about 1 ulp in float64, where scipy's are not.

scipy.special.erfc is up to ~120 ulp off in float64 (z in [8, 16]) and erfcx up to ~5 ulp; the
GELU family needs better. For t = -x > 0, gelu(x) = -A(t) exp(-t^2/2) and
gelu'(x) = B(t) exp(-t^2/2), with A and B smooth and tabulated in t itself (no rounded x/sqrt2
enters) as piecewise polynomials generated in 50-digit arithmetic by ``tools/gen_special.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.catalog import _special_table as _table
from actlab.catalog._dd import where_apply  # a piece's polynomial is dozens of calls: skip unused


class _Pieces:
    """Polynomials on [k WIDTH, (k+1) WIDTH), each sum c_j (t - centre)^j, c0 in two floats."""

    def __init__(self, pieces: Sequence[tuple], first: int = 0) -> None:
        self.centre, self.c0_hi, self.c0_lo = (np.array([p[i] for p in pieces]) for i in range(3))
        self.coeffs = np.array([p[3] for p in pieces])  # (pieces, degree): c1, c2, ...
        self.first = first

    def __call__(self, t: np.ndarray) -> np.ndarray:
        k = (t / _table.WIDTH).astype(np.intp) - self.first
        np.clip(k, 0, len(self.centre) - 1, out=k)
        h = t - self.centre[k]
        coeffs = self.coeffs[k]
        acc = coeffs[:, -1].copy()
        for j in range(coeffs.shape[1] - 2, -1, -1):
            acc *= h
            acc += coeffs[:, j]
        # c0 + h (c1 + ...): with c0's low part added first, the last sum is the only rounding
        acc *= h
        acc += self.c0_lo[k]
        acc += self.c0_hi[k]
        return acc


def _poly(entry: tuple, h: np.ndarray) -> np.ndarray:
    """One polynomial (centre, c0_hi, c0_lo, (c1, ...)) at h + centre."""
    centre, c0_hi, c0_lo, coeffs = entry
    h = h - centre
    acc = np.full_like(h, coeffs[-1])
    for c in coeffs[-2::-1]:
        acc *= h
        acc += c
    acc *= h
    acc += c0_lo
    acc += c0_hi
    return acc


_GELU_A, _GELU_B = _Pieces(_table.GELU_A, first=1), _Pieces(_table.GELU_B)
_ERF = _Pieces(_table.ERF_PIECES, first=1)


def gelu_a(t: np.ndarray) -> np.ndarray:
    """A(t) = t erfcx(t/sqrt2)/2 for finite float64 t >= 0: gelu(-t) = -A(t) exp(-t^2/2).

    >>> float(gelu_a(np.array([0.0]))[0])
    0.0
    """
    out = np.empty_like(t)
    # A(t) = t erfcx(t/sqrt2)/2: t exact
    where_apply(t < _table.WIDTH, t, out, lambda u: u * _poly(_table.GELU_A_SMALL, u))
    where_apply((t >= _table.WIDTH) & (t < _table.SPLIT), t, out, _GELU_A)
    where_apply(t >= _table.SPLIT, t, out, lambda u: _poly(_table.GELU_A_TAIL, np.square(1.0 / u)))
    return out


def gelu_b(t: np.ndarray) -> np.ndarray:
    """B(t) = erfcx(t/sqrt2)/2 - t/sqrt(2 pi) for finite t >= 0: gelu'(-t) = B(t) exp(-t^2/2)."""
    out = np.empty_like(t)
    near = t < _table.SPLIT
    where_apply(near, t, out, _GELU_B)
    where_apply(~near, t, out, lambda u: -u * _poly(_table.GELU_B_TAIL, np.square(1.0 / u)))
    return out


def erf(s: np.ndarray) -> np.ndarray:
    """erf(s) for float64 s >= 0 (NaN stays NaN), to about 1 ulp, relative even for tiny s.

    >>> float(erf(np.array([0.0]))[0])
    0.0
    """
    out = np.ones_like(s)  # erf(s) rounds to 1 from ERF_ONE on
    np.copyto(out, s, where=np.isnan(s))
    where_apply(s < _table.WIDTH, s, out, lambda u: u * _poly(_table.ERF_SMALL, np.square(u)))
    where_apply((s >= _table.WIDTH) & (s < _table.ERF_ONE), s, out, _ERF)
    return out
