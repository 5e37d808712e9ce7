"""Xu, Wang, Chen & Li 2015, "Empirical Evaluation of Rectified Activations in Convolutional
Network" (arXiv:1505.00853): ReLU, Leaky ReLU (a = 100 and a = 5.5), PReLU and RReLU in a
Network in Network on CIFAR-10 and CIFAR-100.

The paper's numbers below are reference data, quoted from its Table 3 (CIFAR-10) and Table 4
(CIFAR-100) as error rates (fraction wrong). Only the RReLU rows could be cross-checked here
against a second source (Papers with Code lists 88.8% and 59.8% test accuracy, i.e. 0.1119 and
0.4025 error); the other rows are as recalled from the paper and should be checked against it.

Setup: the paper gives the NIN architecture (its Table 1) and the activations; where it leaves a
choice open, or where a CPU run can't follow it, :data:`CHOICES` says what actlab does.

The experiment is a preset of ``actlab compare``: :func:`config` returns the
:class:`~actlab.compare.StudyConfig` (torch backend, NIN, weight decay, the step schedule, the
data subset), :func:`actlab.compare.compare` trains it (the same runner, durable store, resume and
statistics), and :func:`table` and :func:`verdicts` set the result beside the paper's tables.

>>> cfg = config("cifar10", quick=True)
>>> cfg.model, cfg.lr_drops, cfg.train_size
('nin:0.25', (0.75,), 5000)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from actlab.compare import StudyConfig, StudyResult
from actlab.compare.runner import Run
from actlab.compare.summary import Comparison, by_activation, compare_pairs, find, metric_values
from actlab.compare.verdict import (
    ACCURACY_MARGIN,
    FAILS,
    HOLDS,
    UNSURE,
    UNTESTED,
    Verdict,
    direction,
    stated,
)
from actlab.errors import ActlabError


@dataclass(frozen=True)
class Row:
    """One activation of the paper: its label there, actlab's spec, and its reported errors."""

    label: str
    spec: str
    paper_train_error: dict[str, float]
    paper_test_error: dict[str, float]


#: Xu et al. 2015, Tables 3 and 4 (train and test error of the NIN): dataset -> value per row
ROWS = (
    Row(
        "ReLU",
        "relu",
        {"cifar10": 0.00318, "cifar100": 0.1356},
        {"cifar10": 0.1245, "cifar100": 0.429},
    ),
    Row(
        "Leaky ReLU, a=100",
        "leaky_relu(negative_slope=0.01)",
        {"cifar10": 0.0031, "cifar100": 0.11552},
        {"cifar10": 0.1266, "cifar100": 0.4205},
    ),
    Row(
        "Leaky ReLU, a=5.5",
        f"leaky_relu(negative_slope={1 / 5.5!r})",
        {"cifar10": 0.00362, "cifar100": 0.08536},
        {"cifar10": 0.1120, "cifar100": 0.4042},
    ),
    Row(
        "PReLU",
        "prelu",
        {"cifar10": 0.00178, "cifar100": 0.0633},
        {"cifar10": 0.1179, "cifar100": 0.4163},
    ),
    Row(
        "RReLU, a~U(3,8)",
        "rrelu_xu(lower=3, upper=8)",
        {"cifar10": 0.0055, "cifar100": 0.1141},
        {"cifar10": 0.1119, "cifar100": 0.4025},
    ),
)

