"""Piecewise-linear rectifiers: ReLU6, leaky ReLU, PReLU, RReLU (two flavours), threshold.

All kernels are exact (one rounding of ``slope * x`` at most) and run in a few cheap passes over
cache-sized blocks. Derivatives at the kinks follow torch's autograd.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.catalog._blocks import (
    FLOAT_BLOCK,
    blocked,
    clip,
    const,
    exact_params,
    leaky,
    step,
    window,
)
from actlab.catalog._compiled import compiled, float32_numbers
from actlab.catalog._numeric import nan_passing
from actlab.catalog.record import Activation, Kink, Param, Properties

_RECTIFIER = Properties(
    range=(-math.inf, math.inf), monotonic=True, smooth=False, zero_centred=True, saturating=False
)


@compiled("clip", lambda: (0.0, 6.0))  # float32: one pass (_fast.c), the same bits
@blocked
def _relu6(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return clip(x, 0.0, 6.0, out)


@compiled("window", lambda: (0.0, 6.0, 1.0))
@blocked
def _relu6_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return window(x, out, 0.0, 6.0, 1.0)


@compiled("leaky", lambda negative_slope: (negative_slope,))
@blocked
def _leaky_relu(x: np.ndarray, out: np.ndarray, negative_slope: Any) -> np.ndarray:
    return leaky(x, out, negative_slope)


@compiled("step", lambda negative_slope: (0.0, 1.0, negative_slope))
@blocked
def _leaky_relu_derivative(x: np.ndarray, out: np.ndarray, negative_slope: Any) -> np.ndarray:
    return step(x, out, 0.0, 1.0, negative_slope)


@compiled("leaky", lambda a: (a,))
@blocked
def _prelu(x: np.ndarray, out: np.ndarray, a: Any) -> np.ndarray:
    return leaky(x, out, a)


@compiled("step", lambda a: (0.0, 1.0, a))
@blocked
def _prelu_derivative(x: np.ndarray, out: np.ndarray, a: Any) -> np.ndarray:
    return step(x, out, 0.0, 1.0, a)


@blocked
def _prelu_slope_gradient(x: np.ndarray, out: np.ndarray, a: Any) -> np.ndarray:
    # df/da = min(x, 0): x on the negative side, 0 on the positive side (torch: x > 0 ? 0 : x)
    return np.minimum(x, const(0.0, x), out=out)


def _rrelu_slope(lower: Any, upper: Any) -> Any:
    # evaluation mode: the mean of the uniformly drawn slope
    return (lower + upper) / 2


# evaluation mode is a leaky ReLU: the same loops, the slope rounded to float32 as NumPy does
@compiled("leaky", lambda lower, upper: (_rrelu_slope(lower, upper),))
@blocked
def _rrelu(x: np.ndarray, out: np.ndarray, lower: Any, upper: Any) -> np.ndarray:
    return leaky(x, out, _rrelu_slope(lower, upper))


@compiled("step", lambda lower, upper: (0.0, 1.0, _rrelu_slope(lower, upper)))
@blocked
def _rrelu_derivative(x: np.ndarray, out: np.ndarray, lower: Any, upper: Any) -> np.ndarray:
    return step(x, out, 0.0, 1.0, _rrelu_slope(lower, upper))


def _draw(x: np.ndarray, slope: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y, dy) for per-element slopes on x <= 0 (torch draws for x <= 0 too)."""
    slope = slope.astype(x.dtype)
    positive = np.greater(x, 0.0)
    y = np.where(positive, x, x * slope)
    dy = np.where(positive, np.ones_like(x), slope)
    return y, nan_passing(x, dy)


def _rrelu_sample(
    x: np.ndarray, rng: np.random.Generator, lower: Any, upper: Any
) -> tuple[np.ndarray, np.ndarray]:
    return _draw(x, rng.uniform(lower, upper, size=x.shape))


def _xu_slope(lower: Any, upper: Any) -> Any:
    # Xu et al. test with x / ((l + u) / 2): the reciprocal of the mean divisor
    return 2 / (lower + upper)


@compiled("leaky", lambda lower, upper: (_xu_slope(lower, upper),))
@blocked
def _rrelu_xu(x: np.ndarray, out: np.ndarray, lower: Any, upper: Any) -> np.ndarray:
    return leaky(x, out, _xu_slope(lower, upper))


