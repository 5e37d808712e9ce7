"""One playground network: its data, features and training rule, over actlab's NumPy engine.

TF Playground's rules, kept so that a setup trains as it does there: weights start uniform in
[-0.5, 0.5] and biases at 0.1; an epoch is one pass over the training points in their fixed
shuffled order, one SGD update per batch (the mean gradient of the batch); L1/L2 act on weights
only, scaled by the learning rate; classification with squared loss puts tanh on the output and
targets at -1/+1; the loss it reports is 1/2 mean (output - target)^2. Beyond it: cross-entropy
(sigmoid for two classes, softmax for more) and per-layer activations.

The engine does the work (:func:`actlab.nn.forward`, :func:`actlab.nn.backward`, its losses and
SGD); this module only arranges the data and reads out what the page draws.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

import actlab
from actlab import nn
from actlab.data import toy
from actlab.nn.train import max_abs_derivative
from actlab.web.state import Setup

#: TF Playground's input features, as functions of the point (x1, x2)
FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1sq": lambda a, b: a * a,
    "x2sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: np.sin(a),
    "sinx2": lambda a, b: np.sin(b),
}

#: the output heatmap is GRID x GRID cells over [-6, 6]^2 (TF Playground's density), thumbnails
#: take every THUMB_STEP-th cell
GRID = 100
THUMB_STEP = 2


def features(X: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The feature matrix ``(n, len(names))`` of points ``X`` ``(n, 2)``."""
    return np.column_stack([FEATURE_FUNCTIONS[f](X[:, 0], X[:, 1]) for f in names])


@lru_cache(maxsize=1)
def grid_points() -> np.ndarray:
    """Cell positions of the heatmap, row-major from the top-left (x = -6, x2 = +6)."""
    axis = np.linspace(-toy.BOX, toy.BOX, GRID)
    gx, gy = np.meshgrid(axis, axis[::-1])
    return np.column_stack([gx.ravel(), gy.ravel()])


@dataclass
class Data:
    """Points split into training and test sets (TF Playground splits its shuffled points)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    problem: str
    classes: int

    @classmethod
    def make(cls, X: np.ndarray, y: np.ndarray, train_ratio: int) -> Data:
        cut = max(1, min(len(X) - 1, round(len(X) * train_ratio / 100)))
        problem = toy.problem_of(y)
        classes = int(y.max()) + 1 if problem == "classification" else 0
        return cls(X[:cut], y[:cut], X[cut:], y[cut:], problem, classes)


def make_data(setup: Setup, csv_points: tuple[np.ndarray, np.ndarray] | None) -> Data:
    """The setup's points: a toy set drawn with its seed, or the user's CSV points."""
    if setup.dataset == "csv":
        if csv_points is None:
            raise actlab.ActlabError("dataset: no CSV points loaded yet")
        X, y = csv_points
        if toy.problem_of(y) != setup.problem:
            raise actlab.ActlabError(f"problem: your CSV points are for {toy.problem_of(y)}")
        order = np.random.default_rng(setup.seed).permutation(len(X))
        return Data.make(X[order], y[order], setup.train_ratio)
    n = setup.points or None
    classes = setup.classes if toy.TOY_DATASETS[setup.dataset].multiclass else None
    X, y = toy.generate(setup.dataset, n, setup.noise, setup.seed, classes=classes)
    return Data.make(X, y, setup.train_ratio)


@dataclass
class Network:
    """A model being trained on some data by the playground's rules."""

    setup: Setup
    data: Data
    #: hidden activation specs actually used (a race overrides the setup's)
    hidden: list[str]
    model: nn.Model
    loss: nn.Loss
    #: 1/2 for squared loss (TF Playground's 1/2 (o - t)^2), 1 otherwise
    loss_scale: float
    optimizer: nn.Optimizer
    opt_state: nn.OptState
    inputs_train: np.ndarray
    targets_train: np.ndarray
    inputs_test: np.ndarray
    targets_test: np.ndarray
    inputs_grid: np.ndarray
    epoch: int = 0
    #: seconds spent training (not evaluating, not drawing)
    seconds: float = 0.0
    history: list[tuple[int, float | None, float | None]] = field(default_factory=list)

    @property
    def output_kind(self) -> str:
        """'tanh' (squared loss, -1/+1), 'sigmoid' (one logit), 'softmax' or 'linear'."""
        if self.data.problem == "regression":
            return "linear"
        if self.loss.name == "mse":
            return "tanh"
        return "sigmoid" if self.model.sizes[-1] == 1 else "softmax"


