"""Without a non-linearity, depth buys nothing: a stack of linear layers is one linear map.

``x W_0 + b_0`` fed through ``W_1, b_1`` ... ``W_{L-1}, b_{L-1}`` is ``x W + b`` with
``W = W_0 W_1 ... W_{L-1}`` and ``b = (...((b_0 W_1 + b_1) W_2 + b_2) ...)``. :func:`run` trains
a deep identity-activation stack, checks its outputs against that single map, then trains the
same stack and a one-hidden-layer non-linear network on XOR and circle data, beside the best any
linear classifier can do there (found exactly by sweeping every direction in the plane).

>>> r = run(steps=50, seeds=1)
>>> r.max_abs_diff < 1e-12
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab import nn
from actlab.data import experiment
from actlab.limits import MAX_DEPTH, MAX_WIDTH, check_count, check_memory, mlp_bytes

DATASETS = ("xor", "circle")


@dataclass
class DatasetResult:
    """Training accuracies of the linear stack and the non-linear net on one 2-D dataset."""

    name: str
    #: accuracy of the deep linear stack, per seed
    linear: np.ndarray
    #: accuracy of the one-hidden-layer non-linear network, per seed
    nonlinear: np.ndarray
    #: the best accuracy any linear classifier reaches on these points
    best_linear: float
    #: the data and the trained models (for the figure)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    linear_model: nn.Model = field(repr=False)
    nonlinear_model: nn.Model = field(repr=False)


@dataclass
class CollapseReport:
    depth: int
    width: int
    hidden: str
    #: largest |stack(x) - (x W + b)| over the test points and seeds, after training
    max_abs_diff: float
    #: the stack's outputs and the single map's, for the figure: (K, B, 2) each
    stack_outputs: np.ndarray = field(repr=False)
    product_outputs: np.ndarray = field(repr=False)
    datasets: list[DatasetResult] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "depth": self.depth,
            "width": self.width,
            "nonlinear": self.hidden,
            "max_abs_diff": self.max_abs_diff,
            "datasets": {
                d.name: {
                    "linear_accuracy": float(d.linear.mean()),
                    "nonlinear_accuracy": float(d.nonlinear.mean()),
                    "best_linear_accuracy": d.best_linear,
                    "linear_accuracy_per_seed": d.linear.tolist(),
                    "nonlinear_accuracy_per_seed": d.nonlinear.tolist(),
                }
                for d in self.datasets
            },
        }


def collapse(model: nn.Model) -> tuple[np.ndarray, np.ndarray]:
    """The single map (W (K, n_0, n_L), b (K, n_L)) an identity-activation stack equals."""
    w, b = model.weights[0], model.biases[0]
    for wi, bi in zip(model.weights[1:], model.biases[1:]):
        w = np.matmul(w, wi)
        b = np.matmul(b[:, None, :], wi)[:, 0] + bi
    return w, b


def best_linear_accuracy(x: np.ndarray, y: np.ndarray, angles: int = 3600) -> float:
    """The best training accuracy of any linear classifier of 2-D points with 0/1 labels.

    Every half-plane is a direction and a threshold; for each of ``angles`` directions, sorting
    the projections gives every threshold's accuracy at once.
    """
    best = 0.0
    n = len(y)
    for theta in np.linspace(0, np.pi, angles, endpoint=False):
        order = np.argsort(x @ np.array([np.cos(theta), np.sin(theta)]))
        ones = np.concatenate([[0], np.cumsum(y[order])])
        # points left of the cut are called 0, right of it 1 (or the reverse)
        correct = (np.arange(n + 1) - ones) + (ones[-1] - ones)
        best = max(best, float(max(correct.max(), n - correct.min())) / n)
    return best


def _accuracy(model: nn.Model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.mean(nn.predict(model, x).argmax(axis=2) == y, axis=1)


def _fit(
    model: nn.Model,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    on_step: Callable[[], None] | None = None,
) -> nn.Model:
    opt = nn.adam(lr)
    state = nn.init_state(opt, model)
    for _ in range(steps):
        nn.train_step(model, "cross_entropy", opt, state, x, y)
        if on_step is not None:
            on_step()
    return model


def run(
    *,
    depth: int = 10,
    width: int = 16,
    hidden: str = "tanh",
    steps: int = 1500,
    seeds: int = 3,
    lr: float = 0.01,
    points: int = 400,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> CollapseReport:
    """Train the linear stack and the non-linear net on each dataset and compare (float64).

    The memory is estimated first (:mod:`actlab.limits`; ``force`` skips the refusal);
    ``on_progress(done, total)`` counts Adam steps over both datasets and both networks.
    """
    check_count(depth, "--depth", 2, MAX_DEPTH)
    check_count(width, "--width", 1, MAX_WIDTH)
    check_count(steps, "--steps", 0, 1_000_000)
    check_count(seeds, "--seeds", 1, 1000)
    sizes = [2] + [width] * (depth - 1) + [2]
    check_memory(
        mlp_bytes(sizes, seeds, points, 8, copies=4),
        f"a linear stack of depth {depth} and width {width}",
        force=force,
    )
    total, done = 2 * len(DATASETS) * steps, 0

    def step() -> None:
        nonlocal done
        done += 1
        if on_progress is not None and (done % 10 == 0 or done == total):
            on_progress(done, total)

    datasets = []
    collapsed: tuple[float, np.ndarray, np.ndarray] | None = None
    for index, name in enumerate(DATASETS):
        x, y = experiment.load(name, np.random.default_rng(index))
        linear = nn.stack(
            [
                nn.mlp(sizes, "identity", init="xavier_normal", seed=s, dtype="float64")
                for s in range(seeds)
            ]
        )
        nonlinear = nn.stack(
            [
                nn.mlp([2, width, 2], hidden, init="xavier_normal", seed=s, dtype="float64")
                for s in range(seeds)
            ]
        )
        _fit(linear, x, y, steps, lr, step)
        _fit(nonlinear, x, y, steps, lr, step)
        if collapsed is None:
            w, b = collapse(linear)
            stacked = nn.predict(linear, x)
            single = np.matmul(x, w) + b[:, None, :]
            collapsed = (float(np.max(np.abs(stacked - single))), stacked, single)
        datasets.append(
            DatasetResult(
                name,
                _accuracy(linear, x, y),
                _accuracy(nonlinear, x, y),
                best_linear_accuracy(x, y),
                x,
                y,
                linear,
                nonlinear,
            )
        )
    assert collapsed is not None
    return CollapseReport(depth, width, hidden, collapsed[0], collapsed[1], collapsed[2], datasets)
