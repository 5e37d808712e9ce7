"""``actlab bench BENCHMARK``: a command group, one sub-subcommand per module.

To add ``actlab bench NAME``, write ``actlab/cli/bench_NAME.py`` with ``add_parser(subparsers)``
(the same contract as a top-level command module) and add ``"bench_NAME"`` to :data:`BENCHES`.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

#: modules under actlab.cli that each add one ``actlab bench ...`` command
BENCHES = ("bench_kernels", "bench_engine", "bench_torch")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("bench", help="benchmarks: speed as multiples of a reference, same run")
    group = p.add_subparsers(dest="benchmark", metavar="BENCHMARK", parser_class=type(p))
    for name in BENCHES:
        importlib.import_module(f"actlab.cli.{name}").add_parser(group)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
