"""``actlab report``: run every claim's check and write the page, its figures and its numbers."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError


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
    p.add_argument("--data", type=Path, help="dataset for the training sections (default: digits)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections")
    p.set_defaults(func=run, mode="quick")


def run(args: argparse.Namespace) -> int:
    from actlab.report import Options, build, write
    from actlab.report.sections import SECTIONS

    if args.data is not None and not args.data.exists():
        raise ActlabError(f"--data {args.data}: no such file or directory")
    unknown = sorted(set(args.only or ()) - set(SECTIONS))
    if unknown:
        raise ActlabError(f"unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ActlabError(f"--out {out}: exists and is not a directory")
    # fail now, not after a minute of computing
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ActlabError(f"--out {out}: cannot create it: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK):
        raise ActlabError(f"--out {out}: not writable")
    options = Options(mode=args.mode, data=args.data, seed=args.seed)
    start = time.perf_counter()

    def progress(line: str) -> None:
        print(f"actlab report: {line}", file=sys.stderr, flush=True)

    sections = build(options, progress, args.only)
    page = write(sections, out, options, time.perf_counter() - start)
    print(page.resolve())
    return 0
