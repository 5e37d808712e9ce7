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
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()


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
