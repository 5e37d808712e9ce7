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

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from actlab.errors import ActlabError

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


LOSSES = (
    Loss("mse", "mean squared error", _mse_value, _mse_gradient, ("mean_squared_error", "l2")),
    Loss(
        "cross_entropy",
        "softmax cross-entropy on logits, integer labels",
        _ce_value,
        _ce_gradient,
        ("ce", "softmax_cross_entropy", "nll"),
    ),
    Loss(
        "binary_cross_entropy",
        "sigmoid cross-entropy on logits, 0/1 targets",
        _bce_value,
        _bce_gradient,
        ("bce", "logistic"),
    ),
)
_BY_NAME = {n: loss for loss in LOSSES for n in (loss.name, *loss.aliases)}


def lookup(name: str | Loss) -> Loss:
    """The loss called ``name`` (or an alias); a :class:`Loss` is returned as is."""
    if isinstance(name, Loss):
        return name
    loss = _BY_NAME.get(name.lower().replace("-", "_"))
    if loss is None:
        close = difflib.get_close_matches(name.lower(), list(_BY_NAME), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ActlabError(
            f"unknown loss {name!r}{hint} (choose from {', '.join(x.name for x in LOSSES)})"
        )
    return loss
