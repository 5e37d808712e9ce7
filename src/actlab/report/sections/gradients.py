"""Claim 4: vanishing gradients -- per-layer gradient variance with depth, against mean-field
theory and the textbook bound, under two initialisations.

A thin layer over :func:`actlab.experiments.gradients.measure` and its figure: each run is what
``actlab gradients`` prints with the settings in :data:`SETTINGS` (see ``reproduce``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from actlab import nn
from actlab.experiments import gradients
from actlab.report.figures import capture, fmt
from actlab.report.model import Block, Context, FigureBlock, Section, Table, Text

TITLE = "Vanishing gradients"
#: the claim's three activations, in the order the claim names them
NAMES = ("sigmoid", "tanh", "relu")
#: (depth, width, seeds) per mode: quick is narrow and cheap, full is the issue's 20 x 1000
SETTINGS: dict[str, tuple[int, int, int]] = {"quick": (20, 128, 3), "full": (20, 1000, 5)}
#: the two initialisations compared: (label, init, the --sigma-w2 it is run with, which only
#: "gaussian" reads); Glorot's normal init equals the first when fan-in and fan-out are equal
#: (computed below), He's variance 2/n is the second
INITS = (("gaussian", "gaussian", 1.0), ("he", "he", 1.0))
#: "vanished": the first layer gets under this fraction of the top layer's gradient variance
VANISHED = 0.1
#: measured and predicted variance "agree" within this factor at every layer
AGREES = 2.0
#: what the claim says about each activation: True = its gradients vanish with depth
CLAIMED = {"sigmoid": True, "tanh": True, "relu": False}


def build(ctx: Context) -> Section:
    depth, width, seeds = SETTINGS[ctx.options.mode]
    runs = {}
    for label, init, sigma_w2 in INITS:
        ctx.progress(f"  {', '.join(NAMES)}: depth {depth}, width {width}, {seeds} seeds, {init}")
        runs[label] = gradients.measure(
            NAMES, depth=depth, width=width, seeds=seeds, init=init, sigma_w2=sigma_w2
        )
    # the sigma_w^2 mean-field theory sees for each initialisation, at these layer sizes
    scale = {
        label: nn.init.lookup(init).variance(width, width, sw, 0.0)[0] for label, init, sw in INITS
    }
    cells = {label: [_cell(r, depth, scale[label]) for r in runs[label].results] for label in runs}
    glorot = nn.init.lookup("xavier_normal").variance(width, width, 1.0, 0.0)[0]
    agree = [c["claim_holds"] for label in cells for c in cells[label]]
    verdict = "holds" if all(agree) else "does not hold" if not any(agree) else "partly"
    g, h = _by_name(cells["gaussian"]), _by_name(cells["he"])
    numbers = {
        "depth": depth,
        "width": width,
        "seeds": seeds,
        "vanished_below": VANISHED,
        "glorot_sigma_w2": glorot,
        "runs": {label: runs[label].to_json() for label in runs},
        "cells": cells,
    }
    blocks: list[Block] = [
        Text(
            "Back-propagation multiplies the gradient, layer by layer, by the weights and by "
            "the activation's slope. Sigmoid's slope is at most 0.25 (computed above), so the "
            "argument goes that n sigmoid layers scale the gradient by at most 0.25ⁿ and deep "
            "sigmoid networks stop learning in their first layers; ReLU's slope is 1 where it "
            "is active, so its gradients survive."
        ),
        Text(
            f"The check: networks of {depth} hidden layers of width {width}, {seeds} random "
            "draws each, Gaussian inputs, and a random gradient at the top. At every layer l "
            "the variance of the back-propagated gradient $\\partial L/\\partial h^l$ is "
            "measured and set against mean-field theory (Poole et al. 2016; Schoenholz et al. "
            "2017): each layer multiplies it by $\\chi = \\sigma_w^2\\,E[\\phi'(h)^2]$, with "
            "$h$ Gaussian of the variance the forward pass predicts. The textbook bound, in "
            "variance, is $(\\sigma_w^2 \\max|\\phi'|^2)^{D-l}$: "
            f"${fmt(g['sigmoid']['bound_per_layer'], 4)}^{{D-l}}$ for sigmoid at "
            f"$\\sigma_w^2 = {fmt(g['sigmoid']['sigma_w2'], 4)}$."
        ),
        FigureBlock(
            _figure(runs["gaussian"], "gradients-gaussian", f"σ_w² = {fmt(scale['gaussian'], 4)}")
        ),
        Text(
            f"With weights of variance $\\sigma_w^2/n$ at $\\sigma_w^2 = "
            f"{fmt(scale['gaussian'], 4)}$ (Glorot's normal "
            f"initialisation gives $\\sigma_w^2 = {fmt(glorot, 4)}$ here, since fan-in and "
            f"fan-out are equal, so this is Glorot's too), sigmoid's gradient variance "
            f"{_change(g['sigmoid'])}, against the bound's "
            f"{fmt(g['sigmoid']['bound_per_layer'], 3)}: after {depth - 1} layers the first "
            f"layer gets {fmt(g['sigmoid']['ratio'], 2)} of the top layer's. Tanh's "
            f"{_change(g['tanh'])} ({fmt(g['tanh']['ratio'], 2)} of the top after {depth - 1} "
            f"layers). ReLU's, the supposed cure, {_change(g['relu'])} "
            f"({fmt(g['relu']['ratio'], 2)} after {depth - 1} layers; mean-field: "
            f"{fmt(g['relu']['per_layer_predicted'], 3)}: ReLU zeroes half of its inputs, "
            "and their gradients with them)."
        ),
        FigureBlock(_figure(runs["he"], "gradients-he", f"He, σ_w² = {fmt(scale['he'], 4)}")),
        Text(
            f"He et al.'s initialisation (variance ${fmt(scale['he'], 4)}/n$) makes up for the "
            f"half ReLU drops. ReLU's gradient variance now {_change(h['relu'])}, "
            f"and the first layer gets {fmt(h['relu']['ratio'], 3)} of the top layer's. The "
            f"same weights change the others too: tanh's {_change(h['tanh'])}, sigmoid's "
            f"{_change(h['sigmoid'])} (bound {fmt(h['sigmoid']['bound_per_layer'], 3)})."
        ),
        _table(cells, depth),
        Text(_agreement(cells, width)),
    ]
    return Section(
        key="gradients",
        title=TITLE,
        claim="Sigmoid and tanh make gradients vanish in deep networks (the gradient shrinks "
        "like 0.25ⁿ through sigmoid layers); ReLU does not.",
        verdict=verdict,  # type: ignore[arg-type]
        verdict_detail=_detail(g, h, depth),
        blocks=blocks,
        numbers=numbers,
        reproduce="; ".join(
            f"actlab gradients --activations {','.join(NAMES)} --depth {depth} --width {width} "
            f"--seeds {seeds} --init {init}" + (f" --sigma-w2 {sw:g}" if init == "gaussian" else "")
            for _, init, sw in INITS
        ),
    )


def _cell(r: gradients.GradientResult, depth: int, sigma_w2: float) -> dict[str, Any]:
    """One activation under one initialisation: what the section says about it."""
    s = r.summary()
    ratio = s["ratio_measured"]
    mean = np.asarray(s["measured"])
    off = np.abs(np.log(mean / np.asarray(s["predicted"])))
    vanished = ratio < VANISHED
    return {
        "activation": r.activation,
        "sigma_w2": sigma_w2,
        "ratio": ratio,
        "ratio_predicted": s["ratio_predicted"],
        "per_layer": ratio ** (1 / (depth - 1)),
        "per_layer_predicted": s["ratio_predicted"] ** (1 / (depth - 1)),
        # the library's bound is top * (sigma_w^2 max|f'|^2)^(D - l): one layer's factor
        "bound_per_layer": float(r.bound[-2] / r.bound[-1]) if r.max_slope < 1 else math.inf,
        "prediction_off_by": float(np.exp(off.max())),
        "saturated": float(np.mean(s["saturation"])),
        "vanished": vanished,
        "claim_holds": vanished == CLAIMED[r.activation],
    }


def _by_name(cells: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["activation"]: c for c in cells}


def _state(c: dict[str, Any]) -> str:
    """vanishes / kept / grows, from the measured first-to-last ratio."""
    if c["vanished"]:
        return "vanishes"
    return "kept" if c["ratio"] < 1 / VANISHED else "grows"


def _change(c: dict[str, Any]) -> str:
    """How the gradient variance changes per layer, in words and numbers."""
    factor = c["per_layer"]
    if factor < 1:
        return f"shrinks by a factor {fmt(factor, 3)} per layer ({_percent(1 - factor)} lost)"
    return f"grows by a factor {fmt(factor, 3)} per layer ({_percent(factor - 1)} gained)"


def _percent(v: float) -> str:
    return f"{100 * v:.3g} %"


def _table(cells: dict[str, list[dict[str, Any]]], depth: int) -> Table:
    rows = []
    for label, _, _ in INITS:
        for c in cells[label]:
            bound = c["bound_per_layer"]
            rows.append(
                (
                    f"`{c['activation']}`",
                    f"{label}, $\\sigma_w^2 = {fmt(c['sigma_w2'], 4)}$",
                    fmt(c["per_layer"], 3),
                    fmt(c["per_layer_predicted"], 3),
                    fmt(bound, 3) if math.isfinite(bound) else "–",
                    fmt(c["ratio"], 3),
                    _state(c),
                )
            )
    return Table(
        ("", "initialisation", "per layer", "mean-field", "bound", "layer 1 / layer D", ""),
        tuple(rows),
        f"Gradient variance: the measured factor per layer (geometric mean over {depth - 1} "
        "layers), the mean-field prediction, the textbook bound, and what reaches the first "
        f'layer relative to the last. "Vanishes": below {VANISHED:g} of the top layer\'s.',
    )


def _agreement(cells: dict[str, list[dict[str, Any]]], width: int) -> str:
    worst = max((c for label in cells for c in cells[label]), key=lambda c: c["prediction_off_by"])
    off = worst["prediction_off_by"]
    said = (
        f"across all layers, activations and both initialisations the measured variance is "
        f"within a factor {fmt(off, 3)} of the prediction (the widest gap is "
        f"`{worst['activation']}`'s; the theory is for infinitely wide networks, these have "
        f"{width} units per layer)."
    )
    if off <= AGREES:
        return (
            "Mean-field theory predicts these curves before any network is drawn: "
            + said
            + " Whether gradients vanish is a property of activation and weight scale "
            "together, computable in advance."
        )
    return f"Mean-field theory misses by more than a factor {AGREES:g} here: " + said


def _detail(g: dict[str, Any], h: dict[str, Any], depth: int) -> str:
    def state(c: dict[str, Any], init: str) -> str:
        word = {"vanishes": "vanish", "kept": "are kept", "grows": "grow"}[_state(c)]
        return f"{word} under {init} ({fmt(c['per_layer'], 3)} per layer)"

    gaussian = f"σ_w² = {fmt(g[NAMES[0]]['sigma_w2'], 4)}"
    parts = [
        f"{name}'s gradients {state(g[name], gaussian)} and {state(h[name], 'He')}"
        for name in NAMES
    ]
    changed = [name for name in NAMES if _state(g[name]) != _state(h[name])]
    tail = (
        f" The initialisation decides as much as the activation: it changes the outcome for "
        f"{' and '.join(changed)}."
        if changed
        else ""
    )
    return (
        "; ".join(parts)
        + f", over {depth} layers (vanish: the first layer gets under {VANISHED:g} of the "
        "top layer's gradient variance)." + tail
    )


def _figure(report: gradients.GradientReport, name: str, label: str) -> Any:
    from actlab.plots.gradients import plot_gradients

    cfg = report.config
    return capture(
        plot_gradients(report),
        name,
        f"Gradient variance per layer ({label}; layer 1 is the input side), measured "
        f"(dots: mean, band: min–max of {cfg['seeds']} networks) and predicted by mean-field "
        "theory (lines); dotted: the textbook bound for activations whose slope is below 1. "
        "Right: the share of saturated units per layer.",
        f"Log-scale plot of gradient variance against layer for sigmoid, tanh and ReLU ({label}).",
    )
