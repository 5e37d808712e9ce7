"""Training and measuring helpers over the engine: one step, predictions, per-layer statistics."""

from __future__ import annotations

import functools

import numpy as np

from actlab.analysis import max_slope
from actlab.catalog import Function
from actlab.nn.engine import Cache, backward, derivative, forward
from actlab.nn.losses import Loss, lookup
from actlab.nn.model import Model
from actlab.nn.optim import Optimizer, OptState, step


def train_step(
    model: Model,
    loss: str | Loss,
    opt: Optimizer,
    state: OptState,
    inputs: np.ndarray,
    targets: np.ndarray,
) -> np.ndarray:
    """Forward (training mode), loss, backward, one optimiser step; returns the (K,) losses
    before the step."""
    fn = lookup(loss)
    cache = forward(model, inputs, train=True)
    values = fn.value(cache.output, targets)
    grads = backward(model, cache, fn.gradient(cache.output, targets))
    step(opt, model, grads, state)
    return values


def predict(model: Model, inputs: np.ndarray) -> np.ndarray:
    """The outputs (K, B, n_L) in evaluation mode."""
    return forward(model, inputs).output


def mean_square(a: np.ndarray) -> np.ndarray:
    """Mean of a^2 over everything but the first (model) axis: (K, ...) -> (K,).

    For a back-propagated gradient dL/dh (zero-mean at initialisation) this is its variance.
    """
    return np.mean(np.square(a, dtype=np.float64), axis=tuple(range(1, a.ndim)))


def saturation(model: Model, cache: Cache, threshold: float = 0.01) -> np.ndarray:
    """Fraction of units per layer and model whose |f'(h)| is below ``threshold`` times the
    activation's largest |f'|: (depth, K). (actlab's measure of saturation; Glorot & Bengio
    2010 plotted the activation values themselves.)"""
    out = np.zeros((model.depth, model.k))
    for i in range(model.depth):
        slope = cache.slopes[i]
        d = np.abs(slope if slope is not None else derivative(model, i, cache.pre[i]))
        peaks = np.array([max_abs_derivative(f) for f in model.activations[i]], d.dtype)
        out[i] = np.mean(d < threshold * peaks[:, None, None], axis=(1, 2))
    return out


@functools.lru_cache(maxsize=256)
def _peak(spec: str, record_id: int, function: Function) -> float:
    return max_slope(function).value


def max_abs_derivative(f: Function) -> float:
    """sup |f'(x)| over the reals (0.25 for sigmoid, 1 for tanh and ReLU, inf where f' is
    unbounded): :func:`actlab.analysis.max_slope`'s value, cached per activation."""
    return _peak(f.spec, id(f.record), f)
