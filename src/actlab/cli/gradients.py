"""``actlab gradients``: vanishing gradients measured per layer beside the mean-field prediction."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.outputs import FIGURE_FORMATS, check_output


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gradients",
        help="measure per-layer gradient magnitudes at init and compare with mean-field theory",
    )
    p.add_argument("--activations", default="relu,tanh,sigmoid", help="comma-separated specs")
    p.add_argument("--depth", type=int, default=20, help="hidden layers (default 20)")
    p.add_argument("--width", type=int, default=256, help="units per hidden layer (default 256)")
    p.add_argument("--init", default="gaussian", help="initialisation scheme (default gaussian)")
    p.add_argument("--sigma-w2", type=float, default=1.0, help="weight variance x fan_in")
    p.add_argument("--sigma-b2", type=float, default=0.0, help="bias variance")
    p.add_argument("--seeds", type=int, default=3, help="networks per activation (default 3)")
    p.add_argument("--dataset", help="digits, xor or circle (default: Gaussian inputs)")
    p.add_argument("--steps", type=int, default=0, help="also measure during this many steps")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--optimizer", default="sgd", help="sgd, momentum or adam")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    p.add_argument("-o", "--output", help="figure file (PNG, SVG or PDF)")
    p.add_argument("--histograms", help="also write activation histograms per layer here")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--force", action="store_true", help="run even if it looks too big for memory")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def split_specs(text: str) -> list[str]:
    """Activation specs (:func:`actlab.spec.split_specs`), none of them empty."""
    from actlab.spec import split_specs as split

    specs = split(text)
    if not all(specs):
        raise ActlabError(f"empty activation in {text!r}")
    return specs


def check_figure_path(path: str | None, what: str = "-o") -> None:
    """Refuse a figure path that cannot be written before spending time on the measurement."""
    if path is not None:
        check_output(path, FIGURE_FORMATS, what)


def _cell(value: float, width: int, spec: str) -> str:
    return f"{value:>{width}{spec}}" if math.isfinite(value) else f"{'n/a':>{width}}"


def progress_lines(label: str, unit: str) -> Callable[[int, int], None]:
    from actlab.progress import Progress

    progress = Progress(sys.stderr, label)

    def report(done: int, total: int) -> None:
        progress.update(done, total, unit)
        if done >= total:
            progress.clear()

    return report


def run(args: argparse.Namespace) -> int:
    from actlab.experiments.gradients import measure

    check_figure_path(args.output)
    check_figure_path(args.histograms, "--histograms")

    report = measure(
        split_specs(args.activations),
        depth=args.depth,
        width=args.width,
        init=args.init,
        sigma_w2=args.sigma_w2,
        sigma_b2=args.sigma_b2,
        seeds=args.seeds,
        dataset=args.dataset,
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        optimizer=args.optimizer,
        dtype=args.dtype,
        force=args.force,
        on_progress=None if args.quiet else progress_lines("actlab gradients", "network"),
    )
    if args.output or args.histograms:
        from actlab.plots.gradients import plot_gradients, plot_histograms

        for path, draw in ((args.output, plot_gradients), (args.histograms, plot_histograms)):
            if path:
                try:
                    draw(report).savefig(path, dpi=130)
                except (OSError, ValueError) as exc:
                    raise ActlabError(f"cannot write {path}: {exc}") from None
    if args.json:
        print(json_text(report.to_json()))
        return 0
    cfg = report.config
    init = cfg["init"]
    if init == "gaussian":
        init += f" (sigma_w2={cfg['sigma_w2']:g}, sigma_b2={cfg['sigma_b2']:g})"
    print(f"depth {cfg['depth']}, width {cfg['width']}, init {init}, {cfg['seeds']} seeds")
    print(
        f"{'activation':<24}{'Var first/last measured':>26}{'predicted':>12}{'ratio':>8}"
        f"{'saturated':>11}"
    )
    undefined = False
    for r in report.results:
        s = r.summary()
        measured, predicted = s["ratio_measured"], s["ratio_predicted"]
        ratio = measured / predicted if predicted and math.isfinite(predicted) else math.nan
        cells = [_cell(measured, 26, ".3e"), _cell(predicted, 12, ".3e"), _cell(ratio, 8, ".2f")]
        undefined |= not all(math.isfinite(v) for v in (measured, predicted, ratio))
        print(
            f"{r.activation:<24}{''.join(cells)}"
            f"{100 * sum(s['saturation']) / len(s['saturation']):>10.1f}%"
        )
    if undefined:
        print("n/a: the gradient at the first or last layer is 0 or not finite (under/overflow)")
    for path in (args.output, args.histograms):
        if path:
            print(f"wrote {path}")
    return 0
