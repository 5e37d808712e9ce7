"""Figures for :mod:`actlab.experiments.gradients` (Matplotlib, imported lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np

from actlab.experiments.gradients import GradientReport
from actlab.plots import pyplot


def plot_gradients(report: GradientReport) -> Any:
    """Gradient variance per layer on a log scale, measured (mean and min-max over seeds, dots
    and band) against the mean-field prediction (line) and the textbook bound (dotted), with the
    fraction of saturated units per layer beside it."""
    plt = pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    cfg = report.config
    training = bool(cfg["steps"])
    ncols = 3 if training else 2
    fig, axes = plt.subplots(
        1,
        ncols,
        figsize=(4.6 * ncols + 3.4, 5.0),
        gridspec_kw={"width_ratios": [2] + [1] * (ncols - 1)},
    )
    ax, sat = axes[0], axes[1]
    depth = cfg["depth"]
    layers = np.arange(1, depth + 1)
    for i, r in enumerate(report.results):
        color = f"C{i}"
        mean = r.measured.mean(axis=0)
        ax.fill_between(
            layers, r.measured.min(axis=0), r.measured.max(axis=0), color=color, alpha=0.18, lw=0
        )
        ax.plot(layers, mean, "o", color=color, ms=4.5, label=r.activation)
        ax.plot(layers, r.predicted, "-", color=color, lw=1.6)
        if r.max_slope < 1:
            ax.plot(layers, r.bound, ":", color=color, lw=1.4)
        sat.plot(layers, 100 * r.saturation.mean(axis=0), "o-", color=color, ms=3.5, lw=1.2)
        if training:
            ratio = r.during_training[:, 0] / r.during_training[:, -1]
            axes[2].plot(r.steps, ratio, "o-", color=color, ms=3.5, lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("layer l  (1 = input side)")
    ax.set_ylabel("Var(dL/dh$^l$)  (log scale)")
    ax.set_xlim(0.5, depth + 0.5)
    for a in axes:
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    init = cfg["init"]
    if init == "gaussian":
        init = f"Gaussian, $\\sigma_w^2$={cfg['sigma_w2']:g}, $\\sigma_b^2$={cfg['sigma_b2']:g}"
    ax.set_title(f"Back-propagated gradient by layer: width {cfg['width']}, {init}", fontsize=11)
    ax.grid(alpha=0.3, which="major")
    handles, labels = ax.get_legend_handles_labels()
    keys = [
        Line2D([], [], color="0.3", marker="o", ls="", ms=4.5),
        Line2D([], [], color="0.3", lw=1.6),
    ]
    key_labels = [
        f"measured (mean; band: min-max of {cfg['seeds']} seeds)",
        "mean-field prediction",
    ]
    if any(r.max_slope < 1 for r in report.results):
        keys.append(Line2D([], [], color="0.3", ls=":", lw=1.4))
        key_labels.append("textbook bound (max|f'|$^2\\sigma_w^2$)$^{D-l}$, e.g. 0.25$^{2n}$")
    first = ax.legend(handles, labels, loc="lower right", frameon=False, title="activation")
    ax.add_artist(first)
    if report.results and report.results[0].anchored:
        key_labels[1] += " (anchored at layer D)"
    fig.legend(keys, key_labels, loc="lower center", ncol=len(keys), frameon=False, fontsize=9)
    sat.set_xlabel("layer l")
    sat.set_ylabel("saturated units (%)")
    sat.set_title("|f'(h)| < 1% of max |f'|", fontsize=11)
    sat.set_ylim(-3, 103)
    sat.grid(alpha=0.3)
    if training:
        axes[2].set_yscale("log")
        axes[2].set_xlabel("training step")
        axes[2].set_ylabel("Var(dL/dh$^1$) / Var(dL/dh$^D$)")
        axes[2].set_title(f"during training on {cfg['dataset']}", fontsize=11)
        axes[2].grid(alpha=0.3)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_histograms(report: GradientReport, max_lines: int = 6) -> Any:
    """Histograms of the activations a^l per layer (first seed), one panel per activation, as in
    Glorot & Bengio's figures: saturating units pile up at the ends of the range."""
    plt = pyplot()
    n = len(report.results)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.6), squeeze=False)
    depth = report.config["depth"]
    shown = np.unique(np.linspace(0, depth - 1, min(max_lines, depth)).round().astype(int))
    cmap = plt.get_cmap("viridis")
    for ax, r in zip(axes[0], report.results):
        centres = (r.histogram_edges[:-1] + r.histogram_edges[1:]) / 2
        for j, layer in enumerate(shown):
            counts = r.histogram[layer]
            density = counts / max(counts.sum(), 1)
            ax.plot(
                centres,
                density,
                color=cmap(j / max(len(shown) - 1, 1)),
                lw=1.5,
                label=f"layer {layer + 1}",
            )
        ax.set_title(r.activation, fontsize=11)
        ax.set_xlabel("activation value $a^l$")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("fraction of units")
    axes[0][-1].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
