"""Algebraic squashing functions: softsign, Elliott, ISRU, ISRLU, SQNL and arctan.

Cheap sigmoid-shaped alternatives built from |x|, square roots and polynomials. Their tails
approach the limit polynomially, not exponentially, so the kernels must avoid forming x^2 (which
overflows) and subtracting from the limit (which cancels).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.catalog._blocks import FLOAT_BLOCK, WIDE_BLOCK, blocked, clip, const, float32_by
from actlab.catalog._compiled import compiled
from actlab.catalog._numeric import via_float64
from actlab.catalog.record import Activation, Kink, Param, Properties

_SQUASH = Properties(
    range=(-1.0, 1.0), monotonic=True, smooth=False, zero_centred=True, saturating=True
)


#: below this (1 + |x|)^2 can't overflow, by dtype
_SQUARE_SAFE = {np.dtype(np.float32): 2.0**60, np.dtype(np.float64): 2.0**500}


def _one_plus_abs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(d, e) with d + e = 1 + |x| exactly (Knuth's two-sum): d alone is off by up to 1/2 ulp.

    Two-sum is exact in any binary dtype, so float32 needs no float64 detour.
    """
    a = np.abs(x)
    d = a + 1.0
    back = d - a
    error = (a - (d - back)) + (1.0 - back)
    return d, np.where(np.isinf(a), 0.0, error)  # inf - inf is no error


