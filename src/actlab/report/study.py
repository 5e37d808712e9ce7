"""Training studies for the report: :func:`actlab.compare.compare`, its figure and its verdicts,
formatted for a section (the training-speed and ReLU-variant sections share this).

Nothing here trains or tests anything itself: the numbers are those ``actlab compare`` prints
for the command :func:`command` returns.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actlab.compare import StudyConfig, StudyResult, compare
from actlab.compare import report as compare_report
from actlab.report.figures import capture, fmt
from actlab.report.model import Context, Figure, Table, Verdict

#: compare's verdict words -> the report's
VERDICT_WORDS: dict[str, Verdict] = {
    "holds": "holds",
    "does not hold": "does not hold",
    "can't tell": "inconclusive",
}


def run(ctx: Context, config: StudyConfig, data_path: Path | None = None) -> StudyResult:
    """Train the study, saying where it is at each quarter of its epochs."""
    cfg = config.resolved()
    assert cfg.epochs is not None
    marks = {max(1, round(cfg.epochs * q / 4)) for q in (1, 2, 3, 4)}
    runs = len(cfg.activations) * cfg.seeds
    ctx.progress(
        f"  {cfg.dataset}: {len(cfg.activations)} activations x {cfg.seeds} seeds = {runs} "
        f"networks, {cfg.epochs} epochs"
    )

    def on_epoch(p: Any) -> None:
        if p.epoch in marks:
            ctx.progress(f"  {cfg.dataset}: epoch {p.epoch}/{p.epochs} ({p.elapsed:.0f} s)")

    return compare(config, data_path=data_path, on_epoch=on_epoch)


def command(config: StudyConfig, data_path: Path | None = None) -> str:
    """The ``actlab compare`` command line that trains exactly this study."""
    args = ["actlab", "compare"]
    if config.dataset != "digits":
        args += ["--dataset", config.dataset]
    if data_path is not None:
        args += ["--data", str(data_path)]
    args += ["--activations", ",".join(config.activations), "--seeds", str(config.seeds)]
    if config.epochs is not None:
        args += ["--epochs", str(config.epochs)]
    if config.weight_decay:
        args += ["--weight-decay", str(config.weight_decay)]
    if config.lr_drops:
        args += ["--lr-drops", ",".join(str(f) for f in config.lr_drops)]
    for flag, size in (("--train-size", config.train_size), ("--test-size", config.test_size)):
        if size is not None:
            args += [flag, str(size)]
    return shlex.join(args)


def verdicts(result: StudyResult, claims: Sequence[str]) -> dict[str, dict[str, str]]:
    """compare's verdicts on ``claims`` (ids in :data:`actlab.compare.verdict.CLAIMS`)."""
    by_id = {v.claim: v for v in result.verdicts}
    return {
        c: {"text": by_id[c].text, "verdict": by_id[c].verdict, "reason": by_id[c].reason}
        for c in claims
    }


def combined(words: Sequence[str]) -> Verdict:
    """One verdict from several of compare's: all agree, or "partly"."""
    mapped = [VERDICT_WORDS.get(w, "inconclusive") for w in words]
    return mapped[0] if len(set(mapped)) == 1 else "partly"


def described(v: dict[str, str], seeds: int) -> str:
    """ "tanh trains slower than ReLU: can't tell at 5 seeds" and so on."""
    word = f"can't tell at {seeds} seeds" if v["verdict"] == "can't tell" else v["verdict"]
    return f"{v['text']}: **{word}**"


def summary_table(result: StudyResult, caption: str) -> Table:
    """The ranked table ``actlab compare`` prints, as report cells (± : 95% intervals)."""
    target = result.config.target
    rows = []
    for s in result.summary:
        reached = (
            f"{fmt(s.epochs_to_target_mean, 3)} ({s.reached_target}/{s.n_runs})"
            if s.reached_target
            else f"never (0/{s.n_runs})"
        )
        rows.append(
            (
                str(s.rank),
                f"`{s.activation}`",
                _pm(100 * s.test_accuracy_mean, 100 * s.test_accuracy_ci95, 2),
                _pm(s.train_loss_auc_mean, s.train_loss_auc_ci95, 3),
                _pm(s.train_loss_mean, s.train_loss_ci95, 3),
                reached,
            )
        )
    goal = f"epochs to {100 * target:g} %" if target is not None else "epochs to target"
    return Table(
        (
            "rank",
            "activation",
            "test accuracy %",
            "training-loss area",
            "final training loss",
            goal,
        ),
        tuple(rows),
        caption,
    )


def _pm(mean: float, half: float, digits: int) -> str:
    """mean ± half with at least ``digits`` decimals, and enough to show two digits of half."""
    if math.isnan(mean):
        return "–"
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    if half > 0:
        digits = max(digits, 1 - math.floor(math.log10(half)))
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def figure(result: StudyResult, name: str, caption: str) -> Figure:
    from actlab.plots.compare import figure as draw

    c = result.config
    return capture(
        draw(result),
        name,
        caption,
        f"Learning curves on {c.dataset} for {', '.join(c.activations)}: test accuracy and "
        "training loss against epochs and against training time.",
    )


def study_json(result: StudyResult) -> dict[str, Any]:
    """Everything ``actlab compare --json`` prints for the study (runs, summary, tests)."""
    return compare_report.to_json(result)
