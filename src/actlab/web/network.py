"""One playground network: its data, features and training rule, over actlab's NumPy engine.

TF Playground's rules, kept so that a setup trains as it does there: weights start uniform in
[-0.5, 0.5] and biases at 0.1; an epoch is one pass over the training points in their fixed
shuffled order, one SGD update per batch (the mean gradient of the batch); L1/L2 act on weights
only, scaled by the learning rate; classification with squared loss puts tanh on the output and
targets at -1/+1; the loss it reports is 1/2 mean (output - target)^2. Beyond it: cross-entropy
(sigmoid for two classes, softmax for more) and per-layer activations.

The engine does the work (:class:`actlab.nn.FusedSGD`: the engine's forward, backward and SGD
fused for one small network, checked against them; the engine's losses); this module only
arranges the data and reads out what the page draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import actlab
from actlab import nn
from actlab.data import toy
from actlab.nn.fused import FusedSGD, augmented
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
#: the networks train in float32, as torch and Keras do by default (TF Playground's JavaScript
#: uses doubles): every catalog kernel's float32 path is within 1.5 ulp, while the float64 paths'
#: last-bit machinery (double-double sums, tables about the derivative's root) costs up to 10x
#: more on a batch of ten, which made GELU or Mish ten times slower than tanh here
DTYPE = np.float32


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
    #: the SGD loop over the training points (the model's arrays are views of its own)
    loop: FusedSGD
    #: the training then the test points as one layer input (features, ones), (n_0 + 1, N)
    inputs_eval: np.ndarray
    targets_train: np.ndarray
    targets_test: np.ndarray
    #: the heatmap's cells as a layer input
    inputs_grid: np.ndarray
    epoch: int = 0
    #: batches done of the current epoch (an update may stop mid-epoch)
    step: int = 0
    #: seconds spent training (not evaluating, not drawing)
    seconds: float = 0.0

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
    model = nn.mlp(sizes, hidden, output=out, seed=setup.seed, dtype=DTYPE)
    _tf_initialise(model, setup.seed, setup.init_zero)
    optimizer = nn.sgd(
        setup.learning_rate,
        l1=setup.reg_rate if setup.regularization == "l1" else 0.0,
        l2=setup.reg_rate if setup.regularization == "l2" else 0.0,
    )
    scale = 0.5 if loss_name == "mse" else 1.0
    inputs_train = features(data.X_train, setup.features)
    targets_train = _targets(data.y_train, loss_name, data.problem)
    inputs_test = features(data.X_test, setup.features)
    loop = FusedSGD(
        model, loss_name, optimizer, inputs_train, targets_train, setup.batch_size, scale=scale
    )
    return Network(
        setup=setup,
        data=data,
        hidden=hidden,
        model=model,
        loss=nn.losses.lookup(loss_name),
        loss_scale=scale,
        loop=loop,
        inputs_eval=augmented(np.concatenate([inputs_train, inputs_test]), DTYPE),
        targets_train=targets_train,
        targets_test=_targets(data.y_test, loss_name, data.problem),
        inputs_grid=augmented(features(grid_points(), setup.features), DTYPE),
    )


def _tf_initialise(model: nn.Model, seed: int, zero: bool = False) -> None:
    # TF Playground: every weight Math.random() - 0.5 (0 with initZero), every bias 0.1
    rng = np.random.default_rng([seed, 1])
    for w, b in zip(model.weights, model.biases):
        w[...] = 0.0 if zero else rng.uniform(-0.5, 0.5, w.shape)
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
    train_steps(net, epochs * len(net.loop.batches))


def train_steps(net: Network, steps: int) -> None:
    """``steps`` SGD updates, going on from where the last call stopped (mid-epoch or not)."""
    start = time.perf_counter()
    per_epoch = len(net.loop.batches)
    net.loop.steps(net.step, steps)
    net.epoch, net.step = divmod(net.epoch * per_epoch + net.step + steps, per_epoch)
    net.seconds += time.perf_counter() - start


def train_within(nets: list[Network], steps: int, seconds: float) -> None:
    """Up to ``steps`` SGD updates of each net (in lockstep, so a race stays fair), stopping once
    ``seconds`` have passed: a long epoch is split across updates instead of holding one. At
    least one update runs."""
    deadline = time.perf_counter() + seconds
    done, chunk = 0, 1
    while done < steps:
        start = time.perf_counter()
        for net in nets:
            train_steps(net, chunk)
        done += chunk
        now = time.perf_counter()
        left, each = deadline - now, (now - start) / chunk
        if left <= 0:
            return
        # aim at half the time left, so the last chunk overshoots the deadline by little
        fit = int(left / each / 2) if each > 0 else steps
        chunk = max(1, min(steps - done, fit))


def progress(net: Network) -> float:
    """Epochs trained, with the fraction of the current one (3.4: four tenths into epoch 4)."""
    return round(net.epoch + net.step / len(net.loop.batches), 3)


def diverged(net: Network) -> bool:
    """Whether training blew up (a weight is no longer finite)."""
    return not all(np.isfinite(p).all() for p in net.loop.packed)


def evaluate(net: Network, gradients: bool = True) -> dict:
    """Loss and accuracy on both sets, and (``gradients``) per layer the gradient magnitude and
    saturation."""
    n = len(net.targets_train)
    pre, post = net.loop.forward(net.inputs_eval)  # training and test points in one pass
    train, test = post[-1][:, :n].T[None], post[-1][:, n:].T[None]
    has_test = test.shape[1] > 0
    stats = {
        "epoch": progress(net),
        "train_loss": _loss(net, train, net.targets_train),
        "test_loss": _loss(net, test, net.targets_test) if has_test else None,
        "train_acc": _accuracy(net, train, net.data.y_train),
        "test_acc": _accuracy(net, test, net.data.y_test) if has_test else None,
    }
    if not gradients:
        return stats
    grad = net.loss.gradient(train, net.targets_train)[0].T * net.loss_scale
    deltas, slopes = net.loop.backward([h[:, :n] for h in pre], grad)
    return {
        **stats,
        # root mean square of dL/dh at each layer (the mean over the batch is the loss's, so
        # scale back to one example's gradient)
        "grad": [_finite(_rms(d) * n) for d in deltas],
        "saturation": [
            _saturation(net, layer, slopes[layer]) for layer in range(len(net.setup.layers))
        ],
    }


def _rms(a: np.ndarray) -> float:
    wide = a.astype(np.float64)  # a vanishing gradient's square would underflow in float32
    return float(np.sqrt(np.vdot(wide, wide) / wide.size))


def _loss(net: Network, output: np.ndarray, targets: np.ndarray) -> float | None:
    return _finite(float(net.loss.value(output, targets)[0]) * net.loss_scale)


def _accuracy(net: Network, output: np.ndarray, labels: np.ndarray) -> float | None:
    if net.data.problem != "classification":
        return None
    return np.count_nonzero(_predicted_class(net, output[0]) == labels) / len(labels)


def _predicted_class(net: Network, out: np.ndarray) -> np.ndarray:
    if out.shape[1] > 1:
        return np.argmax(out, axis=1)
    return (out[:, 0] >= 0).astype(np.int64)  # tanh output or a logit: the boundary is 0


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _saturation(net: Network, layer: int, slope: np.ndarray) -> list[float]:
    """Per unit, the fraction of training points where |f'| is under 1% of its largest value
    (the engine's measure of saturation, kept per unit); ``slope`` is f'(h)
    feature-major, (units, points)."""
    peak = max_abs_derivative(net.model.activations[layer][0])
    fraction = np.count_nonzero(~(np.abs(slope) >= 0.01 * peak), axis=1) / slope.shape[1]
    return [round(float(v), 3) for v in fraction]


def heatmaps(net: Network, units: bool = True) -> dict:
    """The output over the 100 x 100 grid and (with ``units``) each unit's thumbnail, as bytes
    (value in [-1, 1] to 0..255, row-major from the top-left); softmax outputs add the winning
    class per cell."""
    _, post = net.loop.forward(net.inputs_grid)
    out = post[-1]
    kind = net.output_kind
    heat: dict = {"kind": kind, "size": GRID}
    if kind == "softmax":
        p = np.exp(out - out.max(axis=0))
        p /= p.sum(axis=0)
        value = 2.0 * p.max(axis=0) - 1.0
        heat["classes"] = np.argmax(p, axis=0).astype(np.uint8).tobytes()
    else:
        value = out[0]
        if kind == "sigmoid":
            value = np.tanh(value / 2.0)  # 2 sigmoid(o) - 1, the probability on the -1..1 scale
    heat["output"] = quantise(value).tobytes()
    if units:
        step = THUMB_STEP
        heat["thumb"] = GRID // step
        heat["units"] = [
            [u.tobytes() for u in quantise(a.reshape(-1, GRID, GRID)[:, ::step, ::step])]
            for a in post[:-1]
        ]
    return heat


def input_heatmaps(names: tuple[str, ...]) -> list[bytes]:
    """The thumbnail of each input feature (they never change while training)."""
    pts = grid_points()
    step = THUMB_STEP
    return [
        quantise(
            FEATURE_FUNCTIONS[n](pts[:, 0], pts[:, 1]).reshape(GRID, GRID)[::step, ::step] / 6
        ).tobytes()
        for n in names
    ]


def quantise(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] as uint8 0..255 (outside clipped, NaN in the middle)."""
    v = np.clip(values, -1.0, 1.0)
    v[np.isnan(v)] = 0.0
    v += 1.0
    v *= 127.5
    return np.rint(v, out=v).astype(np.uint8)


def weights(net: Network, digits: int | None = 5) -> dict:
    """Weights ``[layer][source][target]`` and biases ``[layer][unit]``, rounded for the wire
    (``digits=None``: exact, for export files)."""

    def plain(a: np.ndarray) -> list:
        wide = a.astype(np.float64)  # rounded in float32, 1.49974 would come out 1.4997400045
        return (wide if digits is None else np.round(wide, digits)).tolist()

    return {
        "weights": [plain(w[0]) for w in net.model.weights],
        "biases": [plain(b[0]) for b in net.model.biases],
    }
