"""Where each epoch trained, stored and read back; a store from before that resumes; and which
speed figures the verdict calls comparable."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from actlab.compare import StudyConfig, compare
from actlab.compare.runner import EpochRecord, Run
from actlab.compare.timing import comparability

CONFIG = StudyConfig(activations=("relu", "tanh"), seeds=2, epochs=2, model="mlp:8")


def test_each_epoch_records_cpu_seconds_and_where_it_trained() -> None:
    result = compare(CONFIG)
    for run in result.runs:
        trained = run.history[1:]
        assert all(h.worker.startswith("local/") and h.node for h in trained)
        cpu = [h.cpu_seconds for h in run.history]
        assert cpu == sorted(cpu) and cpu[-1] > 0  # cumulative
    assert not any(math.isnan(s.cpu_seconds_per_epoch) for s in result.summary)
    assert result.timing.startswith("wall and CPU seconds (s/epoch, s to target) compare")


def test_a_store_from_before_the_timing_columns_resumes_and_extends(tmp_path: Path) -> None:
    """An older store's ``history`` has no cpu_seconds/node/worker: it gains them, its old rows
    read as NaN and "", and the study trains on."""
    first = compare(CONFIG, tmp_path)
    with sqlite3.connect(tmp_path / "study.sqlite") as db:
        db.executescript(
            """
            CREATE TABLE old AS SELECT run, epoch, train_loss, train_accuracy, test_loss,
                test_accuracy, seconds FROM history;
            DROP TABLE history;
            CREATE TABLE history (run INTEGER NOT NULL, epoch INTEGER NOT NULL,
                train_loss REAL, train_accuracy REAL, test_loss REAL, test_accuracy REAL,
                seconds REAL NOT NULL, PRIMARY KEY (run, epoch));
            INSERT INTO history SELECT * FROM old;
            DROP TABLE old;
            """
        )
        stored = json.loads(db.execute("SELECT value FROM meta WHERE key='config'").fetchone()[0])
        for key in ("lrs", "validation"):
            del stored[key]  # as an older actlab wrote it
        db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(stored),))
    longer = compare(StudyConfig(**{**CONFIG.__dict__, "epochs": 3}), tmp_path)
    assert longer.resumed["loaded"] == 4  # extended: every run goes on from epoch 2
    for old, new in zip(first.runs, longer.runs):
        assert [h.train_loss for h in new.history[:3]] == [h.train_loss for h in old.history]
        assert new.history[2].worker == "" and math.isnan(new.history[2].cpu_seconds)
        assert new.history[3].worker.startswith("local/")
    reference = compare(StudyConfig(**{**CONFIG.__dict__, "epochs": 3}))
    assert [r.final.train_loss for r in longer.runs] == [r.final.train_loss for r in reference.runs]


def _run(activation: str, places: list[tuple[str, str]]) -> Run:
    history = [EpochRecord(0, 1.0, 0.5, 1.0, 0.5, 0.0)]
    history += [
        EpochRecord(e + 1, 1.0, 0.5, 1.0, 0.5, 0.1 * (e + 1), 0.1 * (e + 1), node, worker)
        for e, (node, worker) in enumerate(places)
    ]
    return Run(activation, 0, tuple(history), True)


def test_which_speed_figures_compare() -> None:
    one = [_run("relu", [("vm", "local/7")] * 2), _run("tanh", [("vm", "local/7")] * 2)]
    assert "wall and CPU seconds" in comparability(one)
    resumed = [_run("relu", [("vm", "local/7"), ("vm", "local/9")])]
    assert "measured in 2 sessions" in comparability(resumed)
    ray_one = [_run("relu", [("n1", "ray/1")]), _run("tanh", [("n1", "ray/2")])]
    assert "CPU seconds per epoch do (one node)" in comparability(ray_one)
    ray_two = [_run("relu", [("n1", "ray/1")]), _run("tanh", [("n2", "ray/2")])]
    said = comparability(ray_two)
    assert "do not compare" in said and "node n1: relu; node n2: tanh" in said
    older = [_run("relu", [("", "")])]
    assert "older store" in comparability(older)
    assert all("exact on any executor" in comparability(r) for r in (one, ray_two, older))
