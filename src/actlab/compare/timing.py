"""Which of a study's speed figures can be compared, read off where each epoch trained.

Seconds are fair between activations only when measured under the same conditions. The local
executor advances every activation one epoch in turn in one process, so its wall and CPU seconds
are measured under the same load. Ray runs stacks side by side on different workers and nodes:
wall seconds then say as much about a worker's neighbours as about the activation, CPU seconds
compare between runs on the same node (same hardware; concurrent tasks still contend for memory
bandwidth), and nothing compares across nodes. The epoch-based figures (training-loss area,
epochs to target) do not depend on any of this.
"""

from __future__ import annotations

from collections.abc import Sequence

from actlab.compare.runner import Run

EXACT = "epoch-based figures (training-loss area, epochs to target) are exact on any executor"


def comparability(runs: Sequence[Run]) -> str:
    """One sentence: which speed figures of ``runs`` compare between activations, and why."""
    places = [(h.node, h.worker) for r in runs for h in r.history[1:] if h.worker]
    if not places:
        return f"seconds were stored without where they were measured (older store); {EXACT}"
    kinds = {w.partition("/")[0] for _, w in places}
    nodes = sorted({n for n, _ in places})
    workers = {w for _, w in places}
    if kinds == {"local"}:
        if len(workers) == 1:
            return (
                "wall and CPU seconds (s/epoch, s to target) compare between activations: all"
                f" trained in turn in one process, under the same load; {EXACT}"
            )
        return (
            f"seconds were measured in {len(workers)} sessions (the study was resumed), each"
            " training all activations in turn: the load may differ between sessions, so"
            f" compare seconds with care; {EXACT}"
        )
    wall = (
        "wall seconds (s/epoch, s to target) do not compare between activations: epochs"
        f" trained side by side on {len(workers)} Ray workers on {len(nodes)} node(s)"
    )
    if len(nodes) == 1:
        return (
            f"{wall}; CPU seconds per epoch do (one node), up to the contention between"
            f" concurrent tasks; {EXACT}"
        )
    by_node: dict[str, set[str]] = {}
    for r in runs:
        for h in r.history[1:]:
            if h.worker:
                by_node.setdefault(h.node, set()).add(r.activation)
    spread = "; ".join(f"node {n}: {', '.join(sorted(by_node[n]))}" for n in nodes)
    return (
        f"{wall}; CPU seconds compare only between activations whose epochs all ran on the"
        f" same node ({spread}); {EXACT}"
    )