@compiled("step", lambda lower, upper: (0.0, 1.0, _xu_slope(lower, upper)))
@blocked
def _rrelu_xu_derivative(x: np.ndarray, out: np.ndarray, lower: Any, upper: Any) -> np.ndarray:
    return step(x, out, 0.0, 1.0, _xu_slope(lower, upper))


def _rrelu_xu_sample(
    x: np.ndarray, rng: np.random.Generator, lower: Any, upper: Any
) -> tuple[np.ndarray, np.ndarray]:
    return _draw(x, 1.0 / rng.uniform(lower, upper, size=x.shape))


@compiled("threshold", lambda threshold, value: float32_numbers(threshold, value))  # _fast.c
@exact_params("threshold")
@blocked(size=FLOAT_BLOCK)
def _threshold(x: np.ndarray, out: np.ndarray, threshold: Any, value: Any) -> np.ndarray:
    # m max(x, threshold) + (1 - m) value with m = [x > threshold]: exact, as one term is 0,
    # and the max keeps 0 * -inf from making NaN; NaN passes through (as torch)
    if np.ndim(value) == 0 and value == 0.0:  # the default: max(x, threshold) * [x > threshold]
        np.maximum(x, const(threshold, x), out=out)
        return np.multiply(out, np.greater(x, threshold), out=out)
    mask = np.empty_like(out)
    np.copyto(mask, np.greater(x, threshold))
    np.maximum(x, const(threshold, x), out=out)
    np.multiply(out, mask, out=out)
    np.subtract(const(1.0, x), mask, out=mask)
    np.multiply(mask, value, out=mask)
    return np.add(out, mask, out=out)


@compiled("step", lambda threshold, value: float32_numbers(threshold, 1.0, 0.0))
@exact_params("threshold")
@blocked
def _threshold_derivative(x: np.ndarray, out: np.ndarray, threshold: Any, value: Any) -> np.ndarray:
    return step(x, out, threshold, 1.0, 0.0)


def _leaky_symbolic(slope: Any) -> Any:
    return lambda sp, x, p: sp.Piecewise((x, x > 0), (slope(p) * x, True))


_LEAKY_LATEX = r"\begin{cases} x & x > 0 \\ %s\,x & x \le 0 \end{cases}"
_LEAKY_DLATEX = r"\begin{cases} 1 & x > 0 \\ %s & x \le 0 \end{cases}"
_SLOPE_AT_0 = "f'(0) = {}, the left slope (as torch)"

