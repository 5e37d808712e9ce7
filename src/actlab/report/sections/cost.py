"""Claim 6: ReLU is cheaper to compute than sigmoid, forward and backward (kernel benchmark).

Answered per regime (in cache: compute-bound; in DRAM: bandwidth-bound) and per implementation
(actlab, torch eager, torch.compile in full mode), from :mod:`actlab.bench.kernels`, with each
formula's operation count beside the measured cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import actlab
from actlab.bench import kernels
from actlab.report.figures import capture, fmt
from actlab.report.model import Block, Context, FigureBlock, Section, Table, Text

TITLE = "The cost of an activation"
#: what is timed: the claim's two, and tanh for scale
NAMES = ("relu", "sigmoid", "tanh")
#: per mode: elements per regime, rounds (None: two per variant) and whether to torch.compile
SETTINGS: dict[str, dict[str, Any]] = {
    "quick": {"cache": 2**15, "dram": 2**24, "rounds": 6, "compile": False},
    "full": {"cache": 2**15, "dram": 2**24, "rounds": None, "compile": True},
}
_UNIT = {"cache": "ns per element", "dram": "copies of the array"}


def build(ctx: Context) -> Section:
    s = SETTINGS[ctx.options.mode]
    bench = kernels.run(
        {"cache": s["cache"], "dram": s["dram"]},
        s["rounds"],
        NAMES,
        compile=s["compile"],
        progress=lambda line: ctx.progress(f"  timing {line}"),
        seed=0,
    )
    comparisons = kernels.compare(bench)
    word = kernels.verdict_word(comparisons)
    ops = {name: operation_counts(name) for name in NAMES}
    numbers: dict[str, Any] = {
        "regimes": bench.regimes,
        "rounds": bench.rounds,
        "threads": bench.threads,
        "torch": bench.torch_version,
        "operations": ops,
        "results": [t.as_dict() for t in bench.results],
        "skipped": bench.skipped,
        "comparisons": [
            {
                "impl": c.impl,
                "regime": c.regime,
                "fwd_ratio": c.ratio("fwd"),
                "fwdbwd_ratio": c.ratio("fwdbwd"),
                "fwd": c.answer("fwd"),
                "fwdbwd": c.answer("fwdbwd"),
            }
            for c in comparisons
        ],
    }
    detail = "; ".join(
        f"{c.impl} {c.regime}: sigmoid/ReLU = {fmt(c.ratio('fwd'), 2)}× forward "
        f"({c.answer('fwd')}), {fmt(c.ratio('fwdbwd'), 2)}× forward+backward "
        f"({c.answer('fwdbwd')})"
        for c in comparisons
    )
    blocks: list[Block] = [
        Text(_method(bench)),
        _verdict_table(comparisons),
        _cost_table(bench, ops),
        FigureBlock(_figure(bench)),
        Text(_reading(comparisons)),
    ]
    if bench.skipped:
        blocks.append(Text("Not timed: " + "; ".join(bench.skipped) + "."))
    if bench.torch_version is None:
        blocks.append(Text("PyTorch is not installed, so only actlab was timed."))
    elif not s["compile"]:
        blocks.append(Text("torch.compile is timed in full mode only (compiling takes seconds)."))
    return Section(
        key="cost",
        title=TITLE,
        claim="ReLU is cheaper to compute than sigmoid, forward and backward.",
        verdict=word,  # type: ignore[arg-type]
        verdict_detail=detail + ".",
        blocks=blocks,
        numbers=numbers,
        reproduce=(
            f"actlab bench kernels --size {s['dram']} --cache-size {s['cache']}"
            + (f" --repeat {s['rounds']}" if s["rounds"] else "")
            + (" --compile" if s["compile"] else "")
            + " --only relu sigmoid tanh"
        ),
    )


def operation_counts(name: str) -> tuple[int, int]:
    """Operations in the formula of f and of f' (SymPy's ``count_ops``; exp, erf... count 1)."""
    import sympy as sp

    record = actlab.lookup(name)
    x = sp.Symbol("x", real=True)
    params = {k: sp.Float(v) for k, v in record.defaults.items()}
    expr = record.symbolic(sp, x, params)
    return int(sp.count_ops(expr)), int(sp.count_ops(sp.diff(expr, x)))


def _method(bench: kernels.KernelBench) -> str:
    cache, dram = bench.regimes.get("cache"), bench.regimes.get("dram")
    return (
        "How this was measured: each function runs on an array of random float32 numbers, "
        "forward alone and forward followed by the derivative (torch: backward through "
        "autograd). Two sizes answer two questions. "
        f"{cache:,} values fit in the processor's cache, so the time is the arithmetic: "
        "reported in nanoseconds per value. "
        f"{dram:,} values ({(dram or 0) * 4 / 2**20:.0f} MiB) do not, so the time is mostly "
        "moving memory: reported as a multiple of the time to copy the same array (a copy reads "
        "and writes every value once, the least any element-wise function can do). Every "
        "version, and the copy, runs in the same rounds, in an order that rotates every round "
        "so no one always goes first; each is warmed up until its times are stable; "
        f"the numbers are the {bench.rounds_text} of CPU time of the process, "
        f"with {bench.threads} thread(s) for every library. `actlab` allocates a fresh output, "
        "`actlab out=` writes into buffers the caller owns, `torch` is PyTorch eager"
        + (f" {bench.torch_version}" if bench.torch_version else "")
        + ". A difference smaller than the rounds' spread is called \"can't tell\"."
    )


def _verdict_table(comparisons: list[kernels.Comparison]) -> Table:
    rows = []
    for c in comparisons:
        unit = _UNIT[c.regime]
        rows.append(
            (
                c.impl,
                f"{c.regime} ({unit})",
                f"{fmt(c.cheap.cost('fwd'), 3)} vs {fmt(c.dear.cost('fwd'), 3)}",
                f"{fmt(c.ratio('fwd'), 2)}× ({c.answer('fwd')})",
                f"{fmt(c.cheap.cost('fwdbwd'), 3)} vs {fmt(c.dear.cost('fwdbwd'), 3)}",
                f"{fmt(c.ratio('fwdbwd'), 2)}× ({c.answer('fwdbwd')})",
            )
        )
    return Table(
        (
            "implementation",
            "regime",
            "forward ReLU vs sigmoid",
            "sigmoid/ReLU",
            "fwd+bwd ReLU vs sigmoid",
            "sigmoid/ReLU",
        ),
        tuple(rows),
        "Is ReLU cheaper? Per implementation and regime (yes: sigmoid/ReLU above 1 by more than "
        "the noise).",
    )


def _cost_table(bench: kernels.KernelBench, ops: dict[str, tuple[int, int]]) -> Table:
    rows = []
    for name in NAMES:
        for regime in bench.regimes:
            cells = []
            for impl in bench.impls():
                t = bench.get(name, impl, regime)
                cells += [fmt(t.cost("fwd"), 3), fmt(t.cost("fwdbwd"), 3)] if t else ["–", "–"]
            f_ops, d_ops = ops[name]
            rows.append((f"`{name}`", f"{f_ops} + {d_ops}", regime, *cells))
    columns = [f"{impl} {which}" for impl in bench.impls() for which in ("fwd", "fwd+bwd")]
    return Table(
        ("activation", "operations f + f'", "regime", *columns),
        tuple(rows),
        "Operations in the formula of f and of f' (each exp counts as one, though it costs "
        "tens of instructions) beside the measured cost: ns per element in cache, copies in DRAM.",
    )


def _reading(comparisons: list[kernels.Comparison]) -> str:
    """What the numbers say, in words, from the answers (no typed conclusion)."""
    by_regime: dict[str, list[str]] = {}
    for c in comparisons:
        for which, label in (("fwd", "forward"), ("fwdbwd", "forward+backward")):
            if c.answer(which) != "yes":
                by_regime.setdefault(c.regime, []).append(
                    f"{c.impl} {label} ({c.answer(which)}, {fmt(c.ratio(which), 2)}×)"
                )
    if not by_regime:
        return (
            "ReLU is cheaper in every implementation, in both regimes, forward and "
            "forward+backward."
        )
    parts = [f"in {regime}: {', '.join(items)}" for regime, items in by_regime.items()]
    return "Where ReLU is not clearly cheaper: " + "; ".join(parts) + "."


def _figure(bench: kernels.KernelBench) -> Any:
    from actlab.plots import COLOURS, pyplot

    plt = pyplot()
    impls = bench.impls()
    regimes = list(bench.regimes)
    fig, axes = plt.subplots(len(regimes), 2, figsize=(10, 3.2 * len(regimes)), squeeze=False)
    width = 0.8 / len(NAMES)
    for row, regime in enumerate(regimes):
        for col, (which, title) in enumerate((("fwd", "forward"), ("fwdbwd", "fwd+bwd"))):
            ax = axes[row][col]
            for j, name in enumerate(NAMES):
                values = [
                    t.cost(which) if (t := bench.get(name, i, regime)) else np.nan for i in impls
                ]
                pos = np.arange(len(impls)) + (j - (len(NAMES) - 1) / 2) * width
                ax.bar(pos, values, width, label=name, color=COLOURS[j])
                for p, v in zip(pos, values):
                    if np.isfinite(v):
                        ax.text(p, v * 1.08, f"{v:.3g}", ha="center", fontsize=8)
            if regime == "dram":
                ax.axhline(1.0, color="0.3", lw=0.8, ls="--")
            ax.set_yscale("log")
            ax.set_xticks(range(len(impls)), impls)
            ax.set_title(f"{title}, {regime}", loc="left", fontsize=12)
            ax.spines[["top", "right"]].set_visible(False)
        axes[row][0].set_ylabel(_UNIT[regime])
    axes[0][0].legend(frameon=False, fontsize=9)
    fig.tight_layout()
    return capture(
        fig,
        "cost",
        "Time per call: in cache as ns per element, in DRAM as multiples of copying the array "
        "(log scale; dashed: one copy).",
        "Bar charts of forward and forward+backward cost per implementation and regime.",
    )
