"""Figures of activations and their derivatives (Matplotlib, imported lazily)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import actlab

#: the classic figure: ReLU, sigmoid and its derivative, tanh and its derivative
CLASSIC = ("relu", "sigmoid", "tanh")


def plot_activations(
    specs: Sequence[str] | None = None,
    *,
    derivatives: bool = True,
    xlim: tuple[float, float] = (-5.0, 5.0),
) -> Any:
    """A figure of each activation (solid) and, if asked, its derivative (dashed, same colour)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    functions = [actlab.get(s) for s in (specs or CLASSIC)]
    x = np.linspace(xlim[0], xlim[1], 1001)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, f in enumerate(functions):
        color = f"C{i}"
        ax.plot(x, f(x), color=color, lw=2.2, label=f"{f.spec}(x)")
        if derivatives and not (specs is None and f.name == "relu"):
            ax.plot(x, f.derivative(x), color=color, lw=1.6, ls="--", label=f"{f.spec}'(x)")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlim(*xlim)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x), f'(x)")
    ax.set_title("Activation functions and their derivatives")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig
