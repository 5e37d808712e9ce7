"""Xu, Wang, Chen & Li 2015, "Empirical Evaluation of Rectified Activations in Convolutional
Network" (arXiv:1505.00853): ReLU, Leaky ReLU (a = 100 and a = 5.5), PReLU and RReLU in a
Network in Network on CIFAR-10 and CIFAR-100.

The paper's numbers below are reference data, quoted from its Table 3 (CIFAR-10) and Table 4
(CIFAR-100) as error rates (fraction wrong). Only the RReLU rows could be cross-checked here
against a second source (Papers with Code lists 88.8% and 59.8% test accuracy, i.e. 0.1119 and
0.4025 error); the other rows are as recalled from the paper and should be checked against it.

Setup: the paper gives the NIN architecture (its Table 1) and the activations; where it leaves a
choice open, or where a CPU run can't follow it, :data:`CHOICES` says what actlab does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from actlab import data
from actlab.compare.config import fingerprint
from actlab.errors import ActlabError
from actlab.outputs import check_folder
from actlab.progress import left_text
from actlab.torch.train import Epoch, Run, TrainConfig, train


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
    "training: SGD, momentum 0.9, weight decay 5e-4, batch 128, lr 0.02 (--lr) divided by 10 "
    "after 50% and 75% of the epochs (not validated on the full data here), no data "
    "augmentation; inputs standardised per channel; He et al. 2015 initialisation of the "
    "convolutions (torch's default leaves this NIN at chance)",
    "full run: 100 epochs at full width on the official split; --quick: a subset, quarter-width "
    "NIN, a few epochs, for the CPU (the numbers then say little about the paper's claim)",
)


@dataclass(frozen=True)
class Setup:
    config: TrainConfig
    #: train/test examples used (None: all)
    n_train: int | None
    n_test: int | None


def setup(quick: bool, device: str, epochs: int | None = None, lr: float | None = None) -> Setup:
    """The training setup of the full run, or the reduced ``--quick`` one."""
    if quick:
        config = TrainConfig(
            model="nin",
            epochs=epochs or 4,
            optimizer="momentum",
            lr=lr or 0.02,
            batch_size=64,
            weight_decay=5e-4,
            lr_drops=(0.75,),
            width=0.25,
            device=device,
        )
        return Setup(config, 5000, 2000)
    config = TrainConfig(
        model="nin",
        epochs=epochs or 100,
        optimizer="momentum",
        lr=lr or 0.02,
        batch_size=128,
        weight_decay=5e-4,
        lr_drops=(0.5, 0.75),
        width=1.0,
        device=device,
    )
    return Setup(config, None, None)


def load(dataset: str, path: str, n_train: int | None, n_test: int | None) -> data.Dataset:
    """The CIFAR split, cut to the first ``n_train``/``n_test`` examples (which are unsorted)."""
    if dataset not in ("cifar10", "cifar100"):
        raise ActlabError(f"--dataset must be cifar10 or cifar100, got {dataset!r}")
    ds = data.load(dataset, path)
    if n_train is None and n_test is None:
        return ds
    return data.Dataset(
        name=ds.name,
        kind=ds.kind,
        x_train=ds.x_train[:n_train],
        y_train=ds.y_train[:n_train],
        x_test=ds.x_test[:n_test],
        y_test=ds.y_test[:n_test],
        classes=ds.classes,
        image_shape=ds.image_shape,
        source=ds.source,
    )


def run(
    ds: data.Dataset,
    config: TrainConfig,
    seeds: Sequence[int] = (0,),
    progress: Callable[[str], None] | None = None,
    out: Path | None = None,
) -> dict[str, list[Run]]:
    """Train every row's activation for every seed; the runs by spec.

    With ``out``, each run's checkpoint is written there after every epoch (atomically) and its
    result when it finishes; running again skips finished runs and resumes the others from
    their last epoch, with the same numbers as an uninterrupted run.
    """
    results: dict[str, list[Run]] = {}
    if out is not None:
        check_folder(out, "--out")
        _bind(out, config, ds)
    total, started = len(ROWS) * len(seeds), time.perf_counter()
    for i, row in enumerate(ROWS):
        for seed in seeds:
            if progress:
                done = sum(len(v) for v in results.values())
                eta = left_text(started, done, total)
                progress(f"[{done + 1}/{total}] {row.label}, seed {seed}{eta}")
            hook = _epoch_progress(progress, config.epochs)
            results.setdefault(row.spec, []).append(_one(ds, row.spec, seed, config, out, i, hook))
    return results


def _epoch_progress(
    progress: Callable[[str], None] | None, epochs: int
) -> Callable[[Run], None] | None:
    if progress is None:
        return None

    def hook(run: Run) -> None:
        e = run.history[-1]
        progress(
            f"  epoch {e.epoch}/{epochs}: train loss {e.train_loss:.4f}, "
            f"test error {1 - e.test_accuracy:.4f} ({e.seconds:.0f} s)"
        )

    return hook


def _one(
    ds: data.Dataset,
    spec: str,
    seed: int,
    config: TrainConfig,
    out: Path | None,
    i: int,
    hook: Callable[[Run], None] | None,
) -> Run:
    if out is None:
        report = hook
        return train(ds, spec, seed, config, on_epoch=(lambda r, b: report(r)) if report else None)
    stem = out / f"run{i}-seed{seed}"
    done, checkpoint = stem.with_suffix(".json"), stem.with_suffix(".pt")
    if done.exists():
        saved = json.loads(done.read_text())
        finished = Run(spec, seed, [Epoch(**e) for e in saved["history"]])
        finished.final_train_loss = saved["final_train_loss"]
        finished.final_train_accuracy = saved["final_train_accuracy"]
        return finished
    blob = checkpoint.read_bytes() if checkpoint.exists() else None

    def on_epoch(run: Run, state: bytes) -> None:
        _write(checkpoint, state)
        if hook is not None:
            hook(run)

    result = train(ds, spec, seed, config, checkpoint=blob, on_epoch=on_epoch)
    summary = {
        "history": [vars(e) for e in result.history],
        "final_train_loss": result.final_train_loss,
        "final_train_accuracy": result.final_train_accuracy,
    }
    _write(done, json.dumps(summary).encode())
    checkpoint.unlink(missing_ok=True)
    return result


def _bind(out: Path, config: TrainConfig, ds: data.Dataset) -> None:
    """Refuse to resume a folder made with other settings or other data."""
    key = json.dumps(
        {
            "config": asdict(config),
            "n_train": len(ds.x_train),
            "n_test": len(ds.x_test),
            "data": fingerprint(ds),
        },
        sort_keys=True,
        default=str,
    )
    marker = out / "study.json"
    if marker.exists() and marker.read_text() != key:
        raise ActlabError(f"{out}: holds a study with other settings or data; use another --out")
    if not marker.exists():
        _write(marker, key.encode())


def _write(path: Path, content: bytes) -> None:
    """Write whole or not at all: a kill mid-write leaves the previous file."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def table(dataset: str, results: dict[str, list[Run]]) -> list[dict[str, object]]:
    """One dict per row: the paper's errors beside the measured ones (mean over seeds)."""
    out: list[dict[str, object]] = []
    for row in ROWS:
        runs = results.get(row.spec, [])
        train_err = [1 - r.final_train_accuracy for r in runs if r.final_train_accuracy is not None]
        test_err = [1 - r.history[-1].test_accuracy for r in runs if r.history]
        out.append(
            {
                "activation": row.label,
                "spec": row.spec,
                "paper_train_error": row.paper_train_error[dataset],
                "paper_test_error": row.paper_test_error[dataset],
                "train_error": sum(train_err) / len(train_err) if train_err else None,
                "test_error": sum(test_err) / len(test_err) if test_err else None,
                "seeds": len(runs),
            }
        )
    return out


def verdict(rows: list[dict[str, object]]) -> list[str]:
    """The paper's two claims, checked on the measured table (one seed says little: say so)."""
    measured = [r for r in rows if r["test_error"] is not None]
    if len(measured) < len(ROWS):
        return ["not every activation ran; no verdict"]
    best_test = min(measured, key=lambda r: r["test_error"])  # type: ignore[arg-type,return-value]
    best_train = min(measured, key=lambda r: r["train_error"])  # type: ignore[arg-type,return-value]
    seeds = min(int(r["seeds"]) for r in measured)  # type: ignore[call-overload]
    lines = [
        f"lowest test error: {best_test['activation']} (paper: RReLU)",
        f"lowest train error: {best_train['activation']} (paper: PReLU)",
    ]
    if seeds < 3:
        lines.append(f"with {seeds} seed(s) per activation these rankings can't separate noise")
    return lines
