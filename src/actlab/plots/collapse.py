"""The figure for :mod:`actlab.experiments.collapse` (Matplotlib, imported lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np

from actlab import nn
from actlab.experiments.collapse import CollapseReport, DatasetResult
from actlab.plots import pyplot


def plot_collapse(report: CollapseReport) -> Any:
    """Left: the deep linear stack's outputs against the single product map's (they coincide).
    Right: decision regions on XOR and circle data, linear stack versus non-linear network."""
    plt = pyplot()
    fig = plt.figure(figsize=(13, 7.6))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.15, 1, 1])
    ax = fig.add_subplot(grid[:, 0])
    a, b = report.stack_outputs.ravel(), report.product_outputs.ravel()
    ax.plot(b, a, ".", ms=3, alpha=0.5, color="C0")
    lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
    ax.plot([lo, hi], [lo, hi], color="0.3", lw=0.9, ls="--")
    ax.set_xlabel("one linear map:  x W + b,  W = W$_0$W$_1$...W$_{L-1}$")
    ax.set_ylabel(f"trained stack of {report.depth} linear layers")
    ax.set_title(
        f"{report.depth} linear layers = 1 matrix\nlargest difference {report.max_abs_diff:.1e}",
        fontsize=11,
    )
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    for row, d in enumerate(report.datasets):
        for col, (model, label, acc) in enumerate(
            (
                (d.linear_model, f"{report.depth} linear layers", d.linear),
                (d.nonlinear_model, f"1 hidden layer, {report.hidden}", d.nonlinear),
            )
        ):
            _regions(fig.add_subplot(grid[row, col + 1]), d, model, label, float(acc[0]))
    fig.suptitle(
        "Without a non-linearity, depth adds nothing (best possible linear accuracy: "
        + ", ".join(f"{d.name} {d.best_linear:.0%}" for d in report.datasets)
        + ")",
        fontsize=12,
    )
    fig.tight_layout()
    return fig


def _regions(ax: Any, d: DatasetResult, model: nn.Model, label: str, accuracy: float) -> None:
    g = np.linspace(-1.05, 1.05, 181)
    xx, yy = np.meshgrid(g, g)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    logits = nn.predict(nn.unstack(model, 0), grid)[0]
    p1 = 1 / (1 + np.exp(logits[:, 0] - logits[:, 1]))
    ax.contourf(
        xx, yy, p1.reshape(xx.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55
    )
    ax.scatter(d.x[:, 0], d.x[:, 1], c=d.y, cmap="RdBu_r", s=7, edgecolors="k", linewidths=0.2)
    ax.set_title(f"{d.name}: {label}\ntraining accuracy {accuracy:.0%}", fontsize=10.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