@compiled("softsign")
@blocked(size=FLOAT_BLOCK)
def _softsign(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # q = x / d, corrected by -q e / d for the rounding of d: monotonic where the plain quotient
    # isn't (x = -2^53 - 2 would come out above x = -6e15); +-1 at +-inf, not inf/inf.
    # For |x| >= 1 the result is +-(1 - s) with s = 1/(1 + |x|) <= 1/2 carried to far below an
    # ulp of the result, so it is rounded once, as if exactly: the corrected quotient's last-bit
    # error made 1.2009599006321322e16 give 1.0 and the next float up 0.9999999999999999
    d, e = _one_plus_abs(x)
    correction = e / d
    np.divide(x, d, out=out)
    np.subtract(out, out * correction, out=out)
    s = 1.0 / d
    s -= s * correction
    far = np.copysign(1.0 - s, x)
    # blended by 0/1 masks (one term is an exact 0; boolean indexing cost 4x the whole kernel)
    use_far = (np.abs(x) >= 1.0).astype(x.dtype)
    out *= 1.0 - use_far
    out += far * use_far
    np.copyto(out, np.sign(x), where=np.isinf(x))
    return out


def _reciprocal_square(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """1 / (1 + |x|)^2: 1 / d^2 (1 - 2e/d), or (1/d)^2 far out where d^2 would overflow."""
    d, e = _one_plus_abs(x)
    np.divide(1.0, d * d, out=out)
    np.subtract(out, out * (2.0 * e / d), out=out)
    far = np.abs(x) > _SQUARE_SAFE[x.dtype]
    np.copyto(out, np.square(1.0 / d), where=far)
    return out


@compiled("softsign_derivative")
@blocked(size=FLOAT_BLOCK)
@via_float64  # float32 arithmetic left 1.5 ulp (the C loop rounds once)
def _softsign_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _reciprocal_square(x, out)


@compiled("elliott")
@blocked(size=FLOAT_BLOCK)
def _elliott(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # s = 1 / (2 (1 + |x|)) is f(x) for x < 0 and 1 - f(x) for x >= 0; 1/2 + x/(2(1+|x|))
    # would cancel in the left tail
    d, e = _one_plus_abs(x)
    np.divide(0.5, d, out=out)
    np.subtract(out, out * (e / d), out=out)
    # |m - s| with m = [x >= 0] is s or 1 - s, one rounding, without a per-element branch
    return np.abs(np.subtract(np.greater_equal(x, 0.0), out, out=out), out=out)


@compiled("elliott_derivative")
@blocked(size=FLOAT_BLOCK)
@via_float64
def _elliott_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    _reciprocal_square(x, out)
    return np.multiply(out, 0.5, out=out)


#: Veltkamp's splitter for float64
_SPLIT = 134217729.0
#: past |x| sqrt(alpha) = 2^500, 1 + alpha x^2 == alpha x^2 in float64
_ISRU_FAR = 2.0**500


def _alpha_args(alpha: float) -> tuple[float] | None:
    """The C loops' alpha: within [1e-100, 1e100] clamping x at 1e100 leaves ISRU exact."""
    return (alpha,) if 1e-100 <= alpha <= 1e100 else None


def _isru_q(x: np.ndarray, alpha: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(q, tail, far): 1 + alpha x^2 = q (1 + tail) where not ``far``, to about 2^-100.

    x^2 is split exactly (Dekker) and 1 + x^2 summed exactly (Knuth's two-sum): the rounding of
    q would otherwise be multiplied by 3/2 in q^(-3/2).
    """
    far = np.abs(x) * np.sqrt(alpha) > _ISRU_FAR
    a = np.where(far, 0.0, x)
    c = _SPLIT * a
    a_high = c - (c - a)
    a_low = a - a_high
    high = a * a
    low = ((a_high * a_high - high) + 2.0 * a_high * a_low) + a_low * a_low
    product = alpha * high
    q = 1.0 + product
    back = q - 1.0
    error = (1.0 - (q - back)) + (product - back)
    return q, (error + alpha * low) / q, far


def _isru_float32(x: np.ndarray, alpha: Any) -> np.ndarray:
    # x^2 of a float32 is exact in float64 and can't overflow there; +-inf gets its limit
    y = x / np.sqrt(1.0 + alpha * (x * x))
    np.copyto(y, np.sign(x) / np.sqrt(alpha), where=np.isinf(x))
    return y


def _isru_derivative_float32(x: np.ndarray, alpha: Any) -> np.ndarray:
    q = 1.0 + alpha * (x * x)
    return 1.0 / (q * np.sqrt(q))


@compiled("isru", _alpha_args)  # float32: _fast.c
@blocked(size=WIDE_BLOCK)
@float32_by(_isru_float32)
def _isru(x: np.ndarray, out: np.ndarray, alpha: Any) -> np.ndarray:
    # x q^(-1/2) (1 - tail/2); far out (and at +-inf) the limit sign(x) / sqrt(alpha) is exact
    q, tail, far = _isru_q(x, alpha)
    np.divide(x, np.sqrt(q), out=out)
    np.multiply(out, 1.0 - 0.5 * tail, out=out)
    np.copyto(out, np.sign(x) / np.sqrt(alpha), where=far)
    return out


@compiled("isru_derivative", _alpha_args)
@blocked(size=WIDE_BLOCK)
@float32_by(_isru_derivative_float32)
def _isru_derivative(x: np.ndarray, out: np.ndarray, alpha: Any) -> np.ndarray:
    # q^(-3/2) (1 - 3 tail / 2) in one pow (cubing 1/sqrt(q) would triple its error);
    # far out |x|^-3 alpha^-3/2
    q, tail, far = _isru_q(x, alpha)
    np.power(q, -1.5, out=out)
    np.multiply(out, 1.0 - 1.5 * tail, out=out)
    np.copyto(out, np.power(np.abs(x), -3.0) * np.power(alpha, -1.5), where=far)
    return out


@compiled("isrlu", _alpha_args)
@blocked(size=WIDE_BLOCK)
def _isrlu(x: np.ndarray, out: np.ndarray, alpha: Any) -> np.ndarray:
    # max(x, 0) + min(isru(x), 0): one of the two terms is 0 on each side
    _isru(x, out, alpha=alpha)
    np.minimum(out, const(0.0, x), out=out)
    return np.add(out, np.maximum(x, const(0.0, x)), out=out)


@compiled("isrlu_derivative", _alpha_args)
@blocked(size=WIDE_BLOCK)
def _isrlu_derivative(x: np.ndarray, out: np.ndarray, alpha: Any) -> np.ndarray:
    # isru' <= 1, so the larger of it and [x >= 0] is 1 on the right and isru' on the left
    _isru_derivative(x, out, alpha=alpha)
    return np.maximum(out, np.greater_equal(x, 0.0), out=out)


@compiled("sqnl")
@blocked(size=FLOAT_BLOCK)
def _sqnl(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # t (1 - |t|/4) with t = clip(x, -2, 2): |t|/4 is exact, so one rounding in 1 - |t|/4
    t = clip(x, -2.0, 2.0, out)
    factor = np.abs(t, out=np.empty_like(t))
    np.multiply(factor, -0.25, out=factor)
    np.add(factor, 1.0, out=factor)
    return np.multiply(t, factor, out=out)


@compiled("sqnl_derivative")
@blocked
def _sqnl_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 - |t|/2 is a single rounding (|t|/2 is exact), so it stays accurate as it nears 0 at +-2
    clip(x, -2.0, 2.0, out)
    np.abs(out, out=out)
    np.multiply(out, -0.5, out=out)
    return np.add(out, 1.0, out=out)


@compiled("arctan")  # float32: fdlibm's atan in double, branch-free (_fast.c)
@blocked(size=WIDE_BLOCK)
@via_float64
def _arctan(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.arctan(x, out=out)


#: beyond this 1 + x^2 == x^2 in float64, and x^2 may overflow: use (1/x)^2
_ARCTAN_FAR = 2.0**60


@compiled("arctan_derivative")
@blocked(size=WIDE_BLOCK)
@via_float64
def _arctan_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.square(x, out=out)
    np.add(out, 1.0, out=out)
    np.divide(1.0, out, out=out)
    far = np.abs(x) > _ARCTAN_FAR
    np.copyto(out, np.square(1.0 / x), where=far)
    return out


_C1_AT_0 = "f' is continuous at 0 (f'(0) = {}); only f'' jumps"

RECORDS = (
    Activation(
        name="softsign",
        summary="x / (1 + |x|): tanh-shaped, but its tails approach +-1 polynomially.",
        latex=r"\frac{x}{1 + |x|}",
        derivative_latex=r"\frac{1}{(1 + |x|)^2}",
        forward=_softsign,
        derivative=_softsign_derivative,
        symbolic=lambda sp, x, p: x / (1 + sp.Abs(x)),
        kinks=(Kink(0.0, _C1_AT_0.format(1)),),
        properties=_SQUASH,
        reference="Bergstra et al. 2009, Quadratic polynomials learn better image features; "
        "Glorot & Bengio 2010",
        family="squashing",
    ),
    Activation(
        name="elliott",
        aliases=("elliott_sigmoid", "elliot"),
        summary="The Elliott sigmoid x / (2 (1 + |x|)) + 1/2: softsign rescaled to (0, 1).",
        latex=r"\frac{x}{2(1 + |x|)} + \frac{1}{2}",
        derivative_latex=r"\frac{1}{2(1 + |x|)^2}",
        forward=_elliott,
        derivative=_elliott_derivative,
        symbolic=lambda sp, x, p: x / (2 * (1 + sp.Abs(x))) + sp.Rational(1, 2),
        kinks=(Kink(0.0, _C1_AT_0.format("1/2")),),
        properties=Properties(
            range=(0.0, 1.0), monotonic=True, smooth=False, zero_centred=False, saturating=True
        ),
        reference="Elliott 1993, A better activation function for artificial neural networks "
        "(ISR technical report TR 93-8)",
        family="squashing",
    ),
    Activation(
        name="isru",
        aliases=("inverse_square_root_unit",),
        summary="Inverse square root unit x / sqrt(1 + alpha x^2), range +-1/sqrt(alpha).",
        latex=r"\frac{x}{\sqrt{1 + \alpha x^2}}",
        derivative_latex=r"\left(\frac{1}{\sqrt{1 + \alpha x^2}}\right)^3",
        forward=_isru,
        derivative=_isru_derivative,
        symbolic=lambda sp, x, p: x / sp.sqrt(1 + p["alpha"] * x**2),
        params=(Param("alpha", 1.0, low=0.0, low_inclusive=False, doc="alpha > 0"),),
        properties=Properties(
            range=(-1.0, 1.0), monotonic=True, smooth=True, zero_centred=True, saturating=True
        ),
        reference="Carlile et al. 2017, Improving Deep Learning by Inverse Square Root Linear "
        "Units (arXiv:1710.09967)",
        family="squashing",
    ),
    Activation(
        name="isrlu",
        aliases=("inverse_square_root_linear_unit",),
        summary="Inverse square root linear unit: x for x >= 0, ISRU below (an ELU look-alike "
        "without exp).",
        latex=r"\begin{cases} x & x \ge 0 \\ x / \sqrt{1 + \alpha x^2} & x < 0 \end{cases}",
        derivative_latex=r"\begin{cases} 1 & x \ge 0 \\ (1 + \alpha x^2)^{-3/2} & x < 0 "
        r"\end{cases}",
        forward=_isrlu,
        derivative=_isrlu_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (x, x >= 0), (x / sp.sqrt(1 + p["alpha"] * x**2), True)
        ),
        params=(Param("alpha", 1.0, low=0.0, low_inclusive=False, doc="alpha > 0"),),
        kinks=(Kink(0.0, "f' and f'' are continuous at 0 (f'(0) = 1); f''' jumps"),),
        properties=Properties(
            range=(-1.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=True,
        ),
        reference="Carlile et al. 2017 (arXiv:1710.09967)",
        family="squashing",
    ),
    Activation(
        name="sqnl",
        aliases=("square_nonlinearity",),
        summary="Square nonlinearity: tanh-like, x -+ x^2/4 on [-2, 2] and +-1 beyond.",
        latex=r"\begin{cases} 1 & x > 2 \\ x - x^2/4 & 0 \le x \le 2 \\ x + x^2/4 & "
        r"-2 \le x < 0 \\ -1 & x < -2 \end{cases}",
        derivative_latex=r"\begin{cases} 1 - |x|/2 & |x| \le 2 \\ 0 & |x| > 2 \end{cases}",
        forward=_sqnl,
        derivative=_sqnl_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (1, x > 2), (x - x**2 / 4, x >= 0), (x + x**2 / 4, x >= -2), (-1, True)
        ),
        kinks=(
            Kink(-2.0, "f' is continuous: f'(-2) = 0; only f'' jumps"),
            Kink(0.0, _C1_AT_0.format(1)),
            Kink(2.0, "f' is continuous: f'(2) = 0; only f'' jumps"),
        ),
        properties=_SQUASH,
        reference="Wuraola & Patel 2018, SQNL: A New Computationally Efficient Activation "
        "Function (IJCNN)",
        family="squashing",
    ),
    Activation(
        name="arctan",
        aliases=("atan",),
        summary="The inverse tangent, range (-pi/2, pi/2); its derivative decays like 1/x^2.",
        latex=r"\arctan x",
        derivative_latex=r"\frac{1}{1 + x^2}",
        forward=_arctan,
        derivative=_arctan_derivative,
        symbolic=lambda sp, x, p: sp.atan(x),
        properties=Properties(
            range=(-math.pi / 2, math.pi / 2),
            monotonic=True,
            smooth=True,
            zero_centred=True,
            saturating=True,
        ),
        reference="https://en.wikipedia.org/wiki/Activation_function",
        family="squashing",
    ),
)
