"""The study runner: every activation x seed, epoch by epoch, durably, resumably.

The invariant: every stored epoch of a stack is committed to the store in one transaction with
the complete state of its models, by this process alone (the *driver*), so a study stopped
anywhere, even by SIGKILL, resumes at its last stored epochs; a resumed stack is rebuilt from
those states and trained on exactly as the interrupted one would have been, so the final numbers
are bit-for-bit those of a study never interrupted, whichever executor trained which epochs
(:mod:`actlab.compare.executor`: this process, all activations in turn with one commit per
epoch boundary, or Ray workers that return each stack's epoch to the driver to store).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from actlab import data
from actlab.compare import backend as backends
from actlab.compare.config import StudyConfig, fingerprint, mlp_widths
from actlab.compare.executor import Executor, Group, Job, LocalExecutor, backend_factory
from actlab.compare.step import TRAIN_EVAL_MAX, Measured
from actlab.compare.store import RunRow, Store, Update
from actlab.errors import ActlabError
from actlab.limits import check_memory, mlp_bytes

__all__ = ["TRAIN_EVAL_MAX", "EpochRecord", "Progress", "Run", "train_studies", "train_study"]


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
    #: the same in CPU seconds of the process that trained it (NaN: not recorded, older store)
    cpu_seconds: float = math.nan
    #: where this epoch trained (epoch 0: where the untrained models were evaluated): the
    #: machine (Ray node id or host name) and the worker (``local/PID`` or ``ray/PID``); ""
    #: in a store written before these were recorded
    node: str = ""
    worker: str = ""


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
    executor: Executor | None = None,
) -> Trained:
    """Train (or resume) every run of ``config``.

    ``out`` is the folder of the durable store (None: in memory); ``data_path`` is where the
    dataset's files are (it is not part of the configuration: the data's fingerprint is, so a
    moved copy of the same files resumes fine). A study whose models cannot fit in this
    machine's memory is refused before anything is allocated, unless ``force``. ``repair``
    rebuilds a damaged store from what is intact (see :mod:`actlab.compare.store`).
    ``executor`` trains (default: :class:`~actlab.compare.executor.LocalExecutor`, this
    process); whichever it is, only this process writes the store.
    """
    return train_studies(
        [(config, out)],
        data_path=data_path,
        on_epoch=on_epoch,
        force=force,
        repair=repair,
        executor=executor,
    )[0]


def train_studies(
    studies: Sequence[tuple[StudyConfig, str | Path | None]],
    *,
    data_path: str | Path | None = None,
    on_epoch: Callable[[Progress], None] | None = None,
    force: bool = False,
    repair: bool = False,
    executor: Executor | None = None,
) -> list[Trained]:
    """:func:`train_study` for several (config, out) studies at once, each with its own store:
    every study is checked and opened first, then the executor trains them all together (Ray
    side by side; the local executor one after another)."""
    started = time.perf_counter()
    executor = executor or LocalExecutor()
    opened: list[_Opened] = []
    try:
        for config, out in studies:
            opened.append(_open(config, out, data_path, force, repair, executor))
        jobs = [o.job(on_epoch, started) for o in opened]
        executor.run_all([j for j in jobs if j is not None])
        return [o.finish(time.perf_counter() - started) for o in opened]
    finally:
        for o in opened:
            o.store.close()


@dataclass
class _Opened:
    """A study whose store is open and bound: what is left to train, then its runs."""

    config: StudyConfig
    dataset: data.Dataset
    store: Store
    plan: list[tuple[str, int]]
    rows: list[RunRow]
    live: bool

    def job(self, on_epoch: Callable[[Progress], None] | None, started: float) -> Job | None:
        return _job(self.config, self.dataset, self.store, self.rows, on_epoch, started, self.live)

    def finish(self, elapsed: float) -> Trained:
        finished = sum(r.finished for r in self.rows)
        partial = sum(1 for r in self.rows if not r.finished and r.epochs_done > 0)
        rows = self.store.runs(self.plan)  # a repaired run has new rows
        runs = tuple(
            Run(
                row.activation,
                row.seed,
                tuple(EpochRecord(*h) for h in self.store.history(row.run)),
                True,
            )
            for row in rows
        )
        return Trained(self.config, self.dataset, runs, finished, partial, elapsed, self.store.path)


def _open(
    config: StudyConfig,
    out: str | Path | None,
    data_path: str | Path | None,
    force: bool,
    repair: bool,
    executor: Executor,
) -> _Opened:
    config = config.resolved()
    backend = backends.get(config.backend)
    dataset = first(data.load(config.dataset, data_path, **config.data_options), config)
    if dataset.kind == "regression" and config.target is not None:
        config = replace(config, target=None)  # no accuracy to reach
    # a remote executor's workers have the devices (a driver without a GPU can send work to
    # GPU nodes): the device is checked where the work runs
    live = executor.name == "local"
    backend.check(config if live else replace(config, device="cpu"), dataset)
    _check_memory(config, dataset, force)
    store = Store(out, repair=repair)
    try:
        store.bind(config, fingerprint(dataset))
        plan = [(a, s) for a in config.activations for s in range(config.seeds)]
        return _Opened(config, dataset, store, plan, store.runs(plan), live)
    except BaseException:
        store.close()
        raise


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


def _job(
    config: StudyConfig,
    dataset: data.Dataset,
    store: Store,
    rows: list[RunRow],
    on_epoch: Callable[[Progress], None] | None,
    started: float,
    live: bool,
) -> Job | None:
    """What is left of a study for an executor, with the commit that stores it (None: it is
    finished)."""
    groups = _open_groups(config, dataset, store, rows, live=live)
    if not groups:
        return None
    assert config.epochs is not None
    epochs = config.epochs
    reported = [min(g.done for g in groups)]

    def commit(results: Sequence[tuple[Group, Measured]]) -> None:
        """Store these epochs (the driver is the store's one writer); say when every stack
        has passed another epoch."""
        updates = []
        for g, m in results:
            g.seconds += m.seconds
            g.cpu_seconds += m.cpu_seconds
            updates += [
                Update(
                    row.run,
                    m.epoch,
                    (*m.metrics[k], g.seconds, g.cpu_seconds),
                    m.blobs[k],
                    m.epoch == epochs,
                    m.node,
                    m.worker,
                )
                for k, row in enumerate(g.rows)
            ]
        store.commit(updates)
        for g, m in results:
            g.done, g.blobs = m.epoch, m.blobs
        low = min(g.done for g in groups)
        if low > reported[0] and low >= 1:
            reported[0] = low
            if on_epoch is not None:
                on_epoch(Progress(low, epochs, time.perf_counter() - started))

    return Job(config, dataset, groups, backend_factory(config.backend), commit)


def _open_groups(
    config: StudyConfig,
    dataset: data.Dataset,
    store: Store,
    rows: list[RunRow],
    *,
    live: bool,
) -> list[Group]:
    """A group per activation with unfinished runs: fresh, or at its stored state.

    A stored state is restored here, in the driver, so a damaged one is found before any work
    is sent out; ``live`` keeps the restored stack (the local executor trains it), otherwise it
    is checked on the CPU and dropped (a Ray worker restores it on its own device).
    """
    backend = backends.get(config.backend)
    groups = []
    for activation in config.activations:
        mine = [r for r in rows if r.activation == activation]
        if all(r.finished for r in mine):
            continue
        if len({r.epochs_done for r in mine}) != 1:
            raise ActlabError(f"{store.path}: the runs of {activation} are at different epochs")
        own = config.for_activation(activation)
        seeds = [r.seed for r in mine]
        done = mine[0].epochs_done
        group = Group(activation, own, seeds, None, None, -1, mine)
        if done >= 0:
            checked = own if live else replace(own, device="cpu")
            stack = _restore(checked, dataset, backend, store, mine)
            if stack is not None:
                last = store.history(mine[0].run)[-1]
                group.stack = stack if live else None
                group.blobs = [r.state for r in mine]  # type: ignore[misc]
                group.done = done
                group.seconds = last[5]
                group.cpu_seconds = 0.0 if math.isnan(last[6]) else last[6]
        groups.append(group)
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


#: the generator seed of the validation split (fixed: every search sees the same split)
VALIDATION_SEED = 20150505


def first(dataset: data.Dataset, config: StudyConfig) -> data.Dataset:
    """The dataset cut to its first ``config.train_size`` / ``test_size`` examples (all of a
    split that has fewer), then, with ``config.validation``, split into training and validation
    data (the validation part replaces the test split). The fingerprint the store binds is of
    these, the arrays trained on."""
    if config.train_size is not None or config.test_size is not None:
        dataset = replace(
            dataset,
            x_train=dataset.x_train[: config.train_size],
            y_train=dataset.y_train[: config.train_size],
            x_test=dataset.x_test[: config.test_size],
            y_test=dataset.y_test[: config.test_size],
        )
    return validation_split(dataset, config.validation) if config.validation else dataset


def validation_split(dataset: data.Dataset, fraction: float) -> data.Dataset:
    """Hold out ``fraction`` of the training examples (a fixed random choice) as the test
    split; the test split itself is dropped, so nothing tuned on this can have seen it."""
    n = dataset.x_train.shape[0]
    if n < 2:
        raise ActlabError(f"{n} training example(s) cannot be split into training and validation")
    held = min(max(round(fraction * n), 1), n - 1)
    order = np.random.default_rng(VALIDATION_SEED).permutation(n)
    keep, val = np.sort(order[held:]), np.sort(order[:held])
    return replace(
        dataset,
        x_train=dataset.x_train[keep],
        y_train=dataset.y_train[keep],
        x_test=dataset.x_train[val],
        y_test=dataset.y_train[val],
    )
