"""The Gaussian family: GELU (exact, erf-based), its tanh approximation, and Serf.

GELU's left tail is where the frameworks fail: x Phi(x) through erfc(-x/sqrt2) amplifies the
rounding of x/sqrt2 by ~x^2, and 1 + erf(...) cancels completely. Here Phi(x) for x < 0 is
erfcx(-x/sqrt2)/2 * exp(-x^2/2) with x^2 carried in two floats and actlab's own erfcx (scipy's
erfc is up to 120 ulp off in float64). The tanh-GELU's 1 + tanh(u) is 2 sigmoid(2u), whose
argument (a cubic) is carried in two floats in float64 for the same reason.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.special as sc

from actlab.catalog import _roots, _special
from actlab.catalog._compiled import compiled
from actlab.catalog._dd import (
    exp_neg_half_square,
    precise_kernel,
    times_exp,
    two_prod,
    two_sum,
    where_apply,
)
from actlab.catalog._numeric import CLIP, TINY_EXP
from actlab.catalog.record import Activation, Properties

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 0.3989422804014327
_TWO_OVER_SQRT_PI = 1.1283791670955126
#: |x| beyond which GELU is x or 0 to the last bit; clipping keeps x^2 finite and inf*0 away
_GELU_CLIP = 1e10


def _times_gauss(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a exp(-t^2/2), t^2 in two floats; beyond t = 37 as (a h) h with h = exp(-t^2/4): the
    product is still normal there while exp(-t^2/2) alone is subnormal and loses digits."""
    result = a * exp_neg_half_square(t)
    far = t > 37.0
    if far.any():
        half = exp_neg_half_square(t[far], power=0.5)
        result[far] = (a[far] * half) * half
    return result


