"""Losses: one small record each, mean over the batch, one value per stacked model.

``value(output, target)`` gives a (K,) array, model k's loss on its batch; ``gradient(output,
target)`` gives dL_k/d(output), (K, B, n), which is what :func:`actlab.nn.backward` takes.
The conventions are PyTorch's (``reduction="mean"``):

* ``mse``: mean over batch and outputs of (output - target)^2 (``nn.MSELoss``).
* ``cross_entropy``: softmax cross-entropy on logits with integer class labels, mean over the
  batch (``nn.CrossEntropyLoss``); the output layer's activation should be the identity.
* ``binary_cross_entropy``: sigmoid cross-entropy on logits with 0/1 targets, mean over batch and
  outputs (``nn.BCEWithLogitsLoss``); computed as max(o, 0) - o t + log1p(exp(-|o|)), which never
  overflows.

Targets may be shared, (B, n) (or (B,) labels), or one batch per model, (K, B, n) (or (K, B)).

>>> import numpy as np
>>> out = np.array([[[0.0, 0.0]]])                 # K=1 model, B=1 example, 2 logits
>>> float(lookup("cross_entropy").value(out, np.array([1]))[0])  # log 2
0.6931471805599453
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.errors import ActlabError
from actlab.registry import Registry

Values = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Loss:
    """A loss on the network's output."""

    name: str
    summary: str
    #: (output (K, B, n), target) -> (K,) mean loss per model
    value: Values
    #: (output, target) -> dL_k/d(output), (K, B, n)
    gradient: Values
    #: (targets (N,) or (N, n), n, dtype) -> the targets feature-major, (n, N), as
    #: :attr:`fused` takes them (one-hot columns for class labels)
    columns: Callable[[np.ndarray, int, np.dtype], np.ndarray]
    #: (output (n, b), target columns (n, b), g, c) -> c * dL/d(output) written into g: the
    #: gradient of one model's batch, feature-major, for :class:`actlab.nn.FusedSGD`
    fused: Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]
    aliases: tuple[str, ...] = ()


def _dense_targets(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    t = np.asarray(target)
    if t.dtype.kind not in "biuf":
        raise ActlabError(f"targets must be numbers, got dtype {t.dtype}")
    t = t.astype(output.dtype, copy=False)
    _, b, n = output.shape
    if n == 1 and t.shape[-1:] == (b,):
        t = t[..., None]
    if t.shape not in ((b, n), (output.shape[0], b, n)):
        raise ActlabError(f"targets have shape {np.shape(target)}; the output is {output.shape}")
    return t


def _labels(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    t = np.asarray(target)
    k, b, c = output.shape
    if t.dtype.kind not in "biu" or t.shape not in ((b,), (k, b)):
        raise ActlabError(
            f"cross-entropy needs integer labels of shape ({b},) or ({k}, {b}), "
            f"got {t.dtype} {t.shape}"
        )
    if t.size and (t.min() < 0 or t.max() >= c):
        raise ActlabError(f"labels must lie in 0..{c - 1}, got {t.min()}..{t.max()}")
    return np.broadcast_to(t, (k, b))


def _mse_value(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    d = output - _dense_targets(output, target)
    return np.mean(d * d, axis=(1, 2))


def _mse_gradient(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    d = output - _dense_targets(output, target)
    return d * output.dtype.type(2.0 / (output.shape[1] * output.shape[2]))


def _log_softmax(output: np.ndarray) -> np.ndarray:
    # subtracting the row max keeps exp from overflowing; the result is exact either way
    z = output - output.max(axis=2, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=2, keepdims=True))


def _ce_value(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    y = _labels(output, target)
    logp = np.take_along_axis(_log_softmax(output), y[..., None], axis=2)[..., 0]
    return -logp.mean(axis=1)


def _ce_gradient(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    y = _labels(output, target)
    p = np.exp(_log_softmax(output))
    k, b, _ = output.shape
    p[np.arange(k)[:, None], np.arange(b)[None, :], y] -= 1.0
    p *= output.dtype.type(1.0 / b)
    return p


def _bce_value(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    t = _dense_targets(output, target)
    loss = np.maximum(output, 0) - output * t + np.log1p(np.exp(-np.abs(output)))
    return loss.mean(axis=(1, 2))


def _bce_gradient(output: np.ndarray, target: np.ndarray) -> np.ndarray:
    t = _dense_targets(output, target)
    # sigmoid from exp(-|o|): never overflows
    e = np.exp(-np.abs(output))
    p = np.where(output >= 0, 1.0, e) / (1.0 + e)
    g = (p - t) * (1.0 / (output.shape[1] * output.shape[2]))
    return g.astype(output.dtype, copy=False)


def _value_columns(targets: np.ndarray, width: int, dtype: np.dtype) -> np.ndarray:
    t = np.asarray(targets).astype(dtype).reshape(len(targets), -1)
    if t.shape[1] != width:
        raise ActlabError(f"targets have {t.shape[1]} columns; the output has {width}")
    return np.ascontiguousarray(t.T)


def _onehot_columns(targets: np.ndarray, width: int, dtype: np.dtype) -> np.ndarray:
    t = np.asarray(targets)
    if t.ndim != 1 or t.dtype.kind not in "biu" or (t.size and not 0 <= t.min() <= t.max() < width):
        raise ActlabError(f"cross-entropy needs integer labels 0..{width - 1} of shape (N,)")
    onehot = np.zeros((width, len(t)), dtype)
    onehot[t, np.arange(len(t))] = 1.0
    return onehot


def _mse_fused(out: np.ndarray, target: np.ndarray, g: np.ndarray, c: float) -> np.ndarray:
    np.subtract(out, target, out=g)
    g *= 2.0 * c / out.size
    return g


def _ce_fused(out: np.ndarray, target: np.ndarray, g: np.ndarray, c: float) -> np.ndarray:
    # softmax over the classes (axis 0), minus the one-hot target
    np.subtract(out, out.max(axis=0), out=g)
    np.exp(g, out=g)
    g /= g.sum(axis=0)
    g -= target
    g *= c / out.shape[1]
    return g


def _bce_fused(out: np.ndarray, target: np.ndarray, g: np.ndarray, c: float) -> np.ndarray:
    _sigmoid(out, g)
    g -= target
    g *= c / out.size
    return g


@functools.cache
def _sigmoid_kernel() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    from actlab.catalog import lookup

    kernel: Callable[[np.ndarray, np.ndarray], np.ndarray] = lookup("sigmoid").forward
    return kernel


def _sigmoid(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return _sigmoid_kernel()(x, out)


LOSSES = (
    Loss(
        "mse",
        "mean squared error",
        _mse_value,
        _mse_gradient,
        _value_columns,
        _mse_fused,
        ("mean_squared_error", "l2"),
    ),
    Loss(
        "cross_entropy",
        "softmax cross-entropy on logits, integer labels",
        _ce_value,
        _ce_gradient,
        _onehot_columns,
        _ce_fused,
        ("ce", "softmax_cross_entropy", "nll"),
    ),
    Loss(
        "binary_cross_entropy",
        "sigmoid cross-entropy on logits, 0/1 targets",
        _bce_value,
        _bce_gradient,
        _value_columns,
        _bce_fused,
        ("bce", "logistic"),
    ),
)
#: every loss by name and alias
REGISTRY: Registry[Loss] = Registry("loss", LOSSES)


def lookup(name: str | Loss) -> Loss:
    """The loss called ``name`` (or an alias); a :class:`Loss` is returned as is."""
    if isinstance(name, Loss):
        return name
    return REGISTRY.lookup(name)
