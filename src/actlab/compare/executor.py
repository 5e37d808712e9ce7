"""Who trains a study's stacks: this process (``local``) or a Ray cluster (``ray``).

The runner (:mod:`actlab.compare.runner`) opens the store, decides what is left to train and
hands an executor a :class:`Job`: the stacks (one per activation, every seed) with the epoch
each has reached. The executor trains each stack epoch by epoch through
:func:`actlab.compare.step.advance` and gives every result back through ``job.commit``, which
runs in the driver, the one process that writes the store. So the executors differ only in where
``advance`` runs and in what order results arrive, never in the numbers.

``local``
    every stack in this process, all advancing one epoch in turn (the one who goes first
    rotates), one commit per epoch boundary of the whole study: each activation's seconds are
    measured under the same load.
``ray``
    each (stack, epoch) is a Ray task with declared resources; a stack's next epoch is sent as
    soon as its last one is stored, so stacks run side by side on every free CPU (or GPU) of the
    cluster (:mod:`actlab.compare.ray_executor`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from actlab import data
from actlab.compare import backend as backends
from actlab.compare.config import StudyConfig
from actlab.compare.step import Measured, advance, here, train_subset
from actlab.errors import ActlabError
from actlab.registry import Registry


@dataclass
class Group:
    """One activation's runs: what an executor trains as one stack."""

    activation: str
    #: the study's settings for this activation (its own learning rate when tuned)
    config: StudyConfig
    seeds: list[int]
    #: the live stack (``local``), or None (built or restored where the work runs)
    stack: Any
    #: every model's stored state after ``done`` epochs (None: nothing stored yet)
    blobs: list[bytes] | None
    #: epochs done (-1: nothing stored yet, so the next unit is epoch 0, the untrained models)
    done: int
    #: driver-side bookkeeping of the runner (store rows, cumulative seconds)
    rows: list[Any] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


@dataclass
class Job:
    """A study's remaining work, for an executor."""

    config: StudyConfig
    dataset: data.Dataset
    groups: list[Group]
    #: the backend's ``"module:attribute"`` factory (a worker imports it by this name)
    backend: str
    #: store these results (one per group, each the group's next epoch) in one transaction;
    #: called in the driver only
    commit: Callable[[Sequence[tuple[Group, Measured]]], None]

    @property
    def epochs(self) -> int:
        assert self.config.epochs is not None
        return self.config.epochs


class Executor(Protocol):
    name: str

    def run_all(self, jobs: Sequence[Job]) -> None:
        """Train every group of every job to its ``epochs``, committing each result."""

    def close(self) -> None:
        """Let go of what the executor holds (a Ray it started)."""


@dataclass(frozen=True)
class ExecutorRecord:
    """An executor by name: where its factory lives (``"module:attribute"``, imported on use)."""

    name: str
    factory: str
    help: str


#: every executor ``--executor`` accepts
REGISTRY: Registry[ExecutorRecord] = Registry(
    "executor",
    (
        ExecutorRecord("local", "actlab.compare.executor:LocalExecutor", "this process"),
        ExecutorRecord(
            "ray", "actlab.compare.ray_executor:RayExecutor", "a Ray cluster (or local Ray)"
        ),
    ),
)


def get(name: str, **options: Any) -> Executor:
    """The executor ``name``, built with ``options`` (see each executor's constructor)."""
    record = REGISTRY.lookup(name)
    module, _, attribute = record.factory.partition(":")
    factory: Callable[..., Executor] = getattr(importlib.import_module(module), attribute)
    return factory(**options)


def backend_factory(name: str) -> str:
    return backends.REGISTRY.lookup(name).factory


def make_backend(factory: str) -> backends.Backend:
    """The backend a ``"module:attribute"`` factory builds (in whichever process does the work)."""
    module, _, attribute = factory.partition(":")
    try:
        made: backends.Backend = getattr(importlib.import_module(module), attribute)()
    except ImportError as exc:
        raise ActlabError(f"backend {factory} is not available: {exc}") from None
    return made


class LocalExecutor:
    """Every stack in this process, in turn (see the module docstring)."""

    name = "local"

    def __init__(self, **options: Any) -> None:
        if options:
            flags = ", ".join("--" + k.replace("_", "-") for k in options)
            raise ActlabError(f"{flags}: only for --executor ray")

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def run_all(self, jobs: Sequence[Job]) -> None:
        """One study after another (each advancing its activations in turn)."""
        for job in jobs:
            self.run(job)

    def run(self, job: Job) -> None:
        backend = make_backend(job.backend)
        where = here("local")
        subset = train_subset(job.dataset)
        for g in job.groups:
            if g.stack is None:
                g.stack = _live(backend, job.dataset, g)
        fresh = [g for g in job.groups if g.done < 0]
        if fresh:  # the untrained models: where every learning curve starts
            job.commit(
                [(g, advance(backend, g.stack, job.dataset, 0, subset, where)) for g in fresh]
            )
        # groups are at one epoch, unless some were repaired: those catch up first
        for epoch in range(min(g.done for g in job.groups) + 1, job.epochs + 1):
            active = [g for g in job.groups if g.done < epoch]
            turn = epoch % len(active)  # rotate who goes first: no activation always timed cold
            job.commit(
                [
                    (g, advance(backend, g.stack, job.dataset, epoch, subset, where))
                    for g in active[turn:] + active[:turn]
                ]
            )


def _live(backend: backends.Backend, dataset: data.Dataset, g: Group) -> Any:
    if g.blobs is None:
        return backend.build(g.config, dataset, g.activation, g.seeds)
    return backend.restore(g.config, dataset, g.activation, g.seeds, g.blobs)
