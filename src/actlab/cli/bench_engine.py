"""``actlab bench engine``: the engine against PyTorch eager, and stacked against sequential."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from actlab.cli.jsonout import json_text
from actlab.limits import check_count as count


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "engine", help="train MLPs in actlab's engine vs torch eager; K=40 stacked vs sequential"
    )
    p.add_argument("--steps", type=int, default=50, help="training steps per round (50)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians (5)")
    p.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (1)")
    p.add_argument("--no-torch", action="store_true", help="only the stacking race")
    p.add_argument("--json", action="store_true", help="print a JSON list of races")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.bench import engine as bench

    count(args.steps, "--steps", 1, 100_000)
    count(args.rounds, "--rounds", 1, 1000)
    count(args.threads, "--threads", 1, 1024)
    races = bench.run(
        steps=args.steps,
        rounds=args.rounds,
        threads=args.threads,
        use_torch=not args.no_torch,
        progress=lambda line: print(f"actlab bench engine: {line}", file=sys.stderr, flush=True),
    )
    if args.json:
        print(json_text([r.as_dict() for r in races], indent=2))
        return 0
    print(
        f"CPU ms per training step, median of {args.rounds} rounds, {args.threads} thread(s) "
        "(small, medium, stacked: SGD momentum, float32)"
    )
    print(f"{'race':<12}{'setup':<34}{'subject':>18}{'reference':>24}{'speedup':>9}")
    for r in races:
        print(
            f"{r.name:<12}{r.setup:<34}{r.subject + f' {r.subject_ms:.3f}':>18}"
            f"{r.reference + f' {r.reference_ms:.3f}':>24}{r.speedup:>8.2f}x"
        )
    return 0
