"""Claim 7: ReLU's variants -- Leaky ReLU, PReLU and RReLU against ReLU on a small dataset.

A thin layer over :func:`actlab.compare.compare` on digits (its verdicts on "PReLU / RReLU beat
ReLU on small data"), beside Xu et al. 2015's table, from :mod:`actlab.experiments.xu2015` (it
holds the paper's numbers).
"""

from __future__ import annotations

import math
from typing import Any

import actlab
from actlab.compare import StudyConfig, StudyResult, stats
from actlab.compare.summary import find
from actlab.report import study
from actlab.report.figures import fmt
from actlab.report.model import Block, Context, FigureBlock, Section, Table, Text

TITLE = "ReLU's variants"
#: Xu et al.'s very leaky ReLU divides negative inputs by 5.5
XU_DIVISOR = 5.5
#: the paper's rows, with torch's RReLU (a random slope) beside the paper's (a random divisor)
ACTIVATIONS = (
    "relu",
    "leaky_relu",
    f"leaky_relu(negative_slope={1 / XU_DIVISOR:.4g})",
    "prelu",
    "rrelu",
    "rrelu_xu",
)
CLAIMS = ("prelu_beats_relu", "rrelu_beats_relu")
#: mode -> (seeds, epochs) on digits
SETTINGS: dict[str, tuple[int, int]] = {"quick": (5, 30), "full": (20, 60)}
PAPER = "https://arxiv.org/abs/1505.00853"
DATASETS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


def build(ctx: Context) -> Section:
    seeds, epochs = SETTINGS[ctx.options.mode]
    config = StudyConfig(dataset="digits", activations=ACTIVATIONS, seeds=seeds, epochs=epochs)
    result = study.run(ctx, config)
    found = study.verdicts(result, CLAIMS)
    d, c = result.dataset, result.config
    numbers: dict[str, Any] = {"verdicts": found, **study.study_json(result)}
    paper_blocks, paper_numbers = _paper()
    numbers["paper"] = paper_numbers
    level = f"{100 * (1 - stats.ALPHA):g} %"
    leaky, prelu, torch_r, xu_r = (
        actlab.get(name).params for name in ("leaky_relu", "prelu", "rrelu", "rrelu_xu")
    )
    blocks: list[Block] = [
        Text(
            "ReLU outputs 0 for every negative input, so a unit whose inputs all turn negative "
            "stops learning. The variants give the negative side a slope: Leaky ReLU a small "
            "fixed one, PReLU (He et al. 2015) a slope learned with the weights, RReLU a "
            "random slope in training and its average at test time. Xu, Wang, Chen & Li "
            f"(2015, {PAPER}) compared them in a convolutional Network in Network on "
            "CIFAR-10 and CIFAR-100" + _paper_versus_relu() + ". They concluded that on "
            "small data the learned slope overfits while the random one generalises best."
        ),
        Text(
            f"Here the same question is asked of a small dataset: digits, {d['n_train']:,} "
            f"training images, the network of the training-speed section ({c.model}), "
            f"{c.epochs} epochs, {c.seeds} seeds per activation, every variant at the paper's "
            f"settings: Leaky ReLU with slope {fmt(leaky['negative_slope'])} and "
            f"1/{XU_DIVISOR:g}, PReLU starting from slope {fmt(prelu['a'])}, RReLU as torch "
            f"defines it (slope ~ U({fmt(torch_r['lower'], 3)}, {fmt(torch_r['upper'], 3)}) "
            f"in training) and as the paper does, `rrelu_xu` (x divided by a ~ "
            f"U({fmt(xu_r['lower'])}, {fmt(xu_r['upper'])}))."
        ),
        FigureBlock(
            study.figure(
                result,
                "variants",
                f"ReLU and its variants on digits: test accuracy and training loss per epoch "
                f"and per second; means over seeds with {level} bands.",
            )
        ),
        study.summary_table(
            result,
            f"± : {level} confidence interval over {c.seeds} seeds. Training-loss area: mean "
            "training loss over the epochs.",
        ),
        _versus_relu(result),
    ]
    blocks += [Text(f"{study.described(v, seeds)} — {v['reason']}.") for v in found.values()]
    blocks.append(Text(_fit_versus_generalise(result)))
    blocks += paper_blocks
    return Section(
        key="variants",
        title=TITLE,
        claim="PReLU and RReLU beat ReLU on small data (Xu et al. 2015).",
        verdict=study.combined([v["verdict"] for v in found.values()]),
        verdict_detail=(
            f"on digits ({d['n_train']:,} training images, {c.model}, {seeds} seeds, {epochs} "
            "epochs): "
            + "; ".join(study.described(v, seeds) for v in found.values())
            + ". The paper's setting (a convolutional network on CIFAR) is not tested here."
        ),
        blocks=blocks,
        numbers=numbers,
        reproduce=study.command(config),
    )


