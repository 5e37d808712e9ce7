"""``actlab bench kernels``: activation kernel cost, in cache (ns/element) and in DRAM (copies)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import actlab
from actlab.bench import kernels
from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.limits import check_count as count
from actlab.spec import split_specs


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "kernels",
        help="forward and forward+backward time of each activation: in cache and vs a copy",
        description=kernels.__doc__.split("\n\n")[0] if kernels.__doc__ else None,
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.add_argument(
        "--size", type=int, default=kernels.REGIMES["dram"], help="elements, DRAM regime (2^24)"
    )
    p.add_argument(
        "--cache-size",
        type=int,
        default=kernels.REGIMES["cache"],
        help="elements, cache-resident regime (2^15)",
    )
    p.add_argument(
        "--regime", choices=("both", "cache", "dram"), default="both", help="which (both)"
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="rounds; medians are reported (default: two per variant, every order position)",
    )
    p.add_argument(
        "--only", nargs="+", metavar="SPEC", help="activations: names, aliases or name(params)"
    )
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--compile", action="store_true", help="add torch.compile (slow to compile)")
    p.add_argument(
        "--numpy-path",
        action="store_true",
        help="add actlab with its compiled kernels off (what runs without a C compiler)",
    )
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument(
        "--reverse", action="store_true", help="list the variants in reverse (same verdicts)"
    )
    p.add_argument("--threads", type=int, default=1, help="threads for every library (1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for flag, value in (("--size", args.size), ("--cache-size", args.cache_size)):
        if value < 1 or value > 2**28:
            raise ActlabError(f"{flag} must be between 1 and 2^28, got {value}")
    if args.repeat is not None:
        count(args.repeat, "--repeat", 1, 1000)
    count(args.threads, "--threads", 1, 1024)
    only = None
    if args.only:
        wanted = [spec for item in args.only for spec in split_specs(item) if spec]
        only = list(dict.fromkeys(actlab.get(spec).spec for spec in wanted))
    regimes = {"cache": args.cache_size, "dram": args.size}
    if args.regime != "both":
        regimes = {args.regime: regimes[args.regime]}
    bench = kernels.run(
        regimes,
        args.repeat,
        only,
        use_torch=not args.no_torch,
        compile=args.compile,
        numpy_path=args.numpy_path,
        dtype=args.dtype,
        reverse=args.reverse,
        threads=args.threads,
        progress=lambda line: print(f"actlab bench kernels: {line}", file=sys.stderr, flush=True),
    )
    if args.json:
        print(json_text([t.as_dict() for t in bench.results], indent=2))
        return 0
    print("\n".join(table_lines(bench)))
    return 0


def table_lines(bench: kernels.KernelBench) -> list[str]:
    """One table per regime (a row per activation), skipped entries, and the ReLU verdict."""
    impls = bench.impls()
    names = list(dict.fromkeys(t.name for t in bench.results))
    width = max([len(n) for n in names] + [10])
    torch = f"; torch {bench.torch_version}" if bench.torch_version else ""
    lines = [
        f"{bench.rounds_text}, order rotated every round, {bench.threads} thread(s) "
        f"for every implementation, CPU time of the process{torch}",
    ]
    for regime, size in bench.regimes.items():
        rows = [t for t in bench.results if t.regime == regime]
        if not rows:
            continue
        copy_ms = 1e3 * min(t.copy_s for t in rows)
        unit = (
            "ns per element"
            if regime == "cache"
            else f"multiples of copying the array (copy {copy_ms:.3g} ms)"
        )
        lines += [
            "",
            f"{regime}: {size} {bench.dtype} elements ({size * 4 / 2**20:.3g} MiB), {unit}",
            f"{'':<{width}}  " + "  ".join(f"{i:^19}" for i in impls) + "  faults/call",
            f"{'activation':<{width}}  "
            + "  ".join(f"{'fwd':>8} {'fwd+bwd':>10}" for _ in impls)
            + "  (most)",
        ]
        for name in names:
            cells, faults = [], 0.0
            for impl in impls:
                t = bench.get(name, impl, regime)
                if t is None:
                    cells.append(f"{'-':>8} {'-':>10}")
                    continue
                cells.append(f"{t.cost('fwd'):>8.3g} {t.cost('fwdbwd'):>10.3g}")
                faults = max(faults, t.fwd_faults, t.fwdbwd_faults)
            lines.append(f"{name:<{width}}  " + "  ".join(cells) + f"  {faults:>11.0f}")
    if bench.skipped:
        lines += ["", "skipped: " + "; ".join(bench.skipped)]
    lines += ["", kernels.verdict(kernels.compare(bench))]
    if "dram" in bench.regimes:
        lines.append("")
        for goal in kernels.goals(bench):
            word = "met" if goal.holds else f"missed by {len(goal.missed)}"
            lines.append(f"goal: {goal.text}: {word} ({len(goal.met)} met)")
            if goal.missed:
                lines.append("  missed: " + ", ".join(goal.missed))
    return lines
