"""actlab's one-node activations against torch's fused ops, eager composition and torch.compile.

The same as ``actlab bench torch`` (see :mod:`actlab.bench.torch`), for checkouts where the
``bench`` command group is not there:

    PYTHONPATH=src python benchmarks/torch_activations.py [--size N] [--device cuda] [--compile]
"""

from __future__ import annotations

import argparse
import sys

from actlab.errors import ActlabError


def main(argv: list[str] | None = None) -> int:
    from actlab.cli import bench_torch

    parser = argparse.ArgumentParser(prog="torch_activations", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark")
    bench_torch.add_parser(sub)
    args = parser.parse_args(["torch", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except ActlabError as exc:
        print(f"torch_activations: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