#: where actlab had to choose (the paper does not say, or a CPU run can't follow it)
CHOICES = (
    "model: NIN of Lin et al. 2013 as in the paper's Table 1 (5x5/1x1/1x1 x192/160/96, max-pool, "
    "dropout, 5x5/1x1/1x1 x192, avg-pool, dropout, 3x3/1x1 x192, 1x1 to classes, global average)",
    "PReLU: one slope per channel, initialised at 0.25 (He et al. 2015)",
    "RReLU: the catalog's rrelu_xu, as the paper: x/a with a ~ U(3, 8) per element in training, "
    "x/5.5 at test (torch's RReLU would draw the slope, not the divisor)",
    "training: SGD, momentum 0.9, weight decay 5e-4 (on every parameter, PReLU's slopes too), "
    "batch 128, lr 0.02 (--lr) divided by 10 after 50% and 75% of the epochs (not validated on "
    "the full data here), no data augmentation; inputs standardised per channel; He et al. "
    "2015 initialisation of the convolutions (torch's default leaves this NIN at chance)",
    "training error: measured in evaluation mode on a fixed subset of at most 10,000 training "
    "images (all of them when fewer), as actlab compare measures it",
    "full run: 100 epochs at full width on the official split; --quick: the first 5,000 "
    "training and 2,000 test images, a quarter-width NIN, batch 64, 4 epochs with one drop "
    "of the rate after 75% of them, for the CPU (the numbers then say little about the paper)",
)


#: the datasets of the paper's two tables
DATASETS = ("cifar10", "cifar100")
#: two of the paper's error rates closer than this (10 of CIFAR's 10,000 test images) are a tie:
#: each is one run, and one image more or less is 0.01 points
TIE = 0.001


def config(
    dataset: str = "cifar10",
    *,
    quick: bool = False,
    device: str = "cpu",
    epochs: int | None = None,
    lr: float | None = None,
    seeds: int = 1,
    train_size: int | None = None,
) -> StudyConfig:
    """The paper's experiment as an ``actlab compare`` study: the full run, or ``--quick``."""
    if dataset not in DATASETS:
        raise ActlabError(f"--dataset must be cifar10 or cifar100, got {dataset!r}")
    preset = StudyConfig(
        dataset=dataset,
        activations=tuple(row.spec for row in ROWS),
        seeds=seeds,
        epochs=epochs if epochs is not None else (4 if quick else 100),
        model="nin:0.25" if quick else "nin",
        optimizer="momentum",
        lr=lr if lr is not None else 0.02,
        batch_size=64 if quick else 128,
        backend="torch",
        device=device,
        weight_decay=5e-4,
        lr_drops=(0.75,) if quick else (0.5, 0.75),
        train_size=train_size if train_size is not None else (5000 if quick else None),
        test_size=2000 if quick else None,
    )
    preset.validate()
    return preset


def table(result: StudyResult) -> list[dict[str, object]]:
    """One dict per row: the paper's errors beside the measured ones (means over seeds, with
    the half-width of the 95 % interval of the test error when there are two seeds or more)."""
    dataset = result.config.dataset
    runs = by_activation(result.runs)
    summaries = {s.activation: s for s in result.summary}
    out: list[dict[str, object]] = []
    for row in ROWS:
        mine = runs.get(row.spec, [])
        s = summaries.get(row.spec)
        half = s.test_accuracy_ci95 if s is not None else math.nan
        out.append(
            {
                "activation": row.label,
                "spec": row.spec,
                "paper_train_error": row.paper_train_error[dataset],
                "paper_test_error": row.paper_test_error[dataset],
                "train_error": _mean_error(mine, "train_accuracy"),
                "test_error": _mean_error(mine, "test_accuracy"),
                "test_error_ci95": None if math.isnan(half) else half,
                "seeds": len(mine),
                # runs whose loss went non-finite (the learning rate was too high)
                "diverged": s.diverged if s is not None else 0,
            }
        )
    return out


def _mean_error(runs: Sequence[Run], metric: str) -> float | None:
    """1 - the mean accuracy over seeds; None when nothing ran (or it is NaN)."""
    error = float(1 - np.mean(metric_values(runs, metric))) if runs else math.nan
    return None if math.isnan(error) else error


def verdicts(result: StudyResult) -> list[Verdict]:
    """The paper's findings on ``result.config.dataset``, read off its table (each variant
    against ReLU on test error, ties included; the lowest training and test errors), judged by
    ``actlab compare``'s statistics: Welch's tests over seeds, Holm-adjusted over all pairs."""
    dataset = result.config.dataset
    test = [c for c in result.comparisons if c.metric == "test_accuracy"]
    train = compare_pairs(result.runs, "train_accuracy")
    relu = ROWS[0]
    found = [_versus(row, relu, dataset, test, result.config.seeds) for row in ROWS[1:]]
    found.append(_lowest("train", dataset, train, result.config.seeds))
    found.append(_lowest("test", dataset, test, result.config.seeds))
    return found


