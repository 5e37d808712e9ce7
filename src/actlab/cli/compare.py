"""``actlab compare``: train activations x seeds on a dataset; table, verdict, figure, JSON, CSV."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab import data
from actlab.cli.data import add_data_options, data_options
from actlab.cli.jsonout import json_text
from actlab.cli.signals import exit_status, stopped_by
from actlab.errors import ActlabError


def add_parser(sub: Any) -> None:
    from actlab.compare.config import DEFAULT_ACTIVATIONS, DEFAULT_SEEDS, OPTIMIZERS

    p = sub.add_parser(
        "compare",
        help="train the same model with each activation and seed; compare with statistics",
        description="Defaults: digits, the nine classic activations, 5 seeds, and the "
        "dataset's model/epochs/optimiser/lr/batch (see 'actlab data info NAME').",
    )
    p.add_argument("--dataset", default="digits", help="a name from 'actlab data list'")
    add_data_options(p)
    p.add_argument(
        "--activations",
        default=",".join(DEFAULT_ACTIVATIONS),
        help="comma-separated specs: names, name(param=value) or formulas in x",
    )
    p.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="seeds per activation")
    p.add_argument("--epochs", type=int)
    p.add_argument(
        "--model", help="mlp:H1,H2,... (hidden widths); --backend torch: also cnn, nin[:WIDTH]"
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (torch backend)")
    p.add_argument(
        "--lr-drops",
        default="",
        metavar="F1,F2",
        help="divide the lr by 10 after these fractions of the epochs (torch backend)",
    )
    p.add_argument("--train-size", type=int, help="train on the first N training examples")
    p.add_argument("--test-size", type=int, help="test on the first N test examples")
    p.add_argument("--init", default="torch", help="weight initialisation (default: torch)")
    p.add_argument("--target", type=float, help="test accuracy for 'epochs/seconds to target'")
    p.add_argument("--backend", default="numpy", help="training backend (default: numpy)")
    p.add_argument("--device", default="cpu", help="device for backends that have several")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="durable store: resume by running again; a larger --epochs extends the study",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="rebuild a damaged --out from what is intact (damaged runs train again)",
    )
    p.add_argument("-o", "--output", metavar="FIG", help="figure (.png/.svg/.pdf)")
    p.add_argument("--no-figure", action="store_true", help="draw no figure")
    p.add_argument("--csv", metavar="FILE", help="per-epoch history as CSV (+ FILE.summary.csv)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--force", action="store_true", help="train even if it looks too big for memory")
    add_executor_options(p)
    p.add_argument(
        "--tune",
        metavar="SETTING",
        help="lr: search each activation's learning rate on a validation split, then train the"
        " seeds at each one's best and at the shared rate, and judge the claims at both",
    )
    p.add_argument(
        "--tune-grid",
        metavar="V1,V2,...",
        help="--tune: the values to try (default: 6 values, lr/10 to lr*30)",
    )
    p.add_argument("--tune-seeds", type=int, help="--tune: seeds per value in the search (2)")
    p.add_argument(
        "--validation",
        type=float,
        help="--tune: fraction of the training data held out to choose on (0.2)",
    )
    p.set_defaults(func=run)


def add_executor_options(p: Any) -> None:
    """``--executor`` and Ray's options (``actlab compare`` and ``actlab reproduce``)."""
    p.add_argument(
        "--executor",
        default="local",
        metavar="local|ray",
        help="who trains: this process (default), or Ray tasks (see docs/cluster.md)",
    )
    p.add_argument(
        "--address",
        help="--executor ray: a running Ray cluster's HOST:PORT (default: start Ray here)",
    )
    p.add_argument(
        "--cpus-per-task",
        type=float,
        help="--executor ray: CPUs each task (one activation's seeds, one epoch) reserves (1)",
    )
    p.add_argument(
        "--gpus-per-task",
        type=float,
        help="--executor ray: GPUs each task reserves, fractions allowed (0.25: four share one)",
    )


def executor_from(args: argparse.Namespace) -> Any:
    """The executor the flags ask for, connected (bad flags and unreachable clusters fail
    here, before any folder is made or anything trains)."""
    from actlab.compare import executor

    options = {
        k: getattr(args, k)
        for k in ("address", "cpus_per_task", "gpus_per_task")
        if getattr(args, k) is not None
    }
    made = executor.get(args.executor, **options)
    connect = getattr(made, "connect", None)
    if connect is not None:
        connect()
    return made


def split_specs(text: str) -> tuple[str, ...]:
    """--activations as specs (:func:`actlab.spec.split_specs`).

    >>> split_specs("relu, max(x, 0.1*x) ,elu(alpha=2)")
    ('relu', 'max(x, 0.1*x)', 'elu(alpha=2)')
    """
    from actlab.spec import split_specs as split

    try:
        return tuple(split(text))
    except ActlabError as exc:
        raise ActlabError(f"--activations: {exc}") from None


def config_from(args: argparse.Namespace) -> Any:
    from actlab.compare import StudyConfig

    record = data.info(args.dataset)
    return StudyConfig(
        dataset=record.name,
        activations=split_specs(args.activations),
        seeds=args.seeds,
        epochs=args.epochs,
        model=args.model,
        optimizer=args.optimizer,
        lr=args.lr,
        batch_size=args.batch_size,
        init=args.init,
        target=args.target,
        data_options=data_options(args, record),
        backend=args.backend,
        device=args.device,
        weight_decay=args.weight_decay,
        lr_drops=_fractions(args.lr_drops),
        train_size=args.train_size,
        test_size=args.test_size,
    )


