"""``actlab reproduce PAPER``: rerun a paper's experiment and print its table beside ours."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError
from actlab.limits import check_count as count


def add_parser(sub: Any) -> None:
    p = sub.add_parser("reproduce", help="rerun a paper's experiment; its table beside ours")
    papers = p.add_subparsers(dest="paper", metavar="PAPER", parser_class=type(p))
    x = papers.add_parser(
        "xu2015",
        help="Xu et al. 2015: ReLU, Leaky ReLU, PReLU, RReLU in a NIN on CIFAR (needs torch)",
        description="Xu, Wang, Chen & Li 2015, Empirical Evaluation of Rectified Activations in "
        "Convolutional Network: train the paper's five activations in a Network in Network on "
        "CIFAR and print the paper's error table beside the measured one.",
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
    x.set_defaults(func=run_xu2015)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_xu2015(args: argparse.Namespace) -> int:
    try:
        from actlab.torch import xu2015
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
    device = str(resolve_device(args.device))
    setup = xu2015.setup(args.quick, device, args.epochs, args.lr)
    n_train = args.train_size if args.train_size else setup.n_train
    ds = xu2015.load(args.dataset, args.data, n_train, setup.n_test)
    results = xu2015.run(
        ds,
        setup.config,
        range(args.seeds),
        progress=lambda line: print(f"actlab reproduce xu2015: {line}", file=sys.stderr),
        out=Path(args.out) if args.out else None,
    )
    rows = xu2015.table(args.dataset, results)
    verdict = xu2015.verdict(rows)
    if args.json:
        summary = {
            "paper": "Xu et al. 2015, arXiv:1505.00853, Tables 3-4",
            "dataset": args.dataset,
            "quick": args.quick,
            "n_train": len(ds.x_train),
            "n_test": len(ds.x_test),
            "config": vars(setup.config),
            "rows": rows,
            "verdict": verdict,
            "choices": list(xu2015.CHOICES),
            "runs": [
                {"spec": r.spec, "seed": r.seed, "history": [vars(e) for e in r.history]}
                for runs in results.values()
                for r in runs
            ],
        }
        print(json_text(summary, indent=2, default=str))
        return 0
    print(
        f"Xu et al. 2015 on {args.dataset}: {len(ds.x_train)} train / {len(ds.x_test)} test "
        f"images, {setup.config.epochs} epochs, NIN width {setup.config.width}, {device}"
        + (" (--quick: not the paper's setup)" if args.quick else "")
    )
    print(f"{'activation':<20} {'paper train':>11} {'paper test':>10} {'train':>8} {'test':>8}")
    for r in rows:
        paper = f"{r['paper_train_error']:>11.4f} {r['paper_test_error']:>10.4f}"
        print(
            f"{r['activation']!s:<20} {paper} "
            f"{_fmt(r['train_error']):>8} {_fmt(r['test_error']):>8}"
        )
    print(
        "errors are fractions wrong; paper: Xu et al. 2015 (arXiv:1505.00853), Tables 3-4 (RReLU "
        "rows checked against a second source, the others transcribed without one)"
    )
    for line in verdict:
        print(f"- {line}")
    print("choices made:")
    for line in xu2015.CHOICES:
        print(f"- {line}")
    return 0


def _fmt(v: object) -> str:
    return "-" if v is None else f"{float(v):.4f}"  # type: ignore[arg-type]