@compiled("gelu")  # float32: x Phi(x) through erfcx in one fused pass (_fast.c)
@precise_kernel
def _gelu(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    if not precise:  # float32: plain float64 is 1e-13 accurate, far below a float32 ulp
        xc = np.maximum(x, -_GELU_CLIP)  # gelu(-inf) = -big * 0 = 0, not -inf * 0
        np.multiply(xc, 0.5 * sc.erfc(xc * -_INV_SQRT2), out=out)
        return out
    # x >= 0: x Phi(x) with Phi in [1/2, 1] (scipy's ndtr is within ~1 ulp there)
    np.multiply(x, sc.ndtr(np.maximum(x, 0.0)), out=out)
    where_apply(x < 0, x, out, _gelu_left)
    return out


def _gelu_left(x: np.ndarray) -> np.ndarray:
    """x < 0: -A(t) exp(-t^2/2), t = -x (clipped: beyond, A = 1/sqrt(2 pi) and the product 0)."""
    t = np.minimum(-x, _GELU_CLIP)
    return -_times_gauss(_special.gelu_a(t), t)


@compiled("gelu_derivative")
@precise_kernel
def _gelu_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    xc = np.clip(x, -_GELU_CLIP, _GELU_CLIP)
    if not precise:  # float32: Phi(x) + x phi(x) in plain float64
        np.multiply(xc * _INV_SQRT_2PI, np.exp(-0.5 * xc * xc), out=out)
        out += 0.5 * sc.erfc(xc * -_INV_SQRT2)
        # far left the derivative is negative: -0 where it underflows (0 + -0 gave +0)
        np.negative(out, out=out, where=(out == 0) & (xc < 0))
        return out
    # x >= 0: Phi(x) + x phi(x), two positive terms
    t = np.abs(xc)
    np.multiply(xc * _INV_SQRT_2PI, exp_neg_half_square(t), out=out)
    out += sc.ndtr(np.maximum(x, 0.0))
    # x < 0: B(t) exp(-t^2/2): no 1 + erf(.) to cancel
    where_apply(xc < 0, t, out, lambda u: _times_gauss(_special.gelu_b(u), u))
    _roots.patch("gelu", x, out)
    return out


# --- GELU, tanh approximation -------------------------------------------------------------

_KAPPA = 0.044715  # torch's and the paper's cubic coefficient, as a decimal
_KAPPA_LO = float(Fraction(44715, 10**6) - Fraction(_KAPPA))
_KAPPA3 = 0.134145  # 3 kappa, v's slope coefficient ...
_KAPPA3_LO = float(Fraction(134145, 10**6) - Fraction(_KAPPA3))  # ... and its rounding error
_TWO_C = 1.5957691216057308  # 2 sqrt(2/pi) ...
_TWO_C_LO = -9.96930880911092e-17  # ... and its rounding error
_TANH_CLIP = 1e5  # gelu_tanh is x or 0 to the last bit long before; keeps x^3 and splits finite


def _gate_argument(x: np.ndarray, precise: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """v = 2 sqrt(2/pi) (x + 0.044715 x^3) as hi + lo: exp(v) amplifies v's rounding by |v|."""
    if not precise:
        return _TWO_C * x * (1.0 + _KAPPA * x * x), None
    sq, sq_err = two_prod(x, x)
    kx2, kx2_err = two_prod(sq, _KAPPA)
    kx2_err += _KAPPA * sq_err + _KAPPA_LO * sq
    w, w_err = two_sum(1.0, kx2)
    w_err += kx2_err
    y, y_err = two_prod(x, w)
    y_err += x * w_err
    v, v_err = two_prod(y, _TWO_C)
    v_err += _TWO_C * y_err + _TWO_C_LO * y
    return v, v_err


def _gate_slope(x: np.ndarray, precise: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """x v' = 2 sqrt(2/pi) x (1 + 3 kappa x^2), as hi + lo when ``precise``."""
    if not precise:
        return x * (_TWO_C * (1.0 + _KAPPA3 * x * x)), None
    sq, sq_err = two_prod(x, x)
    k, k_err = two_prod(sq, _KAPPA3)
    k_err += _KAPPA3 * sq_err + _KAPPA3_LO * sq
    w, w_err = two_sum(1.0, k)
    w_err += k_err
    y, y_err = two_prod(x, w)
    y_err += x * w_err
    s, s_err = two_prod(y, _TWO_C)
    s_err += _TWO_C * y_err + _TWO_C_LO * y
    return s, s_err


def _sigmoid_pair(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sigmoid(v), sigmoid(-v)) from e = exp(-|v|): no overflow, no 1 - sigmoid."""
    e = np.exp(-np.abs(v))
    positive = v >= 0
    denominator = 1.0 + e
    return np.where(positive, 1.0, e) / denominator, np.where(positive, e, 1.0) / denominator


@compiled("gelu_tanh")  # float32: the same formula in one fused pass (_fast.c)
@precise_kernel
def _gelu_tanh(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    # x (1 + tanh(u))/2 = x sigmoid(2u): 1 + tanh(u) cancels for x < -2.2
    xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    v, v_err = _gate_argument(xc, precise)
    sig, sig_neg = _sigmoid_pair(v)
    if v_err is not None:
        sig += sig * sig_neg * v_err  # sigmoid(v + dv) = sigmoid(v) (1 + sigmoid(-v) dv)
    np.multiply(x, sig, out=out)
    tiny = v < TINY_EXP
    if tiny.any():
        factor = 1.0 if v_err is None else 1.0 + v_err[tiny]
        out[tiny] = times_exp(xc[tiny], v[tiny]) * factor
    return out


@compiled("gelu_tanh_derivative")
@precise_kernel
def _gelu_tanh_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    # sigmoid(v) (1 + x sigmoid(-v) v'), v' = 2 sqrt(2/pi) (1 + 3 kappa x^2)
    xc = np.clip(x, -_TANH_CLIP, _TANH_CLIP)
    v, v_err = _gate_argument(xc, precise)
    sig, sig_neg = _sigmoid_pair(v)
    slope, slope_err = _gate_slope(xc, precise)
    if v_err is not None:
        sig += sig * sig_neg * v_err
    if slope_err is None:
        np.multiply(slope, sig_neg, out=out)
        out += 1.0
    else:  # 1 + slope sigmoid(-v) ~ slope for x << 0: keep slope's low part (x = -7: 5.4 -> 1 ulp)
        p, p_err = two_prod(slope, sig_neg)
        p_err += slope_err * sig_neg
        q, q_err = two_sum(1.0, p)
        np.add(q, q_err + p_err, out=out)
    out *= sig
    tiny = v < TINY_EXP
    if tiny.any():
        factor = 1.0 if v_err is None else 1.0 + v_err[tiny]
        out[tiny] = times_exp(1.0 + slope[tiny], v[tiny]) * factor
    if precise:
        _roots.patch("gelu_tanh", x, out)
    return out


# --- Serf --------------------------------------------------------------------------------


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def _erf(s: np.ndarray, precise: bool) -> np.ndarray:
    return _special.erf(s) if precise else sc.erf(s)


@compiled("serf")  # float32: the same formula in one fused pass (_fast.c)
@precise_kernel
def _serf(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    np.multiply(x, _erf(_softplus(x), precise), out=out)
    # erf(softplus(x)) ~ 2/sqrt(pi) e^x, subnormal before x e^x is
    where_apply(
        x < TINY_EXP,
        x,
        out,
        lambda t: times_exp(_TWO_OVER_SQRT_PI * np.maximum(t, -CLIP), t),
    )
    return out


@compiled("serf_derivative")
@precise_kernel
def _serf_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    # erf(s) + x (2/sqrt(pi)) e^{-s^2} sigmoid(x), s = softplus(x)
    xc = np.clip(x, -CLIP, _GELU_CLIP)
    s = _softplus(xc)
    e = np.exp(-np.abs(xc))
    sig = np.where(xc >= 0, 1.0, e) / (1.0 + e)
    np.multiply(xc * _TWO_OVER_SQRT_PI, np.exp(-s * s), out=out)
    out *= sig
    out += _erf(s, precise)
    where_apply(xc < TINY_EXP, xc, out, lambda t: times_exp(_TWO_OVER_SQRT_PI * (1.0 + t), t))
    if precise:
        _roots.patch("serf", x, out)
    return out


def _gelu_tanh_symbolic(sp: Any, x: Any, p: Any) -> Any:
    u = sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 10**6) * x**3)
    return x / 2 * (1 + sp.tanh(u))


_GATED = dict(monotonic=False, smooth=True, zero_centred=True, saturating=True)

RECORDS = (
    Activation(
        name="gelu",
        summary="Gaussian error linear unit x Phi(x), exact (erf-based); minimum -0.1700.",
        latex=r"x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right)",
        derivative_latex=r"\Phi(x) + x\,\varphi(x),\ "
        r"\varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}",
        forward=_gelu,
        derivative=_gelu_derivative,
        symbolic=lambda sp, x, p: x / 2 * sp.erfc(-x / sp.sqrt(2)),
        properties=Properties(range=(-0.16997120747990368, math.inf), **_GATED),
        reference="Hendrycks & Gimpel 2016, arXiv:1606.08415",
        family="gaussian",
    ),
    Activation(
        name="gelu_tanh",
        aliases=("gelu_approximate", "approximate_gelu"),
        summary="GELU's tanh approximation (torch approximate='tanh'), computed as x sigmoid(2u).",
        latex=r"\frac{x}{2}\left(1 + \tanh u\right),\ "
        r"u = \sqrt{2/\pi}\,(x + 0.044715\,x^3)",
        derivative_latex=r"\sigma(2u)\bigl(1 + x\,\sigma(-2u)\,2u'\bigr),\ "
        r"u' = \sqrt{2/\pi}\,(1 + 0.134145\,x^2)",
        forward=_gelu_tanh,
        derivative=_gelu_tanh_derivative,
        symbolic=_gelu_tanh_symbolic,
        properties=Properties(range=(-0.17004075057125406, math.inf), **_GATED),
        reference="Hendrycks & Gimpel 2016, arXiv:1606.08415 (eq. 2); torch.nn.GELU('tanh')",
        family="gaussian",
    ),
    Activation(
        name="serf",
        summary="x erf(softplus(x)), the log-softplus error activation; minimum -0.3484.",
        latex=r"x \operatorname{erf}\left(\log(1 + e^{x})\right)",
        derivative_latex=r"\operatorname{erf}(s) + x\,\frac{2}{\sqrt\pi} e^{-s^2} \sigma(x),\ "
        r"s = \log(1 + e^{x})",
        forward=_serf,
        derivative=_serf_derivative,
        symbolic=lambda sp, x, p: x * sp.erf(sp.log(1 + sp.exp(x))),
        properties=Properties(range=(-0.3484374587596065, math.inf), **_GATED),
        reference="Nag & Bhattacharyya 2021, arXiv:2108.09598",
        family="gaussian",
    ),
)
