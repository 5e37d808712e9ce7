"""Forward and backward passes of a stacked model, by hand, through the catalog's derivatives.

Notation (for each of the K models, batch of B examples): ``a^0 = X``;
``h^{l+1} = a^l W^l + b^l`` (the pre-activation); ``a^{l+1} = f_l(h^{l+1})``. Backward:
``dL/dh^{l+1} = dL/da^{l+1} * f_l'(h^{l+1})``, ``dL/dW^l = (a^l)^T dL/dh^{l+1}``,
``dL/db^l = sum_batch dL/dh^{l+1}``, ``dL/da^l = dL/dh^{l+1} (W^l)^T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actlab.catalog import Function
from actlab.errors import ActlabError
from actlab.nn.model import Group, Model


@dataclass
class Cache:
    """What a forward pass keeps for the backward pass (and for plots)."""

    #: the input as given: (B, n_0) shared by all models, or (K, B, n_0) one batch per model
    inputs: np.ndarray
    #: pre[l] = h^{l+1}: (K, B, n_{l+1}), the pre-activations of layer l
    pre: list[np.ndarray]
    #: post[l] = a^{l+1} = f_l(h^{l+1}): (K, B, n_{l+1}); post[-1] is the network's output
    post: list[np.ndarray]
    #: slopes[l] = f_l'(h^{l+1}) at the draw used (random activations in training), else None
    slopes: list[np.ndarray | None]
    #: whether random activations (RReLU) drew at random (training) or used their mean
    train: bool

    @property
    def output(self) -> np.ndarray:
        """The network's output, (K, B, n_L)."""
        return self.post[-1]


@dataclass
class Grads:
    """Gradients of the summed loss, shaped like the model's arrays."""

    #: dL/dW^l: (K, n_l, n_{l+1})
    weights: list[np.ndarray]
    #: dL/db^l: (K, n_{l+1})
    biases: list[np.ndarray]
    #: dL/dp for each learnable activation parameter: (K,)
    act_params: list[dict[str, np.ndarray]]
    #: deltas[l] = dL/dh^{l+1}: (K, B, n_{l+1}), the back-propagated gradient at each layer
    deltas: list[np.ndarray]


def forward(model: Model, inputs: np.ndarray, *, train: bool = False) -> Cache:
    """Run all K models on ``inputs``: (B, n_0) shared, or (K, B, n_0).

    With ``train=True`` random activations (RReLU) draw from each model's generator; otherwise they
    use their deterministic (mean) form.
    """
    x = _check_inputs(model, inputs)
    pre, post, slopes = [], [], []
    a = x
    for i in range(model.depth):
        h = np.matmul(a, model.weights[i])
        h += model.biases[i][:, None, :]
        a, slope = _activate(model, i, h, train)
        pre.append(h)
        post.append(a)
        slopes.append(slope)
    return Cache(x, pre, post, slopes, train)


def backward(model: Model, cache: Cache, grad_output: np.ndarray) -> Grads:
    """Back-propagate ``grad_output`` = dL/d(output), (K, B, n_L), through every layer.

    The loss is the sum of the K models' losses, so each model gets its own gradient.
    """
    depth = model.depth
    expected = cache.output.shape
    if grad_output.shape != expected:
        raise ActlabError(f"grad_output has shape {grad_output.shape}, expected {expected}")
    weights: list[np.ndarray] = [np.empty(0)] * depth
    biases: list[np.ndarray] = [np.empty(0)] * depth
    act_params: list[dict[str, np.ndarray]] = [{} for _ in range(depth)]
    deltas: list[np.ndarray] = [np.empty(0)] * depth
    upstream = np.asarray(grad_output, model.dtype)
    for i in reversed(range(depth)):
        slope = cache.slopes[i]
        if slope is None:
            slope = derivative(model, i, cache.pre[i])
        delta = upstream * slope
        act_params[i] = _param_grads(model, i, cache.pre[i], upstream)
        below = cache.post[i - 1] if i > 0 else cache.inputs
        weights[i] = np.matmul(np.swapaxes(below, -1, -2), delta)
        biases[i] = delta.sum(axis=1)
        deltas[i] = delta
        if i > 0:
            upstream = np.matmul(delta, np.swapaxes(model.weights[i], -1, -2))
    return Grads(weights, biases, act_params, deltas)


def derivative(model: Model, layer: int, h: np.ndarray) -> np.ndarray:
    """f_l'(h) for every model's activation after ``layer``: (K, B, n) in, (K, B, n) out."""
    return _evaluate(model, layer, h, lambda f, x: f.derivative(x))


def _activate(
    model: Model, layer: int, h: np.ndarray, train: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    groups = model.groups(layer)
    if not (train and any(g.function.record.sample is not None for g in groups)):
        return _evaluate(model, layer, h, lambda f, x: f(x)), None
    y = np.empty_like(h)
    dy = np.empty_like(h)
    for g in groups:
        f = _bind(model, layer, g)
        if f.record.sample is None:
            y[g.index] = f(h[g.index])
            dy[g.index] = f.derivative(h[g.index])
            continue
        for k in np.arange(model.k)[g.index]:
            # each model draws from its own generator, so a stack equals its models run one by one
            fk = f if not g.learnable else _bind(model, layer, g, int(k))
            y[k], dy[k] = fk.sample(h[k], model.rngs[k])
    return y, dy


def _evaluate(model: Model, layer: int, h: np.ndarray, apply) -> np.ndarray:
    groups = model.groups(layer)
    if len(groups) == 1:
        result: np.ndarray = apply(_bind(model, layer, groups[0]), h)
        return result
    out = np.empty_like(h)
    for g in groups:
        out[g.index] = apply(_bind(model, layer, g), h[g.index])
    return out


def _bind(model: Model, layer: int, group: Group, k: int | None = None) -> Function:
    """The group's activation with its learnable parameters bound: as (k, 1, 1) arrays that
    broadcast over the group's (k, B, n) slice, or as 0-d arrays for the single model ``k``."""
    if not group.learnable:
        return group.function
    params = dict(group.function.params)
    for name in group.learnable:
        values = model.act_params[layer][name]
        params[name] = (
            np.asarray(values[k]) if k is not None else values[group.index].reshape(-1, 1, 1)
        )
    return Function(group.function.record, params)


def _param_grads(
    model: Model, layer: int, h: np.ndarray, upstream: np.ndarray
) -> dict[str, np.ndarray]:
    grads = {name: np.zeros_like(v) for name, v in model.act_params[layer].items()}
    for g in model.groups(layer):
        if not g.learnable:
            continue
        f = _bind(model, layer, g)
        for name in g.learnable:
            local = f.param_gradient(name, h[g.index])
            grads[name][g.index] = np.einsum("kbn,kbn->k", upstream[g.index], local)
    return grads


def _check_inputs(model: Model, inputs: np.ndarray) -> np.ndarray:
    x = np.asarray(inputs)
    if x.dtype.kind not in "biuf":
        raise ActlabError(f"inputs must be numbers, got dtype {x.dtype}")
    x = x.astype(model.dtype, copy=False)
    n0 = model.sizes[0]
    ok = (x.ndim == 2 and x.shape[1] == n0) or (
        x.ndim == 3 and x.shape[0] == model.k and x.shape[2] == n0
    )
    if not ok:
        raise ActlabError(
            f"inputs have shape {x.shape}; expected (B, {n0}) or ({model.k}, B, {n0})"
        )
    return x
