"""Vanishing and exploding gradients, measured layer by layer and predicted by mean-field theory.

For each activation, deep MLPs of ``depth`` hidden layers of ``width`` units are built for several
seeds (stacked into one engine computation), and the back-propagated gradient dL/dh^l at every
layer is measured at initialisation: its variance (over units and examples), its norm per example,
the norm of the weight gradient dL/dW^l, and the fraction of saturated units (|f'| under 1% of its
maximum). Beside it stands the prediction of :mod:`actlab.experiments.meanfield`.

Without a dataset the inputs are standard normal (width ``width``) and the loss is L = g . a^D
with g standard normal, so dL/da^D = g and every quantity has an exact mean-field prediction:
Var(dL/dh^D) = E[phi'(h^D)^2], then times chi per layer down. With a dataset the network gets a
linear read-out and cross-entropy, and the prediction is anchored at the measured top layer.

>>> r = measure(["relu"], depth=4, width=64, seeds=2, init="he")
>>> r.results[0].measured.shape, r.results[0].predicted.shape      # (seeds, depth), (depth,)
((2, 4), (4,))
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import actlab
from actlab import nn
from actlab.data import experiment
from actlab.errors import ActlabError
from actlab.experiments import meanfield
from actlab.limits import MAX_DEPTH, MAX_WIDTH, check_count, check_memory, mlp_bytes
from actlab.nn.train import max_abs_derivative

#: memory the stacked weights (and their gradients) of one chunk of models may take
_CHUNK_BYTES = 400e6
#: how many training steps are measured, evenly spaced
_TRAINING_POINTS = 11


@dataclass
class GradientResult:
    """Per-layer gradient statistics of one activation, l = 1 (input side) .. D."""

    activation: str
    #: Var(dL/dh^l) at initialisation: (seeds, D)
    measured: np.ndarray
    #: mean-field prediction of Var(dL/dh^l): (D,)
    predicted: np.ndarray
    #: the textbook bound top * (sigma_w^2 max|f'|^2)^(D-l): "0.25^n" for sigmoid, squared
    bound: np.ndarray
    #: max |f'| (0.25 for sigmoid)
    max_slope: float
    #: mean over examples of ||dL/dh^l||: (seeds, D)
    grad_norm: np.ndarray
    #: ||dL/dW^l|| (Frobenius), W^l the weights into layer l: (seeds, D)
    weight_grad_norm: np.ndarray
    #: fraction of units with |f'(h)| < 1% of max |f'|: (seeds, D)
    saturation: np.ndarray
    #: mean-field q^l and chi^l: (D,)
    q: np.ndarray
    chi: np.ndarray
    #: histogram of the activations a^l of the first seed: counts (D, bins) and edges (bins + 1,)
    histogram: np.ndarray
    histogram_edges: np.ndarray
    #: whether the prediction was anchored at the measured top layer (dataset runs)
    anchored: bool
    #: training steps at which Var(dL/dh^l) was measured, and the values (len(steps), D), mean
    #: over seeds (empty without --steps)
    steps: list[int] = field(default_factory=list)
    during_training: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def summary(self) -> dict[str, Any]:
        """The JSON record: measured and predicted are Var(dL/dh^l) averaged over seeds."""
        mean = self.measured.mean(axis=0)
        out: dict[str, Any] = {
            "activation": self.activation,
            "measured": mean.tolist(),
            "predicted": self.predicted.tolist(),
            "measured_min": self.measured.min(axis=0).tolist(),
            "measured_max": self.measured.max(axis=0).tolist(),
            "ratio_measured": _ratio(float(mean[0]), float(mean[-1])),
            "ratio_predicted": _ratio(float(self.predicted[0]), float(self.predicted[-1])),
            "textbook_bound": self.bound.tolist(),
            "max_abs_derivative": self.max_slope,
            "grad_norm": self.grad_norm.mean(axis=0).tolist(),
            "weight_grad_norm": self.weight_grad_norm.mean(axis=0).tolist(),
            "saturation": self.saturation.mean(axis=0).tolist(),
            "q": self.q.tolist(),
            "chi": self.chi.tolist(),
            "anchored": self.anchored,
        }
        if self.steps:
            out["training"] = {"steps": self.steps, "measured": self.during_training.tolist()}
        return out


def _ratio(a: float, b: float) -> float:
    """a / b without a warning: NaN when both underflowed to 0 (very deep, very narrow nets)."""
    with np.errstate(all="ignore"):
        return float(np.float64(a) / np.float64(b))


@dataclass
class GradientReport:
    """The settings and one :class:`GradientResult` per activation."""

    config: dict[str, Any]
    results: list[GradientResult]

    def to_json(self) -> dict[str, Any]:
        return {"config": self.config, "results": [r.summary() for r in self.results]}


def measure(
    activations: Sequence[str],
    *,
    depth: int = 20,
    width: int = 256,
    init: str = "gaussian",
    sigma_w2: float = 1.0,
    sigma_b2: float = 0.0,
    seeds: int = 3,
    dataset: str | None = None,
    steps: int = 0,
    batch: int = 64,
    lr: float = 0.01,
    optimizer: str = "sgd",
    dtype: str = "float64",
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> GradientReport:
    """Measure and predict per-layer gradient statistics for each activation (see module doc).

    ``sigma_w2`` and ``sigma_b2`` set the ``gaussian`` scheme; the report's config holds the
    (sigma_w2, sigma_b2) of the scheme actually used (2 and 0 for ``he``). The memory a network
    needs is estimated first (:mod:`actlab.limits`): too big fails at once, unless ``force``.
    ``on_progress(done, total)`` counts networks measured (activations x seeds).
    """
    _check(depth, width, seeds, steps, batch, dataset)
    scheme = nn.init.lookup(init)
    _check_numbers(scheme.name, sigma_w2, sigma_b2, lr)
    functions = [actlab.get(a) for a in activations]
    data = experiment.load(dataset) if dataset else None
    n0 = width if data is None else data[0].shape[1]
    sizes = [n0] + [width] * depth + ([int(data[1].max()) + 1] if data is not None else [])
    check_memory(
        mlp_bytes(sizes, 1, batch, np.dtype(dtype).itemsize, copies=4),
        f"a network of depth {depth} and width {width}",
        force=force,
    )
    hidden_w2, hidden_b2 = scheme.variance(width, width, sigma_w2, sigma_b2)
    config = {
        "depth": depth,
        "width": width,
        "init": scheme.name,
        "sigma_w2": hidden_w2,
        "sigma_b2": hidden_b2,
        "seeds": seeds,
        "dataset": dataset,
        "steps": steps,
        "batch": batch,
        "lr": lr,
        "optimizer": optimizer,
        "dtype": dtype,
    }
    total = seeds * len(functions)
    results = []
    for k, f in enumerate(functions):
        step = None if on_progress is None else _offset(on_progress, k * seeds, total)
        results.append(_one(f, config, data, (sigma_w2, sigma_b2), step))
    return GradientReport(config, results)


def _offset(report: Callable[[int, int], None], before: int, total: int) -> Callable[[int], None]:
    return lambda done: report(before + done, total)


def _chunk(sizes: Sequence[int], dtype: str) -> int:
    """Seeds per stacked batch: as many models as fit in :data:`_CHUNK_BYTES`."""
    per_model = sum(a * b for a, b in itertools.pairwise(sizes)) * np.dtype(dtype).itemsize
    return max(1, int(_CHUNK_BYTES // (3 * per_model)))


def _check_numbers(scheme: str, sigma_w2: float, sigma_b2: float, lr: float) -> None:
    if not (math.isfinite(sigma_w2) and sigma_w2 > 0):
        raise ActlabError(f"--sigma-w2 must be a positive finite number, got {sigma_w2}")
    if not (math.isfinite(sigma_b2) and sigma_b2 >= 0):
        raise ActlabError(f"--sigma-b2 must be a finite number >= 0, got {sigma_b2}")
    if not (math.isfinite(lr) and 0 < lr < 100):
        raise ActlabError(f"--lr must be a positive number below 100, got {lr}")
    if scheme != "gaussian" and (sigma_w2, sigma_b2) != (1.0, 0.0):
        raise ActlabError(
            f"--sigma-w2 and --sigma-b2 set the gaussian initialisation; --init {scheme}"
            " fixes its own variances (see 'actlab gradients --help')"
        )


def _check(depth: int, width: int, seeds: int, steps: int, batch: int, dataset: str | None) -> None:
    if depth < 2 or width < 1 or seeds < 1 or batch < 1 or steps < 0:
        raise ActlabError("need depth >= 2, width >= 1, seeds >= 1, batch >= 1 and steps >= 0")
    check_count(depth, "--depth", 2, MAX_DEPTH)
    check_count(width, "--width", 1, MAX_WIDTH)
    check_count(seeds, "--seeds", 1, 100_000)
    check_count(batch, "--batch", 1, 1_000_000)
    check_count(steps, "--steps", 0, 1_000_000)
    if steps and not dataset:
        raise ActlabError("--steps needs --dataset (training needs data)")


def _one(
    f: actlab.Function,
    cfg: dict[str, Any],
    data: tuple | None,
    sigmas: tuple[float, float],
    on_chunk: Callable[[int], None] | None = None,
) -> GradientResult:
    """One activation; ``sigmas`` are the user's (sigma_w2, sigma_b2), which only ``gaussian``
    reads (``cfg`` holds the scheme's own, for the report)."""
    depth, width, seeds = cfg["depth"], cfg["width"], cfg["seeds"]
    sigma_w2, sigma_b2 = sigmas
    n0 = width if data is None else data[0].shape[1]
    sizes = [n0] + [width] * depth + ([int(data[1].max()) + 1] if data is not None else [])
    output = f if data is None else "identity"
    chunk = _chunk(sizes, cfg["dtype"])
    rows: list[dict[str, np.ndarray]] = []
    training: list[np.ndarray] = []
    histogram = edges = np.zeros(0)
    for start in range(0, seeds, chunk):
        model = nn.stack(
            [
                nn.mlp(
                    sizes,
                    f,
                    output=output,
                    init=cfg["init"],
                    seed=s,
                    dtype=cfg["dtype"],
                    sigma_w2=sigma_w2,
                    sigma_b2=sigma_b2,
                )
                for s in range(start, min(seeds, start + chunk))
            ]
        )
        # an activation that overflows (exp(exp(exp(x))) from x = 1.9 on) makes the passes
        # and their statistics inf or NaN: reported as n/a, not as NumPy's warnings
        with np.errstate(all="ignore"):
            _x, cache, grads = _initial_pass(model, cfg, data)
            rows.append(_statistics(model, cache, grads, depth))
        if start == 0:
            histogram, edges = _histograms(cache, depth)
        if cfg["steps"] and data is not None:
            training.append(_train(model, cfg, data))
        del model, cache, grads
        if on_chunk is not None:
            on_chunk(min(seeds, start + chunk))
    stats = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    first = nn.init.lookup(cfg["init"]).variance(n0, width, sigma_w2, sigma_b2)
    later = nn.init.lookup(cfg["init"]).variance(width, width, sigma_w2, sigma_b2)
    q1 = first[0] * float(stats["input_ms"].mean()) + first[1]
    with np.errstate(all="ignore"):  # the theory overflows where the passes did: n/a too
        prop = meanfield.propagate(f, depth, q1, *later)
        top = float(stats["measured"][:, -1].mean()) if data is not None else float(prop.slope2[-1])
        predicted = meanfield.predicted_gradient_variance(prop, top)
    peak = max_abs_derivative(f)
    bound = top * (later[0] * peak**2) ** np.arange(depth - 1, -1, -1.0)
    steps = _measured_steps(cfg["steps"]) if cfg["steps"] else []
    return GradientResult(
        activation=f.spec,
        measured=stats["measured"],
        predicted=predicted,
        bound=bound,
        max_slope=peak,
        grad_norm=stats["grad_norm"],
        weight_grad_norm=stats["weight_grad_norm"],
        saturation=stats["saturation"],
        q=prop.q,
        chi=prop.chi,
        histogram=histogram,
        histogram_edges=edges,
        anchored=data is not None,
        steps=steps,
        during_training=np.mean(training, axis=0) if training else np.zeros((0, depth)),
    )


def _initial_pass(model: nn.Model, cfg: dict[str, Any], data: tuple | None) -> tuple:
    batch = cfg["batch"]
    if data is None:
        # each model draws its own inputs and top gradient from its own generator
        x = np.stack([g.normal(size=(batch, model.sizes[0])) for g in model.rngs])
        cache = nn.forward(model, x)
        top = np.stack([g.normal(size=(batch, model.sizes[-1])) for g in model.rngs])
        return x, cache, nn.backward(model, cache, top.astype(model.dtype))
    x, y = data[0][:batch], data[1][:batch]
    cache = nn.forward(model, x)
    loss = nn.losses.lookup("cross_entropy")
    return x, cache, nn.backward(model, cache, loss.gradient(cache.output, y))


def _statistics(
    model: nn.Model, cache: nn.Cache, grads: nn.Grads, depth: int
) -> dict[str, np.ndarray]:
    deltas = grads.deltas[:depth]
    return {
        "measured": np.stack([nn.mean_square(d) for d in deltas], axis=1),
        "grad_norm": np.stack(
            [np.sqrt(np.square(d, dtype=np.float64).sum(-1)).mean(-1) for d in deltas], axis=1
        ),
        "weight_grad_norm": np.stack(
            [np.sqrt(np.square(w, dtype=np.float64).sum((1, 2))) for w in grads.weights[:depth]],
            axis=1,
        ),
        "saturation": nn.saturation(model, cache)[:depth].T,
        "input_ms": np.broadcast_to(
            np.mean(np.square(cache.inputs, dtype=np.float64), axis=(-2, -1)), (model.k,)
        ),
    }


def _histograms(cache: nn.Cache, depth: int, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    values = [cache.post[i][0] for i in range(depth)]
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in values])
    lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    return np.stack([np.histogram(v, edges)[0] for v in values]), edges


def _measured_steps(steps: int) -> list[int]:
    return sorted({round(s) for s in np.linspace(0, steps, _TRAINING_POINTS)})


def _train(model: nn.Model, cfg: dict[str, Any], data: tuple) -> np.ndarray:
    """Var(dL/dh^l) (mean over the chunk's seeds) at evenly spaced steps of training."""
    x_all, y_all = data
    opt = nn.optim.make(cfg["optimizer"], lr=cfg["lr"])
    state = nn.init_state(opt, model)
    loss = nn.losses.lookup("cross_entropy")
    rng = np.random.default_rng(0)
    marks = set(_measured_steps(cfg["steps"]))
    rows = []
    for t in range(cfg["steps"] + 1):
        idx = rng.integers(0, len(x_all), cfg["batch"])
        cache = nn.forward(model, x_all[idx], train=True)
        grads = nn.backward(model, cache, loss.gradient(cache.output, y_all[idx]))
        if t in marks:
            rows.append([nn.mean_square(d).mean() for d in grads.deltas[: cfg["depth"]]])
        if t < cfg["steps"]:
            nn.step(opt, model, grads, state)
    return np.array(rows)
