"""Hard (piecewise-polynomial) versions of tanh, sigmoid, SiLU and softplus.

hardtanh, hardsigmoid and hardswish follow torch, sparse_sigmoid and sparse_plus follow jax.nn.
Each is a clip followed by a polynomial, evaluated on cache-sized blocks; the polynomial is
written so that the kink neighbourhoods don't cancel ((x + 3) / 6, not x / 6 + 1/2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab.catalog._blocks import FLOAT_BLOCK, blocked, clip, const, exact_params, window
from actlab.catalog._compiled import compiled, float32_numbers
from actlab.catalog.record import Activation, Kink, Param, Properties


@compiled("clip", lambda min_val, max_val: float32_numbers(min_val, max_val))  # float32: _fast.c
@exact_params("min_val", "max_val")
@blocked
def _hardtanh(x: np.ndarray, out: np.ndarray, min_val: Any, max_val: Any) -> np.ndarray:
    return clip(x, min_val, max_val, out)


@compiled("window", lambda min_val, max_val: float32_numbers(min_val, max_val, 1.0))
@exact_params("min_val", "max_val")
@blocked
def _hardtanh_derivative(x: np.ndarray, out: np.ndarray, min_val: Any, max_val: Any) -> np.ndarray:
    return window(x, out, min_val, max_val, 1.0)


@compiled("clip_affine", lambda: (-3.0, 3.0, 3.0, 6.0))  # float32: _fast.c, the same bits
@blocked
def _hardsigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # (t + 3) / 6 is exact next to -3 where t + 3 is exact; x / 6 + 1/2 would cancel there
    clip(x, -3.0, 3.0, out)
    np.add(out, 3.0, out=out)
    return np.divide(out, 6.0, out=out)


@compiled("window", lambda: (-3.0, 3.0, 1 / 6))
@blocked
def _hardsigmoid_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return window(x, out, -3.0, 3.0, 1 / 6)


@compiled("hardswish")  # float32: _fast.c, the same float32 steps and bits
@blocked(size=FLOAT_BLOCK)
def _hardswish(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # t = max(x, -3) gives f = t * min(t + 3, 6) / 6 everywhere, including 0 (not NaN) at -inf;
    # the factor is formed first so that t * 6 can't overflow
    t = np.maximum(x, const(-3.0, x), out=out)
    factor = np.add(t, 3.0, out=np.empty_like(t))
    np.minimum(factor, const(6.0, x), out=factor)
    np.divide(factor, 6.0, out=factor)
    return np.multiply(t, factor, out=out)


@compiled("hardswish_derivative")
@blocked
def _hardswish_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # (2t + 3) / 6 is exact next to its zero at -1.5, where t / 3 + 1/2 would cancel
    clip(x, -3.0, 3.0, out)
    np.multiply(out, 2.0, out=out)
    np.add(out, 3.0, out=out)
    np.divide(out, 6.0, out=out)
    # torch's convention at the ends: 0 at -3, 1 at 3 (the outer pieces); blended with 0/1
    # masks (exact) rather than selected, which is slower
    inside = np.greater(x, -3.0)
    inside &= np.less(x, 3.0)
    np.multiply(out, inside, out=out)
    return np.add(out, np.greater_equal(x, 3.0), out=out)


@compiled("clip_affine", lambda: (-1.0, 1.0, 1.0, 2.0))  # (t + 1) * 0.5 = (t + 1) / 2
@blocked
def _sparse_sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    clip(x, -1.0, 1.0, out)
    np.add(out, 1.0, out=out)
    return np.multiply(out, 0.5, out=out)


@compiled("window", lambda: (-1.0, 1.0, 0.5))
@blocked
def _sparse_sigmoid_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return window(x, out, -1.0, 1.0, 0.5)


@blocked
def _sparse_plus(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    # (t + 1)^2 / 4 >= x for every x (their difference is (x - 1)^2 / 4), so taking the larger
    # of it and x picks the linear piece for x >= 1 without a comparison
    _sparse_sigmoid(x, out)
    np.square(out, out=out)
    return np.maximum(out, x, out=out)


@blocked
def _sparse_plus_derivative(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _sparse_sigmoid(x, out)


_HARD_EDGES = "f' = 0 at both ends (as torch's hardtanh_backward)"

RECORDS = (
    Activation(
        name="hardtanh",
        aliases=("hard_tanh",),
        summary="tanh's piecewise-linear stand-in: x clipped to [min_val, max_val].",
        latex=r"\min(\max(x, m), M)",
        derivative_latex=r"\begin{cases} 1 & m < x < M \\ 0 & \text{otherwise} \end{cases}",
        forward=_hardtanh,
        derivative=_hardtanh_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise(
            (p["min_val"], x <= p["min_val"]), (p["max_val"], x >= p["max_val"]), (x, True)
        ),
        params=(
            Param("min_val", -1.0, doc="m, the lower clip (below max_val)"),
            Param("max_val", 1.0, doc="M, the upper clip (above min_val)"),
        ),
        ordered=(("min_val", "max_val"),),
        kinks=(Kink("min_val", _HARD_EDGES), Kink("max_val", _HARD_EDGES)),
        properties=Properties(
            range=(-1.0, 1.0), monotonic=True, smooth=False, zero_centred=True, saturating=True
        ),
        reference="Collobert 2004, Large Scale Machine Learning (thesis); torch.nn.Hardtanh",
        family="hard",
    ),
    Activation(
        name="hardsigmoid",
        aliases=("hard_sigmoid",),
        summary="sigmoid's piecewise-linear stand-in relu6(x + 3) / 6 (torch and MobileNetV3; "
        "Keras' older hard_sigmoid used slope 0.2).",
        latex=r"\frac{\min(\max(x + 3, 0), 6)}{6}",
        derivative_latex=r"\begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}",
        forward=_hardsigmoid,
        derivative=_hardsigmoid_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((0, x <= -3), (1, x >= 3), ((x + 3) / 6, True)),
        kinks=(Kink(-3.0, _HARD_EDGES), Kink(3.0, _HARD_EDGES)),
        properties=Properties(
            range=(0.0, 1.0), monotonic=True, smooth=False, zero_centred=False, saturating=True
        ),
        reference="Howard et al. 2019, Searching for MobileNetV3 (arXiv:1905.02244)",
        family="hard",
    ),
    Activation(
        name="hardswish",
        aliases=("hard_swish", "hard_silu"),
        summary="SiLU's cheap stand-in x * relu6(x + 3) / 6 (MobileNetV3).",
        latex=r"x\,\frac{\min(\max(x + 3, 0), 6)}{6}",
        derivative_latex=r"\begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x < 3 \\ "
        r"1 & x \ge 3 \end{cases}",
        forward=_hardswish,
        derivative=_hardswish_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((0, x <= -3), (x, x >= 3), (x * (x + 3) / 6, True)),
        kinks=(
            Kink(-3.0, "f'(-3) = 0, the outer piece (as torch)"),
            Kink(3.0, "f'(3) = 1, the outer piece (as torch)"),
        ),
        properties=Properties(
            range=(-0.375, math.inf),
            monotonic=False,
            smooth=False,
            zero_centred=True,
            saturating=True,
        ),
        reference="Howard et al. 2019, Searching for MobileNetV3 (arXiv:1905.02244)",
        family="hard",
    ),
    Activation(
        name="sparse_sigmoid",
        summary="sigmoid's sparse stand-in: 0 below -1, (x + 1) / 2 between, 1 above "
        "(jax.nn; the derivative of sparse_plus).",
        latex=r"\tfrac{1}{2}\min(\max(x + 1, 0), 2)",
        derivative_latex=r"\begin{cases} 1/2 & -1 < x < 1 \\ 0 & \text{otherwise} \end{cases}",
        forward=_sparse_sigmoid,
        derivative=_sparse_sigmoid_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((0, x <= -1), (1, x >= 1), ((x + 1) / 2, True)),
        kinks=(
            Kink(-1.0, "f'(-1) = 0, as hardtanh in torch (jax has no fixed convention)"),
            Kink(1.0, "f'(1) = 0, as hardtanh in torch (jax has no fixed convention)"),
        ),
        properties=Properties(
            range=(0.0, 1.0), monotonic=True, smooth=False, zero_centred=False, saturating=True
        ),
        reference="Martins & Astudillo 2016, From Softmax to Sparsemax (arXiv:1602.02068); "
        "jax.nn.sparse_sigmoid",
        family="hard",
    ),
    Activation(
        name="sparse_plus",
        summary="softplus' sparse stand-in: 0 below -1, (x + 1)^2 / 4 between, x above "
        "(jax.nn); continuously differentiable, f'' jumps at +-1.",
        latex=r"\begin{cases} 0 & x \le -1 \\ (x + 1)^2/4 & -1 < x < 1 \\ x & x \ge 1 "
        r"\end{cases}",
        derivative_latex=r"\tfrac{1}{2}\min(\max(x + 1, 0), 2)",
        forward=_sparse_plus,
        derivative=_sparse_plus_derivative,
        symbolic=lambda sp, x, p: sp.Piecewise((0, x <= -1), (x, x >= 1), ((x + 1) ** 2 / 4, True)),
        kinks=(
            Kink(-1.0, "f' is continuous: f'(-1) = 0; only f'' jumps"),
            Kink(1.0, "f' is continuous: f'(1) = 1; only f'' jumps"),
        ),
        properties=Properties(
            range=(0.0, math.inf),
            monotonic=True,
            smooth=False,
            zero_centred=False,
            saturating=True,
        ),
        reference="Martins & Astudillo 2016 (arXiv:1602.02068); jax.nn.sparse_plus",
        family="hard",
    ),
)
