"""``actlab accuracy``: worst-case ulp of every activation against a high-precision reference."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import actlab
from actlab.cli.jsonout import json_text
from actlab.cli.signals import exit_status, stopped_by
from actlab.errors import ActlabError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "accuracy", help="worst-case error in ulp, forward and derivative, float32 and float64"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--only", nargs="+", metavar="NAME", help="activations (names or aliases)")
    p.add_argument(
        "--formula",
        action="append",
        metavar="FORMULA",
        help='measure a formula instead (repeatable), e.g. "(exp(x)-exp(-x))/(exp(x)+exp(-x))"',
    )
    p.add_argument(
        "--extra", type=int, default=1000, help="random points added to the fixed grid (1000)"
    )
    p.set_defaults(func=run)


#: the most random points --extra may add (each costs a high-precision reference evaluation)
MAX_EXTRA = 100_000


def run(args: argparse.Namespace) -> int:
    """Measure each activation in turn; Ctrl-C (or SIGTERM) prints the rows already measured."""
    from actlab.analysis.accuracy import markdown_table, measure, measure_function
    from actlab.progress import Progress

    if not 0 <= args.extra <= MAX_EXTRA:
        raise ActlabError(f"--extra must be 0..{MAX_EXTRA}, got {args.extra}")
    if args.formula and args.only is not None:
        raise ActlabError("--only picks catalog activations; it does not go with --formula")
    if args.formula:
        functions = [actlab.get(text) for text in args.formula]  # every spec checked first
        results = []
        for i, f in enumerate(functions):
            print(f"actlab accuracy: [{i + 1}/{len(functions)}] {f.spec}", file=sys.stderr)
            results += measure_function(f, extra=args.extra)
        if args.json:
            print(json_text([r.as_dict() for r in results], indent=2))
        else:
            print(_listing(results))
        return 0
    names = [n for item in (args.only or []) for n in item.split(",") if n.strip()]
    if args.only is not None and not names:
        raise ActlabError("--only needs at least one activation name")
    records = [actlab.lookup(n.strip()) for n in names] or list(actlab.records())
    results = []
    progress = Progress(sys.stderr, "actlab accuracy")
    status = 0
    try:
        for i, record in enumerate(records):
            results += measure(record, extra=args.extra)
            progress.update(i + 1, len(records), "activation")
    except KeyboardInterrupt as exc:
        progress.clear()
        done = len({r.name for r in results})
        print(
            f"actlab accuracy: {stopped_by(exc)}; the {done} activations measured so far follow",
            file=sys.stderr,
        )
        status = exit_status(exc)
    progress.clear()
    if args.json:
        print(json_text([r.as_dict() for r in results], indent=2))
    elif results:
        print(markdown_table(results))
    return status


def _listing(results: list[Any]) -> str:
    """One line per formula, kernel and dtype: the worst error and where it is."""
    lines = []
    for r in results:
        worst = f"{r.worst_ulp:.3g} ulp" if r.worst_ulp != float("inf") else "wrong kind"
        lines.append(
            f"{r.name}  {r.which:<10}  {r.dtype:<7}  worst {worst} at x = {r.at:.17g}"
            f"  ({r.points} points)"
        )
    return "\n".join(lines)
