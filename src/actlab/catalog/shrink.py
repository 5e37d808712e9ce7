"""Shrinkage functions: softshrink, hardshrink (torch, lambd = 1/2) and tanhshrink x - tanh x.

They pull small inputs to (or towards) zero; they come from sparse coding, where softshrink is
the proximal operator of the L1 norm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from actlab.catalog._blocks import WIDE_BLOCK, blocked, clip, exact_params, float32_by
from actlab.catalog._compiled import compiled, float32_numbers
from actlab.catalog._numeric import nan_passing, via_float64
from actlab.catalog.record import Activation, Kink, Param, Properties


@compiled("softshrink", lambda lambd: float32_numbers(lambd))  # float32: _fast.c, same bits
@exact_params("lambd")
@blocked
def _softshrink(x: np.ndarray, out: np.ndarray, lambd: Any) -> np.ndarray:
    # x - clip(x, -l, l) is x - l, 0 or x + l, each one correctly rounded subtraction
    clip(x, -lambd, lambd, out)
    return np.subtract(x, out, out=out)


@compiled("shrink_derivative", lambda lambd: float32_numbers(lambd))
@exact_params("lambd")
@blocked
def _shrink_derivative(x: np.ndarray, out: np.ndarray, lambd: Any) -> np.ndarray:
    # 1 where |x| > lambd, 0 on [-lambd, lambd] including its ends (as torch)
    np.abs(x, out=out)
    np.copyto(out, np.greater(out, lambd))
    return nan_passing(x, out)


@compiled("hardshrink", lambda lambd: float32_numbers(lambd))
@exact_params("lambd")
@blocked
def _hardshrink(x: np.ndarray, out: np.ndarray, lambd: Any) -> np.ndarray:
    np.abs(x, out=out)
    # x * 1 or x * 0; NaN * 0 stays NaN
    return np.multiply(x, np.greater(out, lambd), out=out)


#: Lambert's continued fraction tanh x = x / (1 + x^2 / (3 + x^2 / (5 + ...))) has only
#: positive terms; 12 levels are exact to 1e-18 for |x| <= 2 (the tail is below 2^-59)
_DEPTH = 12
_CF_LIMIT = 2.0


#: below this x^3/3 - 2x^5/15 is exact to 1e-13 and x - tanh x in float64 still loses > 2^-30
_SERIES_LIMIT = 1e-3


def _tanhshrink_float32(x: np.ndarray) -> np.ndarray:
    # in float64, x - tanh x is off by 7e-16 / x^2 relative: far below float32's 6e-8 once
    # |x| > 1e-3; below, the series' next term (17 x^7 / 315) is below 2e-13 relative
    y = x - np.tanh(x)
    square = x * x
    series = x * square * (1.0 / 3.0 - square * (2.0 / 15.0))
    np.copyto(y, series, where=np.abs(x) < _SERIES_LIMIT)
    return y


@compiled("tanhshrink")  # float32: the same formula in one pass (_fast.c)
@blocked(size=WIDE_BLOCK)
@float32_by(_tanhshrink_float32)
def _tanhshrink(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """x - tanh x; for |x| <= 2 as x^3 / (D + x^2) with D = 3 + x^2 / (5 + ...), no cancellation.

    (x - tanh x = x T / (1 + T) for T = x^2 / D; beyond |x| = 2 the subtraction is benign.)
    """
    near = np.minimum(np.abs(x), _CF_LIMIT)
    square = near * near
    denominator = np.full_like(x, 2.0 * _DEPTH + 1.0)
    for k in range(_DEPTH - 1, 0, -1):
        denominator = (2.0 * k + 1.0) + square / denominator
    small = x * (square / (denominator + square))
    np.subtract(x, np.tanh(x), out=out)
    np.copyto(out, small, where=np.abs(x) <= _CF_LIMIT)
    return out


@compiled("tanhshrink_derivative")
@blocked(size=WIDE_BLOCK)
@via_float64
def _tanhshrink_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 - sech^2 x = tanh^2 x, which has no cancellation
    np.tanh(x, out=out)
    return np.square(out, out=out)


_EDGES = "f' = 0 at +-lambd, the inner piece (as torch)"

RECORDS = (
    Activation(
        name="softshrink",
        aliases=("soft_shrink", "soft_threshold"),
        summary="Soft thresholding: x moved lambd towards 0, and 0 within [-lambd, lambd].",
        latex=r"\begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ "
        r"0 & \text{otherwise} \end{cases}",
        derivative_latex=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        forward=_softshrink,
        derivative=_shrink_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (x - p["lambd"], x > p["lambd"]), (x + p["lambd"], x < -p["lambd"]), (0, True)
        ),
        params=(Param("lambd", 0.5, low=0.0, doc="lambda, the half-width of the dead zone"),),
        kinks=(Kink("-lambd", _EDGES), Kink("lambd", _EDGES)),
        properties=Properties(
            range=(float("-inf"), float("inf")),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=False,
        ),
        reference="Donoho 1995, De-noising by soft-thresholding; torch.nn.Softshrink",
        family="shrink",
    ),
    Activation(
        name="hardshrink",
        aliases=("hard_shrink", "hard_threshold"),
        summary="Hard thresholding: x where |x| > lambd, else 0 (jumps at +-lambd).",
        latex=r"\begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        derivative_latex=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        forward=_hardshrink,
        derivative=_shrink_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (x, x > p["lambd"]), (x, x < -p["lambd"]), (0, True)
        ),
        params=(Param("lambd", 0.5, low=0.0, doc="lambda: |x| at or below it becomes 0"),),
        kinks=(
            Kink("-lambd", "f jumps; f(-lambd) = 0 and f'(-lambd) = 0 (as torch)"),
            Kink("lambd", "f jumps; f(lambd) = 0 and f'(lambd) = 0 (as torch)"),
        ),
        properties=Properties(
            range=(float("-inf"), float("inf")),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=False,
        ),
        reference="Donoho & Johnstone 1994, Ideal spatial adaptation by wavelet shrinkage; "
        "torch.nn.Hardshrink",
        family="shrink",
    ),
    Activation(
        name="tanhshrink",
        aliases=("tanh_shrink",),
        summary="x - tanh x: flat (cubic) near 0, slope 1 far out.",
        latex=r"x - \tanh x",
        derivative_latex=r"\tanh^2 x",
        forward=_tanhshrink,
        derivative=_tanhshrink_derivative,
        symbolic=lambda sp, x, p: x - sp.tanh(x),
        properties=Properties(
            range=(float("-inf"), float("inf")),
            monotonic=True,
            smooth=True,
            zero_centred=True,
            saturating=False,
        ),
        reference="torch.nn.Tanhshrink",
        family="shrink",
    ),
)