def build(setup: Setup, data: Data, hidden: list[str] | None = None) -> Network:
    """A fresh network for ``setup`` on ``data``: activations resolved by ``actlab.get``."""
    hidden = hidden if hidden is not None else setup.hidden_activations()
    classes = data.classes
    if data.problem == "regression":
        out, loss_name, width = "identity", "mse", 1
    elif setup.loss == "mse":
        if classes > 2:
            raise actlab.ActlabError("loss: more than two classes needs cross_entropy")
        out, loss_name, width = "tanh", "mse", 1
    elif classes > 2:
        out, loss_name, width = "identity", "cross_entropy", classes
    else:
        out, loss_name, width = "identity", "binary_cross_entropy", 1
    sizes = [len(setup.features), *setup.layers, width]
    model = nn.mlp(sizes, hidden, output=out, seed=setup.seed, dtype=np.float64)
    _tf_initialise(model, setup.seed)
    optimizer = nn.sgd(
        setup.learning_rate,
        l1=setup.reg_rate if setup.regularization == "l1" else 0.0,
        l2=setup.reg_rate if setup.regularization == "l2" else 0.0,
    )
    return Network(
        setup=setup,
        data=data,
        hidden=hidden,
        model=model,
        loss=nn.losses.lookup(loss_name),
        loss_scale=0.5 if loss_name == "mse" else 1.0,
        optimizer=optimizer,
        opt_state=nn.init_state(optimizer, model),
        inputs_train=features(data.X_train, setup.features),
        targets_train=_targets(data.y_train, loss_name, data.problem),
        inputs_test=features(data.X_test, setup.features),
        targets_test=_targets(data.y_test, loss_name, data.problem),
        inputs_grid=features(grid_points(), setup.features),
    )


def _tf_initialise(model: nn.Model, seed: int) -> None:
    # TF Playground: every weight Math.random() - 0.5, every bias 0.1
    rng = np.random.default_rng([seed, 1])
    for w, b in zip(model.weights, model.biases):
        w[...] = rng.uniform(-0.5, 0.5, w.shape)
        b[...] = 0.1


def _targets(y: np.ndarray, loss_name: str, problem: str) -> np.ndarray:
    if problem == "regression":
        return y.astype(np.float64)
    if loss_name == "mse":
        return 2.0 * y - 1.0  # TF Playground's -1/+1 labels
    if loss_name == "binary_cross_entropy":
        return y.astype(np.float64)
    return y


def train_epochs(net: Network, epochs: int) -> None:
    """``epochs`` passes over the training set, one SGD update per batch."""
    import time

    X, t = net.inputs_train, net.targets_train
    size = net.setup.batch_size
    start = time.perf_counter()
    for _ in range(epochs):
        for lo in range(0, len(X), size):
            cache = nn.forward(net.model, X[lo : lo + size], train=True)
            grad = net.loss.gradient(cache.output, t[lo : lo + size])
            if net.loss_scale != 1.0:
                grad *= net.loss_scale
            nn.step(net.optimizer, net.model, nn.backward(net.model, cache, grad), net.opt_state)
        net.epoch += 1
    net.seconds += time.perf_counter() - start


def diverged(net: Network) -> bool:
    """Whether training blew up (a weight is no longer finite)."""
    return not all(np.isfinite(w).all() for w in net.model.weights)


