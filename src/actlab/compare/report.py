"""Formatting a :class:`~actlab.compare.StudyResult`: the ranked table, the verdict, JSON, CSV."""

from __future__ import annotations

import csv
import math
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actlab.compare.summary import Summary, find
from actlab.errors import ActlabError

if TYPE_CHECKING:
    from actlab.compare import StudyResult
    from actlab.compare.tune import Tuned


def _num(value: float, digits: int = 4) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _pm(mean: float, half: float, digits: int = 4, scale: float = 1.0) -> str:
    if math.isnan(mean):
        return "-"
    if math.isnan(half):
        return f"{mean * scale:.{digits}f}"
    return f"{mean * scale:.{digits}f} ± {half * scale:.{digits}f}"


def table(result: StudyResult) -> str:
    """The ranked table, one row per activation (± are 95% confidence half-widths)."""
    regression = result.dataset["kind"] == "regression"
    target = result.config.target
    head = ["rank", "activation"]
    head += ["test loss"] if regression else ["test acc %", "test loss"]
    head += ["train-loss area"]
    if target is not None:
        head += [f"epochs to {target:.0%}", f"s to {target:.0%}"]
    head += ["s/epoch", "cpu s/epoch", "vs #1: p"]
    rows = [head]
    metric = "test_loss" if regression else "test_accuracy"
    best = result.summary[0].activation
    for s in result.summary:
        row = [str(s.rank), s.activation]
        if not regression:
            row.append(_pm(s.test_accuracy_mean, s.test_accuracy_ci95, 2, 100.0))
        row.append(_pm(s.test_loss_mean, s.test_loss_ci95, 3))
        row.append(_pm(s.train_loss_auc_mean, s.train_loss_auc_ci95, 3))
        if target is not None:
            row += _to_target(s)
        row.append(f"{s.seconds_per_epoch:.3f}")
        row.append(_num(s.cpu_seconds_per_epoch, 3))
        row.append(_versus(result, metric, best, s.activation))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "  ".join(c.rjust(w) if i != 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _versus(result: StudyResult, metric: str, best: str, activation: str) -> str:
    """Holm-adjusted p of the difference from the top-ranked activation (* if significant)."""
    if activation == best:
        return "-"
    c = find([c for c in result.comparisons if c.metric == metric], activation, best)
    if c is None or math.isnan(c.p_holm):
        return "n/a"
    return f"{c.p_holm:.2g}" + (" *" if c.significant else "")


def _to_target(s: Summary) -> list[str]:
    if s.reached_target == 0:
        return [f"never (0/{s.n_runs})", "-"]
    tail = "" if s.reached_target == s.n_runs else f" ({s.reached_target}/{s.n_runs})"
    return [
        _pm(s.epochs_to_target_mean, s.epochs_to_target_ci95, 1) + tail,
        _pm(s.seconds_to_target_mean, s.seconds_to_target_ci95, 2),
    ]


def verdict_text(result: StudyResult) -> str:
    lines = ["Verdict:"]
    for v in result.verdicts:
        word = (
            f"can't tell at {result.config.seeds} seeds" if v.verdict == "can't tell" else v.verdict
        )
        lines.append(f"  {v.text}: {word.upper()}")
        lines.append(f"      {v.reason}")
    if result.timing:
        lines.append(f"  Speed figures: {result.timing}")
    return "\n".join(lines)


def header(result: StudyResult) -> str:
    c, d = result.config, result.dataset
    runs = len(result.runs)
    resumed = result.resumed
    took = f"{runs} runs in {result.elapsed_seconds:.1f} s"
    if resumed["loaded"] and result.store is not None:
        fresh = runs - resumed["loaded"]
        took = (
            f"{runs} runs, {result.elapsed_seconds:.1f} s this time: from {result.store.parent},"
            f" {resumed['finished']} already finished and {resumed['partial']} resumed where they"
            f" stopped; {fresh} trained from scratch"
        )
    schedule = ""
    if c.lr_drops:
        schedule = f" (/10 after {', '.join(f'{f:.0%}' for f in c.lr_drops)} of the epochs)"
    if c.weight_decay:
        schedule += f", weight decay {c.weight_decay:g}"
    return (
        f"{c.dataset}: {d['n_train']} train / {d['n_test']} test; {c.model}, {c.optimizer} "
        f"{_rate(c)}{schedule}, batch {c.batch_size}, {c.epochs} epochs, init {c.init}; "
        f"{len(c.activations)} activations x {c.seeds} seeds = {took}"
    )


def _rate(c: Any) -> str:
    if not c.lrs:
        return f"lr {c.lr:g}"
    own = dict(c.lrs)
    return (
        "lr per activation (" + ", ".join(f"{a} {own.get(a, c.lr):g}" for a in c.activations) + ")"
    )


def text(result: StudyResult) -> str:
    """The whole report as the terminal shows it."""
    notes = (
        "± : 95% confidence interval of the mean across seeds (t distribution). "
        "train-loss area: mean training loss over the epochs (lower = learned faster).\n"
        "vs #1: Welch's t test of the final test metric against the top-ranked activation, "
        "p Holm-adjusted over all pairs (* : significant at 5%)."
    )
    diverged = [f"{s.activation} {s.diverged}/{s.n_runs}" for s in result.summary if s.diverged]
    if diverged:
        notes += f"\nDiverged (loss not finite): {', '.join(diverged)} runs; try a smaller --lr."
    return "\n\n".join([header(result), table(result), notes, verdict_text(result)])


def to_json(result: StudyResult) -> dict[str, Any]:
    """One JSON-ready object: runs with histories, summary, comparisons, verdict, resumed."""
    return _clean(
        {
            "config": result.config.to_dict(),
            "dataset": result.dataset,
            "runs": [
                {
                    "activation": r.activation,
                    "seed": r.seed,
                    "finished": r.finished,
                    "history": [asdict(h) for h in r.history],
                }
                for r in result.runs
            ],
            "summary": [asdict(s) for s in result.summary],
            "comparisons": [
                {**asdict(c), "significant": c.significant} for c in result.comparisons
            ],
            "verdict": [asdict(v) for v in result.verdicts],
            "resumed": result.resumed,
            "timing": result.timing,
            "elapsed_seconds": result.elapsed_seconds,
            "store": str(result.store) if result.store else None,
        }
    )


def _clean(value: Any) -> Any:
    """NaN and inf become null: JSON has neither."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


HISTORY_COLUMNS = (
    "activation",
    "seed",
    "epoch",
    "train_loss",
    "train_accuracy",
    "test_loss",
    "test_accuracy",
    "seconds",
    "cpu_seconds",
    "node",
    "worker",
)


def write_csv(result: StudyResult, path: str | Path) -> Path:
    """Every run's history, one row per run and epoch (long format, for pandas or a sheet);
    the per-activation summary goes next to it as ``<name>.summary.csv``."""
    path = Path(path)
    summary_path = path.with_name(path.stem + ".summary.csv")
    try:
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HISTORY_COLUMNS)
            for run in result.runs:
                for h in run.history:
                    row = asdict(h)
                    writer.writerow(
                        [run.activation, run.seed, *(row[k] for k in HISTORY_COLUMNS[2:])]
                    )
        with summary_path.open("w", newline="") as fh:
            fields = list(asdict(result.summary[0]))
            table = csv.DictWriter(fh, fields)
            table.writeheader()
            table.writerows(asdict(s) for s in result.summary)
    except OSError as exc:
        raise ActlabError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return summary_path


def tune_table(tuned: Tuned) -> str:
    """The search: validation accuracy (loss for regression) per activation and value."""
    regression = tuned.tuned.dataset["kind"] == "regression"
    head = ["activation", *(f"{tuned.setting} {v:g}" for v in tuned.grid), "chosen"]
    rows = [head]
    for activation in tuned.tuned.config.activations:
        row = [activation]
        for v in tuned.grid:
            t = next(t for t in tuned.trials if t.activation == activation and t.value == v)
            cell = (
                _num(t.validation_loss, 3) if regression else _num(100 * t.validation_accuracy, 2)
            )
            cell += "*" if v == tuned.best[activation] else ""
            row.append(cell + (f" ({t.diverged} div.)" if t.diverged else ""))
        row.append(f"{tuned.best[activation]:g}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in rows
    ]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def tune_text(tuned: Tuned) -> str:
    """The whole ``--tune`` report: the search, both studies, the verdict at both."""
    from actlab.compare.tune import at_edge

    c = tuned.tuned.config
    n = tuned.shared.dataset["n_train"]
    what = (
        "validation loss"
        if tuned.tuned.dataset["kind"] == "regression"
        else "validation accuracy %"
    )
    search = (
        f"Tuning {tuned.setting} for each activation: {what} (mean of {tuned.search_seeds} seeds,"
        f" {c.epochs} epochs) on a validation split of {tuned.validation:.0%} of the {n} training"
        " examples, training on the rest; * = chosen"
    )
    edge = at_edge(tuned)
    if edge:
        search += (
            f"\nChosen at the edge of the grid for {', '.join(edge)}: the best value may lie"
            " beyond it (widen --tune-grid)"
        )
    shared_lr = tuned.shared.config.lr
    lines = ["Verdict (each activation at its tuned learning rate, and all at the shared one):"]
    for v in tuned.verdicts:
        lines.append(f"  {v.text}: {v.verdict.upper()}")
        lines.append(f"      {v.reason}")
    lines.append(f"  Speed figures: {tuned.tuned.timing}")
    return "\n\n".join(
        [
            search,
            tune_table(tuned),
            "At each activation's tuned learning rate (test split):",
            header(tuned.tuned),
            table(tuned.tuned),
            f"At the shared learning rate {shared_lr:g} (test split):",
            header(tuned.shared),
            table(tuned.shared),
            "\n".join(lines),
        ]
    )


def tune_json(tuned: Tuned) -> dict[str, Any]:
    """``--tune --json``: the search, the chosen values, both studies and the joint verdict."""
    from actlab.compare.tune import at_edge

    return _clean(
        {
            "tune": {
                "setting": tuned.setting,
                "grid": list(tuned.grid),
                "validation": tuned.validation,
                "search_seeds": tuned.search_seeds,
                "trials": [asdict(t) for t in tuned.trials],
                "best": tuned.best,
                "at_edge": at_edge(tuned),
            },
            "tuned": to_json(tuned.tuned),
            "shared": to_json(tuned.shared),
            "verdict": [asdict(v) for v in tuned.verdicts],
        }
    )
