"""``actlab collapse``: a stack of linear layers is one matrix, and cannot learn XOR or a circle."""

from __future__ import annotations

import argparse
from typing import Any

from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "collapse", help="show that linear layers collapse into one map, and what that costs"
    )
    p.add_argument("--depth", type=int, default=10, help="linear layers in the stack (default 10)")
    p.add_argument("--width", type=int, default=16, help="units per layer (default 16)")
    p.add_argument("--nonlinear", default="tanh", help="hidden activation of the 1-layer net")
    p.add_argument("--steps", type=int, default=1500, help="Adam steps (full batch)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("-o", "--output", help="figure file (PNG, SVG or PDF)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--force", action="store_true", help="run even if it looks too big for memory")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.cli.gradients import check_figure_path, progress_lines
    from actlab.experiments.collapse import run as collapse_run

    check_figure_path(args.output)

    if args.depth < 2 or args.width < 1 or args.steps < 0 or args.seeds < 1:
        raise ActlabError("need --depth >= 2, --width >= 1, --steps >= 0, --seeds >= 1")
    report = collapse_run(
        depth=args.depth,
        width=args.width,
        hidden=args.nonlinear,
        steps=args.steps,
        seeds=args.seeds,
        force=args.force,
        on_progress=None if args.quiet else progress_lines("actlab collapse", "step"),
    )
    if args.output:
        from actlab.plots.collapse import plot_collapse

        try:
            plot_collapse(report).savefig(args.output, dpi=120)
        except (OSError, ValueError) as exc:
            raise ActlabError(f"cannot write {args.output}: {exc}") from None
    if args.json:
        print(json_text(report.to_json()))
        return 0
    print(
        f"{report.depth} linear layers vs their product W0 W1 ... W{report.depth - 1}: "
        f"largest output difference {report.max_abs_diff:.2e}"
    )
    print(
        f"{'dataset':<10}{'linear stack':>14}{'best linear':>13}{'1 hidden ' + report.hidden:>18}"
    )
    for d in report.datasets:
        print(
            f"{d.name:<10}{d.linear.mean():>14.1%}{d.best_linear:>13.1%}{d.nonlinear.mean():>18.1%}"
        )
    if args.output:
        print(f"wrote {args.output}")
    return 0