def evaluate(net: Network) -> dict:
    """Loss and accuracy on both sets, and per layer the gradient magnitude and saturation."""
    cache = nn.forward(net.model, net.inputs_train)
    grad = net.loss.gradient(cache.output, net.targets_train) * net.loss_scale
    grads = nn.backward(net.model, cache, grad)
    test = nn.forward(net.model, net.inputs_test).output if len(net.inputs_test) else None
    train_loss = _loss(net, cache.output, net.targets_train)
    test_loss = _loss(net, test, net.targets_test) if test is not None else None
    net.history.append((net.epoch, train_loss, test_loss if test_loss is not None else train_loss))
    del net.history[:-2000]
    return {
        "epoch": net.epoch,
        "train_loss": train_loss,
        "test_loss": test_loss,
        "train_acc": _accuracy(net, cache.output, net.data.y_train),
        "test_acc": _accuracy(net, test, net.data.y_test) if test is not None else None,
        # root mean square of dL/dh at each layer (the mean over the batch is the loss's, so
        # scale back to one example's gradient)
        "grad": [_finite(np.sqrt(np.mean(d * d)) * len(net.inputs_train)) for d in grads.deltas],
        "saturation": [
            _saturation(net, layer, cache.pre[layer]) for layer in range(len(net.setup.layers))
        ],
    }


def _loss(net: Network, output: np.ndarray | None, targets: np.ndarray) -> float | None:
    if output is None:
        return None
    return _finite(float(net.loss.value(output, targets)[0]) * net.loss_scale)


def _accuracy(net: Network, output: np.ndarray | None, labels: np.ndarray) -> float | None:
    if output is None or net.data.problem != "classification":
        return None
    return float(np.mean(_predicted_class(net, output[0]) == labels))


def _predicted_class(net: Network, out: np.ndarray) -> np.ndarray:
    if out.shape[1] > 1:
        return np.argmax(out, axis=1)
    return (out[:, 0] >= 0).astype(np.int64)  # tanh output or a logit: the boundary is 0


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _saturation(net: Network, layer: int, pre: np.ndarray) -> list[float]:
    """Per unit, the fraction of training points where |f'| is under 1% of its largest value
    (the engine's measure of saturation, Glorot & Bengio's, kept per unit)."""
    f = net.model.activations[layer][0]
    peak = max_abs_derivative(f)
    slope = np.abs(nn.derivative(net.model, layer, pre))[0]
    fraction = np.mean(~(slope >= 0.01 * peak), axis=0)
    return [round(float(v), 3) for v in np.atleast_1d(fraction)]


def heatmaps(net: Network, units: bool = True) -> dict:
    """The output over the 100 x 100 grid and (with ``units``) each unit's thumbnail, as base64
    bytes (value in [-1, 1] to 0..255); softmax outputs add the winning class per cell."""
    cache = nn.forward(net.model, net.inputs_grid)
    out = cache.output[0]
    kind = net.output_kind
    heat: dict = {"kind": kind, "size": GRID}
    if kind == "softmax":
        z = out - out.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        heat["output"] = _bytes(2.0 * p.max(axis=1) - 1.0)
        heat["classes"] = base64.b64encode(np.argmax(p, axis=1).astype(np.uint8)).decode()
    else:
        value = out[:, 0]
        if kind == "sigmoid":
            value = np.tanh(value / 2.0)  # 2 sigmoid(o) - 1, the probability on the -1..1 scale
        heat["output"] = _bytes(value)
    if units:
        step = THUMB_STEP
        heat["thumb"] = GRID // step
        heat["units"] = [
            [_bytes(a[0, :, j].reshape(GRID, GRID)[::step, ::step]) for j in range(a.shape[2])]
            for a in cache.post[:-1]
        ]
    return heat


def input_heatmaps(names: tuple[str, ...]) -> list[str]:
    """The thumbnail of each input feature (they never change while training)."""
    pts = grid_points()
    step = THUMB_STEP
    return [
        _bytes(FEATURE_FUNCTIONS[n](pts[:, 0], pts[:, 1]).reshape(GRID, GRID)[::step, ::step] / 6)
        for n in names
    ]


def _bytes(values: np.ndarray) -> str:
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
    q = np.rint((np.clip(v, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode()


def weights(net: Network, digits: int | None = 5) -> dict:
    """Weights ``[layer][source][target]`` and biases ``[layer][unit]``, rounded for the wire
    (``digits=None``: exact, for export files)."""

    def plain(a: np.ndarray) -> list:
        return (a if digits is None else np.round(a, digits)).tolist()

    return {
        "weights": [plain(w[0]) for w in net.model.weights],
        "biases": [plain(b[0]) for b in net.model.biases],
    }