RECORDS = (
    Activation(
        name="relu6",
        summary="ReLU capped at 6, min(max(0, x), 6) (MobileNet; robust in low precision).",
        latex=r"\min(\max(0, x), 6)",
        derivative_latex=r"\begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
        forward=_relu6,
        derivative=_relu6_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((0, x <= 0), (6, x >= 6), (x, True)),
        kinks=(
            Kink(0.0, "f'(0) = 0 (as torch)"),
            Kink(6.0, "f'(6) = 0 (as torch: hardtanh's backward is 0 at both ends)"),
        ),
        properties=Properties(
            range=(0.0, 6.0), monotonic=True, smooth=False, zero_centred=False, saturating=True
        ),
        reference="Krizhevsky 2010, Convolutional Deep Belief Networks on CIFAR-10; torch.nn.ReLU6",
        family="rectifier",
    ),
    Activation(
        name="leaky_relu",
        aliases=("lrelu", "leaky"),
        summary="ReLU with a small fixed slope for x <= 0, so negative units still learn.",
        latex=_LEAKY_LATEX % r"\alpha",
        derivative_latex=_LEAKY_DLATEX % r"\alpha",
        forward=_leaky_relu,
        derivative=_leaky_relu_derivative,
        symbolic=_leaky_symbolic(lambda p: p["negative_slope"]),
        params=(Param("negative_slope", 0.01, doc="slope alpha for x <= 0 (as torch)"),),
        kinks=(Kink(0.0, _SLOPE_AT_0.format("negative_slope")),),
        properties=_RECTIFIER,
        reference="Maas, Hannun & Ng 2013, Rectifier Nonlinearities Improve Neural Network "
        "Acoustic Models",
        family="rectifier",
    ),
    Activation(
        name="prelu",
        aliases=("parametric_relu",),
        summary="Leaky ReLU whose slope a for x <= 0 is learned (torch's PReLU weight).",
        latex=_LEAKY_LATEX % "a",
        derivative_latex=_LEAKY_DLATEX % "a",
        forward=_prelu,
        derivative=_prelu_derivative,
        symbolic=_leaky_symbolic(lambda p: p["a"]),
        params=(Param("a", 0.25, learnable=True, doc="learned slope for x <= 0 (torch: weight)"),),
        param_derivatives={"a": _prelu_slope_gradient},
        kinks=(Kink(0.0, _SLOPE_AT_0.format("a")),),
        properties=_RECTIFIER,
        reference="He et al. 2015, Delving Deep into Rectifiers (arXiv:1502.01852)",
        family="rectifier",
    ),
    Activation(
        name="rrelu",
        aliases=("randomized_relu",),
        summary="Randomized leaky ReLU, torch's flavour: in training a slope ~ U(lower, upper) "
        "per element; evaluated with the mean slope (lower + upper) / 2.",
        latex=_LEAKY_LATEX % r"\tfrac{l + u}{2}",
        derivative_latex=_LEAKY_DLATEX % r"\tfrac{l + u}{2}",
        forward=_rrelu,
        derivative=_rrelu_derivative,
        symbolic=_leaky_symbolic(lambda p: (p["lower"] + p["upper"]) / 2),
        params=(
            Param("lower", 1 / 8, low=0.0, doc="lowest slope drawn in training (torch)"),
            Param("upper", 1 / 3, low=0.0, doc="highest slope drawn in training (torch)"),
        ),
        ordered=(("lower", "upper"),),
        kinks=(Kink(0.0, _SLOPE_AT_0.format("(lower + upper) / 2")),),
        sample=_rrelu_sample,
        properties=_RECTIFIER,
        reference="torch.nn.RReLU; Xu et al. 2015, Empirical Evaluation of Rectified "
        "Activations in Convolutional Network (arXiv:1505.00853)",
        family="rectifier",
    ),
    Activation(
        name="rrelu_xu",
        aliases=("rrelu_divisor",),
        summary="Randomized leaky ReLU as Xu et al. 2015 define it: x / a for x <= 0 with the "
        "divisor a ~ U(lower, upper) in training; evaluated as x / ((lower + upper) / 2).",
        latex=_LEAKY_LATEX % r"\tfrac{2}{l + u}",
        derivative_latex=_LEAKY_DLATEX % r"\tfrac{2}{l + u}",
        forward=_rrelu_xu,
        derivative=_rrelu_xu_derivative,
        symbolic=_leaky_symbolic(lambda p: 2 / (p["lower"] + p["upper"])),
        params=(
            Param("lower", 3.0, low=0.0, low_inclusive=False, doc="smallest divisor a"),
            Param("upper", 8.0, low=0.0, low_inclusive=False, doc="largest divisor a"),
        ),
        ordered=(("lower", "upper"),),
        kinks=(Kink(0.0, _SLOPE_AT_0.format("2 / (lower + upper)")),),
        sample=_rrelu_xu_sample,
        properties=_RECTIFIER,
        reference="Xu et al. 2015, Empirical Evaluation of Rectified Activations in "
        "Convolutional Network (arXiv:1505.00853), section 2.4",
        family="rectifier",
    ),
    Activation(
        name="threshold",
        aliases=("thresholded_relu",),
        summary="x above a threshold, a constant value at or below it (torch.nn.Threshold); "
        "the defaults threshold=1, value=0 give Keras' ThresholdedReLU.",
        latex=r"\begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
        derivative_latex=r"\begin{cases} 1 & x > \theta \\ 0 & x \le \theta \end{cases}",
        forward=_threshold,
        derivative=_threshold_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((x, x > p["threshold"]), (p["value"], True)),
        params=(
            Param("threshold", 1.0, doc="theta: inputs at or below it are replaced"),
            Param("value", 0.0, doc="v: what replaces them"),
        ),
        kinks=(Kink("threshold", "f'(threshold) = 0, the constant side (as torch)"),),
        properties=Properties(
            range=(0.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=False,
            saturating=True,
        ),
        reference="Konda, Memisevic & Krueger 2015, Zero-bias autoencoders and the benefits of "
        "co-adapting features (arXiv:1402.3337); torch.nn.Threshold",
        family="rectifier",
    ),
)
