"""``actlab bench kernels``: activation kernel cost in multiples of a memory copy."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import actlab
from actlab.bench import kernels
from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.limits import check_count as count


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "kernels",
        help="forward and forward+backward time of each activation vs a memory copy",
        description=kernels.__doc__.split("\n\n")[0] if kernels.__doc__ else None,
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.add_argument("--size", type=int, default=kernels.DEFAULT_SIZE, help="elements (2^24)")
    p.add_argument("--repeat", type=int, default=5, help="rounds; medians are reported (5)")
    p.add_argument(
        "--only", nargs="+", metavar="SPEC", help="activations: names, aliases or name(params)"
    )
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--torch-threads", type=int, default=1, help="torch threads (1, as NumPy)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.size < 1 or args.size > 2**28:
        raise ActlabError(f"--size must be between 1 and 2^28, got {args.size}")
    count(args.repeat, "--repeat", 1, 1000)
    count(args.torch_threads, "--torch-threads", 1, 1024)
    only = None
    if args.only:
        wanted = [spec for item in args.only for spec in split_specs(item)]
        only = list(dict.fromkeys(actlab.get(spec).spec for spec in wanted))
    bench = kernels.run(
        args.size,
        args.repeat,
        only,
        use_torch=not args.no_torch,
        torch_threads=args.torch_threads,
        progress=lambda line: print(f"actlab bench kernels: {line}", file=sys.stderr, flush=True),
    )
    if args.json:
        print(json_text([t.as_dict() for t in bench.results], indent=2))
        return 0
    print("\n".join(table_lines(bench)))
    return 0


def split_specs(text: str) -> list[str]:
    """``"relu,elu(alpha=2, ),tanh"`` -> specs, split at commas outside parentheses."""
    specs, depth, start = [], 0, 0
    for i, ch in enumerate(text + ","):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            if text[start:i].strip():
                specs.append(text[start:i].strip())
            start = i + 1
    return specs


def table_lines(bench: kernels.KernelBench) -> list[str]:
    """The table of ratios (one row per activation), skipped entries, and the ReLU line."""
    impls = [i for i in kernels.IMPLS if any(t.impl == i for t in bench.results)]
    names = list(dict.fromkeys(t.name for t in bench.results))
    width = max([len(n) for n in names] + [10])
    floor_ms = 1e3 * min(t.floor_s for t in bench.results)
    torch = f", torch {bench.torch_version} on {bench.torch_threads} thread(s)"
    lines = [
        f"time as a multiple of copying the same {bench.size}-element float32 array "
        f"(fastest copy {floor_ms:.2f} ms); median of {bench.repeat} interleaved rounds"
        + (torch if bench.torch_version else ""),
        "",
        f"{'':<{width}}  " + "  ".join(f"{i:^19}" for i in impls),
        f"{'activation':<{width}}  " + "  ".join(f"{'fwd':>8} {'fwd+bwd':>10}" for _ in impls),
    ]
    for name in names:
        cells = []
        for impl in impls:
            t = bench.get(name, impl)
            cells.append(
                f"{t.fwd_x_floor:>8.2f} {t.fwdbwd_x_floor:>10.2f}" if t else f"{'-':>8} {'-':>10}"
            )
        lines.append(f"{name:<{width}}  " + "  ".join(cells))
    if bench.skipped:
        lines += ["", "skipped: " + "; ".join(bench.skipped)]
    lines += ["", kernels.verdict(kernels.compare(bench))]
    return lines
