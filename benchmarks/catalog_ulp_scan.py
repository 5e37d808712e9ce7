"""Worst-case ulp of every catalog activation on a dense random sample (slow; not a test).

    PYTHONPATH=src python benchmarks/catalog_ulp_scan.py [NAME...] [--points N] [--seed S]

For each activation, forward and derivative in float32 and float64: the largest error, in units
in the last place of the exact value (actlab.analysis.accuracy's adaptive mpmath evaluation of the
record's symbolic form), over log-uniform magnitudes across the whole finite range, a uniform
sample of [-50, 50] and the neighbourhood of each kink; and the x where it occurs.
"""

from __future__ import annotations

import argparse

import numpy as np

import actlab
from actlab.analysis.accuracy import reference, ulp_error


def sample(record: actlab.catalog.Activation, dtype: type, points: int, rng) -> np.ndarray:
    info = np.finfo(dtype)
    low, high = np.log2(float(info.smallest_subnormal)), np.log2(float(info.max))
    mags = 2.0 ** rng.uniform(low, high, points)
    signs = rng.choice([-1.0, 1.0], points)
    parts = [mags * signs, rng.uniform(-50, 50, points), rng.uniform(-3, 3, points)]
    for kink in record.kinks:
        at = dtype(kink.point(record.defaults))
        steps = np.arange(1, 40)
        parts.append(
            at + np.spacing(np.abs(at) if at else dtype(1)) * np.concatenate([steps, -steps])
        )
        parts.append(at + rng.normal(0, 1e-3, points // 10))
    xs = np.concatenate(parts).astype(dtype)
    return np.unique(xs[np.isfinite(xs)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--points", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = args.names or actlab.names()
    print(f"{'name':16} {'fwd f32':>8} {'fwd f64':>8} {'der f32':>8} {'der f64':>8}  worst at")
    for name in names:
        record = actlab.catalog.lookup(name)
        f = actlab.get(record.name)
        cells, where = [], []
        for which in ("forward", "derivative"):
            for dtype in (np.float32, np.float64):
                rng = np.random.default_rng(args.seed)
                xs = sample(record, dtype, args.points, rng)
                got = f.derivative(xs) if which == "derivative" else f(xs)
                ref = reference(record, record.defaults, xs, which == "derivative")
                errors = ulp_error(got, ref, dtype)
                worst = int(np.argmax(errors))
                cells.append(f"{errors[worst]:8.3g}")
                where.append(f"{xs[worst]:.6g}")
        print(f"{record.name:16} {' '.join(cells)}  {' '.join(where)}", flush=True)


if __name__ == "__main__":
    main()
