"""Smooth rectifiers: ELU, CELU, SELU, softplus, log-sigmoid, squareplus.

Every kernel computes in float64 (float32 input goes through cache-sized float64 chunks, see
:mod:`actlab.catalog._dd`) and is written so that no branch overflows: exponentials only ever see
``min(x, 0)`` or ``-|x|``. Where a parameter multiplies x inside an exponential (CELU's 1/alpha,
softplus's beta) float64 carries the product's rounding error, which the tail would amplify.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.catalog._compiled import compiled
from actlab.catalog._dd import (
    exact_multiplier,
    precise_kernel,
    scaled,
    times_exp,
    two_prod,
    where_apply,
)
from actlab.catalog._numeric import TINY_EXP, stable_sigmoid
from actlab.catalog.record import Activation, Kink, Param, Properties

# torch.nn.SELU's constants (Klambauer et al. 2017, to 31 digits)
SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
_SELU_ALPHA, _SELU_SCALE = float(SELU_ALPHA), float(SELU_SCALE)
_SELU_SCALE_ALPHA = 1.7580993408473768  # SCALE*ALPHA correctly rounded (not the float product)


# --- ELU, CELU, SELU -----------------------------------------------------------------------


@compiled("elu", lambda alpha: (1.0, alpha, 1.0))  # float32: one fused pass (_fast.c)
@precise_kernel
def _elu(x: np.ndarray, out: np.ndarray, precise: bool, alpha: Any) -> np.ndarray:
    # expm1 only sees min(x, 0): no overflow in the branch that x > 0 throws away
    np.minimum(x, 0.0, out=out)
    np.expm1(out, out=out)
    out *= alpha
    np.copyto(out, x, where=x > 0)
    return out


@compiled("elu_derivative", lambda alpha: (1.0, alpha, 1.0))
@precise_kernel
def _elu_derivative(x: np.ndarray, out: np.ndarray, precise: bool, alpha: Any) -> np.ndarray:
    np.minimum(x, 0.0, out=out)
    np.exp(out, out=out)
    out *= alpha
    out[x > 0] = 1.0
    if precise and np.ndim(alpha) == 0:  # alpha e^x where e^x alone is subnormal (alpha = 10:
        where_apply(x < TINY_EXP, x, out, lambda t: times_exp(alpha, t))  # 4.7 ulp at -745.2)
    return out


def _celu_parts(x: np.ndarray, alpha: Any, precise: bool) -> tuple[np.ndarray, np.ndarray]:
    """q = min(x,0)/alpha rounded, and r = min(x,0) - q*alpha exactly (0 when not needed)."""
    xm = np.minimum(x, 0.0)
    q = xm / alpha
    if not precise or exact_multiplier(alpha):
        return q, np.zeros_like(q)
    # the rounding of x/alpha is amplified by |x/alpha| in exp: carry it as r/alpha
    p, e = two_prod(q, alpha)
    r = (xm - p) - e
    # NaN only where x is huge or infinite (the split overflows), where exp(q) = 0 drops r anyway
    return q, np.where(np.isfinite(r), r, 0.0)


@compiled("elu", lambda alpha: (1.0, alpha, 1.0 / alpha))
@precise_kernel
def _celu(x: np.ndarray, out: np.ndarray, precise: bool, alpha: Any) -> np.ndarray:
    q, r = _celu_parts(x, alpha, precise)
    np.expm1(q, out=out)
    out *= alpha
    # alpha * expm1(q + r/alpha) = alpha*expm1(q) + exp(q) * r to first order
    out += np.exp(q) * r
    np.copyto(out, x, where=x > 0)
    return out


@compiled("elu_derivative", lambda alpha: (1.0, alpha, 1.0 / alpha))
@precise_kernel
def _celu_derivative(x: np.ndarray, out: np.ndarray, precise: bool, alpha: Any) -> np.ndarray:
    q, r = _celu_parts(x, alpha, precise)
    np.exp(q, out=out)
    out += out * (r / alpha)
    out[x > 0] = 1.0
    return out


@compiled("elu", lambda: (_SELU_SCALE, _SELU_SCALE_ALPHA, 1.0))
@precise_kernel
def _selu(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    np.minimum(x, 0.0, out=out)
    np.expm1(out, out=out)
    out *= _SELU_SCALE_ALPHA
    np.multiply(x, _SELU_SCALE, out=out, where=x > 0)
    return out


@compiled("elu_derivative", lambda: (_SELU_SCALE, _SELU_SCALE_ALPHA, 1.0))
@precise_kernel
def _selu_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    np.minimum(x, 0.0, out=out)
    np.exp(out, out=out)
    out *= _SELU_SCALE_ALPHA
    out[x > 0] = _SELU_SCALE
    return out


# --- softplus and log-sigmoid ------------------------------------------------------------


@compiled("softplus", lambda beta: (beta,))
@precise_kernel
def _softplus(x: np.ndarray, out: np.ndarray, precise: bool, beta: Any) -> np.ndarray:
    # log(1 + e^u)/beta = log1p(e^-|u|)/beta + max(x, 0): exact everywhere, no threshold needed
    u, err = scaled(x, beta, precise)
    np.abs(u, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    # d/du log1p(e^-|u|) = -sign(u) e^-|u| / (1 + e^-|u|): first-order term of beta*x's rounding
    correction = None if err is None else -np.sign(u) * out / (1.0 + out) * err
    np.log1p(out, out=out)
    if correction is not None:
        out += correction
    out /= beta
    out += np.maximum(x, 0.0)
    return out


@compiled("softplus_derivative", lambda beta: (beta,))
@precise_kernel
def _softplus_derivative(x: np.ndarray, out: np.ndarray, precise: bool, beta: Any) -> np.ndarray:
    u, err = scaled(x, beta, precise)
    out[...] = stable_sigmoid(u)
    if err is not None:
        out += out * stable_sigmoid(-u) * err
    return out


@compiled("log_sigmoid")  # float32: the same formula in one fused pass (_fast.c)
@precise_kernel
def _log_sigmoid(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    # log sigma(x) = -(log1p(e^-|x|) + max(-x, 0))
    np.abs(x, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(-x, 0.0)
    np.negative(out, out=out)
    return out


@compiled("log_sigmoid_derivative")
@precise_kernel
def _log_sigmoid_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    out[...] = stable_sigmoid(-x)
    return out


# --- squareplus ----------------------------------------------------------------------------


def _squareplus_root(x: np.ndarray, b: Any, precise: bool) -> np.ndarray:
    """sqrt(x^2 + b): hypot for float64 (x^2 overflows past 1e154); float32 input squares safely
    in float64, and sqrt(x*x + b) is several times faster than hypot."""
    if precise:
        return np.hypot(x, np.sqrt(b))
    root = x * x
    root += b
    return np.sqrt(root, out=root)


# float32: one pass (_fast.c) in float32 arithmetic, for b in [2^-100, 2^40] (its error bound's)
@compiled("squareplus", lambda b: (b,) if 2.0**-100 <= b <= 2.0**40 else None)
@precise_kernel
def _squareplus(x: np.ndarray, out: np.ndarray, precise: bool, b: Any) -> np.ndarray:
    # hypot(x, sqrt b) = sqrt(x^2 + b) without overflow; x < 0 uses b / (2 (hypot - x)),
    # the cancellation-free form of (x + hypot)/2
    # (halves everywhere: x + root overflows for x near the float64 maximum)
    root = _squareplus_root(x, b, precise)
    np.add(0.5 * x, 0.5 * root, out=out)
    negative = x < 0
    np.divide(0.25 * b, 0.5 * root - 0.5 * x, out=out, where=negative)
    return out


@compiled("squareplus_derivative", lambda b: (b,) if b > 0 else None)
@precise_kernel
def _squareplus_derivative(x: np.ndarray, out: np.ndarray, precise: bool, b: Any) -> np.ndarray:
    # f'(-|x|) = (1 - |x|/root)/2 = b / (2 root (root + |x|)) without cancellation, divided twice
    # to dodge overflow; f'(x) = 1 - f'(-x) for x > 0
    root = _squareplus_root(x, b, precise)
    np.divide(0.5 * b, root, out=out)
    out /= root + np.abs(x)
    np.subtract(1.0, out, out=out, where=x > 0)
    return out


_RECTIFIER = Properties(
    range=(0.0, math.inf), monotonic=True, smooth=True, zero_centred=False, saturating=True
)


RECORDS = (
    Activation(
        name="elu",
        summary="Exponential linear unit: x for x > 0, alpha (e^x - 1) below; smooth negatives.",
        latex=r"\begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        derivative_latex=r"\begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
        forward=_elu,
        derivative=_elu_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((x, x > 0), (p["alpha"] * (sp.exp(x) - 1), True)),
        params=(Param("alpha", 1.0, low=0.0, doc="the negative saturation value is -alpha"),),
        kinks=(
            Kink(
                0.0,
                "f'(0) = alpha, the left derivative (as torch); at alpha = 1 f' is continuous, "
                "f'' jumps",
            ),
        ),
        properties=Properties(
            range=(-1.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=True,
        ),
        reference="Clevert, Unterthiner & Hochreiter 2016, arXiv:1511.07289",
        family="exponential",
    ),
    Activation(
        name="celu",
        summary="Continuously differentiable ELU: x for x > 0, alpha (e^{x/alpha} - 1) below.",
        latex=r"\begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0 \end{cases}",
        derivative_latex=r"\begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
        forward=_celu,
        derivative=_celu_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (x, x > 0), (p["alpha"] * (sp.exp(x / p["alpha"]) - 1), True)
        ),
        params=(
            Param("alpha", 1.0, low=0.0, low_inclusive=False, doc="negative saturation -alpha"),
        ),
        kinks=(Kink(0.0, "f'(0) = 1 from both sides; f'' jumps from 1/alpha to 0"),),
        properties=Properties(
            range=(-1.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=True,
        ),
        reference="Barron 2017, arXiv:1704.07483",
        family="exponential",
    ),
    Activation(
        name="selu",
        summary="Scaled ELU with the self-normalising constants of Klambauer et al. (as torch).",
        latex=r"\lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},"
        r"\ \lambda \approx 1.0507,\ \alpha \approx 1.6733",
        derivative_latex=r"\lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
        forward=_selu,
        derivative=_selu_derivative,
        symbolic=lambda sp, x, p: (
            sp.Float(SELU_SCALE, 40)
            * sp.Piecewise((x, x > 0), (sp.Float(SELU_ALPHA, 40) * (sp.exp(x) - 1), True))
        ),
        kinks=(Kink(0.0, "f'(0) = lambda alpha ~ 1.7581, the left derivative (as torch)"),),
        properties=Properties(
            range=(-_SELU_SCALE_ALPHA, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=True,
            saturating=True,
        ),
        reference="Klambauer, Unterthiner, Mayr & Hochreiter 2017, arXiv:1706.02515",
        family="exponential",
    ),
    Activation(
        name="softplus",
        summary="log(1 + e^{beta x})/beta, a smooth ReLU; exact everywhere, so no threshold.",
        latex=r"\frac{1}{\beta} \log\left(1 + e^{\beta x}\right)",
        derivative_latex=r"\sigma(\beta x) = \frac{1}{1 + e^{-\beta x}}",
        forward=_softplus,
        derivative=_softplus_derivative,
        symbolic=lambda sp, x, p: sp.log(1 + sp.exp(p["beta"] * x)) / p["beta"],
        params=(
            Param(
                "beta",
                1.0,
                low=0.0,
                low_inclusive=False,
                doc="sharpness; torch's threshold (linear above beta x > 20) is not needed: "
                "log1p(e^-|beta x|)/beta + max(x, 0) is exact everywhere",
            ),
        ),
        properties=_RECTIFIER,
        reference="Dugas et al. 2001; torch.nn.Softplus",
        family="exponential",
    ),
    Activation(
        name="log_sigmoid",
        aliases=("logsigmoid",),
        summary="log(sigmoid(x)) = -softplus(-x): the log-likelihood term of logistic losses.",
        latex=r"\log \frac{1}{1 + e^{-x}} = -\log(1 + e^{-x})",
        derivative_latex=r"\sigma(-x) = \frac{1}{1 + e^{x}}",
        forward=_log_sigmoid,
        derivative=_log_sigmoid_derivative,
        symbolic=lambda sp, x, p: -sp.log(1 + sp.exp(-x)),
        properties=Properties(
            range=(-math.inf, 0.0),
            monotonic=True,
            smooth=True,
            zero_centred=False,
            saturating=True,
        ),
        reference="torch.nn.LogSigmoid; jax.nn.log_sigmoid",
        family="exponential",
    ),
    Activation(
        name="squareplus",
        summary="(x + sqrt(x^2 + b))/2: an algebraic softplus, no exponentials.",
        latex=r"\frac{x + \sqrt{x^2 + b}}{2}",
        derivative_latex=r"\frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
        forward=_squareplus,
        derivative=_squareplus_derivative,
        symbolic=lambda sp, x, p: (x + sp.sqrt(x**2 + p["b"])) / 2,
        params=(
            Param("b", 4.0, low=0.0, low_inclusive=False, doc="curvature at 0: f(0) = sqrt(b)/2"),
        ),
        properties=_RECTIFIER,
        reference="Barron 2021, arXiv:2112.11687",
        family="exponential",
    ),
)
