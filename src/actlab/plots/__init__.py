"""Figures of activations and their derivatives (Matplotlib, imported lazily).

>>> fig = plot_activations()            # the classic figure: ReLU, sigmoid, tanh
>>> save_figure(fig, "activations.svg")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import actlab
from actlab.errors import ActlabError
from actlab.outputs import FIGURE_FORMATS as FORMATS
from actlab.outputs import check_output

#: the classic figure: ReLU, sigmoid and its derivative, tanh and its derivative
CLASSIC = ("relu", "sigmoid", "tanh")
#: file types ``save_figure`` writes
#: one colour per activation, the same in both panels (Okabe-Ito: readable by the colour-blind)
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (never opens a window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


#: the widest --xlim a plot takes
XLIM_MAX = 1e300


def plot_activations(
    specs: Sequence[str] | None = None,
    *,
    derivatives: bool = True,
    xlim: tuple[float, float] = (-5.0, 5.0),
) -> Any:
    """Activations (left panel) and their derivatives (right panel, same colours).

    With no ``specs``: the classic slide of ReLU, sigmoid and tanh, with the derivative peaks
    marked (their values are computed by :func:`actlab.analysis.properties.max_slope`).
    """
    a, b = xlim
    # past 1e300 the span b - a (and Matplotlib's tick arithmetic) overflows
    if not (-XLIM_MAX <= a < b <= XLIM_MAX):
        raise ActlabError(f"--xlim needs two numbers A < B within +-{XLIM_MAX:g}, got {a:g} {b:g}")
    plt = pyplot()
    functions = [actlab.get(s) for s in (specs or CLASSIC)]
    x = np.linspace(a, b, 2001)
    ncols = 2 if derivatives else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.6 * ncols, 4.2), squeeze=False)
    left, right = axes[0][0], axes[0][-1]
    for i, f in enumerate(functions):
        colour = COLOURS[i % len(COLOURS)]
        left.plot(x, f(x), color=colour, lw=2.4, label=_label(f.spec))
        if derivatives:
            right.plot(x, _gapped(f, x), color=colour, lw=2.4, label=_label(f.spec, "'"))
            _mark_kinks(right, f, xlim, colour)
    _style(left, xlim, "f(x)", "Activation functions")
    if derivatives:
        _style(right, xlim, "f'(x)", "Their derivatives")
        if specs is None:
            _mark_peaks(right, functions, xlim)
            right.set_ylim(-0.06, 1.16)
    fig.tight_layout()
    return fig


def _label(spec: str, prime: str = "") -> str:
    """``relu(x)``, ``relu'(x)``; a formula in x is its own label: ``x*sigmoid(x)``, ``(...)'``."""
    if re.search(r"(?<![A-Za-z0-9_.])x(?![A-Za-z0-9_])", spec) and not re.fullmatch(r"\w+", spec):
        return f"({spec})'" if prime else spec
    name, _, params = spec.partition("(")
    return f"{name}{prime}(x; {params}" if params else f"{name}{prime}(x)"


def _gapped(f: actlab.Function, x: np.ndarray) -> np.ndarray:
    """f'(x), with NaN at each kink so a jump is drawn as a jump, not a vertical segment."""
    d = np.array(f.derivative(x), dtype=float)
    for kink in f.record.kinks:
        at = kink.point(f.params)
        if x[0] < at < x[-1]:
            d[np.argmin(np.abs(x - at))] = np.nan
    return d


def _mark_kinks(ax: Any, f: actlab.Function, xlim: tuple[float, float], colour: str) -> None:
    """A dot at each kink showing the value the derivative takes there (ReLU'(0) = 0)."""
    for kink in f.record.kinks:
        at = kink.point(f.params)
        if xlim[0] < at < xlim[1]:
            ax.plot([at], [float(f.derivative(at))], "o", color=colour, ms=5, zorder=3)


def _style(ax: Any, xlim: tuple[float, float], ylabel: str, title: str) -> None:
    ax.axhline(0, color="0.55", lw=0.8, zorder=0)
    ax.axvline(0, color="0.55", lw=0.8, zorder=0)
    ax.set_xlim(*xlim)
    ax.set_xlabel("x", fontsize=12)
    ax.set_ylabel(ylabel, fontsize=12)
    ax.set_title(title, fontsize=13, loc="left")
    ax.grid(alpha=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="upper left", fontsize=11)


def _mark_peaks(ax: Any, functions: Sequence[actlab.Function], xlim: tuple[float, float]) -> None:
    """Mark each smooth derivative's computed maximum (sigmoid' = 0.25 at 0, tanh' = 1 at 0)."""
    from actlab.analysis.properties import max_slope

    for i, f in enumerate(functions):
        peak = max_slope(f)
        if len(peak.points) != 1 or not xlim[0] < peak.points[0] < xlim[1]:
            continue
        x0, y0 = peak.points[0], float(f.derivative(peak.points[0]))
        colour = COLOURS[i % len(COLOURS)]
        ax.plot([x0], [y0], "o", color=colour, ms=6, zorder=3)
        ax.annotate(
            f"max {y0:.4g} at x = {x0:g}",
            (x0, y0),
            xytext=(56, 12),
            textcoords="offset points",
            va="bottom",
            arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.8, "shrinkA": 0, "shrinkB": 4},
            color=colour,
            fontsize=10,
        )


def figure_path(path: str | Path, what: str = "") -> Path:
    """Check, before any drawing, that a figure can be written at ``path``."""
    return check_output(path, FORMATS, what)


def save_figure(fig: Any, path: str | Path, dpi: int = 150) -> Path:
    """Write a figure as PNG, SVG or PDF (by extension); bad paths raise :class:`ActlabError`."""
    path = figure_path(path)
    try:
        fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=_metadata(path))
    except OSError as exc:
        raise ActlabError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        pyplot().close(fig)
    return path


def _metadata(path: Path) -> dict[str, Any]:
    # no creation date in SVG/PDF, so regenerated docs figures don't churn in git
    return {"Date": None} if path.suffix.lower() in (".svg", ".pdf") else {}
