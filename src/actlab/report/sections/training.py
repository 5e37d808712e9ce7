"""Claim 5: "sigmoid trains slowest, tanh slower than ReLU", on digits (and MNIST with --data).

A thin layer over :func:`actlab.compare.compare`: its verdicts (Welch tests, Holm-corrected,
with 95% intervals; :mod:`actlab.compare.verdict`) are the section's, its figure is the
section's figure, and ``reproduce`` is the ``actlab compare`` command that prints the same.
"""

from __future__ import annotations

from typing import Any

from actlab.compare import StudyConfig, stats
from actlab.compare.verdict import SPEED_MARGIN
from actlab.nn.optim import RULES
from actlab.report import study
from actlab.report.figures import fmt
from actlab.report.model import Block, Context, FigureBlock, Heading, Section, Text

TITLE = "Training speed"
ACTIVATIONS = ("relu", "tanh", "sigmoid")
#: the claims of actlab.compare.verdict this section is about
CLAIMS = ("sigmoid_slowest", "tanh_slower_than_relu")
#: dataset -> mode -> (seeds, epochs); digits' 30 epochs are its default in the dataset registry
SETTINGS: dict[str, dict[str, tuple[int, int]]] = {
    "digits": {"quick": (5, 30), "full": (20, 60)},
    "mnist": {"quick": (3, 2), "full": (5, 10)},
}


def build(ctx: Context) -> Section:
    datasets = ["digits"] + (["mnist"] if ctx.options.data is not None else [])
    level = f"{100 * (1 - stats.ALPHA):g} %"
    blocks: list[Block] = [
        Text(
            "Training speed is measured where the claim puts it: how fast the training loss "
            "comes down, epoch by epoch, for the same network with only the activation "
            "changed. Each study trains every activation from the same seeds (the same "
            "initial weights, data order and mini-batches), and its speed is the area under "
            "the training-loss curve, the mean training loss over all epochs: lower means the "
            "loss fell sooner. Pairs are compared with Welch's t test, corrected for the "
            "number of pairs (Holm). A claim **holds** when the difference points the "
            f"claimed way and is significant, **does not hold** when the {level} interval "
            f"rules out a difference of {100 * SPEED_MARGIN:g} % of the area in the claimed "
            "direction, and otherwise more seeds are needed. What an epoch costs in time is "
            "the next section's subject."
        )
    ]
    numbers: dict[str, Any] = {}
    words: list[str] = []
    details: list[str] = []
    commands: list[str] = []
    for dataset in datasets:
        seeds, epochs = SETTINGS[dataset][ctx.options.mode]
        path = ctx.options.data if dataset != "digits" else None
        config = StudyConfig(dataset=dataset, activations=ACTIVATIONS, seeds=seeds, epochs=epochs)
        result = study.run(ctx, config, path)
        found = study.verdicts(result, CLAIMS)
        words += [v["verdict"] for v in found.values()]
        commands.append(study.command(config, path))
        numbers[dataset] = {"verdicts": found, **study.study_json(result)}
        c, d = result.config, result.dataset
        details.append(
            f"on {dataset} ({seeds} seeds, {epochs} epochs) "
            + "; ".join(study.described(v, seeds) for v in found.values())
        )
        blocks += [
            Heading(f"{dataset}: {d['n_train']:,} training images, {d['n_test']:,} test"),
            Text(
                f"A {str(c.model).replace('mlp:', 'multilayer perceptron with hidden widths ')}, "
                f"{RULES.lookup(str(c.optimizer)).summary} at learning rate {c.lr:g}, "
                f"batch {c.batch_size}, {c.epochs} epochs, initialisation `{c.init}`; "
                f"{c.seeds} seeds per "
                f"activation ({len(result.runs)} networks, trained in "
                f"{result.elapsed_seconds:.0f} s)."
            ),
            FigureBlock(
                study.figure(
                    result,
                    f"training-{dataset}",
                    f"{dataset}: test accuracy and training loss per epoch (top) and per "
                    f"second of training (bottom); lines are means over seeds, bands {level} "
                    "confidence intervals.",
                )
            ),
            study.summary_table(
                result,
                f"± : {level} confidence interval over seeds. Training-loss area: the mean "
                "training loss over the epochs (lower = learned sooner).",
            ),
        ]
        blocks += [Text(f"{study.described(v, seeds)} — {v['reason']}.") for v in found.values()]
        blocks.append(Text(_speed_note(result)))
    if ctx.options.data is None:
        blocks.append(
            Text(
                "The same study runs on MNIST when the report is given its files: "
                "`actlab report --data DIR` with the four IDX files in DIR."
            )
        )
    return Section(
        key="training",
        title=TITLE,
        claim="Sigmoid trains slowest; tanh trains slower than ReLU.",
        verdict=study.combined(words),
        verdict_detail="; ".join(details) + ".",
        blocks=blocks,
        numbers=numbers,
        reproduce="; ".join(commands),
    )


def _speed_note(result: Any) -> str:
    """How many epochs each activation needed to reach the target, from the summary."""
    target = result.config.target
    parts = []
    for s in result.summary:
        if s.reached_target:
            parts.append(
                f"`{s.activation}` in {fmt(s.epochs_to_target_mean, 3)} epochs on average "
                f"({s.reached_target} of {s.n_runs} runs)"
            )
        else:
            parts.append(f"`{s.activation}` in none of its {s.n_runs} runs")
    return f"Test accuracy {100 * target:g} % was reached by " + ", ".join(parts) + "."
