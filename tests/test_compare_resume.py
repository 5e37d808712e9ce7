"""Nothing is lost: a study stopped anywhere resumes to bit-for-bit the same numbers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import actlab
from actlab.compare import StudyConfig, compare
from actlab.errors import ActlabError

SRC = str(Path(__file__).resolve().parents[1] / "src")

# PReLU (a learned slope in the optimiser state) and RReLU (random draws from each model's
# generator) are the hard cases for an exact resume: included once the catalog has them
RANDOM_OR_LEARNED = tuple(a for a in ("prelu", "rrelu") if a in actlab.names())
SMALL = StudyConfig(
    activations=("relu", "tanh", *RANDOM_OR_LEARNED),
    seeds=2,
    epochs=4,
    model="mlp:16",
    batch_size=64,
)


def finals(result) -> list[tuple]:
    return [(r.activation, r.seed, r.final) for r in result.runs]


def curves(result) -> list[tuple]:
    """Everything but the wall time, which legitimately differs between runs."""
    return [
        (
            r.activation,
            r.seed,
            [(h.epoch, h.train_loss, h.test_loss, h.test_accuracy) for h in r.history],
        )
        for r in result.runs
    ]


class Stop(Exception):
    pass


def test_interrupted_study_resumes_to_the_same_numbers(tmp_path: Path) -> None:
    reference = compare(SMALL)

    def stop_after_two(progress) -> None:
        if progress.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare(SMALL, tmp_path, on_epoch=stop_after_two)
    resumed = compare(SMALL, tmp_path)
    n = len(SMALL.activations) * SMALL.seeds
    assert resumed.resumed == {"finished": 0, "partial": n, "loaded": n}
    assert curves(resumed) == curves(reference)
    # finished: a third run only reads the store
    again = compare(SMALL, tmp_path)
    assert again.resumed == {"finished": n, "partial": 0, "loaded": n}
    assert finals(again) == finals(resumed)


def test_a_different_configuration_is_refused(tmp_path: Path) -> None:
    compare(StudyConfig(activations=("relu",), seeds=2, epochs=1, model="mlp:8"), tmp_path)
    other = StudyConfig(activations=("relu",), seeds=2, epochs=1, model="mlp:16")
    with pytest.raises(ActlabError, match=r"different configuration \(model \"mlp:8\" -> "):
        compare(other, tmp_path)


def test_a_broken_store_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "study.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ActlabError, match="damaged, not a readable study"):
        compare(SMALL, tmp_path)


# a study slow enough per epoch (batch size 4) to be caught in the middle
SLOW = [
    "--activations",
    "relu,tanh",
    "--seeds",
    "2",
    "--epochs",
    "4",
    "--model",
    "mlp:16",
    "--batch-size",
    "4",
    "--no-figure",
    "--quiet",
]


def _start(out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [sys.executable, "-m", "actlab", "compare", *SLOW, "--out", str(out), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C's default: a shell starts a background job with SIGINT ignored, and Python
        # keeps an ignored SIGINT, so `make test &` saw the study run to its end (exit 0)
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_epoch(out: Path, epoch: int, proc: subprocess.Popen, timeout: float = 120) -> int:
    """Poll the store (read-only) until every run has ``epoch`` epochs committed."""
    db = out / "study.sqlite"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as con:
                    row = con.execute("SELECT min(epochs_done) FROM runs").fetchone()
                if row and row[0] is not None and row[0] >= epoch:
                    return int(row[0])
            except sqlite3.OperationalError:
                pass
        time.sleep(0.005)
    raise AssertionError("the study never reached the epoch to interrupt at")


def test_sigkill_mid_study_then_rerun_gives_identical_results(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    done = _wait_for_epoch(tmp_path, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert done < 4, "the study finished before it could be killed"
    rerun = _start(tmp_path, "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    report = json.loads(out)
    assert report["resumed"]["partial"] == 4 and report["resumed"]["finished"] == 0
    config = StudyConfig(
        activations=("relu", "tanh"), seeds=2, epochs=4, model="mlp:16", batch_size=4
    )
    reference = compare(config)
    got = [
        (
            r["activation"],
            r["seed"],
            [
                (h["epoch"], h["train_loss"], h["test_loss"], h["test_accuracy"])
                for h in r["history"]
            ],
        )
        for r in report["runs"]
    ]
    assert got == curves(reference)  # JSON floats round-trip exactly: bit-for-bit


def test_ctrl_c_says_so_in_one_line_and_keeps_progress(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    _wait_for_epoch(tmp_path, 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.count("\n") == 1 and "interrupted" in err and "resume" in err
    with sqlite3.connect(tmp_path / "study.sqlite") as con:
        assert con.execute("SELECT min(epochs_done) FROM runs").fetchone()[0] >= 1
