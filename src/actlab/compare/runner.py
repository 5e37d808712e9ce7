"""The study runner: every activation x seed, epoch by epoch, durably, resumably.

All activations advance one epoch at a time, in turn, and the whole study is committed to the
store at every epoch boundary; so a study stopped anywhere resumes at the last boundary, and
each activation's wall time is measured under the same machine load as the others'. A resumed
stack is rebuilt from the stored states and trained on exactly as the interrupted one would
have been: the final numbers are bit-for-bit those of a study never interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from actlab import data
from actlab.compare import backend as backends
from actlab.compare.config import StudyConfig, fingerprint, mlp_widths
from actlab.compare.store import RunRow, Store, Update
from actlab.errors import ActlabError
from actlab.limits import check_memory, mlp_bytes

#: training-set metrics are measured on a fixed subset of at most this many examples
TRAIN_EVAL_MAX = 10_000


@dataclass(frozen=True)
class EpochRecord:
    """One run's metrics after ``epoch`` epochs (0: untrained)."""

    epoch: int
    train_loss: float
    #: NaN for regression
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    #: cumulative training time of this run, seconds (its stack's time divided by its size)
    seconds: float


@dataclass(frozen=True)
class Run:
    activation: str
    seed: int
    history: tuple[EpochRecord, ...]
    finished: bool

    @property
    def final(self) -> EpochRecord:
        return self.history[-1]

    def first_reaching(self, target: float | None) -> EpochRecord | None:
        """The first epoch whose test accuracy is at least ``target`` (None if never)."""
        if target is None:
            return None
        return next((r for r in self.history if r.test_accuracy >= target), None)


@dataclass(frozen=True)
class Progress:
    """What the progress callback sees after each committed epoch."""

    epoch: int
    epochs: int
    elapsed: float


@dataclass(frozen=True)
class Trained:
    """The runs of a study, with how many came from the store."""

    config: StudyConfig
    dataset: data.Dataset
    runs: tuple[Run, ...]
    #: runs loaded from the store: finished, and partly done (resumed mid-way)
    resumed_finished: int
    resumed_partial: int
    elapsed: float
    store_path: Path | None


def train_study(
    config: StudyConfig,
    out: str | Path | None = None,
    *,
    data_path: str | Path | None = None,
    on_epoch: Callable[[Progress], None] | None = None,
    force: bool = False,
    repair: bool = False,
) -> Trained:
    """Train (or resume) every run of ``config``.

    ``out`` is the folder of the durable store (None: in memory); ``data_path`` is where the
    dataset's files are (it is not part of the configuration: the data's fingerprint is, so a
    moved copy of the same files resumes fine). A study whose models cannot fit in this
    machine's memory is refused before anything is allocated, unless ``force``. ``repair``
    rebuilds a damaged store from what is intact (see :mod:`actlab.compare.store`).
    """
    started = time.perf_counter()
    config = config.resolved()
    backend = backends.get(config.backend)
    dataset = first(data.load(config.dataset, data_path, **config.data_options), config)
    if dataset.kind == "regression" and config.target is not None:
        config = replace(config, target=None)  # no accuracy to reach
    backend.check(config, dataset)
    _check_memory(config, dataset, force)
    store = Store(out, repair=repair)
    try:
        store.bind(config, fingerprint(dataset))
        plan = [(a, s) for a in config.activations for s in range(config.seeds)]
        rows = store.runs(plan)
        finished = sum(r.finished for r in rows)
        partial = sum(1 for r in rows if not r.finished and r.epochs_done > 0)
        _train(config, dataset, backend, store, rows, on_epoch, started)
        rows = store.runs(plan)  # a repaired run has new rows
        runs = tuple(
            Run(
                row.activation,
                row.seed,
                tuple(EpochRecord(*h) for h in store.history(row.run)),
                True,
            )
            for row in rows
        )
    finally:
        store.close()
    return Trained(
        config, dataset, runs, finished, partial, time.perf_counter() - started, store.path
    )


def _check_memory(config: StudyConfig, dataset: data.Dataset, force: bool) -> None:
    """All runs train side by side: activations x seeds MLPs (weights, gradients, two optimiser
    slots, a spare) and one evaluation batch each (other models are not estimated)."""
    assert config.model is not None and config.batch_size is not None
    widths = mlp_widths(config.model)
    if widths is None:
        return
    sizes = [dataset.n_features, *widths, dataset.n_outputs]
    models = len(config.activations) * config.seeds
    batch = max(config.batch_size, min(EVAL_ROWS_ESTIMATE, dataset.x_test.shape[0]))
    itemsize = dataset.x_train.dtype.itemsize
    needed = mlp_bytes(sizes, models, batch, max(itemsize, 4), copies=5)
    check_memory(needed, f"training {models} models of {config.model}", force=force)


#: rows per evaluation batch assumed by the memory estimate (the numpy backend's EVAL_ROWS)
EVAL_ROWS_ESTIMATE = 128


@dataclass
class _Group:
    """One activation's runs: their store rows and the live stack."""

    activation: str
    rows: list[RunRow]
    stack: Any
    #: cumulative training seconds per run so far
    seconds: float
    #: epochs done (-1: nothing stored yet)
    done: int


