"""``actlab report``: run every claim's check and write the page, its figures and its numbers."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError
from actlab.outputs import check_folder


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="check every claim about activations; write an HTML page, figures and JSON",
    )
    p.add_argument("--out", default="actlab-report", help="output directory (actlab-report)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="about a minute (default)"
    )
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="more seeds, epochs and larger arrays")  # fmt: skip
    p.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="folder with MNIST's four IDX files: the training-speed study runs on MNIST too",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections")
    p.set_defaults(func=run, mode="quick")


def run(args: argparse.Namespace) -> int:
    from actlab.report import Options, build, write
    from actlab.report.sections import SECTIONS

    if args.data is not None and not args.data.exists():
        raise ActlabError(f"--data {args.data}: no such file or directory")
    if args.data is not None:
        from actlab import data

        data.load("mnist", args.data)  # unreadable files fail now, not after the other sections
    unknown = sorted(set(args.only or ()) - set(SECTIONS))
    if unknown:
        raise ActlabError(f"unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    out = check_folder(args.out, "--out")  # fail now, not after a minute of computing
    options = Options(mode=args.mode, data=args.data, seed=args.seed)
    start = time.perf_counter()

    def progress(line: str) -> None:
        print(f"actlab report: {line}", file=sys.stderr, flush=True)

    sections = build(options, progress, args.only)
    page = write(sections, out, options, time.perf_counter() - start)
    print(page.resolve())
    return 0
