"""Test-only activation records exercising the engine's two special paths: a learnable parameter
(PReLU-like) and a random training-mode draw (RReLU-like). They are not registered, so the catalog
tests never see them; the real PReLU/RReLU records are checked through the registry."""

from __future__ import annotations

import math

import numpy as np

from actlab.catalog import Activation, Function, Param, Properties


def _prelu(x: np.ndarray, out: np.ndarray, slope: float | np.ndarray) -> np.ndarray:
    np.copyto(out, np.where(x > 0, x, slope * x))
    return out


def _prelu_derivative(x: np.ndarray, out: np.ndarray, slope: float | np.ndarray) -> np.ndarray:
    np.copyto(out, np.where(x > 0, 1.0, slope + 0 * x))
    return out


def _prelu_dslope(x: np.ndarray, out: np.ndarray, slope: float | np.ndarray) -> np.ndarray:
    np.copyto(out, np.where(x > 0, 0.0, x))
    return out


def _leaky_mean(lower: float, upper: float) -> float:
    return (lower + upper) / 2


def _rrelu(x: np.ndarray, out: np.ndarray, lower: float, upper: float) -> np.ndarray:
    np.copyto(out, np.where(x >= 0, x, _leaky_mean(lower, upper) * x))
    return out


def _rrelu_derivative(x: np.ndarray, out: np.ndarray, lower: float, upper: float) -> np.ndarray:
    np.copyto(out, np.where(x >= 0, 1.0, _leaky_mean(lower, upper)))
    return out


def _rrelu_sample(
    x: np.ndarray, rng: np.random.Generator, lower: float, upper: float
) -> tuple[np.ndarray, np.ndarray]:
    a = rng.uniform(lower, upper, size=x.shape).astype(x.dtype)
    slope = np.where(x >= 0, 1.0, a).astype(x.dtype)
    return x * slope, slope


_PROPS = Properties(
    range=(-math.inf, math.inf), monotonic=True, smooth=False, zero_centred=False, saturating=False
)

PRELU = Activation(
    name="test_prelu",
    summary="PReLU for engine tests",
    latex="",
    derivative_latex="",
    forward=_prelu,
    derivative=_prelu_derivative,
    symbolic=lambda sp, x, p: sp.Piecewise((x, x > 0), (p["slope"] * x, True)),
    properties=_PROPS,
    reference="He et al. 2015",
    params=(Param("slope", 0.25, learnable=True),),
    param_derivatives={"slope": _prelu_dslope},
)

RRELU = Activation(
    name="test_rrelu",
    summary="RReLU for engine tests",
    latex="",
    derivative_latex="",
    forward=_rrelu,
    derivative=_rrelu_derivative,
    symbolic=lambda sp, x, p: x,
    properties=_PROPS,
    reference="Xu et al. 2015",
    params=(Param("lower", 1 / 8), Param("upper", 1 / 3)),
    sample=_rrelu_sample,
)


def prelu(slope: float = 0.25) -> Function:
    return Function(PRELU, {"slope": slope})


def rrelu() -> Function:
    return Function(RRELU)
