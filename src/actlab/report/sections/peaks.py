"""Claim 3: sigmoid's derivative peaks at 0.25 at x = 0, tanh's at 1 -- computed, not quoted.

The maxima come from :func:`actlab.analysis.properties.max_slope` (a dense grid over the whole real
line, then refinement) run on the kernels, and the value at 0 is confirmed exactly by SymPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import actlab
from actlab.analysis.properties import SlopeMax, max_slope
from actlab.report.figures import capture, fmt
from actlab.report.model import Block, Context, FigureBlock, Section, Table, Text

TITLE = "Where the derivatives peak"
#: the claim as stated: (activation, peak value, at x)
CLAIMED = (("sigmoid", 0.25, 0.0), ("tanh", 1.0, 0.0))


def build(ctx: Context) -> Section:
    import sympy as sp

    x = sp.Symbol("x", real=True)
    numbers: dict[str, Any] = {}
    ok = []
    for name, value, at in CLAIMED:
        f = actlab.get(name)
        peak = max_slope(f)
        exact = sp.diff(f.record.symbolic(sp, x, {}), x).subs(x, 0)
        numbers[name] = {
            "max_abs_derivative": peak.value,
            "at": list(peak.points),
            "exact_derivative_at_0": str(sp.nsimplify(exact)),
            "claimed": {"value": value, "at": at},
        }
        ok.append(
            peak.points == (at,) and abs(peak.value - value) <= 1e-15 and float(exact) == value
        )
    ctx.progress("  max |f'| for every registered activation")
    catalog = {r.name: max_slope(r.name) for r in actlab.records()}
    numbers["catalog"] = {name: p.as_dict() for name, p in catalog.items()}
    s, t = numbers["sigmoid"], numbers["tanh"]
    blocks: list[Block] = [
        Text(
            f"Searching the whole real line, sigmoid′ is largest at x = {_at(s)}, where it "
            f"equals {fmt(s['max_abs_derivative'], 17)} (SymPy: exactly "
            f"${sp.latex(sp.nsimplify(s['exact_derivative_at_0']))}$); tanh′ is largest at "
            f"x = {_at(t)}, where it equals {fmt(t['max_abs_derivative'], 17)} (exactly "
            f"${sp.latex(sp.nsimplify(t['exact_derivative_at_0']))}$). A signal passing back "
            f"through n sigmoid layers is therefore scaled by at most "
            f"{fmt(s['max_abs_derivative'], 3)}ⁿ from the activations alone: "
            f"{fmt(s['max_abs_derivative'] ** 10, 3)} after 10 layers."
        ),
        FigureBlock(_figure(catalog)),
        _table(catalog),
    ]
    above = [n for n, p in catalog.items() if 1 < p.value < np.inf]
    if above:
        blocks.append(
            Text(
                "Several modern activations have a slope above 1 somewhere ("
                + ", ".join(f"`{n}` {fmt(catalog[n].value, 4)}" for n in above)
                + "), so on their own they can amplify a gradient as well as shrink it."
            )
        )
    holds = all(ok)
    return Section(
        key="peaks",
        title=TITLE,
        claim="Sigmoid's derivative peaks at 0.25 at x = 0; tanh's peaks at 1 at x = 0.",
        verdict="holds" if holds else "does not hold",
        verdict_detail=(
            f"computed from the kernels: sigmoid′ ≤ {fmt(s['max_abs_derivative'], 6)} "
            f"with equality only at x = {_at(s)}, tanh′ ≤ {fmt(t['max_abs_derivative'], 6)} "
            f"with equality only at x = {_at(t)}."
        ),
        blocks=blocks,
        numbers=numbers,
        reproduce="actlab show sigmoid; actlab show tanh",
    )


def _at(entry: dict[str, Any]) -> str:
    return ", ".join(f"{p:g}" for p in entry["at"]) or "nowhere"


def _table(catalog: dict[str, SlopeMax]) -> Table:
    rows = tuple(
        (f"`{name}`", fmt(p.value, 6), p.where_text()) for name, p in _sorted(catalog).items()
    )
    return Table(
        ("activation", "max |f′|", "where"),
        rows,
        "The largest slope of every registered activation (default parameters), computed.",
    )


def _sorted(catalog: dict[str, SlopeMax]) -> dict[str, SlopeMax]:
    return dict(sorted(catalog.items(), key=lambda kv: (kv[1].value, kv[0])))


def _figure(catalog: dict[str, SlopeMax]) -> Any:
    from actlab.plots import COLOURS, pyplot

    plt = pyplot()
    finite = {n: p for n, p in _sorted(catalog).items() if np.isfinite(p.value)}
    names = list(finite)
    fig, ax = plt.subplots(figsize=(7.0, 1.0 + 0.19 * len(names)))
    values = [finite[n].value for n in names]
    colours = [
        COLOURS[1] if n == "sigmoid" else COLOURS[2] if n == "tanh" else "0.65" for n in names
    ]
    ax.barh(names, values, color=colours, height=0.72)
    for i, v in enumerate(values):
        ax.text(v + 0.01, i, f"{v:.4g}", va="center", fontsize=8)
    ax.tick_params(axis="y", labelsize=9, length=0)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.axvline(1.0, color="0.3", lw=0.8, ls="--")
    ax.set_xlabel("max |f′(x)| over all x")
    ax.set_xlim(0, max(values) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Largest slope of each activation", loc="left", fontsize=12)
    fig.tight_layout()
    unbounded = sorted(set(catalog) - set(finite))
    note = f" Unbounded (not drawn): {', '.join(unbounded)}." if unbounded else ""
    return capture(
        fig,
        "max-slope",
        "The maximum of |f′| for each activation; dashed: 1, above which an activation can "
        "amplify a gradient." + note,
        "Horizontal bars: maximum absolute derivative per activation.",
    )
