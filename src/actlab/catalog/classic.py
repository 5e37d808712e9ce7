"""The classic activations of the textbooks: identity, sigmoid, tanh, ReLU."""

from __future__ import annotations

import math

import numpy as np

from actlab.catalog._blocks import WIDE_BLOCK, blocked
from actlab.catalog._compiled import compiled
from actlab.catalog._numeric import nan_passing, via_float64
from actlab.catalog.record import Activation, Kink, Properties


def _identity(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.copyto(out, x)
    return out


def _identity_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    out.fill(1.0)
    return nan_passing(x, out)


@compiled("sigmoid")  # float32: the same formula in one fused pass (_fast.c)
@blocked(size=WIDE_BLOCK)  # float64 temporaries that stay in cache
@via_float64
def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # e = exp(-|x|) never overflows; both branches are exact rearrangements of 1/(1+e^-x)
    e = np.exp(-np.abs(x))
    np.divide(np.where(x >= 0, 1.0, e), 1.0 + e, out=out)
    return out


@compiled("sigmoid_derivative")
@blocked(size=WIDE_BLOCK)  # float64 temporaries that stay in cache
@via_float64
def _sigmoid_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # sigma'(x) = e / (1 + e)^2 with e = exp(-|x|): f(1-f) loses all relative accuracy in the tails
    e = np.exp(-np.abs(x))
    np.divide(e, np.square(1.0 + e), out=out)
    return out


def _tanh(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.tanh(x, out=out)


@compiled("tanh_derivative")
@blocked(size=WIDE_BLOCK)  # float64 temporaries that stay in cache
@via_float64
def _tanh_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # sech^2(x) = 4e / (1 + e)^2 with e = exp(-2|x|); 1 - tanh^2 cancels for |x| > ~2
    e = np.exp(-2.0 * np.abs(x))
    np.divide(4.0 * e, np.square(1.0 + e), out=out)
    return out


@compiled("relu")  # float32: one pass (_fast.c), the same bits
def _relu(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # maximum(x, 0) keeps NaN; adding 0.0 turns relu(-0.0) into +0.0
    np.maximum(x, 0.0, out=out)
    return out


@compiled("step", lambda: (0.0, 1.0, 0.0))
def _relu_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # x > 0 written straight into the float output: 1 for x > 0, 0 for x <= 0 (the convention at
    # 0), one pass (np.heaviside gives the same but costs ~20 memory copies); then NaN back
    np.greater(x, 0.0, out=out, casting="unsafe")
    return nan_passing(x, out)


RECORDS = (
    Activation(
        name="identity",
        aliases=("linear", "none"),
        summary="The identity: no non-linearity at all (stacked layers collapse into one).",
        latex="x",
        derivative_latex="1",
        forward=_identity,
        derivative=_identity_derivative,
        symbolic=lambda sp, x, p: x,
        properties=Properties(
            range=(-math.inf, math.inf),
            monotonic=True,
            smooth=True,
            zero_centred=True,
            saturating=False,
        ),
        reference="https://keras.io/api/layers/activations/#linear-function",
        family="classic",
    ),
    Activation(
        name="sigmoid",
        aliases=("logistic", "sigm"),
        summary="The logistic function; its derivative is f(1-f), at most 1/4.",
        latex=r"\frac{1}{1 + e^{-x}}",
        derivative_latex=r"\frac{e^{-x}}{(1 + e^{-x})^2} = f(x)\,(1 - f(x))",
        forward=_sigmoid,
        derivative=_sigmoid_derivative,
        symbolic=lambda sp, x, p: 1 / (1 + sp.exp(-x)),
        properties=Properties(
            range=(0.0, 1.0),
            monotonic=True,
            smooth=True,
            zero_centred=False,
            saturating=True,
        ),
        reference="https://en.wikipedia.org/wiki/Logistic_function",
        family="classic",
    ),
    Activation(
        name="tanh",
        aliases=("hyperbolic_tangent",),
        summary="The hyperbolic tangent, a zero-centred sigmoid; f' = 1-f^2, at most 1.",
        latex=r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        derivative_latex=r"\operatorname{sech}^2 x = 1 - f(x)^2",
        forward=_tanh,
        derivative=_tanh_derivative,
        symbolic=lambda sp, x, p: sp.tanh(x),
        properties=Properties(
            range=(-1.0, 1.0),
            monotonic=True,
            smooth=True,
            zero_centred=True,
            saturating=True,
        ),
        reference="LeCun et al. 1998, Efficient BackProp",
        family="classic",
    ),
    Activation(
        name="relu",
        aliases=("rectifier",),
        summary="The rectified linear unit max(0, x).",
        latex=r"\max(0, x)",
        derivative_latex=r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        forward=_relu,
        derivative=_relu_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((x, x > 0), (0, True)),
        kinks=(Kink(0.0, "f'(0) = 0, the minimum-norm subgradient (as torch and jax)"),),
        properties=Properties(
            range=(0.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=False,
            saturating=True,
        ),
        reference="Nair & Hinton 2010; Glorot, Bordes & Bengio 2011",
        family="rectifier",
    ),
)
