"""Cost of a custom formula against the catalog kernel of the same function, side by side.

    PYTHONPATH=src python benchmarks/formula_kernels.py [N]

Prints the median time of f(x) and f'(x) over N values (default 10^6) for each pair, and the
ratio formula / catalog. Pairs whose catalog name is not registered are skipped.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

import actlab

PAIRS = [
    ("1/(1 + exp(-x))", "sigmoid"),
    ("tanh(x)", "tanh"),
    ("max(x, 0)", "relu"),
    ("x*tanh(softplus(x))", "mish"),
    ("x*sigmoid(x)", "silu"),
]


def median_seconds(fn, x, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10**6
    print(f"{'formula':<24}{'catalog':<10}{'dtype':<9}{'f ratio':>9}{'df ratio':>10}")
    for formula, name in PAIRS:
        try:
            catalog, custom = actlab.get(name), actlab.get(formula)
        except actlab.ActlabError:
            continue
        for dtype in (np.float32, np.float64):
            x = np.random.default_rng(0).normal(scale=4.0, size=n).astype(dtype)
            ratios = [
                median_seconds(getattr(custom, which), x)
                / median_seconds(getattr(catalog, which), x)
                for which in ("__call__", "derivative")
            ]
            print(f"{formula:<24}{name:<10}{dtype.__name__:<9}{ratios[0]:>9.2f}{ratios[1]:>10.2f}")


if __name__ == "__main__":
    main()
