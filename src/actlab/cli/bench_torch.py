"""``actlab bench torch``: actlab's one-node activations vs torch eager, compiled and native."""

from __future__ import annotations

import argparse
from typing import Any

from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.limits import check_count as count


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "torch",
        help="forward+backward time and saved memory: actlab node vs eager, compiled, native",
        description="Median forward+backward time and memory kept for backward of each "
        "activation: torch's fused op, actlab's single autograd node, the eager composition "
        "of the same formula, and (with --compile) torch.compile of both.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of rows")
    p.add_argument("--size", type=int, default=1 << 22, help="elements (default 2^22)")
    p.add_argument("--repeat", type=int, default=7, help="passes; the median is reported (7)")
    p.add_argument(
        "--only", nargs="+", metavar="SPEC", help="activations or formulas, one per argument"
    )
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument(
        "--compile", action="store_true", help="add torch.compile rows (slow first call)"
    )
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1, as NumPy)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        import torch

        from actlab.bench import torch as bench
        from actlab.torch.device import resolve_device
    except ImportError:
        raise ActlabError("bench torch needs PyTorch: pip install 'actlab[torch]'") from None

    if not 1 <= args.size <= 2**28:
        raise ActlabError(f"--size must be between 1 and 2^28, got {args.size}")
    count(args.threads, "--threads", 1, 1024)
    count(args.repeat, "--repeat", 1, 1000)

    only = list(args.only) if args.only else None
    rows = bench.run(
        only,
        size=args.size,
        repeats=args.repeat,
        device=str(resolve_device(args.device)),
        dtype=getattr(torch, args.dtype),
        compile=args.compile,
        threads=args.threads,
    )
    if args.json:
        print(json_text(bench.as_dicts(rows), indent=2))
    else:
        print(
            f"{args.size} {args.dtype} elements on {args.device}, {args.threads} thread(s), "
            f"median of {args.repeat}\n"  # a blank line: the Markdown table stands on its own
        )
        print(bench.table(rows))
    return 0
