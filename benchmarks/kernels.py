"""Kernel benchmark: every activation's forward and forward+backward cost in memory copies.

Run from the repository root (arguments as ``actlab bench kernels``)::

    python benchmarks/kernels.py [--json] [--size N] [--repeat R] [--only NAMES]
"""

from __future__ import annotations

import sys

from actlab.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "kernels", *sys.argv[1:]]))