def _fractions(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise ActlabError(f"--lr-drops takes fractions such as 0.5,0.75, not {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from actlab.compare import report

    config = config_from(args)
    config.resolved()  # bad settings fail here, before any folder is made
    plan = _check_outputs(args)  # every output path, before the first epoch
    for note in plan.notes:
        print(f"actlab compare: note: {note}", file=sys.stderr)
    progress = None if args.quiet else _progress_for(sys.stderr)
    from actlab.cli.compare_tune import run_tuned, tuning_options

    tuning = tuning_options(args)
    with executor_from(args) as executor:
        if tuning is not None:
            return run_tuned(args, config, tuning, plan, progress, executor)
        result, status = train(
            config,
            args.out,
            args.data,
            progress,
            "actlab compare",
            force=args.force,
            repair=args.repair,
            executor=executor,
        )
    if result is None:
        return status
    return finish(args, plan, result, lambda: report.to_json(result), lambda: report.text(result))


def finish(
    args: argparse.Namespace,
    plan: _Outputs,
    result: Any,
    as_json: Any,
    as_text: Any,
    label: str = "",
) -> int:
    """Write the planned outputs of ``result``, print the study (``as_json()`` or ``as_text()``)
    and where each output went (``label`` after its kind); 2 if an output could not be
    written."""
    from actlab.compare import report
    from actlab.plots import compare as figure

    outputs, failures = write_outputs(plan, result, report, figure)
    if args.json:
        payload = {**as_json(), "outputs": outputs, "notes": list(plan.notes)}
        print(json_text(payload, indent=1))
    else:
        print(as_text())
        for kind, path in outputs.items():
            print(f"{kind}{label}: {path}")
    for failure in failures:  # the study itself is safe: printed above, and in --out
        print(f"actlab compare: error: {failure}", file=sys.stderr)
    return 2 if failures else 0


def train(
    config: Any,
    out: str | None,
    data_path: str | None,
    progress: Any,
    program: str,
    **options: Any,
) -> tuple[Any | None, int]:
    """:func:`actlab.compare.compare` and 0, or (None, 130 or 143) after Ctrl-C or SIGTERM, said
    in one line (the store keeps every finished epoch; a SIGKILL loses at most the epoch in
    flight). ``actlab compare`` and ``actlab reproduce`` both train through here."""
    from actlab.compare import compare

    try:
        result = compare(config, out, data_path=data_path, on_epoch=progress, **options)
    except KeyboardInterrupt as exc:
        if hasattr(progress, "clear"):
            progress.clear()
        where = (
            f"progress up to the last finished epoch is saved in {out}; run the same "
            "command to resume"
            if out
            else "nothing was saved (use --out DIR to make a study resumable)"
        )
        print(f"{program}: {stopped_by(exc)}; {where}", file=sys.stderr)
        return None, exit_status(exc)
    if hasattr(progress, "clear"):
        progress.clear()
    return result, 0


@dataclass
class _Outputs:
    """Where the results go, checked before the study starts."""

    csv: Path | None
    figure: Path | None
    #: the figure was asked for by name (-o): failing to write it is an error, not a note
    figure_named: bool
    notes: list[str]


def _check_outputs(args: argparse.Namespace) -> _Outputs:
    from actlab.outputs import FIGURE_FORMATS, check_folder, check_output, folder_problem

    hint = "make it writable (chmod u+w) or choose another --out"
    out = check_folder(args.out, "--out", hint=hint) if args.out else None
    csv_path = None
    if args.csv:
        csv_path = check_output(args.csv, (".csv",), "--csv")
    elif out is not None:
        csv_path = out / "runs.csv"
    notes = []
    fig = None
    if args.output and not args.no_figure:
        fig = check_output(args.output, FIGURE_FORMATS, "-o")
    elif not args.no_figure:
        fig = out / "compare.png" if out else Path("compare.png")
        problem = folder_problem(fig.parent)
        if problem:
            notes.append(f"no figure: {problem}; choose where with -o FIG or --out DIR")
            fig = None
    return _Outputs(csv_path, fig, bool(args.output), notes)


def write_outputs(
    plan: _Outputs, result: Any, report: Any, figure: Any
) -> tuple[dict[str, str], list[str]]:
    """Write what was planned; a failure now (disk full) is reported, never loses the study."""
    outputs: dict[str, str] = {}
    failures: list[str] = []
    if plan.csv is not None:
        try:
            outputs["summary_csv"] = str(report.write_csv(result, plan.csv))
            outputs["csv"] = str(plan.csv)
        except ActlabError as exc:
            failures.append(str(exc))
    if plan.figure is not None:
        try:
            outputs["figure"] = str(figure.save(result, plan.figure))
        except ActlabError as exc:
            if plan.figure_named:
                failures.append(str(exc))
            else:
                plan.notes.append(f"no figure: {exc}")
                print(f"actlab compare: note: no figure: {exc}", file=sys.stderr)
    return outputs, failures


def _progress_for(stream: Any) -> Any:
    from actlab.progress import Progress

    return Progress(stream, "actlab compare")
