"""The float32-arithmetic loops of _fast.c against their stated error bounds, on a dense sample.

    PYTHONPATH=src python benchmarks/float32_bounds.py [--points N] [--seed S]

For each loop in ``actlab.catalog._compiled.FLOAT32_BOUNDS`` (forward) and
``FLOAT32_DERIVATIVE_BOUNDS`` (derivative, marked '): the bound its comment in _fast.c derives,
and the worst error measured on 4N float32 inputs (uniform on [-110, 40], [-5, 5] and [-20, 0],
log-uniform magnitudes 2^-30..2^7 of either sign) against the float64 kernel, whose 1e-15
relative error is exact at float32's scale; the worst point is re-measured against mpmath.
"""

from __future__ import annotations

import argparse

import numpy as np

import actlab
from actlab.analysis.accuracy import reference, ulp_error
from actlab.catalog import _compiled


def sample(points: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = [rng.uniform(-110, 40, points), rng.uniform(-5, 5, points)]
    parts.append(rng.uniform(-20, 0, points))
    parts.append(2.0 ** rng.uniform(-30, 7, points) * rng.choice([-1, 1], points))
    return np.concatenate(parts).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1 << 22)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not 1 <= args.points <= 1 << 26:
        parser.error(f"--points must be between 1 and 2^26, got {args.points}")
    if args.seed < 0:
        parser.error(f"--seed must be 0 or more, got {args.seed}")
    if not _compiled.AVAILABLE:
        print("the compiled kernels are not built: nothing to measure")
        return 1
    x = sample(args.points, args.seed)
    print(f"{len(x):,} float32 inputs, seed {args.seed}\n")
    print("| loop | stated bound (ulp) | worst measured (ulp) | at x | mpmath there (ulp) |")
    print("|---|---:|---:|---:|---:|")
    loops = [(name, bound, False) for name, bound in _compiled.FLOAT32_BOUNDS.items()]
    loops += [(name, bound, True) for name, bound in _compiled.FLOAT32_DERIVATIVE_BOUNDS.items()]
    for name, bound, derivative in loops:
        f = actlab.get(name)
        evaluate = f.derivative if derivative else f
        got, want = evaluate(x).astype(np.float64), evaluate(x.astype(np.float64))
        spacing = np.spacing(np.abs(want.astype(np.float32))).astype(np.float64)
        errors = np.abs(got - want) / np.maximum(spacing, 2.0**-149)
        errors[np.isnan(got) & np.isnan(want)] = 0.0
        worst = int(np.argmax(errors))
        at = x[worst : worst + 1]
        exact = ulp_error(
            evaluate(at), reference(f.record, f.record.defaults, at, derivative), np.float32
        )
        label = f"{name}'" if derivative else name
        print(
            f"| `{label}` | {bound:g} | {errors[worst]:.2f} | {float(at[0]):.7g} | {exact[0]:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
