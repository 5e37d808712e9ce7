"""Self-gated activations x * g(x): SiLU (swish), Mish, TanhExp.

Each is x times a squashing gate; the derivative g(x) + x g'(x) has a root (the function's
minimum) where the two terms cancel, which float64 handles with a series about the root
(:mod:`actlab.catalog._roots`). Kernels compute in float64 (float32 through cache-sized chunks)
and never evaluate an exponential that can overflow; where exp(x) alone is subnormal but
x e^x is normal (float64, x < -708) the product is formed as (x e^{x/2}) e^{x/2}.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.catalog import _roots
from actlab.catalog._compiled import compiled
from actlab.catalog._dd import precise_kernel, scaled, times_exp, where_apply
from actlab.catalog._numeric import CLIP, TINY_EXP, stable_sigmoid
from actlab.catalog.record import Activation, Param, Properties

# --- SiLU / swish ----------------------------------------------------------------------------


@compiled("silu", lambda beta: (beta,) if beta > 0 else None)  # float32: _fast.c
@precise_kernel
def _silu(x: np.ndarray, out: np.ndarray, precise: bool, beta: Any) -> np.ndarray:
    u, err = scaled(x, beta, precise)
    np.multiply(x, stable_sigmoid(u), out=out)
    if err is not None:
        # the rounding error of beta*x, to first order; only where it is non-zero, so an infinite
        # x (whose error is 0) never meets inf * 0
        correction = np.asarray(stable_sigmoid(-u) * err, dtype=out.dtype)
        np.multiply(out, correction, out=correction, where=correction != 0)
        out += correction
    tiny = u < TINY_EXP
    where_apply(tiny, x, out, lambda t: times_exp(np.maximum(t, -CLIP), t * beta))
    return out


def _silu1_derivative(u: np.ndarray) -> np.ndarray:
    """d/du [u sigma(u)] = sigma(u) (1 + u (1 - sigma(u))), from e = exp(-|u|)."""
    uc = np.clip(u, -CLIP, CLIP)
    e = np.exp(-np.abs(uc))
    # u >= 0: (1 + e + u e) / (1+e)^2;  u < 0: e (1 + e + u) / (1+e)^2
    numerator = np.where(uc >= 0, 1.0 + e + uc * e, e * (1.0 + e + uc))
    result = numerator / np.square(1.0 + e)
    where_apply(uc < TINY_EXP, uc, result, lambda t: times_exp(1.0 + t, t))
    return result


@compiled("silu_derivative", lambda beta: (beta,) if beta > 0 else None)
@precise_kernel
def _silu_derivative(x: np.ndarray, out: np.ndarray, precise: bool, beta: Any) -> np.ndarray:
    # d/dx [x sigma(beta x)] = g(beta x) with g the beta = 1 derivative
    u, err = scaled(x, beta, precise)
    out[...] = _silu1_derivative(u)
    if precise:
        _roots.patch("silu", u, out)
    if err is not None:
        # beta*x's rounding error e to first order: g(u + e) = g(u) + g'(u) e, with
        # g'(u) = sigma'(u) (2 + u (1 - 2 sigma(u))); g ~ u e^u far left, where e moves it by
        # |u| times its relative size (59.8 ulp at x = -59.4 for beta = 1.9 without this)
        nonzero = err != 0
        s, t = stable_sigmoid(u[nonzero]), stable_sigmoid(-u[nonzero])
        out[nonzero] += s * t * (2.0 + u[nonzero] * (t - s)) * err[nonzero]
    return out


# --- Mish and TanhExp --------------------------------------------------------------------


def _mish_tanh_softplus(x: np.ndarray) -> np.ndarray:
    """tanh(softplus(x)) as a ratio of e = exp(-|x|) polynomials (tanh(log1p(e^x)) squashes)."""
    e = np.exp(-np.abs(x))
    positive = x >= 0
    # x >= 0: (1 + 2e) / (1 + 2e + 2e^2);  x < 0: e(e + 2) / (e(e + 2) + 2)
    numerator = np.where(positive, 1.0 + 2.0 * e, e * (e + 2.0))
    return numerator / (numerator + np.where(positive, 2.0 * e * e, 2.0))


@compiled("mish")  # float32: the same formula in one fused pass (_fast.c)
@precise_kernel
def _mish(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    np.multiply(x, _mish_tanh_softplus(x), out=out)
    where_apply(x < TINY_EXP, x, out, lambda t: times_exp(np.maximum(t, -CLIP), t))
    return out


@compiled("mish_derivative")
@precise_kernel
def _mish_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    xc = np.clip(x, -CLIP, CLIP)
    e = np.exp(-np.abs(xc))
    # x >= 0, e = e^-x: (1 + 2e)/D + 4x e^2 (1 + e)/D^2 with D = 1 + 2e + 2e^2
    d = 1.0 + 2.0 * e + 2.0 * e * e
    positive = (1.0 + 2.0 * e) / d + 4.0 * xc * e * e * (1.0 + e) / np.square(d)
    # x < 0, e = e^x: e w / delta^2, w = 4(x+1) + e(4x+6) + 4e^2 + e^3, delta = e^2 + 2e + 2
    w = 4.0 * (xc + 1.0) + e * (4.0 * xc + 6.0 + e * (4.0 + e))
    negative = e * w / np.square(e * (e + 2.0) + 2.0)
    np.copyto(out, np.where(xc >= 0, positive, negative))
    where_apply(xc < TINY_EXP, xc, out, lambda t: times_exp(1.0 + t, t))
    if precise:
        _roots.patch("mish", x, out)
    return out


@compiled("tanhexp")  # float32: the same formula in one fused pass (_fast.c)
@precise_kernel
def _tanhexp(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    # tanh(e^x) = 1 to the last bit from x = 3.7 on: clipping exp's argument at 30 avoids overflow
    np.minimum(x, 30.0, out=out)
    np.exp(out, out=out)
    np.tanh(out, out=out)
    out *= x
    where_apply(x < TINY_EXP, x, out, lambda t: times_exp(np.maximum(t, -CLIP), t))
    return out


@compiled("tanhexp_derivative")
@precise_kernel
def _tanhexp_derivative(x: np.ndarray, out: np.ndarray, precise: bool) -> np.ndarray:
    xc = np.clip(x, -CLIP, 30.0)
    big_e = np.exp(xc)
    # sech^2(E) = 4F/(1+F)^2 with F = exp(-2E) <= 1; 1 - tanh^2 would cancel
    f = np.exp(-2.0 * big_e)
    np.tanh(big_e, out=out)
    out += xc * big_e * (4.0 * f / np.square(1.0 + f))
    where_apply(xc < TINY_EXP, xc, out, lambda t: times_exp(1.0 + t, t))
    if precise:
        _roots.patch("tanhexp", x, out)
    return out


RECORDS = (
    Activation(
        name="silu",
        aliases=("swish",),
        summary="Sigmoid-weighted linear unit x sigmoid(beta x), a.k.a. swish; minimum -0.2785.",
        latex=r"\frac{x}{1 + e^{-\beta x}}",
        derivative_latex=r"\sigma(\beta x)\,\bigl(1 + \beta x\,(1 - \sigma(\beta x))\bigr)",
        forward=_silu,
        derivative=_silu_derivative,
        symbolic=lambda sp, x, p: x / (1 + sp.exp(-p["beta"] * x)),
        params=(
            Param(
                "beta",
                1.0,
                low=0.0,
                doc="gate sharpness (swish); beta = 1 is SiLU, beta -> inf tends to ReLU",
            ),
        ),
        properties=Properties(
            range=(-0.2784645427610738, math.inf),
            monotonic=False,
            smooth=True,
            zero_centred=True,
            saturating=True,
        ),
        reference="Hendrycks & Gimpel 2016; Elfwing et al. 2018; Ramachandran et al. 2017",
        family="gated",
    ),
    Activation(
        name="mish",
        summary="x tanh(softplus(x)); minimum -0.3088 at -1.1924.",
        latex=r"x \tanh\left(\log(1 + e^{x})\right)",
        derivative_latex=r"\tanh(\operatorname{sp}(x))"
        r" + x\,\operatorname{sech}^2(\operatorname{sp}(x))"
        r"\,\sigma(x)",
        forward=_mish,
        derivative=_mish_derivative,
        symbolic=lambda sp, x, p: x * sp.tanh(sp.log(1 + sp.exp(x))),
        properties=Properties(
            range=(-0.30884341301725046, math.inf),
            monotonic=False,
            smooth=True,
            zero_centred=True,
            saturating=True,
        ),
        reference="Misra 2019, arXiv:1908.08681",
        family="gated",
    ),
    Activation(
        name="tanhexp",
        summary="x tanh(e^x); minimum -0.3533 at -1.0789.",
        latex=r"x \tanh\left(e^{x}\right)",
        derivative_latex=r"\tanh(e^{x}) + x e^{x} \operatorname{sech}^2(e^{x})",
        forward=_tanhexp,
        derivative=_tanhexp_derivative,
        symbolic=lambda sp, x, p: x * sp.tanh(sp.exp(x)),
        properties=Properties(
            range=(-0.3532857778482113, math.inf),
            monotonic=False,
            smooth=True,
            zero_centred=True,
            saturating=True,
        ),
        reference="Liu & Di 2020, arXiv:2003.09855",
        family="gated",
    ),
)
