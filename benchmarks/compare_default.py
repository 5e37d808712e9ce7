"""Time ``actlab compare`` with no arguments (digits, nine activations, 5 seeds).

Prints wall time and this process's CPU time (on a shared machine the CPU time is the honest
measure of the work; the wall time depends on the load), and the verdict the run reached.

    PYTHONPATH=src python benchmarks/compare_default.py [-o FIG]

``make docs`` runs it with ``-o docs/compare.png`` for docs/compare.md.
"""

from __future__ import annotations

import argparse
import os
import time

from actlab.compare import StudyConfig, compare, report


def main() -> None:
    ap = argparse.ArgumentParser(description="time actlab compare's default study")
    ap.add_argument("-o", "--output", metavar="FIG", help="also draw the study's figure here")
    args = ap.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    result = compare(StudyConfig())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(report.table(result))
    print()
    print(report.verdict_text(result))
    if args.output:
        from actlab.plots import compare as figure

        figure.save(result, args.output)
    print()
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, on {os.cpu_count()} cores; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
