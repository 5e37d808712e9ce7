"""Engine speed: ``python benchmarks/engine.py [--json] [--steps N] [--rounds N] [--threads N]``.

The same as ``actlab bench engine`` (see :mod:`actlab.bench.engine`).
"""

from __future__ import annotations

import argparse
import sys

from actlab.cli import bench_engine

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="benchmarks/engine.py")
    sub = parser.add_subparsers()
    bench_engine.add_parser(sub)
    sys.exit(bench_engine.run(parser.parse_args(["engine", *sys.argv[1:]])))
