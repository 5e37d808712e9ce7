"""``actlab accuracy``: worst-case ulp of every activation against a high-precision reference."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import actlab


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


def run(args: argparse.Namespace) -> int:
    from actlab.catalog.accuracy import markdown_table, measure, measure_function

    if args.formula:
        functions = [actlab.get(text) for text in args.formula]  # every spec checked first
        results = []
        for i, f in enumerate(functions):
            print(f"actlab accuracy: [{i + 1}/{len(functions)}] {f.spec}", file=sys.stderr)
            results += measure_function(f, extra=max(args.extra, 0))
        print(
            json.dumps([r.as_dict() for r in results], indent=2) if args.json else _listing(results)
        )
        return 0
    names = [n for item in (args.only or []) for n in item.split(",") if n.strip()]
    records = [actlab.lookup(n.strip()) for n in names] or list(actlab.records())
    results = []
    for i, record in enumerate(records):
        print(f"actlab accuracy: [{i + 1}/{len(records)}] {record.name}", file=sys.stderr)
        results += measure(record, extra=max(args.extra, 0))
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        print(markdown_table(results))
    return 0


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
