"""The training backend a study runs on: a small protocol, and the registry of implementations.

A study trains, for each activation, one *stack*: the models of every seed, trained together.
The study runner (:mod:`actlab.compare.runner`) owns everything else: the loop over epochs, the
timing, the durable store, resuming, statistics and reports. A backend only has to:

``check(config, dataset)``
    refuse, with an :class:`~actlab.ActlabError`, settings it cannot train (a model string it
    does not know, a device it has not got) before anything runs.
``build(config, dataset, activation, seeds) -> stack``
    a fresh stack, one model per seed. Model ``seed`` must be reproducible from ``seed`` alone:
    its initial weights, the order it sees the training data in and its random draws.
``train_epoch(stack, dataset)``
    one pass over the training data, in minibatches, updating every model of the stack.
``evaluate(stack, x, y) -> (loss, accuracy)``
    per model, arrays of shape ``(K,)`` in evaluation mode (accuracy NaN for regression).
``dump(stack) -> list[bytes]`` and ``restore(config, dataset, activation, seeds, blobs)``
    the complete state of each model (weights, optimiser state, every random generator), one
    blob per seed, such that training a restored stack gives bit-for-bit the numbers the
    original would have given.

:class:`actlab.compare.numpy_backend.NumpyBackend` (``actlab.nn``) is the first implementation;
another one registers itself with :func:`register` and is chosen with ``--backend NAME``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from actlab.compare.config import StudyConfig
from actlab.data import Dataset
from actlab.errors import ActlabError
from actlab.registry import Registry


class Backend(Protocol):
    """What :mod:`actlab.compare` needs from a training backend (see the module docstring)."""

    name: str

    def check(self, config: StudyConfig, dataset: Dataset) -> None: ...

    def build(
        self, config: StudyConfig, dataset: Dataset, activation: str, seeds: Sequence[int]
    ) -> Any: ...

    def train_epoch(self, stack: Any, dataset: Dataset) -> None: ...

    def evaluate(
        self, stack: Any, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def dump(self, stack: Any) -> list[bytes]: ...

    def restore(
        self,
        config: StudyConfig,
        dataset: Dataset,
        activation: str,
        seeds: Sequence[int],
        blobs: Sequence[bytes],
    ) -> Any: ...


@dataclass(frozen=True)
class BackendRecord:
    """A backend by name: where its zero-argument factory lives, as ``"module:attribute"``
    (imported on first use, so heavy backends such as torch cost nothing until chosen)."""

    name: str
    factory: str


#: every backend ``--backend`` accepts
REGISTRY: Registry[BackendRecord] = Registry(
    "backend",
    (
        BackendRecord("numpy", "actlab.compare.numpy_backend:NumpyBackend"),
        BackendRecord("torch", "actlab.torch.backend:TorchBackend"),
    ),
)


def register(name: str, factory: str) -> None:
    """Make ``--backend name`` build its backend with ``factory`` (``"module:attribute"``)."""
    REGISTRY.register(BackendRecord(name, factory), replace=True)


def names() -> list[str]:
    return REGISTRY.names()


def get(name: str) -> Backend:
    """The backend registered under ``name``."""
    record = REGISTRY.lookup(name)
    module, _, attribute = record.factory.partition(":")
    try:
        factory: Callable[[], Backend] = getattr(importlib.import_module(module), attribute)
    except ImportError as exc:
        raise ActlabError(f"backend {record.name} is not available: {exc}") from None
    return factory()
