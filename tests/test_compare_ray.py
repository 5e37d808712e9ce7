"""The Ray executor on a real local Ray (started once for this module): the same numbers as the
local executor, a killed worker retried without losing, duplicating or changing a run, a killed
driver resumed, and bad flags refused in one line."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actlab.compare import StudyConfig, compare
from actlab.errors import ActlabError

ray = pytest.importorskip("ray")

from actlab.compare.ray_executor import RayExecutor, check_address, check_share  # noqa: E402
from tests.test_compare_resume import _wait_for_epoch  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")
SMALL = StudyConfig(
    activations=("relu", "tanh", "prelu", "rrelu"), seeds=2, epochs=3, model="mlp:16", batch_size=64
)
# slow enough per epoch (batch size 4) to be caught in the middle of a task
SLOW = StudyConfig(activations=("relu", "tanh"), seeds=2, epochs=4, model="mlp:16", batch_size=4)
SLOW_FLAGS = [
    *("--activations", "relu,tanh", "--seeds", "2", "--epochs", "4"),
    *("--model", "mlp:16", "--batch-size", "4", "--no-figure", "--quiet"),
]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


def curves(runs) -> list[tuple]:
    """Every number but the seconds (which legitimately differ between runs)."""
    return [
        (
            r.activation,
            r.seed,
            [
                (h.epoch, h.train_loss, h.train_accuracy, h.test_loss, h.test_accuracy)
                for h in r.history
            ],
        )
        for r in runs
    ]


def test_ray_gives_the_local_executors_numbers_bit_for_bit(local_ray, tmp_path: Path) -> None:
    reference = compare(SMALL)
    with RayExecutor() as executor:
        got = compare(SMALL, tmp_path, executor=executor)
    assert curves(got.runs) == curves(reference.runs)
    trained = [h for r in got.runs for h in r.history[1:]]
    assert all(h.worker.startswith("ray/") and h.node for h in trained)
    assert all(h.cpu_seconds > 0 for h in trained)
    assert "do not compare" in got.timing and "CPU seconds per epoch do (one node)" in got.timing
    assert "compare between activations" in reference.timing
    assert ray.is_initialized()  # a Ray the executor did not start is left running
    with sqlite3.connect(tmp_path / "study.sqlite") as db:  # every (run, epoch) stored once
        assert db.execute("SELECT COUNT(*) FROM history").fetchone()[0] == 8 * 4
        assert db.execute("SELECT COUNT(DISTINCT worker) FROM history").fetchone()[0] >= 2


def _task_pids() -> list[int]:
    """Ray workers of this process's own Ray that are running an actlab task right now."""
    raylets = {
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _ppid(p) == os.getpid() and b"raylet" in _cmdline(p)
    }
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _ppid(p) in raylets and _cmdline(p).startswith(b"ray::actlab")
    ]


def _cmdline(p: Path) -> bytes:
    try:
        return (p / "cmdline").read_bytes()
    except OSError:
        return b""


def _ppid(p: Path) -> int:
    try:
        return int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def test_a_killed_worker_is_retried_and_nothing_is_lost(local_ray, tmp_path: Path) -> None:
    reference = compare(SLOW)
    results: list = []

    def study() -> None:
        with RayExecutor() as executor:
            results.append(compare(SLOW, tmp_path, executor=executor))

    thread = threading.Thread(target=study)
    thread.start()
    killed: list[int] = []
    deadline = time.monotonic() + 120
    while not killed and thread.is_alive() and time.monotonic() < deadline:
        for pid in _task_pids()[:1]:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.01)
    thread.join(300)
    assert killed, "no task was caught running"
    assert results, "the study did not finish"
    assert curves(results[0].runs) == curves(reference.runs)
    with sqlite3.connect(tmp_path / "study.sqlite") as db:
        rows = db.execute("SELECT run, COUNT(*) FROM history GROUP BY run").fetchall()
    assert rows == [(run, 5) for run in range(4)]


def test_no_room_for_a_task_is_one_line(local_ray) -> None:
    with pytest.raises(ActlabError, match=r"--cpus-per-task 3: no node of the cluster has 3 CPUs"):
        RayExecutor(cpus_per_task=3).connect()
    with pytest.raises(ActlabError, match=r"--gpus-per-task 1: .*none has a GPU"):
        RayExecutor(gpus_per_task=1).connect()
    with pytest.raises(ActlabError, match="--device cuda on Ray needs --gpus-per-task"):
        compare(StudyConfig(backend="torch", device="cuda"), executor=RayExecutor())


def test_flags_are_checked_before_anything_runs() -> None:
    assert check_address("head.example.org:6379") == ("head.example.org", 6379)
    assert check_address("ray://10.0.0.1:10001") == ("10.0.0.1", 10001)
    for bad in ("nowhere", "10.0.0.1:99999", "http://x:1", "a b:1"):
        with pytest.raises(ActlabError, match="is not a Ray address"):
            check_address(bad)
    assert check_share(0.25, "--gpus-per-task", zero=True) == 0.25
    for bad in (0.0, -1.0, float("nan"), float("inf"), 1.5, 5000.0):
        with pytest.raises(ActlabError, match=r"--cpus-per-task (must be|above 1 must be a whole)"):
            check_share(bad, "--cpus-per-task", zero=False)


