"""``actlab accuracy``: worst-case ulp of every activation against a high-precision reference."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import actlab
from actlab.cli.jsonout import json_text


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "accuracy", help="worst-case error in ulp, forward and derivative, float32 and float64"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of results")
    p.add_argument("--only", nargs="+", metavar="NAME", help="activations (names or aliases)")
    p.add_argument(
        "--extra", type=int, default=1000, help="random points added to the fixed grid (1000)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.catalog.accuracy import markdown_table, measure

    names = [n for item in (args.only or []) for n in item.split(",") if n.strip()]
    records = [actlab.lookup(n.strip()) for n in names] or list(actlab.records())
    results = []
    for i, record in enumerate(records):
        print(f"actlab accuracy: [{i + 1}/{len(records)}] {record.name}", file=sys.stderr)
        results += measure(record, extra=max(args.extra, 0))
    if args.json:
        print(json_text([r.as_dict() for r in results], indent=2))
    else:
        print(markdown_table(results))
    return 0
