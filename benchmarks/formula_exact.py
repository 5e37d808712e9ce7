"""Cost of exact formulas (issue 12): the guaranteed evaluation against the naive NumPy one.

    PYTHONPATH=src python benchmarks/formula_exact.py [N] [--repeat R]

For each formula and dtype, on N values drawn from N(0, 4^2) (default 2^18):

- ``naive``: the formula as typed, evaluated with NumPy ufuncs in the input's dtype under
  ``np.errstate(all="ignore")`` (SymPy's lambdify of the formula before any rewrite);
- ``exact``: ``actlab.get(formula)`` (forward), which certifies every element to 1 ulp;
- ``ratio``: median exact / median naive, the two timed alternately in one run, in a random
  order each round so neither always runs warm;
- ``first``: the share of elements the first number system certified (float64 for float32
  output, long double for float64): the rest were *hard* and went on to mpmath;
- ``hard us``: the cost per hard element in microseconds, measured (float64) on those of 200
  candidate inputs that reach mpmath (near-cancelling or overflowing ones; their count in
  parentheses).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import numpy as np
import sympy as sp

import actlab
from actlab.formula import exact
from actlab.formula.build import build
from actlab.formula.functions import X, to_elementary
from actlab.formula.parser import parse

#: (formula, candidate inputs for mpmath in float64: where the formula cancels or overflows)
FORMULAS: list[tuple[str, Callable[[int], np.ndarray]]] = [
    ("(exp(x)-exp(-x))/(exp(x)+exp(-x))", lambda n: np.geomspace(1e-12, 1e-4, n)),
    ("(x+sqrt(x^2+4))/2", lambda n: -np.geomspace(1e3, 1e8, n)),
    ("x*(1+x/sqrt(1+x^2))/2", lambda n: -np.geomspace(1e3, 1e8, n)),
    ("x/(1+exp(-x))", lambda n: -np.geomspace(1e5, 1e300, n)),
    ("log(1+exp(x))", lambda n: -np.geomspace(1e5, 1e300, n)),
    ("x*tanh(log(1+exp(x)))", lambda n: -np.geomspace(1e5, 1e300, n)),
]


def naive(formula: str) -> Callable[[np.ndarray], np.ndarray]:
    """The formula as typed, compiled by SymPy's lambdify to plain NumPy calls."""
    fn = sp.lambdify(X, to_elementary(build(parse(formula))), "numpy")

    def run(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(fn(x))

    return run


def race(a: Callable, b: Callable, x: np.ndarray, repeat: int) -> tuple[float, float]:
    """Median seconds of a(x) and b(x), run alternately in a random order each round."""
    times: dict[Callable, list[float]] = {a: [], b: []}
    for _ in range(repeat):
        pair = [a, b]
        random.shuffle(pair)
        for fn in pair:
            start = time.perf_counter()
            fn(x)
            times[fn].append(time.perf_counter() - start)
    return statistics.median(times[a]), statistics.median(times[b])


def first_share(f: actlab.Function, x: np.ndarray) -> float:
    kernel = f.record.forward
    tally = exact.Tally()
    with np.errstate(all="ignore"):
        exact._run(kernel.plan, kernel.fast, _fallback(kernel), x, np.empty_like(x), {}, tally)
    first = exact.systems(x.dtype)[0].name
    return tally.certified.get(first, 0) / x.size


def hard_cost(f: actlab.Function, candidates: np.ndarray) -> tuple[float, int]:
    """Microseconds per element of f on the candidates that reach mpmath, and their count."""
    kernel = f.record.forward
    hard = []
    for value in candidates:
        tally = exact.Tally()
        x = np.array([value])
        with np.errstate(all="ignore"):
            exact._run(kernel.plan, kernel.fast, _fallback(kernel), x, np.empty(1), {}, tally)
        if any(k.startswith("mpmath") for k in tally.certified) or tally.uncertain:
            hard.append(value)
    if not hard:
        return float("nan"), 0
    x = np.array(hard)
    start = time.perf_counter()
    f(x)
    return (time.perf_counter() - start) / x.size * 1e6, x.size


def _fallback(kernel: Callable) -> Callable:
    return lambda x, v: kernel.fast(x, np.empty_like(x), **v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1 << 18)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    random.seed(0)
    print(f"N = {args.n}, median of {args.repeat} alternating runs (one process, one core)")
    print(
        f"{'formula':<36}{'dtype':<9}{'naive ms':>10}{'exact ms':>10}{'ratio':>8}"
        f"{'first':>8}{'hard us':>9}"
    )
    for formula, hard_inputs in FORMULAS:
        f, plain = actlab.get(formula), naive(formula)
        for dtype in (np.float32, np.float64):
            x = np.random.default_rng(0).normal(scale=4.0, size=args.n).astype(dtype)
            t_naive, t_exact = race(plain, f, x, args.repeat)
            share = first_share(f, x)
            hard = ""
            if dtype == np.float64:
                cost, count = hard_cost(f, hard_inputs(200))
                hard = f"{cost:>9.0f} ({count})" if count else f"{'-':>9} (0)"
            print(
                f"{formula:<36}{dtype.__name__:<9}{t_naive * 1e3:>10.2f}{t_exact * 1e3:>10.2f}"
                f"{t_exact / t_naive:>8.2f}{share:>8.1%}{hard}"
            )


if __name__ == "__main__":
    main()
