"""Cost of exact formulas (issue 12): the guaranteed evaluation against the naive NumPy one.

    PYTHONPATH=src python benchmarks/formula_exact.py [N] [--repeat R]

For each formula and dtype, on N values drawn from N(0, 4^2) (default 2^18):

- ``naive``: the formula as typed, evaluated with NumPy ufuncs in the input's dtype under
  ``np.errstate(all="ignore")`` (SymPy's lambdify of the formula before any rewrite);
- ``exact``: ``actlab.get(formula)`` (forward), which certifies every element to 1 ulp, with
  its compiled first tier (``actlab/formula/_vm.c``), and ``numpy``: the same with the compiled
  tier switched off (the NumPy float tiers, as where the extension is not built);
- ``ratio`` and ``np ratio``: median exact / median naive and median numpy / median naive, the
  three timed alternately in one run, in a random order each round so none always runs warm;
- ``first``: the share of elements the first number system certified (float64 for float32
  output, long double for float64; compiled tier): the rest were *hard* and went on to mpmath;
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
from actlab.catalog import _compiled
from actlab.formula import exact, vm
from actlab.formula.assemble import derivative_of
from actlab.formula.build import build
from actlab.formula.functions import X, to_elementary
from actlab.formula.parser import parse
from actlab.formula.rewrite import stabilize

#: (formula, candidate inputs for mpmath in float64: where the formula cancels or overflows)
FORMULAS: list[tuple[str, Callable[[int], np.ndarray]]] = [
    ("(exp(x)-exp(-x))/(exp(x)+exp(-x))", lambda n: np.geomspace(1e-12, 1e-4, n)),
    ("(x+sqrt(x^2+4))/2", lambda n: -np.geomspace(1e3, 1e8, n)),
    ("x*(1+x/sqrt(1+x^2))/2", lambda n: -np.geomspace(1e3, 1e8, n)),
    ("x/(1+exp(-x))", lambda n: -np.geomspace(1e5, 1e300, n)),
    ("log(1+exp(x))", lambda n: -np.geomspace(1e5, 1e300, n)),
    ("x*tanh(log(1+exp(x)))", lambda n: -np.geomspace(1e5, 1e300, n)),
    ("x/2*(1+erf(x/sqrt(2)))", lambda n: -np.geomspace(5, 40, n)),
    ("tanh(erf(x)+x)", lambda n: np.geomspace(1e-12, 1e-4, n)),
]
#: small arrays (the playground's and analysis' calls): formula, sizes, float64, forward and f'
SMALL = [("tanh(erf(x)+x)", (1, 400)), ("x*tanh(log(1+exp(x)))", (1, 400))]


def naive(formula: str) -> Callable[[np.ndarray], np.ndarray]:
    """The formula as typed, compiled by SymPy's lambdify to plain NumPy calls."""
    fn = sp.lambdify(X, to_elementary(build(parse(formula))), ["scipy", "numpy"])

    def run(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(fn(x))

    return run


def race(fns: list[Callable], x: np.ndarray, repeat: int) -> list[float]:
    """Median seconds of each fn(x), run alternately in a random order each round."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        order = list(range(len(fns)))
        random.shuffle(order)
        for i in order:
            start = time.perf_counter()
            fns[i](x)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def numpy_tiers(f: actlab.Function) -> Callable[[np.ndarray], np.ndarray]:
    """f with the compiled tier switched off."""

    def run(x: np.ndarray) -> np.ndarray:
        with _compiled.disabled():
            return np.asarray(f(x))

    return run


def first_share(f: actlab.Function, x: np.ndarray) -> float:
    kernel = f.record.forward
    tally = exact.Tally()
    with np.errstate(all="ignore"):
        exact._run(
            kernel.plan, kernel.fast, _fallback(kernel), x, np.empty_like(x), {}, tally, kernel.code
        )
    first = vm.first_system(x.dtype)
    if not vm.enabled():
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
            exact._run(
                kernel.plan, kernel.fast, _fallback(kernel), x, np.empty(1), {}, tally, kernel.code
            )
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
    compiled = "compiled tier on" if vm.enabled() else "compiled tier NOT built"
    print(f"N = {args.n}, median of {args.repeat} alternating runs (one process, one core)")
    print(f"{compiled}; np ratio: the NumPy float tiers alone (the compiled tier switched off)")
    print(
        f"{'formula':<36}{'dtype':<9}{'naive ms':>10}{'exact ms':>10}{'ratio':>8}"
        f"{'numpy ms':>10}{'np ratio':>9}{'first':>8}{'hard us':>9}"
    )
    for formula, hard_inputs in FORMULAS:
        f, plain = actlab.get(formula), naive(formula)
        for dtype in (np.float32, np.float64):
            x = np.random.default_rng(0).normal(scale=4.0, size=args.n).astype(dtype)
            t_naive, t_exact, t_numpy = race([plain, f, numpy_tiers(f)], x, args.repeat)
            share = first_share(f, x)
            hard = ""
            if dtype == np.float64:
                cost, count = hard_cost(f, hard_inputs(200))
                hard = f"{cost:>9.0f} ({count})" if count else f"{'-':>9} (0)"
            print(
                f"{formula:<36}{dtype.__name__:<9}{t_naive * 1e3:>10.2f}{t_exact * 1e3:>10.2f}"
                f"{t_exact / t_naive:>8.2f}{t_numpy * 1e3:>10.2f}{t_numpy / t_naive:>9.2f}"
                f"{share:>8.1%}{hard}"
            )
    small(max(args.repeat, 25))
    forms(args.repeat)


def small(repeat: int) -> None:
    """Per-call cost on small float64 arrays (N(0, 4^2)), forward and derivative."""
    print(f"\nsmall float64 arrays, median of {repeat} alternating calls, microseconds")
    print(
        f"{'formula':<36}{'n':>5}{'':>4}{'naive us':>10}{'exact us':>10}{'ratio':>8}"
        f"{'numpy us':>10}{'np ratio':>9}"
    )
    for formula, sizes in SMALL:
        f, plain = actlab.get(formula), naive(formula)
        for n in sizes:
            x = np.random.default_rng(1).normal(scale=4.0, size=n)
            rows = [("f", f, numpy_tiers(f))]
            rows.append(("f'", f.derivative, _numpy_derivative(f)))
            for which, fast, slow in rows:
                t_naive, t_exact, t_numpy = race([plain, fast, slow], x, repeat)
                print(
                    f"{formula:<36}{n:>5}{which:>4}{t_naive * 1e6:>10.1f}{t_exact * 1e6:>10.1f}"
                    f"{t_exact / t_naive:>8.1f}{t_numpy * 1e6:>10.1f}{t_numpy / t_naive:>9.1f}"
                )


#: formulas of exponentials alone, whose kernels have a second form (formula/forms.py)
FORMS = [
    "(exp(x)-exp(-x))/(exp(x)+exp(-x))",
    "sinh(x)/cosh(x)",
    "2*sigmoid(2*x)-1",
    "x*tanh(log(1+exp(x)))",
]


def forms(repeat: int) -> None:
    """actlab's kernel (the typed form, then its second form: formula/forms.py) against the exact
    kernel of the typed form alone (for f', SymPy's derivative of it), on a grid over the whole
    range: microseconds per element."""
    print(f"\nwhole-range grid (1000 points), median of {repeat} alternating calls, us an element")
    print(
        f"{'formula':<36}{'dtype':<9}{'':>4}{'typed us':>10}{'actlab us':>10}{'typed/actlab':>13}"
    )
    for formula in FORMS:
        f = actlab.get(formula)
        stable = stabilize(build(parse(formula)))
        typed = {"f": exact.kernel(stable, ()), "f'": exact.kernel(derivative_of(stable), ())}
        chosen = {"f": f.record.forward, "f'": f.record.derivative}
        for dtype in (np.float32, np.float64):
            top = float(np.finfo(dtype).max) / 10
            wide = np.geomspace(1e-30, top, 300)
            x = np.concatenate([-wide, wide, np.linspace(-50, 50, 400)]).astype(dtype)
            for which in ("f", "f'"):
                runs = [
                    lambda x, k=kernel: k(x, np.empty_like(x))
                    for kernel in (typed[which], chosen[which])
                ]
                t_typed, t_chosen = race(runs, x, repeat)
                print(
                    f"{formula:<36}{dtype.__name__:<9}{which:>4}{t_typed / x.size * 1e6:>10.2f}"
                    f"{t_chosen / x.size * 1e6:>10.2f}{t_typed / t_chosen:>13.1f}"
                )


def _numpy_derivative(f: actlab.Function) -> Callable[[np.ndarray], np.ndarray]:
    def run(x: np.ndarray) -> np.ndarray:
        with _compiled.disabled():
            return np.asarray(f.derivative(x))

    return run


if __name__ == "__main__":
    main()