def paper_error(row: Row, split: str, dataset: str) -> float:
    return (row.paper_train_error if split == "train" else row.paper_test_error)[dataset]


def lowest(split: str, dataset: str) -> list[Row]:
    """The rows with the paper's lowest ``split`` error on ``dataset``, ties included."""
    best = min(paper_error(r, split, dataset) for r in ROWS)
    return [r for r in ROWS if paper_error(r, split, dataset) - best < TIE]


def versus_relu(row: Row, dataset: str) -> str:
    """ "better", "worse" or "tie": the row's test error against ReLU's in the paper."""
    gap = paper_error(ROWS[0], "test", dataset) - paper_error(row, "test", dataset)
    return "tie" if abs(gap) < TIE else "better" if gap > 0 else "worse"


def _pct(row: Row, split: str, dataset: str) -> str:
    return f"{100 * paper_error(row, split, dataset):.2f} %"


def _versus(row: Row, relu: Row, dataset: str, test: list[Comparison], seeds: int) -> Verdict:
    said = f"paper: {_pct(row, 'test', dataset)} against ReLU's {_pct(relu, 'test', dataset)}"
    c = find(test, row.spec, relu.spec)  # row's accuracy - ReLU's
    assert c is not None
    way = versus_relu(row, dataset)
    if way == "tie":  # equivalence: the interval excludes any difference that matters
        text = f"{row.label} and ReLU tie on test error ({said})"
        if max(abs(c.ci_low), abs(c.ci_high)) < ACCURACY_MARGIN:
            verdict = HOLDS
        elif c.significant:
            verdict = FAILS
        else:
            verdict = UNSURE
    elif way == "better":
        text = f"{row.label} has a lower test error than ReLU ({said})"
        verdict = direction(c, ACCURACY_MARGIN)
    else:
        text = f"{row.label} has a higher test error than ReLU ({said})"
        c = find(test, relu.spec, row.spec)  # ReLU's accuracy - row's
        assert c is not None
        verdict = direction(c, ACCURACY_MARGIN)
    return _checked(f"{row.spec} vs relu", text, verdict, c, seeds)


def _lowest(split: str, dataset: str, tests: list[Comparison], seeds: int) -> Verdict:
    """The paper's best row(s) on ``split`` reach a higher accuracy than every other row."""
    best = lowest(split, dataset)
    names = " and ".join(r.label for r in best)
    numbers = ", ".join(_pct(r, split, dataset) for r in best)
    text = (
        f"{names} {'has' if len(best) == 1 else 'tie for'} the lowest {split} error "
        f"(paper: {numbers}" + (", a tie)" if len(best) > 1 else ")")
    )
    judged = [
        (direction(c, ACCURACY_MARGIN), c)
        for a in best
        for b in ROWS
        if b not in best
        for c in [find(tests, a.spec, b.spec)]
        if c is not None
    ]
    if not judged:
        return Verdict(f"lowest {split} error", text, UNTESTED, "every row ties in the paper")
    for word in (FAILS, UNSURE):
        against = [c for v, c in judged if v == word]
        if against:
            c = min(against, key=lambda c: c.difference)
            return _checked(f"lowest {split} error", text, word, c, seeds)
    c = max((c for _, c in judged), key=lambda c: c.p_holm)
    return _checked(f"lowest {split} error", text, HOLDS, c, seeds)


def _checked(claim: str, text: str, verdict: str, c: Comparison, seeds: int) -> Verdict:
    """The verdict with its evidence in words (one seed allows no test: say so)."""
    if seeds < 2:
        reason = (
            f"{c.a} - {c.b} accuracy {c.difference:+.4f} from one seed each; a test needs "
            "two or more (--seeds)"
        )
        return Verdict(claim, text, UNSURE, reason)
    return Verdict(claim, text, verdict, f"{c.a} - {c.b}: " + stated(c))
