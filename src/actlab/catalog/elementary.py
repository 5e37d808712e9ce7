"""Elementary functions used as activations: exp, sin, the Gaussian and the bent identity.

exp and sin are what TensorFlow Playground-style experiments and SIREN-like networks try; the
Gaussian is the radial-basis bump; the bent identity is a smooth, never-flat ReLU look-alike.
"""

from __future__ import annotations

import math

import numpy as np

from actlab.catalog._blocks import WIDE_BLOCK, blocked, float32_by
from actlab.catalog._compiled import compiled
from actlab.catalog._numeric import via_float64
from actlab.catalog.record import Activation, Properties

#: Veltkamp's splitter for float64: splits a double into two 26-bit halves
_SPLIT = 134217729.0
#: exp(-40^2) is 0 in float64; clamping |x| there keeps the split away from overflow
_GAUSS_FAR = 40.0
#: ln 2 in two parts (fdlibm): n * _LN2_HIGH is exact for |n| < 2^11
_LN2_HIGH = 6.93147180369123816490e-01
_LN2_LOW = 1.90821492927058770002e-10
#: e^(-x^2) is scaled up by 2^_SCALE where it would come out subnormal (x^2 > 708)
_SCALE = 64


def _exact_square(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a^2 as high + low, exactly (Dekker's product; needs |a| < 2^996)."""
    c = _SPLIT * a
    a_high = c - (c - a)
    a_low = a - a_high
    high = a * a
    low = ((a_high * a_high - high) + 2.0 * a_high * a_low) + a_low * a_low
    return high, low


def _gaussian_float32(x: np.ndarray) -> np.ndarray:
    return np.exp(-(x * x))  # x^2 of a float32 is exact in float64


def _gaussian_derivative_float32(x: np.ndarray) -> np.ndarray:
    a = np.minimum(np.abs(x), _GAUSS_FAR)  # keeps 0 * inf away at +-inf
    return -2.0 * np.copysign(a, x) * np.exp(-(a * a))


@compiled("gaussian")  # float32: the same formula in one pass (_fast.c)
@blocked(size=WIDE_BLOCK)
@float32_by(_gaussian_float32)
def _gaussian(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # e^(-x^2) has condition number 2x^2: x^2 rounded once would cost up to ~800 ulp near
    # x = 27, so the square is carried exactly as high + low and e^(-low) ~ 1 - low
    high, low = _exact_square(np.minimum(np.abs(x), _GAUSS_FAR))
    np.exp(-high, out=out)
    return np.multiply(out, 1.0 - low, out=out)


@compiled("gaussian_derivative")
@blocked(size=WIDE_BLOCK)
@float32_by(_gaussian_derivative_float32)
def _gaussian_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # -2x e^(-x^2) = -2x e^(-(high - n ln2_high)) e^(n ln2_low - low) 2^-n: the subtraction is
    # exact, and the product stays normal until the final ldexp rounds it once (n = 0 or 64)
    a = np.minimum(np.abs(x), _GAUSS_FAR)
    high, low = _exact_square(a)
    n = np.where(high > 700.0, _SCALE, 0)
    np.exp(-(high - n * _LN2_HIGH), out=out)
    np.multiply(out, np.exp(n * _LN2_LOW - low), out=out)
    np.multiply(out, -2.0 * np.copysign(a, x), out=out)
    return np.ldexp(out, -n, out=out)


def _hypot1(x: np.ndarray) -> np.ndarray:
    """sqrt(x^2 + 1) (float64); np.hypot is ten times slower for the same accuracy here."""
    h = np.multiply(x, x, out=np.empty_like(x))
    np.add(h, 1.0, out=h)
    np.sqrt(h, out=h)
    np.copyto(h, np.abs(x), where=np.abs(x) > 2.0**500)  # x^2 would overflow; 1 is lost anyway
    return h


def _bent_identity_float32(x: np.ndarray) -> np.ndarray:
    # x + x^2 / (2 (h + 1)) in float64: its one cancellation (x -> -inf, f ~ x/2) costs a
    # factor 3 of float64 ulp, nothing in float32; +-inf keeps its limit
    y = x + (x * x) / (2.0 * (_hypot1(x) + 1.0))
    np.copyto(y, x, where=np.isinf(x))
    return y


def _bent_identity_derivative_float32(x: np.ndarray) -> np.ndarray:
    ratio = x / _hypot1(x)
    np.copyto(ratio, np.sign(x), where=np.isinf(x))
    return 1.0 + 0.5 * ratio


@compiled("bent_identity")  # float32: _bent_identity_float32 in one pass (_fast.c)
@blocked(size=WIDE_BLOCK)
@float32_by(_bent_identity_float32)
def _bent_identity(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """x + (h - 1)/2 with h = sqrt(x^2 + 1), rearranged by region so nothing cancels.

    |x| < 1: x + x^2 / (2 (h + 1)); x >= 1: as written; x <= -1: (1/(h - x) + x - 1) / 2,
    since h + x = 1 / (h - x).
    """
    h = _hypot1(x)
    near = x + (x * x / (h + 1.0)) / 2.0
    left = (1.0 / (h - x) + (x - 1.0)) / 2.0
    np.add(x, (h - 1.0) / 2.0, out=out)
    np.copyto(out, near, where=np.abs(x) < 1.0)
    np.copyto(out, left, where=x <= -1.0)
    return out


@compiled("bent_identity_derivative")
@blocked(size=WIDE_BLOCK)
@float32_by(_bent_identity_derivative_float32)
def _bent_identity_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # 1 + x / (2h); x / h -> sign(x) at +-inf (inf/inf would give NaN)
    ratio = np.divide(x, _hypot1(x))
    np.copyto(ratio, np.sign(x), where=np.isinf(x))
    np.multiply(ratio, 0.5, out=out)
    return np.add(out, 1.0, out=out)


# NumPy's float32 sin and cos are vectorised and within 1.5 ulp (measured here: 1.25); through
# float64 they would be 0.5 ulp but four times slower than torch
@blocked
def _sin(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.sin(x, out=out)


@blocked
def _cos(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.cos(x, out=out)


@compiled("exponential")  # float32: _fast.c's exp, rounded once
@blocked(size=WIDE_BLOCK)
@via_float64
def _exp(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.exp(x, out=out)


RECORDS = (
    Activation(
        name="exponential",
        aliases=("exp",),
        summary="e^x (Keras' 'exponential'): positive, unbounded, its own derivative.",
        latex=r"e^{x}",
        derivative_latex=r"e^{x}",
        forward=_exp,
        derivative=_exp,
        symbolic=lambda sp, x, p: sp.exp(x),
        properties=Properties(
            range=(0.0, math.inf),
            monotonic=True,
            smooth=True,
            zero_centred=False,
            saturating=True,
        ),
        reference="https://keras.io/api/layers/activations/#exponential-function",
        family="elementary",
    ),
    Activation(
        name="sinusoid",
        aliases=("sin", "sine"),
        summary="sin x: periodic and non-monotonic (SIREN; TensorFlow Playground); "
        "no limit at +-inf.",
        latex=r"\sin x",
        derivative_latex=r"\cos x",
        forward=_sin,
        derivative=_cos,
        symbolic=lambda sp, x, p: sp.sin(x),
        properties=Properties(
            range=(-1.0, 1.0),
            monotonic=False,
            smooth=True,
            zero_centred=True,
            saturating=False,
        ),
        reference="Sitzmann et al. 2020, Implicit Neural Representations with Periodic "
        "Activation Functions (arXiv:2006.09661)",
        family="elementary",
    ),
    Activation(
        name="gaussian",
        aliases=("gauss", "rbf"),
        summary="The Gaussian bump e^(-x^2): 1 at 0, vanishing on both sides.",
        latex=r"e^{-x^2}",
        derivative_latex=r"-2x\,e^{-x^2}",
        forward=_gaussian,
        derivative=_gaussian_derivative,
        symbolic=lambda sp, x, p: sp.exp(-(x**2)),
        properties=Properties(
            range=(0.0, 1.0),
            monotonic=False,
            smooth=True,
            zero_centred=False,
            saturating=True,
        ),
        reference="Broomhead & Lowe 1988, Radial basis functions, multi-variable functional "
        "interpolation and adaptive networks",
        family="elementary",
    ),
    Activation(
        name="bent_identity",
        aliases=("bent",),
        summary="(sqrt(x^2 + 1) - 1)/2 + x: smooth, slope between 1/2 and 3/2, never flat.",
        latex=r"\frac{\sqrt{x^2 + 1} - 1}{2} + x",
        derivative_latex=r"\frac{x}{2\sqrt{x^2 + 1}} + 1",
        forward=_bent_identity,
        derivative=_bent_identity_derivative,
        symbolic=lambda sp, x, p: (sp.sqrt(x**2 + 1) - 1) / 2 + x,
        properties=Properties(
            range=(-math.inf, math.inf),
            monotonic=True,
            smooth=True,
            zero_centred=True,
            saturating=False,
        ),
        reference="https://en.wikipedia.org/wiki/Activation_function",
        family="elementary",
    ),
)
