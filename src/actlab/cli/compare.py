"""``actlab compare``: train activations x seeds on a dataset; table, verdict, figure, JSON, CSV."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from actlab import data
from actlab.cli.data import add_data_options, data_options
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
    p.add_argument("--out", metavar="DIR", help="durable store: resume by running again")
    p.add_argument("-o", "--output", metavar="FIG", help="figure (.png/.svg/.pdf)")
    p.add_argument("--no-figure", action="store_true", help="draw no figure")
    p.add_argument("--csv", metavar="FILE", help="per-epoch history as CSV (+ FILE.summary.csv)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def split_specs(text: str) -> tuple[str, ...]:
    """Split on commas outside parentheses: ``relu,leaky_relu(0.1),max(x, 0.1*x)``.

    >>> split_specs("relu, max(x, 0.1*x) ,elu(alpha=2)")
    ('relu', 'max(x, 0.1*x)', 'elu(alpha=2)')
    """
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    if depth != 0:
        raise ActlabError(f"--activations has unbalanced parentheses: {text!r}")
    return tuple(parts)


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
    from actlab.plots import compare as figure

    config = config_from(args)
    bar = None if args.quiet or not sys.stderr.isatty() else _Bar()
    result = train(config, args.out, args.data, bar, "actlab compare")
    if result is None:
        return 130
    outputs = _write_outputs(args, result, report, figure)
    if args.json:
        print(json.dumps({**report.to_json(result), "outputs": outputs}, indent=1))
    else:
        print(report.text(result))
        for kind, path in outputs.items():
            print(f"{kind}: {path}")
    return 0


def train(
    config: Any, out: str | None, data_path: str | None, bar: Any, program: str
) -> Any | None:
    """:func:`actlab.compare.compare`, or None after Ctrl-C or SIGTERM, said in one line
    (the store keeps every finished epoch; a SIGKILL loses at most the epoch in flight)."""
    from actlab.compare import compare

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        result = compare(config, out, data_path=data_path, on_epoch=bar)
    except KeyboardInterrupt:
        if hasattr(bar, "clear"):
            bar.clear()
        where = (
            f"progress up to the last finished epoch is saved in {out}; run the same "
            "command to resume"
            if out
            else "nothing was saved (use --out DIR to make a study resumable)"
        )
        print(f"{program}: interrupted; {where}", file=sys.stderr)
        return None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    if hasattr(bar, "clear"):
        bar.clear()
    return result


def _write_outputs(args: argparse.Namespace, result: Any, report: Any, figure: Any) -> dict:
    outputs: dict[str, str] = {}
    out = Path(args.out) if args.out else None
    csv_path = args.csv or (out / "runs.csv" if out else None)
    if csv_path:
        outputs["csv"] = str(csv_path)
        outputs["summary_csv"] = str(report.write_csv(result, csv_path))
    if not args.no_figure:
        fig = args.output or (out / "compare.png" if out else "compare.png")
        outputs["figure"] = str(figure.save(result, fig))
    return outputs


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM (a polite kill) ends the study like Ctrl-C: at a clean point, with a message."""
    raise KeyboardInterrupt


class _Bar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, progress: Any) -> None:
        done = progress.epoch / progress.epochs
        width = 30
        filled = int(width * done)
        left = progress.elapsed / max(done, 1e-9) * (1 - done)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] epoch {progress.epoch}/{progress.epochs}"
            f"  {progress.elapsed:.0f} s, ~{left:.0f} s left "
        )
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r" + " " * 79 + "\r")
        sys.stderr.flush()
