"""Optimisers as records with explicit state: SGD, momentum and Adam, with L1/L2 on weights.

``state = init_state(opt, model)`` makes the state (zeros); ``step(opt, model, grads, state)``
updates the model's arrays and the state in place. The update rules are PyTorch's (so a run can be
checked against ``torch.optim``):

* ``sgd``: p <- p - lr g
* ``momentum``: v <- mu v + g; p <- p - lr v (Nesterov: p <- p - lr (g + mu v))
* ``adam``: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
  p <- p - lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps)

L2 adds ``l2 * W`` and L1 adds ``l1 * sign(W)`` to the gradient of each *weight* matrix (not to
biases nor activation parameters), before the rule above, as TensorFlow Playground does.
``lr`` may be a (K,) array: one learning rate per stacked model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.nn.engine import Grads
from actlab.nn.model import Model, parameters
from actlab.registry import Registry


@dataclass(frozen=True)
class Optimizer:
    """An update rule and its hyper-parameters."""

    #: "sgd", "momentum" or "adam"
    name: str
    #: learning rate: a number, or a (K,) array with one per model
    lr: float | np.ndarray
    #: momentum coefficient mu ("momentum")
    momentum: float = 0.0
    nesterov: bool = False
    #: Adam's decay rates and epsilon
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    #: regularisation strengths on the weights
    l1: float = 0.0
    l2: float = 0.0


@dataclass
class OptState:
    """An optimiser's running state: the step count and per-parameter buffers."""

    #: updates taken so far
    step: int = 0
    #: slots[i]: the buffers for parameters(model)[i] ([] for sgd, [v] momentum, [m, v] adam)
    slots: list[list[np.ndarray]] = field(default_factory=list)


def sgd(lr: float | np.ndarray = 0.1, *, l1: float = 0.0, l2: float = 0.0) -> Optimizer:
    """Plain stochastic gradient descent."""
    return _checked(Optimizer("sgd", lr, l1=l1, l2=l2))


def momentum(
    lr: float | np.ndarray = 0.1,
    beta: float = 0.9,
    *,
    nesterov: bool = False,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Optimizer:
    """SGD with (heavy-ball or Nesterov) momentum."""
    return _checked(Optimizer("momentum", lr, momentum=beta, nesterov=nesterov, l1=l1, l2=l2))


def adam(
    lr: float | np.ndarray = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
) -> Optimizer:
    """Adam (Kingma & Ba 2015)."""
    return _checked(Optimizer("adam", lr, beta1=beta1, beta2=beta2, eps=eps, l1=l1, l2=l2))


def _checked(opt: Optimizer) -> Optimizer:
    lr = np.asarray(opt.lr, dtype=float)
    if not (np.all(np.isfinite(lr)) and np.all(lr >= 0)):
        raise ActlabError(f"learning rate must be finite and >= 0, got {opt.lr}")
    if lr.ndim > 1:
        raise ActlabError("lr must be a number or a (K,) array")
    if min(opt.l1, opt.l2) < 0 or not 0 <= opt.momentum < 1:
        raise ActlabError("l1, l2 must be >= 0 and momentum in [0, 1)")
    if not (0 <= opt.beta1 < 1 and 0 <= opt.beta2 < 1 and opt.eps > 0):
        raise ActlabError("Adam needs 0 <= beta1, beta2 < 1 and eps > 0")
    return opt


def init_state(opt: Optimizer, model: Model) -> OptState:
    """Zero buffers for each of the model's parameters."""
    count = RULES.lookup(opt.name).slots
    if opt.name == "momentum" and opt.momentum == 0:
        count = 0
    return OptState(0, [[np.zeros_like(p) for _ in range(count)] for p in parameters(model)])


def step(opt: Optimizer, model: Model, grads: Grads, state: OptState) -> None:
    """One update of every parameter of ``model`` (in place), and of ``state``."""
    params = parameters(model)
    gradients = parameters(grads)
    if len(state.slots) != len(params):
        raise ActlabError("optimiser state does not match the model; make it with init_state")
    rule = RULES.lookup(opt.name)
    state.step += 1
    n_weights = 2 * model.depth
    for i, (p, g) in enumerate(zip(params, gradients)):
        if i < n_weights and i % 2 == 0 and (opt.l1 or opt.l2):
            g = g + opt.l2 * p if opt.l2 else g.copy()
            if opt.l1:
                g += opt.l1 * np.sign(p)
        lr = _per_model(opt.lr, p)
        rule.update(opt, p, g, state.slots[i], lr, state.step)


def _per_model(lr: float | np.ndarray, p: np.ndarray) -> float | np.ndarray:
    if np.ndim(lr) == 0:
        return float(lr)
    a = np.asarray(lr, p.dtype)
    if a.shape != (p.shape[0],):
        raise ActlabError(f"lr has shape {a.shape}; the stack has {p.shape[0]} models")
    return a.reshape(-1, *([1] * (p.ndim - 1)))


def _sgd(opt: Optimizer, p: np.ndarray, g: np.ndarray, slots: list, lr, t: int) -> None:
    p -= lr * g


def _momentum(opt: Optimizer, p: np.ndarray, g: np.ndarray, slots: list, lr, t: int) -> None:
    if not slots:
        p -= lr * g
        return
    (v,) = slots
    v *= opt.momentum
    v += g
    p -= lr * (g + opt.momentum * v if opt.nesterov else v)


def _adam(opt: Optimizer, p: np.ndarray, g: np.ndarray, slots: list, lr, t: int) -> None:
    m, v = slots
    m *= opt.beta1
    m += (1 - opt.beta1) * g
    v *= opt.beta2
    v += (1 - opt.beta2) * (g * g)
    denom = np.sqrt(v) / np.sqrt(1 - opt.beta2**t) + opt.eps
    p -= (lr / (1 - opt.beta1**t)) * m / denom


@dataclass(frozen=True)
class Rule:
    """An optimiser's record: how to build it, its state and its update, and torch's twin."""

    name: str
    summary: str
    #: (lr=..., **options) -> Optimizer with this rule's defaults
    build: Callable[..., Optimizer]
    #: buffers kept per parameter
    slots: int
    #: (opt, p, g, slots, lr, t): one update of p in place
    update: Callable[..., None]
    #: torch.optim's class name and the options that make it this rule (compare's torch backend)
    torch: tuple[str, dict[str, float]]
    aliases: tuple[str, ...] = ()


_MU = {"momentum": 0.9}

#: every optimiser by name: what ``--optimizer`` accepts everywhere
RULES: Registry[Rule] = Registry(
    "optimiser",
    [
        Rule("sgd", "plain SGD", sgd, 0, _sgd, ("SGD", {})),
        Rule(
            "momentum", "SGD with momentum 0.9", momentum, 1, _momentum, ("SGD", {"momentum": 0.9})
        ),
        Rule("adam", "Adam", adam, 2, _adam, ("Adam", {})),
    ],
)
NAMES = tuple(RULES.names())


def make(name: str, lr: float | np.ndarray | None = None, **options: float) -> Optimizer:
    """An optimiser by name (for command lines): ``make("adam", lr=0.01)``."""
    kwargs: dict[str, Any] = dict(options)
    if lr is not None:
        kwargs["lr"] = lr
    return RULES.lookup(name).build(**kwargs)