def _train(
    config: StudyConfig,
    dataset: data.Dataset,
    backend: backends.Backend,
    store: Store,
    rows: list[RunRow],
    on_epoch: Callable[[Progress], None] | None,
    started: float,
) -> None:
    assert config.epochs is not None
    groups = _open_groups(config, dataset, backend, store, rows)
    if not groups:
        return
    measure = _Measure(backend, dataset, config.epochs)
    fresh = [g for g in groups if g.done < 0]
    if fresh:  # the untrained models: where every learning curve starts
        store.commit(u for g in fresh for u in measure(g, 0))
        for g in fresh:
            g.done = 0
    # groups are at one epoch, unless some were repaired: those catch up first
    for epoch in range(min(g.done for g in groups) + 1, config.epochs + 1):
        active = [g for g in groups if g.done < epoch]
        updates = []
        turn = epoch % len(active)  # rotate who goes first, so no activation is always timed cold
        for g in active[turn:] + active[:turn]:
            tick = time.perf_counter()
            backend.train_epoch(g.stack, dataset)
            g.seconds += (time.perf_counter() - tick) / len(g.rows)
            updates.extend(measure(g, epoch))
        store.commit(updates)
        for g in active:
            g.done = epoch
        if on_epoch is not None:
            on_epoch(Progress(epoch, config.epochs, time.perf_counter() - started))


def _open_groups(
    config: StudyConfig,
    dataset: data.Dataset,
    backend: backends.Backend,
    store: Store,
    rows: list[RunRow],
) -> list[_Group]:
    """A live stack per activation with unfinished runs: fresh, or restored from the store."""
    groups = []
    for activation in config.activations:
        mine = [r for r in rows if r.activation == activation]
        if all(r.finished for r in mine):
            continue
        if len({r.epochs_done for r in mine}) != 1:
            raise ActlabError(f"{store.path}: the runs of {activation} are at different epochs")
        seeds = [r.seed for r in mine]
        done = mine[0].epochs_done
        stack = None if done < 0 else _restore(config, dataset, backend, store, mine)
        if stack is None:
            fresh = backend.build(config, dataset, activation, seeds)
            groups.append(_Group(activation, mine, fresh, 0.0, -1))
            continue
        groups.append(_Group(activation, mine, stack, store.history(mine[0].run)[-1][-1], done))
    return groups


def _restore(
    config: StudyConfig,
    dataset: data.Dataset,
    backend: backends.Backend,
    store: Store,
    mine: list[RunRow],
) -> Any:
    """The stored stack of one activation; None when its state was damaged and is repaired."""
    activation = mine[0].activation
    try:
        blobs = [r.state for r in mine]
        if any(b is None for b in blobs):
            raise ValueError("no state stored")
        seeds = [r.seed for r in mine]
        return backend.restore(config, dataset, activation, seeds, blobs)  # type: ignore[arg-type]
    except Exception as exc:  # a damaged blob can fail in any of NumPy's or torch's readers
        if not store.repair:
            raise ActlabError(
                f"{store.path}: the saved state of {activation} is damaged"
                f" ({type(exc).__name__}); run the same command with --repair to train"
                f" {activation} again and keep the other activations' runs"
            ) from None
    store.restart(r.run for r in mine)
    return None


class _Measure:
    """Evaluates a group after an epoch and packs the store updates (state included)."""

    def __init__(self, backend: backends.Backend, dataset: data.Dataset, epochs: int) -> None:
        self.backend = backend
        self.dataset = dataset
        self.epochs = epochs
        self.train_x, self.train_y = _train_subset(dataset)

    def __call__(self, group: _Group, epoch: int) -> list[Update]:
        ds = self.dataset
        train_loss, train_acc = self.backend.evaluate(group.stack, self.train_x, self.train_y)
        test_loss, test_acc = self.backend.evaluate(group.stack, ds.x_test, ds.y_test)
        finished = epoch == self.epochs
        blobs = self.backend.dump(group.stack)  # kept when finished too: a study can be extended
        return [
            Update(
                row.run,
                epoch,
                (
                    float(train_loss[k]),
                    float(train_acc[k]),
                    float(test_loss[k]),
                    float(test_acc[k]),
                    group.seconds,
                ),
                blobs[k],
                finished,
            )
            for k, row in enumerate(group.rows)
        ]


def first(dataset: data.Dataset, config: StudyConfig) -> data.Dataset:
    """The dataset cut to its first ``config.train_size`` / ``test_size`` examples (all of a
    split that has fewer). The fingerprint the store binds is of these, the arrays trained on."""
    if config.train_size is None and config.test_size is None:
        return dataset
    return replace(
        dataset,
        x_train=dataset.x_train[: config.train_size],
        y_train=dataset.y_train[: config.train_size],
        x_test=dataset.x_test[: config.test_size],
        y_test=dataset.y_test[: config.test_size],
    )


def _train_subset(dataset: data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """A fixed subset of the training set for train metrics (all of it when small enough)."""
    n = dataset.x_train.shape[0]
    if n <= TRAIN_EVAL_MAX:
        return dataset.x_train, dataset.y_train
    pick = np.sort(np.random.default_rng(0).choice(n, TRAIN_EVAL_MAX, replace=False))
    return dataset.x_train[pick], dataset.y_train[pick]
