"""Turning Matplotlib figures into report figures, and drawing small plots without Matplotlib."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from actlab.catalog.function import Function
from actlab.report.model import Figure


def capture(fig: Any, name: str, caption: str, alt: str) -> Figure:
    """PNG and SVG of a Matplotlib figure (then closed). SVG and PDF carry no date: no churn."""
    from actlab.plots import pyplot

    png, svg = io.BytesIO(), io.StringIO()
    try:
        fig.savefig(png, format="png", dpi=150, bbox_inches="tight")
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        pyplot().close(fig)
    return Figure(name=name, caption=caption, alt=alt, png=png.getvalue(), svg=svg.getvalue())


#: colours of f and f' in the catalog cards (as in the classic figure)
CARD_F, CARD_DF = "#0072B2", "#D55E00"


def card_plot(f: Function, xlim: tuple[float, float] = (-4.0, 4.0), size: int = 220) -> str:
    """A small inline SVG of f (solid) and f' (dashed) on ``xlim``, axes through the origin.

    The y range is the data's, clipped to [-4, 4] so an unbounded f doesn't flatten f'.
    """
    x = np.linspace(*xlim, 241)
    y, dy = np.asarray(f(x), float), np.asarray(f.derivative(x), float)
    finite = np.concatenate([y[np.isfinite(y)], dy[np.isfinite(dy)], [0.0]])
    low, high = max(float(finite.min()), -4.0), min(float(finite.max()), 4.0)
    pad = 0.08 * (high - low or 1.0)
    low, high = low - pad, high + pad
    w, h, m = size, int(size * 0.72), 6

    def sx(v: float) -> float:
        return m + (v - xlim[0]) / (xlim[1] - xlim[0]) * (w - 2 * m)

    def sy(v: float) -> float:
        return h - m - (v - low) / (high - low) * (h - 2 * m)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        f' role="img" aria-label="{f.spec} and its derivative on [{xlim[0]:g}, {xlim[1]:g}]">',
        f'<line x1="{m}" x2="{w - m}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" class="axis"/>',
        f'<line x1="{sx(0):.1f}" x2="{sx(0):.1f}" y1="{m}" y2="{h - m}" class="axis"/>',
    ]
    for values, colour, dash in ((dy, CARD_DF, ' stroke-dasharray="5 3"'), (y, CARD_F, "")):
        for path in _paths(x, values, sx, sy, (low, high)):
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _paths(x: np.ndarray, y: np.ndarray, sx: Any, sy: Any, ylim: tuple[float, float]) -> list[str]:
    """Polyline point lists, broken where y is off the plot, not finite, or jumps (a kink)."""
    ok = np.isfinite(y) & (y >= ylim[0]) & (y <= ylim[1])
    jump = np.abs(np.diff(y)) > 0.1 * (ylim[1] - ylim[0])
    paths: list[str] = []
    current: list[str] = []
    for i in range(len(x)):
        if not ok[i] or (i > 0 and jump[i - 1]):
            if len(current) > 1:
                paths.append(" ".join(current))
            current = []
        if ok[i]:
            current.append(f"{sx(x[i]):.1f},{sy(y[i]):.1f}")
    if len(current) > 1:
        paths.append(" ".join(current))
    return paths


def fmt(v: float, digits: int = 4) -> str:
    """A number for prose: ``digits`` significant digits, inf spelled out."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    return f"{v:.{digits}g}"
