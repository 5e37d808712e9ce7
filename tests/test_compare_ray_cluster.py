"""A study across a two-node Ray cluster simulated on this machine (``ray.cluster_utils``):
both nodes train, the driver alone stores, and the numbers are the local executor's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actlab.compare import StudyConfig, compare

ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

from actlab.compare.ray_executor import RayExecutor  # noqa: E402

STUDY = StudyConfig(
    activations=("relu", "tanh", "sigmoid", "elu"), seeds=2, epochs=3, model="mlp:16"
)


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[str]:
    cluster = cluster_utils.Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False}
    )
    try:
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        _warm_a_worker_on_each_node(cluster.address)
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()


def _warm_a_worker_on_each_node(address: str) -> None:
    """One task pinned to each node: a worker process that takes a second or two to start on a
    busy machine would otherwise leave the whole (small) study to the node that was ready."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    ray.init(address=address, include_dashboard=False)
    try:

        @ray.remote(num_cpus=1)
        def where() -> str:
            return str(ray.get_runtime_context().get_node_id())

        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
        pinned = [
            where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False))
            for n in nodes
        ]
        assert sorted(ray.get([task.remote() for task in pinned])) == sorted(nodes)
    finally:
        ray.shutdown()


def test_one_study_runs_across_both_nodes(two_nodes: str, tmp_path: Path) -> None:
    reference = compare(STUDY)
    with RayExecutor(address=two_nodes) as executor:
        got = compare(STUDY, tmp_path, executor=executor)
    assert not ray.is_initialized()  # the executor joined the cluster and let go of it
    nodes = {h.node for r in got.runs for h in r.history[1:]}
    assert len(nodes) == 2, nodes
    assert [
        (r.activation, r.seed, [(h.train_loss, h.test_accuracy) for h in r.history])
        for r in got.runs
    ] == [
        (r.activation, r.seed, [(h.train_loss, h.test_accuracy) for h in r.history])
        for r in reference.runs
    ]
    assert "2 node(s)" in got.timing and "CPU seconds compare only between" in got.timing


def test_the_newcomers_command_with_address_runs_on_the_cluster(two_nodes: str) -> None:
    """``actlab compare --executor ray --tune lr --address ...``, end to end."""
    import json
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "actlab", "compare", "--executor", "ray"),
            *("--address", two_nodes, "--tune", "lr", "--tune-grid", "0.01,0.1"),
            *("--activations", "relu,sigmoid", "--seeds", "2", "--epochs", "2"),
            *("--model", "mlp:16", "--no-figure", "--quiet", "--json"),
        ],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["tune"]["best"]) == {"relu", "sigmoid"}
    nodes = {h["node"] for r in report["tuned"]["runs"] for h in r["history"][1:]}
    assert len(nodes) == 2, nodes
    slowest = next(v for v in report["verdict"] if v["claim"] == "sigmoid_slowest")
    assert "tuned: " in slowest["reason"] and "shared: " in slowest["reason"]
