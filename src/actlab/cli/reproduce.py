"""``actlab reproduce PAPER``: rerun a paper's experiment and print its table beside ours.

The experiment is a preset ``actlab compare`` study (:func:`actlab.experiments.xu2015.config`): the
same runner, durable ``--out`` store (resume by running the same command again, after Ctrl-C or
a kill), progress and statistics.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from actlab.cli.compare import add_executor_options
from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.limits import check_count as count

PROGRAM = "actlab reproduce xu2015"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("reproduce", help="rerun a paper's experiment; its table beside ours")
    papers = p.add_subparsers(dest="paper", metavar="PAPER", parser_class=type(p))
    x = papers.add_parser(
        "xu2015",
        help="Xu et al. 2015: ReLU, Leaky ReLU, PReLU, RReLU in a NIN on CIFAR (needs torch)",
        description="Xu, Wang, Chen & Li 2015, Empirical Evaluation of Rectified Activations in "
        "Convolutional Network: train the paper's five activations in a Network in Network on "
        "CIFAR and print the paper's error table beside the measured one. A preset of "
        "'actlab compare --backend torch': the same store, resume and statistics.",
    )
    x.add_argument(
        "--data", required=True, metavar="CIFAR_DIR", help="CIFAR batches folder/.tar.gz"
    )
    x.add_argument("--dataset", choices=("cifar10", "cifar100"), default="cifar10")
    x.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    x.add_argument("--quick", action="store_true", help="a subset, a small NIN, a few epochs")
    x.add_argument("--epochs", type=int, help="override the number of epochs")
    x.add_argument("--seeds", type=int, default=1, help="seeds per activation (default 1)")
    x.add_argument("--lr", type=float, help="learning rate (default 0.02)")
    x.add_argument("--train-size", type=int, help="use the first N training images")
    x.add_argument("--out", metavar="DIR", help="durable store: resume by running again")
    x.add_argument("--json", action="store_true", help="print one JSON object")
    x.add_argument("--quiet", action="store_true", help="no progress lines")
    add_executor_options(x)
    x.set_defaults(func=run_xu2015)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_xu2015(args: argparse.Namespace) -> int:
    from actlab.cli.compare import executor_from, train
    from actlab.compare import report

    try:
        from actlab.experiments import xu2015
        from actlab.torch.device import resolve_device
    except ImportError:
        raise ActlabError("reproduce xu2015 needs PyTorch: pip install 'actlab[torch]'") from None
    count(args.seeds, "--seeds", 1, 1000)
    if args.epochs is not None:
        count(args.epochs, "--epochs", 1, 100_000)
    if args.train_size is not None:
        count(args.train_size, "--train-size", 1, 10_000_000)
    if args.lr is not None and not 0 < args.lr < 10:
        raise ActlabError(f"--lr must be a positive number below 10, got {args.lr}")
    config = xu2015.config(
        args.dataset,
        quick=args.quick,
        # on Ray the workers have the GPUs, not necessarily this machine
        device=args.device if args.executor != "local" else str(resolve_device(args.device)),
        epochs=args.epochs,
        lr=args.lr,
        seeds=args.seeds,
        train_size=args.train_size,
    )
    if args.out:
        _refuse_old_store(Path(args.out))
    progress = None if args.quiet else _progress(len(config.activations), config.seeds)
    with executor_from(args) as executor:
        result, status = train(config, args.out, args.data, progress, PROGRAM, executor=executor)
    if result is None:
        return status
    rows = xu2015.table(result)
    found = xu2015.verdicts(result)
    d, c = result.dataset, result.config
    if args.json:
        summary = {
            "paper": "Xu et al. 2015, arXiv:1505.00853, Tables 3-4",
            "dataset": args.dataset,
            "quick": args.quick,
            "n_train": d["n_train"],
            "n_test": d["n_test"],
            "config": c.to_dict(),
            "rows": rows,
            "verdict": [asdict(v) for v in found],
            "choices": list(xu2015.CHOICES),
            "study": report.to_json(result),
        }
        print(json_text(summary, indent=2, default=str))
        return 0
    print(
        f"Xu et al. 2015 on {args.dataset}, {c.device}"
        + (" (--quick: not the paper's setup)" if args.quick else "")
    )
    print(report.header(result))
    print()
    print(f"{'activation':<20} {'paper train':>11} {'paper test':>10} {'train':>8} {'test':>16}")
    for r in rows:
        paper = f"{r['paper_train_error']:>11.4f} {r['paper_test_error']:>10.4f}"
        test = _fmt(r["test_error"]) + (
            "" if r["test_error_ci95"] is None else f" ± {_fmt(r['test_error_ci95'])}"
        )
        diverged = f"  ({r['diverged']} diverged)" if r["diverged"] else ""
        print(f"{r['activation']!s:<20} {paper} {_fmt(r['train_error']):>8} {test:>16}{diverged}")
    print(
        "errors are fractions wrong (± : 95 % interval over seeds); paper: Xu et al. 2015 "
        "(arXiv:1505.00853), Tables 3-4 (RReLU rows checked against a second source, the "
        "others transcribed without one)"
    )
    print()
    print(report.table(result))
    print()
    print("the paper's findings, tested (Welch over seeds, Holm-adjusted over all pairs):")
    for v in found:
        print(f"- {v.text}: {v.verdict} ({v.reason})")
    print(f"speed figures: {result.timing}")
    print("choices made:")
    for line in xu2015.CHOICES:
        print(f"- {line}")
    if result.store is not None:
        print(f"store: {result.store}")
    return 0


def _progress(activations: int, seeds: int) -> Any:
    def on_epoch(p: Any) -> None:
        print(
            f"{PROGRAM}: epoch {p.epoch}/{p.epochs} done for {activations} activations x "
            f"{seeds} seed(s) ({p.elapsed:.0f} s)",
            file=sys.stderr,
        )

    return on_epoch


def _refuse_old_store(out: Path) -> None:
    """Folders written by actlab before reproduce used compare's store can't be resumed."""
    if (out / "study.json").exists() and not (out / "study.sqlite").exists():
        raise ActlabError(
            f"{out} holds runs of an older actlab reproduce (study.json and .pt files), which "
            "this version cannot resume; choose another --out"
        )


def _fmt(v: object) -> str:
    return "-" if v is None else f"{float(v):.4f}"  # type: ignore[arg-type]