def _versus_relu(result: StudyResult) -> Table:
    """Each variant's final test accuracy minus ReLU's: compare's Welch tests, Holm-adjusted."""
    tests = [t for t in result.comparisons if t.metric == "test_accuracy"]
    rows = []
    for spec in result.config.activations[1:]:
        t = find(tests, spec, result.config.activations[0])
        assert t is not None
        rows.append(
            (
                f"`{spec}`",
                f"{100 * t.difference:+.2f}",
                f"{100 * t.ci_low:+.2f} to {100 * t.ci_high:+.2f}",
                fmt(t.p_holm, 2),
            )
        )
    return Table(
        (
            "variant",
            "test accuracy − ReLU's (points)",
            f"{100 * (1 - stats.ALPHA):g} % interval",
            "Holm-adjusted p",
        ),
        tuple(rows),
        "Welch's t test of each variant's final test accuracy against ReLU's, corrected over "
        "all pairs of the study.",
    )


def _fit_versus_generalise(result: StudyResult) -> str:
    """Which activation fit the training set best, which tested best (the paper's pattern)."""
    fit = min(result.summary, key=lambda s: _nan_last(s.train_loss_mean))
    best = result.summary[0]
    return (
        f"The lowest final training loss is `{fit.activation}`'s "
        f"({fmt(fit.train_loss_mean, 3)}), the highest test accuracy `{best.activation}`'s "
        f"({100 * best.test_accuracy_mean:.2f} %). Xu et al. found PReLU lowest in training "
        "error and RReLU best on test data, the learned slope overfitting."
    )


def _nan_last(v: float) -> float:
    return math.inf if math.isnan(v) else v


def _paper() -> tuple[list[Block], dict[str, Any]]:
    """The paper's Tables 3 and 4, from actlab.experiments.xu2015 (which holds them)."""
    import actlab.experiments.xu2015 as xu2015

    rows, numbers = [], {}
    for row in xu2015.ROWS:
        numbers[row.label] = {
            "spec": row.spec,
            "train_error": row.paper_train_error,
            "test_error": row.paper_test_error,
        }
        rows.append(
            (
                row.label,
                *(
                    f"{100 * errors[dataset]:.2f}"
                    for dataset in ("cifar10", "cifar100")
                    for errors in (row.paper_train_error, row.paper_test_error)
                ),
            )
        )
    lowest = [
        f"on {name} {_best(xu2015, 'train', dataset, 'training')} and "
        f"{_best(xu2015, 'test', dataset, 'test')}"
        for dataset, name in DATASETS.items()
    ]
    return [
        Text("In the paper's tables, " + "; ".join(lowest) + "."),
        Table(
            (
                "activation (paper)",
                "CIFAR-10 train error %",
                "CIFAR-10 test error %",
                "CIFAR-100 train error %",
                "CIFAR-100 test error %",
            ),
            tuple(rows),
            "Xu et al. 2015, Tables 3 and 4: Network in Network, as reported in the paper "
            "(not measured here; `actlab reproduce xu2015` reruns it with PyTorch). The RReLU "
            "rows were checked against a second source; the others are transcribed from the "
            "paper without a second check.",
        ),
    ], numbers


def _best(xu2015: Any, split: str, dataset: str, words: str) -> str:
    """ "**PReLU** has the lowest training error", or the rows that tie for it, with their
    errors (two of the paper's numbers closer than ``xu2015.TIE`` are a tie)."""
    rows = xu2015.lowest(split, dataset)
    if len(rows) == 1:
        return f"**{rows[0].label}** has the lowest {words} error"
    errors = " and ".join(f"{100 * xu2015.paper_error(r, split, dataset):.2f} %" for r in rows)
    names = " and ".join(f"**{r.label}**" for r in rows)
    return f"{names} tie for the lowest {words} error ({errors})"


def _paper_versus_relu() -> str:
    """ ", where ReLU's test error was 12.45 % on CIFAR-10: lower for ..., higher for ...": read
    off the paper's table, not typed (empty when actlab.experiments.xu2015 is not installed)."""
    try:
        import actlab.experiments.xu2015 as xu2015
    except ImportError:
        return ""
    words = {"better": "lower", "worse": "higher", "tie": "the same (within 0.1 points)"}
    parts = []
    for dataset, name in DATASETS.items():
        groups: dict[str, list[str]] = {}
        for row in xu2015.ROWS[1:]:
            label = f"{row.label.replace(', ', ' ')} ({_pct(xu2015, row, dataset)})"
            groups.setdefault(xu2015.versus_relu(row, dataset), []).append(label)
        said = ", ".join(
            f"{words[way]} for " + ("all four variants" if len(labels) == 4 else _and(labels))
            for way, labels in groups.items()
        )
        parts.append(f"{_pct(xu2015, xu2015.ROWS[0], dataset)} on {name}: {said}")
    return ", where ReLU's test error was " + "; and ".join(parts)


def _pct(xu2015: Any, row: Any, dataset: str) -> str:
    return f"{100 * xu2015.paper_error(row, 'test', dataset):.2f} %"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