def _actlab(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "actlab", *args],
        env={**os.environ, "PYTHONPATH": SRC, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _one_line_error(args: list[str], want: str, env: dict[str, str] | None = None) -> None:
    proc = _actlab("compare", *args, "--seeds", "1", "--epochs", "1", "--no-figure", env=env)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and want in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["--executor", "ray", "--address", "no port"], "is not a Ray address"),
        (["--executor", "ray", "--address", "127.0.0.1:1"], "cannot reach a Ray cluster"),
        (["--executor", "ray", "--cpus-per-task", "0"], "--cpus-per-task must be more than 0"),
        (["--executor", "ray", "--gpus-per-task", "-1"], "--gpus-per-task must be 0 or more"),
        (["--address", "127.0.0.1:6379"], "--address: only for --executor ray"),
        (["--executor", "slurm"], "unknown executor 'slurm'"),
    ],
)
def test_bad_executor_flags_are_one_line(args: list[str], want: str) -> None:
    _one_line_error(args, want)


def test_without_ray_installed_the_line_says_how(tmp_path: Path) -> None:
    fake = tmp_path / "ray"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    _one_line_error(
        ["--executor", "ray"],
        "pip install 'actlab[ray]'",
        env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{SRC}"},
    )


def test_an_address_that_is_no_ray_gives_up_in_one_line() -> None:
    """Something listens there but never speaks Ray: the command must not hang."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        started = time.monotonic()
        _one_line_error(
            ["--executor", "ray", "--address", f"127.0.0.1:{port}"],
            "did not answer within 3 s",
            env={"ACTLAB_RAY_TIMEOUT": "3"},
        )
        assert time.monotonic() - started < 60


def test_sigkill_of_the_driver_then_rerun_resumes_to_the_same_numbers(tmp_path: Path) -> None:
    # its own session, so whatever Ray leaves behind after a SIGKILL can be cleaned up here
    # (Ray's agents notice their raylet is gone and exit by themselves, in about a minute)
    proc = _actlab(
        "compare", *SLOW_FLAGS, "--executor", "ray", "--out", str(tmp_path), start_new_session=True
    )
    try:
        done = _wait_for_epoch(tmp_path, 1, proc, timeout=180)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == -signal.SIGKILL
    assert done < 4, "the study finished before it could be killed"
    rerun = _actlab("compare", *SLOW_FLAGS, "--executor", "ray", "--out", str(tmp_path), "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["resumed"]["loaded"] == 4 and report["resumed"]["finished"] < 4
    reference = compare(SLOW)
    got = [
        (
            r["activation"],
            r["seed"],
            [
                (
                    h["epoch"],
                    h["train_loss"],
                    h["train_accuracy"],
                    h["test_loss"],
                    h["test_accuracy"],
                )
                for h in r["history"]
            ],
        )
        for r in report["runs"]
    ]
    assert got == curves(reference.runs)  # JSON floats round-trip exactly: bit for bit


def test_tune_on_ray_chooses_and_trains_as_the_local_executor_does(local_ray) -> None:
    from actlab.compare.tune import tune

    config = StudyConfig(activations=("relu", "sigmoid"), seeds=2, epochs=2, model="mlp:16")
    local = tune(config, grid=(0.003, 0.1))
    with RayExecutor() as executor:
        on_ray = tune(config, grid=(0.003, 0.1), executor=executor)
    assert on_ray.trials == local.trials and on_ray.best == local.best
    assert curves(on_ray.tuned.runs) == curves(local.tuned.runs)
    assert curves(on_ray.shared.runs) == curves(local.shared.runs)
    assert [v.verdict for v in on_ray.verdicts] == [v.verdict for v in local.verdicts]


def test_xu2015_runs_on_ray_through_the_same_path(local_ray, tmp_path: Path) -> None:
    """The reproduction is a preset study: the Ray executor trains its NIN (torch) too."""
    pytest.importorskip("torch")
    from actlab.experiments import xu2015
    from tests.test_torch_experiments import write_cifar10

    folder = write_cifar10(tmp_path / "cifar", n=8)
    config = xu2015.config(quick=True, epochs=2, train_size=16)
    reference = compare(config, data_path=folder)
    with RayExecutor() as executor:
        got = compare(config, tmp_path / "store", data_path=folder, executor=executor)
    assert curves(got.runs) == curves(reference.runs)
    assert all(h.worker.startswith("ray/") for r in got.runs for h in r.history[1:])


def test_sigterm_on_ray_stops_in_one_line_and_keeps_progress(tmp_path: Path) -> None:
    """Ray's core installs its own SIGTERM handler (a C++ stack dump): the command's wins."""
    flags = [*SLOW_FLAGS[:4], "--epochs", "200", *SLOW_FLAGS[6:]]
    proc = _actlab(
        "compare", *flags, "--executor", "ray", "--out", str(tmp_path), start_new_session=True
    )
    try:
        _wait_for_epoch(tmp_path, 1, proc, timeout=180)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 143, (proc.returncode, err)
    assert err.count("\n") == 1 and "terminated (SIGTERM)" in err and "resume" in err, err
