"""The library functions' errors inside the exact formulas' compiled tier (issue 12).

    PYTHONPATH=src python benchmarks/formula_library.py

The bound rules of docs/exact.md allow each library function (glibc's exp, log, ...; libmvec's
SIMD versions in the float32 block tier; glibc's long double ``expl``, ... for float64 output)
an error of 16 u|f| (u: half an ulp of 1 in the working type). This measures it: each function
through the compiled tier (``actlab.formula.vm.trace``) on 900 points over its range, against
mpmath, in both tiers; it prints the worst error in units of u|f| and where it was.
tests/test_formula_vm.py asserts the same on the same points.
"""

from __future__ import annotations

import mpmath
import numpy as np

import actlab
from actlab.formula import _vm, vm

#: each function and how far out to test it (past it the result overflows or is exactly 1)
RANGES = {
    "exp": 11000, "expm1": 11000, "sinh": 11000, "cosh": 11000, "tanh": 1e300, "atan": 1e300,
    "log": 1e300, "log1p": 1e300, "sqrt": 1e300, "sin": 1e6, "cos": 1e6, "tan": 1e6,
    "erf": 120, "erfc": 120,
}  # fmt: skip


def points(limit: float) -> np.ndarray:
    rng = np.random.default_rng(12)
    wide = np.geomspace(1e-30, limit, 300)
    return np.concatenate([-wide, wide, rng.uniform(-min(limit, 40), min(limit, 40), 300)])


def exact_sum(value: np.longdouble) -> mpmath.mpf:
    """A long double (or float64) as an mpmath number, exactly (two float64 parts)."""
    mantissa, power = np.frexp(value)
    high = float(mantissa)
    low = float(mantissa - type(value)(high))
    return mpmath.ldexp(mpmath.mpf(high) + mpmath.mpf(low), int(power))


def worst(name: str, double: bool) -> tuple[float, float, int]:
    """The worst error in u|f| of name's library function in one tier, its x, and the count."""
    xs = points(RANGES[name])
    v, e = vm.trace(actlab.get(f"{name}(x)").record.forward.code, xs, {}, double=double)
    u = mpmath.mpf(2) ** (-53 if double else -64)
    tiny = mpmath.mpf(2) ** (-1000 if double else -16300)
    fn = getattr(mpmath, name)
    most, where, count = mpmath.mpf(0), float("nan"), 0
    with mpmath.workdps(60):
        for x, value, bound in zip(xs, v, e):
            want = fn(mpmath.mpf(float(x)))
            if isinstance(want, mpmath.mpc) or not np.isfinite(value) or not np.isfinite(bound):
                continue
            if abs(want) <= tiny:
                continue
            error = abs(exact_sum(value) - want) / (abs(want) * u)
            count += 1
            if error > most:
                most, where = error, float(x)
    return float(most), where, count


def main() -> None:
    if not vm.AVAILABLE:
        raise SystemExit("formula_library: the compiled tier (_vm) is not built")
    mvec = "libmvec" if _vm.LIBMVEC else "scalar glibc"
    print("worst error in u|f| over 900 points (u = 2^-53 double, 2^-64 long double); allowed: 16")
    print(f"float32 output: the block tier in double ({_vm.BLOCK_ISA}, {mvec});")
    print("float64 output: long double (glibc's x87 functions)")
    print(f"{'function':10s}{'double':>9s}{'at x':>14s}{'long double':>13s}{'at x':>14s}")
    for name in RANGES:
        d, dx, _ = worst(name, True)
        ld, ldx, _ = worst(name, False)
        print(f"{name:10s}{d:9.2f}{dx:14.4g}{ld:13.2f}{ldx:14.4g}")


if __name__ == "__main__":
    main()
