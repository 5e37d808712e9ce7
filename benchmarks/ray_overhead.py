"""The Ray executor's overhead and speed-up on this machine: 40-run studies, local vs Ray.

Each study: digits, 8 activations x 5 seeds = 40 runs, an MLP and a number of epochs
(``--study MODEL:EPOCHS``, repeatable; default a light one, the dataset's mlp:64 for 10 epochs,
and a heavy one, mlp:256,256 for 2). Three variants train it ``--repeats`` times, the order
rotated each time (no variant always goes first), in one process with one local Ray started
once (its start-up is timed on its own): the local executor; the local executor with BLAS
limited to one thread, as Ray gives each task (``OMP_NUM_THREADS`` = its CPUs), so that the
comparison is not one of BLAS threading; and the Ray executor. It prints the medians side by
side with their ratio to the local executor, and checks that all three gave the same numbers.
It also times the unit of work the Ray executor sends: one epoch of a stack of 5 seeds, against
5 stacks of one seed each.

    PYTHONPATH=src python benchmarks/ray_overhead.py [--repeats 3] [--study mlp:64:10 ...]

It prints Markdown: docs/cluster.md holds its output in a ``make docs (measured)`` block.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from threadpoolctl import threadpool_limits

from actlab import data
from actlab.compare import StudyConfig, compare
from actlab.compare.numpy_backend import NumpyBackend
from actlab.compare.ray_executor import RayExecutor

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu", "softplus")
STUDIES = ("mlp:64:10", "mlp:256,256:2")
VARIANTS = ("local", "local1", "ray")
LABELS = {
    "local": "local executor",
    "local1": "local executor, BLAS limited to 1 thread",
    "ray": f"Ray executor, local Ray ({os.cpu_count()} CPUs)",
}


def numbers(result) -> list:
    return [(r.activation, r.seed, [h.train_loss for h in r.history]) for r in result.runs]


def unit_of_work(model: str, repeats: int) -> tuple[float, float]:
    """Median seconds of one epoch with one BLAS thread (as in a Ray task with one CPU): a
    5-seed stack, and 5 one-seed stacks one after another (the two alternate in order)."""
    config = StudyConfig(activations=("relu",), seeds=5, model=model).resolved()
    dataset = data.load("digits")
    backend = NumpyBackend()
    times: dict[int, list[float]] = {5: [], 1: []}
    with threadpool_limits(1):
        for i in range(repeats):
            for size in (5, 1) if i % 2 == 0 else (1, 5):
                stacks = (
                    [backend.build(config, dataset, "relu", range(5))]
                    if size == 5
                    else [backend.build(config, dataset, "relu", [s]) for s in range(5)]
                )
                tick = time.perf_counter()
                for stack in stacks:
                    backend.train_epoch(stack, dataset)
                times[size].append(time.perf_counter() - tick)
    return statistics.median(times[5]), statistics.median(times[1])


def measure(config: StudyConfig, executor: RayExecutor, repeats: int) -> list[str]:
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    results = {}
    for i in range(repeats):
        shift = i % len(VARIANTS)
        for name in VARIANTS[shift:] + VARIANTS[:shift]:
            with threadpool_limits(1 if name == "local1" else None):
                tick = time.perf_counter()
                result = compare(config, executor=executor if name == "ray" else None)
                times[name].append(time.perf_counter() - tick)
            results[name] = result
    same = all(numbers(results[n]) == numbers(results["local"]) for n in VARIANTS)
    median = {n: statistics.median(times[n]) for n in VARIANTS}
    stacked, single = unit_of_work(config.model or "mlp:64", max(repeats, 3))
    runs = len(config.activations) * config.seeds
    head = f"{runs}-run study: digits, {config.model}, {config.epochs} epochs"
    return [
        f"| {head} | median wall s | vs local |",
        "| --- | --- | --- |",
        *(
            f"| {LABELS[n]} | {median[n]:.2f} | {median[n] / median['local']:.2f} |"
            for n in VARIANTS
        ),
        "",
        f"Same numbers from all three: {'yes' if same else 'NO'}. One epoch of one activation's"
        f" 5 seeds, one BLAS thread: as one stack {stacked * 1e3:.0f} ms, as 5 one-seed stacks"
        f" {single * 1e3:.0f} ms ({single / stacked:.1f}x).",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--study", action="append", metavar="MODEL:EPOCHS")
    args = parser.parse_args()
    studies = []
    for text in args.study or STUDIES:
        model, _, epochs = text.rpartition(":")
        studies.append(
            StudyConfig(activations=ACTIVATIONS, seeds=5, model=model, epochs=int(epochs))
        )
    load = os.getloadavg()[0]
    tick = time.perf_counter()
    executor = RayExecutor()
    executor.connect()
    startup = time.perf_counter() - tick
    lines: list[str] = []
    try:
        for config in studies:
            lines += measure(config, executor, args.repeats)
    finally:
        executor.close()
    lines.append(
        f"Ray's start-up (once per command, not in the times above): {startup:.1f} s. Medians of"
        f" {args.repeats} runs per variant, order rotated; load average {load:.1f} on"
        f" {os.cpu_count()} cores when it started (a shared machine)."
    )
    text = "\n".join(lines)
    print(text)


if __name__ == "__main__":
    main()
