"""The library functions' errors inside the exact formulas' compiled tier (issue 12).

    PYTHONPATH=src python benchmarks/formula_library.py

The bound rules of docs/exact.md allow each library function (glibc's exp, log, ...; libmvec's
SIMD versions in the float32 block tier; glibc's long double ``expl``, ... where float64 output
runs in long double) an error of 16 u|f| (u: half an ulp of 1 in the working type), and
actlab's own double-double functions (float64 output's block tier, formula/_vm_dd.h) the
relative errors their analysis gives: 2^-88 for the exp family, 2^-86 for log and log1p, 2^-62
for erf and erfc (atan, sin, cos and tan there are long double's, 16 of its u: 2^-60). This
measures them: each function through the compiled tier (``actlab.formula.vm.trace``) on 900
points over its range, against mpmath, in each tier; it prints the worst error and where it
was. tests/test_formula_vm.py asserts the same on the same points.
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


def worst(name: str, tier: str) -> tuple[float, float, int]:
    """The worst error of name's function in one tier (in u|f|; relative in double-double), its
    x, and the count."""
    xs = points(RANGES[name])
    v, e = vm.trace(actlab.get(f"{name}(x)").record.forward.code, xs, {}, tier=tier)
    u = mpmath.mpf(2) ** {"double": -53, "long double": -64, "double-double": 0}[tier]
    # where the result (double-double: its low part) is subnormal the bound's absolute part rules
    tiny = mpmath.mpf(2) ** {"double": -1000, "long double": -16300, "double-double": -960}[tier]
    fn = getattr(mpmath, name)
    most, where, count = mpmath.mpf(0), float("nan"), 0
    with mpmath.workdps(60):
        for x, value, bound in zip(xs, v, e):
            want = fn(mpmath.mpf(float(x)))
            if isinstance(want, mpmath.mpc) or not np.isfinite(bound):
                continue
            if not np.all(np.isfinite(value)) or abs(want) <= tiny:
                continue
            got = sum(mpmath.mpf(float(p)) for p in value) if np.ndim(value) else exact_sum(value)
            error = abs(got - want) / (abs(want) * u)
            count += 1
            if error > most:
                most, where = error, float(x)
    return float(most), where, count


def main() -> None:
    if not vm.AVAILABLE:
        raise SystemExit("formula_library: the compiled tier (_vm) is not built")
    mvec = "libmvec" if _vm.LIBMVEC else "scalar glibc"
    print("worst error over 900 points: double and long double in u|f| (u = 2^-53, 2^-64;")
    print("allowed: 16), double-double relative (allowed: 2^-88 exp family, 2^-86 log, log1p,")
    print("2^-62 erf, erfc; 16 long double u, 2^-60, for atan, sin, cos, tan)")
    print(f"float32 output: the block tier in double ({_vm.BLOCK_ISA}, {mvec});")
    print("float64 output: the block tier in double-double (actlab's functions; atan, sin, cos,")
    print("tan: glibc's x87 functions through long double's rules)")
    head = f"{'function':10s}{'double':>8s}{'at x':>11s}{'long double':>12s}{'at x':>11s}"
    print(head + f"{'double-double':>14s}{'at x':>11s}")
    for name in RANGES:
        d, dx, _ = worst(name, "double")
        ld, ldx, _ = worst(name, "long double")
        row = f"{name:10s}{d:8.2f}{dx:11.3g}{ld:12.2f}{ldx:11.3g}"
        dd, ddx, _ = worst(name, "double-double")
        power = f"2^{np.log2(dd):.1f}" if dd else "0"
        print(row + f"{power:>14s}{ddx:11.3g}")


if __name__ == "__main__":
    main()
