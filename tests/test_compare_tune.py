"""``--tune lr``: each activation's rate chosen on a validation split, then the final seeds at
each one's rate and at the shared one, and the claims judged at both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from actlab import data
from actlab.compare import StudyConfig, compare
from actlab.compare.runner import validation_split
from actlab.compare.tune import TUNABLE, Trial, both, choose, default_grid, tune
from actlab.compare.verdict import FAILS, HOLDS, UNSURE, UNTESTED, Verdict

SRC = str(Path(__file__).resolve().parents[1] / "src")
TINY = StudyConfig(activations=("relu", "sigmoid"), seeds=2, epochs=3, model="mlp:16")
GRID = (0.003, 0.1)


def curves(runs) -> list[tuple]:
    return [
        (r.activation, r.seed, [(h.epoch, h.train_loss, h.test_accuracy) for h in r.history])
        for r in runs
    ]


def test_the_validation_split_is_carved_from_the_training_data_only() -> None:
    ds = data.load("digits")
    split = validation_split(ds, 0.2)
    assert split.x_test.shape[0] == round(0.2 * ds.x_train.shape[0])
    assert split.x_train.shape[0] + split.x_test.shape[0] == ds.x_train.shape[0]
    rows = {r.tobytes() for r in ds.x_train}
    assert all(r.tobytes() in rows for r in split.x_test)  # validation rows are training rows
    again = validation_split(ds, 0.2)
    assert np.array_equal(again.x_test, split.x_test)  # fixed: every search sees one split


def test_tune_picks_each_activations_best_rate_and_trains_it(tmp_path: Path) -> None:
    found = tune(TINY, "lr", tmp_path, grid=GRID)
    assert found.grid == GRID
    assert {(t.activation, t.value) for t in found.trials} == {
        (a, v) for a in TINY.activations for v in GRID
    }
    for a in TINY.activations:
        mine = [t for t in found.trials if t.activation == a]
        assert found.best[a] == max(mine, key=lambda t: t.validation_accuracy).value
    assert dict(found.tuned.config.lrs) == found.best
    assert found.shared.config.lr == TINY.resolved().lr and not found.shared.config.lrs
    # the search trained on 80 % of the training data and was scored on the other 20 %
    search = compare(replace(TINY, lr=GRID[0], seeds=2, validation=0.2))
    assert search.dataset["n_test"] == round(0.2 * found.tuned.dataset["n_train"])
    # the tuned study is an ordinary study at those rates
    again = compare(replace(TINY, lrs=tuple(found.best.items())))
    assert curves(again.runs) == curves(found.tuned.runs)
    slowest = next(v for v in found.verdicts if v.claim == "sigmoid_slowest")
    assert "tuned rates" in slowest.verdict or "shared lr" in slowest.verdict
    assert "tuned:" in slowest.reason and "shared:" in slowest.reason
    # every study has its own store: the same call again only reads them
    resumed = tune(TINY, "lr", tmp_path, grid=GRID)
    assert resumed.tuned.resumed["finished"] == len(resumed.tuned.runs)
    assert resumed.best == found.best
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "search-lr-0.003",
        "search-lr-0.1",
        "shared",
        "tuned",
    ]


def test_choose_prefers_finite_then_accuracy_then_the_gentler_rate() -> None:
    trials = [
        Trial("relu", 1.0, 0.99, 0.1, 1),  # best accuracy, but a seed diverged
        Trial("relu", 0.1, 0.95, 0.2, 0),
        Trial("relu", 0.01, 0.95, 0.2, 0),
    ]
    assert choose(trials, regression=False).value == 0.01
    assert choose(trials[:1], regression=False).value == 1.0


def test_the_joint_verdict_names_where_a_claim_holds() -> None:
    def v(word: str) -> Verdict:
        return Verdict("c", "claim", word, "why")

    words = [
        both([v(t)], [v(s)], "lr 0.01")[0].verdict
        for t, s in [
            (HOLDS, HOLDS),
            (HOLDS, FAILS),
            (UNSURE, HOLDS),
            (FAILS, UNSURE),
            (UNTESTED, UNTESTED),
        ]
    ]
    assert words == [
        "holds at tuned rates and at the shared lr 0.01",
        "holds at tuned rates only (at the shared lr 0.01: does not hold)",
        "holds at the shared lr 0.01 only (at tuned rates: can't tell)",
        "holds at neither (tuned rates: does not hold; shared lr 0.01: can't tell)",
        "not tested",
    ]


def test_the_default_grid_spans_a_tenth_to_thirty_times_the_shared_rate() -> None:
    lr = TUNABLE.lookup("lr")
    assert default_grid(lr, StudyConfig(lr=0.01)) == (0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316)
    assert max(default_grid(lr, StudyConfig(lr=10.0))) < 100  # inside the setting's range


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "actlab", "compare", *args],
        env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_tune_from_the_command_line_reports_each_rate() -> None:
    proc = _cli(
        *("--tune", "lr", "--tune-grid", "0.003,0.1", "--activations", "relu,sigmoid"),
        *("--seeds", "2", "--epochs", "2", "--model", "mlp:16", "--no-figure", "--quiet", "--json"),
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report["tune"]["best"]) == {"relu", "sigmoid"}
    assert report["tuned"]["config"]["lrs"] == [
        [a, report["tune"]["best"][a]] for a in ("relu", "sigmoid")
    ]
    assert report["shared"]["config"]["lrs"] == []
    assert {v["claim"] for v in report["verdict"]} >= {"sigmoid_slowest"}
    # a two-value grid: every choice is at an edge
    assert report["tune"]["at_edge"] == ["relu", "sigmoid"]


@pytest.mark.parametrize(
    ("args", "want"),
    [
        (["--tune", "momentum"], "unknown setting to tune 'momentum' (choose from lr)"),
        (["--tune", "lr", "--tune-grid", "0.1"], "--tune-grid needs 2 to 50 different values"),
        (["--tune", "lr", "--tune-grid", "0.1,fast"], "--tune-grid takes numbers"),
        (["--tune", "lr", "--tune-grid", "0.1,-1"], "--tune-grid: lr must be in (0, 100)"),
        (["--tune-grid", "0.1,1"], "--tune-grid needs --tune"),
        (["--validation", "0.3"], "--validation needs --tune"),
        (["--tune", "lr", "--validation", "1.5"], "--validation must be a fraction in (0, 1)"),
        (["--tune", "lr", "--tune-seeds", "0"], "--tune-seeds must be 1..1000"),
    ],
)
def test_bad_tune_options_are_one_line(args: list[str], want: str) -> None:
    proc = _cli(*args, "--no-figure")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and want in proc.stderr, proc.stderr
