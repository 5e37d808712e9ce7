"""Summaries, pairwise tests and verdicts on synthetic runs whose answer is known."""

from __future__ import annotations

import numpy as np

from actlab.compare.runner import EpochRecord, Run
from actlab.compare.summary import compare_pairs, summarise
from actlab.compare.verdict import FAILS, HOLDS, UNSURE, UNTESTED, Evidence, judge_all


def runs_from(loss_area: dict[str, list[float]], accuracy: dict[str, list[float]]) -> list[Run]:
    """Two-epoch runs: the training loss at epoch 1 and 2 equals the given area, the final
    test accuracy is given; accuracy reaches 0.9 at epoch 1 for losses below 0.3."""
    out = []
    for name, areas in loss_area.items():
        for seed, (area, acc) in enumerate(zip(areas, accuracy[name])):
            first = 0.95 if area < 0.3 else 0.5
            history = (
                EpochRecord(0, 2.3, 0.1, 2.3, 0.1, 0.0),
                EpochRecord(1, area, first, area, first, 1.0),
                EpochRecord(2, area, acc, area, acc, 2.0),
            )
            out.append(Run(name, seed, history, True))
    return out


def judge(runs: list[Run]) -> dict[str, str]:
    summary = summarise(runs, 0.9, regression=False)
    names = {s.activation for s in summary}
    evidence = Evidence(
        {s.activation: s for s in summary},
        compare_pairs(runs, "train_loss_auc"),
        compare_pairs(runs, "test_accuracy"),
        {n: n for n in names},
        seeds=5,
        epochs=2,
        n_train=1000,
    )
    return {v.claim: v.verdict for v in judge_all(evidence)}


TIGHT = [0.0, 0.001, -0.001, 0.002, -0.002]


def shifted(value: float, noise: list[float] = TIGHT) -> list[float]:
    return [value + n for n in noise]


def test_clear_differences_hold() -> None:
    runs = runs_from(
        {
            "sigmoid": shifted(0.6),
            "tanh": shifted(0.25),
            "relu": shifted(0.2),
            "prelu": shifted(0.2),
            "rrelu": shifted(0.2),
        },
        {
            "sigmoid": shifted(0.91),
            "tanh": shifted(0.93),
            "relu": shifted(0.94),
            "prelu": shifted(0.96),
            "rrelu": shifted(0.97),
        },
    )
    assert judge(runs) == {
        "sigmoid_slowest": HOLDS,
        "tanh_slower_than_relu": HOLDS,
        "prelu_beats_relu": HOLDS,
        "rrelu_beats_relu": HOLDS,
    }
    summary = summarise(runs, 0.9, regression=False)
    assert [s.activation for s in summary] == ["rrelu", "prelu", "relu", "tanh", "sigmoid"]
    assert summary[-1].reached_target == 5 and summary[-1].epochs_to_target_mean == 2.0
    assert summary[0].epochs_to_target_mean == 1.0


def test_equal_or_reversed_does_not_hold() -> None:
    runs = runs_from(
        {
            "sigmoid": shifted(0.3),
            "elu": shifted(0.5),  # slower than sigmoid: sigmoid is not the slowest
            "tanh": shifted(0.2),
            "relu": shifted(0.2),  # tanh and relu the same, tightly: no effect worth the name
            "prelu": shifted(0.2),
            "rrelu": shifted(0.2),
        },
        {
            "sigmoid": shifted(0.9),
            "elu": shifted(0.9),
            "tanh": shifted(0.9),
            "relu": shifted(0.95),
            "prelu": shifted(0.93),  # significantly worse than relu
            "rrelu": shifted(0.95),  # the same as relu
        },
    )
    verdicts = judge(runs)
    assert verdicts == {
        "sigmoid_slowest": FAILS,
        "tanh_slower_than_relu": FAILS,
        "prelu_beats_relu": FAILS,
        "rrelu_beats_relu": FAILS,
    }


def test_noisy_small_differences_cannot_tell() -> None:
    rng = np.random.default_rng(0)
    wide = [float(v) for v in rng.normal(0, 0.08, 5)]
    runs = runs_from(
        {
            "sigmoid": shifted(0.45, wide),
            "tanh": shifted(0.42, wide[::-1]),
            "relu": shifted(0.4, wide),
            "prelu": shifted(0.4, wide),
            "rrelu": shifted(0.4, wide),
        },
        {
            "sigmoid": shifted(0.9, wide),
            "tanh": shifted(0.9, wide),
            "relu": shifted(0.9, wide),
            "prelu": shifted(0.92, wide[::-1]),
            "rrelu": shifted(0.91, wide[1:] + wide[:1]),
        },
    )
    assert set(judge(runs).values()) == {UNSURE}


def test_missing_activations_are_not_tested() -> None:
    runs = runs_from(
        {"relu": shifted(0.2), "gelu": shifted(0.3)}, {"relu": shifted(0.9), "gelu": shifted(0.9)}
    )
    assert set(judge(runs).values()) == {UNTESTED}
