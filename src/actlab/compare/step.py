"""One unit of a study's work: a stack (one activation, every seed) trained one epoch, measured.

Every executor (:mod:`actlab.compare.executor`) does its work through :func:`advance`, in the
driver's process (``local``) or in a Ray worker (``ray``): the same code, so the numbers cannot
differ by executor. What comes back (:class:`Measured`) is plain data, the metrics, the models'
complete states and where and how long it trained, for the driver to store.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab import data

#: training-set metrics are measured on a fixed subset of at most this many examples
TRAIN_EVAL_MAX = 10_000


@dataclass(frozen=True)
class Measured:
    """One stack after ``epoch`` epochs (0: untrained), per model of the stack."""

    epoch: int
    #: per model: train_loss, train_accuracy, test_loss, test_accuracy
    metrics: list[tuple[float, float, float, float]]
    #: per model: its complete state (:meth:`Backend.dump`)
    blobs: list[bytes]
    #: this epoch's training time per model: the stack's wall (CPU) seconds / its size
    seconds: float
    cpu_seconds: float
    #: the machine (a Ray node id, or this host's name) and the worker (``local/PID``,
    #: ``ray/PID``) that trained this epoch
    node: str
    worker: str


def advance(
    backend: Any,
    stack: Any,
    dataset: data.Dataset,
    epoch: int,
    subset: tuple[np.ndarray, np.ndarray],
    where: tuple[str, str],
) -> Measured:
    """Train ``stack`` one epoch (none when ``epoch`` is 0), evaluate it, dump its state.

    CPU time is the process's (every thread of it), so it counts BLAS and torch threads; in a
    Ray worker the process runs nothing else.
    """
    seconds = cpu = 0.0
    if epoch > 0:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        backend.train_epoch(stack, dataset)
        seconds, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    train_loss, train_acc = backend.evaluate(stack, *subset)
    test_loss, test_acc = backend.evaluate(stack, dataset.x_test, dataset.y_test)
    blobs = backend.dump(stack)  # kept when finished too: a study can be extended
    metrics = [
        (float(train_loss[k]), float(train_acc[k]), float(test_loss[k]), float(test_acc[k]))
        for k in range(len(blobs))
    ]
    k = max(len(blobs), 1)
    return Measured(epoch, metrics, blobs, seconds / k, cpu / k, *where)


def here(kind: str = "local") -> tuple[str, str]:
    """(node, worker) for work done in this process."""
    return socket.gethostname(), f"{kind}/{os.getpid()}"


def train_subset(dataset: data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """A fixed subset of the training set for train metrics (all of it when small enough)."""
    n = dataset.x_train.shape[0]
    if n <= TRAIN_EVAL_MAX:
        return dataset.x_train, dataset.y_train
    pick = np.sort(np.random.default_rng(0).choice(n, TRAIN_EVAL_MAX, replace=False))
    return dataset.x_train[pick], dataset.y_train[pick]
