"""Per-activation summaries across seeds, and pairwise tests of the differences.

Two metrics are compared between every pair of activations:

* ``test_accuracy``: final test accuracy (test loss for regression, where lower is better);
* ``train_loss_auc``: the mean training loss over epochs 1..E, the area under the training
  curve. Lower means the model got its loss down sooner: the measure of *training speed* the
  classic claims are about, defined for every run (unlike "epochs to target", which a slow run
  may never reach).

Each metric's pairwise Welch tests form one family, corrected with Holm's method.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from actlab.compare import stats
from actlab.compare.runner import Run


@dataclass(frozen=True)
class Summary:
    """One activation across its seeds; ``*_ci95`` are half-widths of 95% t intervals."""

    activation: str
    n_runs: int
    test_accuracy_mean: float
    test_accuracy_ci95: float
    test_loss_mean: float
    test_loss_ci95: float
    train_loss_mean: float
    train_loss_ci95: float
    train_loss_auc_mean: float
    train_loss_auc_ci95: float
    #: runs whose test accuracy reached the target, and the epochs / seconds it took them
    reached_target: int
    epochs_to_target_mean: float
    epochs_to_target_ci95: float
    seconds_to_target_mean: float
    seconds_to_target_ci95: float
    #: training seconds per epoch per model (stack time / seeds), mean over epochs
    seconds_per_epoch: float
    #: runs whose final training or test loss is not finite (the learning rate was too high)
    diverged: int
    #: 1 = best (highest test accuracy; lowest test loss for regression)
    rank: int = 0
    #: CPU seconds per epoch per model, mean over runs (NaN where not recorded); unlike the
    #: wall seconds, comparable between runs trained side by side on one node
    cpu_seconds_per_epoch: float = math.nan


@dataclass(frozen=True)
class Comparison:
    """Welch's test of ``metric`` between activations ``a`` and ``b`` (difference = a - b)."""

    metric: str
    a: str
    b: str
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    #: Holm-adjusted over all pairs of this metric
    p_holm: float

    @property
    def significant(self) -> bool:
        return self.p_holm < stats.ALPHA


def metric_values(runs: Sequence[Run], metric: str) -> np.ndarray:
    """One number per run: ``test_accuracy``, ``test_loss``, ``train_loss`` (final) or
    ``train_loss_auc``."""
    if metric == "train_loss_auc":
        return np.array([np.mean([r.train_loss for r in run.history[1:]]) for run in runs])
    return np.array([getattr(run.final, metric) for run in runs])


def by_activation(runs: Sequence[Run]) -> dict[str, list[Run]]:
    out: dict[str, list[Run]] = {}
    for run in runs:
        out.setdefault(run.activation, []).append(run)
    return out


def summarise(runs: Sequence[Run], target: float | None, regression: bool) -> list[Summary]:
    """One :class:`Summary` per activation, ranked."""
    rows = []
    for activation, group in by_activation(runs).items():
        m = {k: stats.mean_ci(metric_values(group, k)) for k in _SUMMARY_METRICS}
        hits = [h for h in (r.first_reaching(target) for r in group) if h is not None]
        epochs = stats.mean_ci([h.epoch for h in hits])
        seconds = stats.mean_ci([h.seconds for h in hits])
        per_epoch = np.mean([r.final.seconds / max(r.final.epoch, 1) for r in group])
        cpu_per_epoch = np.mean([r.final.cpu_seconds / max(r.final.epoch, 1) for r in group])
        rows.append(
            Summary(
                activation,
                len(group),
                *m["test_accuracy"],
                *m["test_loss"],
                *m["train_loss"],
                *m["train_loss_auc"],
                len(hits),
                *epochs,
                *seconds,
                float(per_epoch),
                sum(not np.isfinite([r.final.train_loss, r.final.test_loss]).all() for r in group),
                cpu_seconds_per_epoch=float(cpu_per_epoch),
            )
        )
    key = (lambda s: s.test_loss_mean) if regression else (lambda s: -s.test_accuracy_mean)
    ordered = sorted(rows, key=lambda s: _nan_last(key(s)))
    return [_with_rank(s, i + 1) for i, s in enumerate(ordered)]


_SUMMARY_METRICS = ("test_accuracy", "test_loss", "train_loss", "train_loss_auc")


def _nan_last(value: float) -> float:
    return math.inf if math.isnan(value) else value


def _with_rank(summary: Summary, rank: int) -> Summary:
    from dataclasses import replace

    return replace(summary, rank=rank)


def compare_pairs(runs: Sequence[Run], metric: str) -> list[Comparison]:
    """Welch's test for every pair of activations on ``metric``, Holm-corrected as one family."""
    groups = by_activation(runs)
    pairs = list(itertools.combinations(groups, 2))
    tests = [
        stats.welch(metric_values(groups[a], metric), metric_values(groups[b], metric))
        for a, b in pairs
    ]
    adjusted = stats.holm([t.p_value for t in tests])
    return [
        Comparison(metric, a, b, t.difference, t.ci_low, t.ci_high, t.p_value, p)
        for (a, b), t, p in zip(pairs, tests, adjusted)
    ]


def find(comparisons: Sequence[Comparison], a: str, b: str) -> Comparison | None:
    """The comparison of ``a`` with ``b`` (flipped if it was stored as b vs a)."""
    for c in comparisons:
        if (c.a, c.b) == (a, b):
            return c
        if (c.a, c.b) == (b, a):
            return Comparison(
                c.metric, a, b, -c.difference, -c.ci_high, -c.ci_low, c.p_value, c.p_holm
            )
    return None
