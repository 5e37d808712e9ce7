"""Time ``actlab compare`` with no arguments (digits, nine activations, 5 seeds).

Prints wall time and this process's CPU time (on a shared machine the CPU time is the honest
measure of the work; the wall time depends on the load), and the verdict the run reached.

    PYTHONPATH=src python benchmarks/compare_default.py
"""

from __future__ import annotations

import os
import time

from actlab.compare import StudyConfig, compare, report


def main() -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    result = compare(StudyConfig())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(report.table(result))
    print(report.verdict_text(result))
    print(f"wall {wall:.1f} s, CPU {cpu:.1f} s, on {os.cpu_count()} cores; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
