"""The study's figure: learning curves against epochs and against training time, with 95% bands.

Four panels: test accuracy and training loss (log scale) against epoch (top) and against the
cumulative training seconds per model (bottom). Each line is the mean over seeds, the band its
95% confidence interval (t distribution). Regression studies show test loss instead of
accuracy. Matplotlib is imported here only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from actlab.compare import stats
from actlab.compare.summary import by_activation
from actlab.errors import ActlabError
from actlab.plots import pyplot

if TYPE_CHECKING:
    from actlab.compare import StudyResult


def curves(result: StudyResult, metric: str) -> dict[str, tuple[np.ndarray, ...]]:
    """Per activation: epochs, mean seconds, mean of ``metric`` and its 95% half-width."""
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for activation, runs in by_activation(result.runs).items():
        values = np.array([[getattr(h, metric) for h in r.history] for r in runs])
        seconds = np.array([[h.seconds for h in r.history] for r in runs]).mean(axis=0)
        epochs = np.array([h.epoch for h in runs[0].history])
        mean, half = stats.mean_ci_rows(values)
        out[activation] = (epochs, seconds, mean, np.nan_to_num(half))
    return out


def figure(result: StudyResult) -> Any:
    plt = pyplot()

    regression = result.dataset["kind"] == "regression"
    top = "test_loss" if regression else "test_accuracy"
    panels = [(top, "epoch"), ("train_loss", "epoch"), (top, "seconds"), ("train_loss", "seconds")]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    order = [s.activation for s in result.summary]
    colours = {a: f"C{i % 10}" for i, a in enumerate(result.config.activations)}
    data = {m: curves(result, m) for m in {top, "train_loss"}}
    for ax, (metric, x_axis) in zip(axes.flat, panels):
        for activation in order:
            epochs, seconds, mean, half = data[metric][activation]
            x = epochs if x_axis == "epoch" else seconds
            ax.plot(x, mean, color=colours[activation], lw=1.8, label=activation)
            ax.fill_between(
                x, mean - half, mean + half, color=colours[activation], alpha=0.18, lw=0
            )
        _style(ax, metric, x_axis, result)
    if not regression:
        _zoom_accuracy([axes[0, 0], axes[1, 0]], data[top])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    columns = min(len(labels), 5)
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=columns,
        frameon=False,
        title="ranked best first (final test metric)",
    )
    rows = -(-len(labels) // columns)
    c, d = result.config, result.dataset
    fig.suptitle(
        f"{c.dataset} ({d['n_train']} train / {d['n_test']} test): {c.model}, "
        f"{c.optimizer} lr {c.lr:g}, batch {c.batch_size}; "
        f"mean of {c.seeds} seeds with 95% confidence bands"
    )
    fig.tight_layout(rect=(0, 0.035 + 0.03 * rows, 1, 0.96))
    return fig


def _style(ax: Any, metric: str, x_axis: str, result: StudyResult) -> None:
    names = {
        "test_accuracy": "test accuracy",
        "test_loss": "test loss",
        "train_loss": "training loss (log scale)",
    }
    ax.set_ylabel(names[metric])
    ax.set_xlabel("epoch" if x_axis == "epoch" else "training time per model (s)")
    if metric != "test_accuracy":
        ax.set_yscale("log")
    if metric == "test_accuracy" and result.config.target is not None:
        ax.axhline(
            result.config.target,
            color="0.4",
            lw=0.8,
            ls="--",
            label=f"target accuracy {result.config.target:g}",
        )
    ax.grid(True, alpha=0.3)
    ax.set_xlim(left=0)


def _zoom_accuracy(axes: list[Any], accuracy: dict[str, tuple[np.ndarray, ...]]) -> None:
    """Start the accuracy axis where the curves are after the first tenth of training: the
    untrained models' chance level would squash the differences that matter into a sliver."""
    lows = []
    for epochs, _, mean, _ in accuracy.values():
        early = max(1, len(epochs) // 10)
        lows.append(mean[min(early, len(mean) - 1)])
    bottom = max(0.0, min(lows) - 0.02)
    top = min(1.0, max(float(np.max(m[2] + m[3])) for m in accuracy.values()) + 0.01)
    for ax in axes:
        ax.set_ylim(bottom, top)


def save(result: StudyResult, path: str | Path) -> Path:
    """Draw and write the figure (PNG, SVG or PDF by suffix)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ActlabError(f"{path}: the figure must be .png, .svg or .pdf")
    fig = figure(result)
    try:
        fig.savefig(path, dpi=130)
    except OSError as exc:
        raise ActlabError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        pyplot().close(fig)
    return path
