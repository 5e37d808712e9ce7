"""Datasets: one registry, one record per dataset, one array layout for every loader.

Every loader returns a :class:`Dataset`: float32 features of shape ``(n, d)`` (images flattened,
their shape kept in ``image_shape`` so a convolutional backend can fold them back), and targets:
class indices ``(n,)`` int64 for classification, values ``(n, k)`` float32 for regression. Each
dataset has a fixed train/test split (the official one where there is one), so two runs of a
study see the same examples.

Each :class:`DatasetInfo` also carries the training defaults a practitioner would pick for it
(model, epochs, optimiser, learning rate, batch size), which ``actlab compare`` uses when the user
gives none; the table is in the README.

>>> from actlab import data
>>> ds = data.load("digits")
>>> ds.x_train.shape, ds.x_test.shape, ds.n_classes
((1347, 64), (450, 64), 10)
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.registry import Registry

__all__ = [
    "Dataset",
    "DatasetInfo",
    "Defaults",
    "RemoteFile",
    "default_dir",
    "info",
    "infos",
    "load",
    "names",
    "register",
]


@dataclass(frozen=True)
class Dataset:
    """Arrays ready for training, with the split fixed."""

    name: str
    #: "classification" or "regression"
    kind: str
    #: (n_train, d) float32
    x_train: np.ndarray
    #: (n_train,) int64 class indices, or (n_train, k) float32 targets
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    #: class names for classification (index i names class i); empty for regression
    classes: tuple[str, ...] = ()
    #: (channels, height, width) of each example when the features are a flattened image
    image_shape: tuple[int, ...] | None = None
    #: where the arrays came from (file or directory, or "embedded")
    source: str = "embedded"

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_outputs(self) -> int:
        """Width of the model's output layer: one logit per class, or one per target."""
        return self.n_classes if self.kind == "classification" else int(self.y_train.shape[1])

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary (shapes, classes, class balance)."""
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "n_train": int(self.x_train.shape[0]),
            "n_test": int(self.x_test.shape[0]),
            "n_features": self.n_features,
            "n_outputs": self.n_outputs,
            "image_shape": list(self.image_shape) if self.image_shape else None,
        }
        if self.kind == "classification":
            out["classes"] = list(self.classes)
            out["train_counts"] = np.bincount(self.y_train, minlength=self.n_classes).tolist()
        return out


@dataclass(frozen=True)
class Defaults:
    """Training settings that suit a dataset: what ``actlab compare`` uses unless told otherwise."""

    #: "mlp:H1,H2,..." hidden widths
    model: str
    epochs: int
    optimizer: str
    lr: float
    batch_size: int
    #: test accuracy whose first crossing is reported as "epochs / seconds to target"
    target_accuracy: float | None
    #: why these values (shown by ``actlab data info``)
    why: str = ""


@dataclass(frozen=True)
class RemoteFile:
    """A file of the official distribution, with the MD5 its publisher (or torchvision) lists."""

    url: str
    md5: str


#: a loader takes the ``--data`` path (None for embedded or generated data) and options
Loader = Callable[..., Dataset]


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset in the registry."""

    name: str
    kind: str
    summary: str
    #: ``"module:function"`` under actlab.data, imported when the dataset is loaded
    loader: str
    defaults: Defaults
    #: True when the data must come from ``--data PATH`` (MNIST, CIFAR, CSV)
    needs_path: bool = False
    #: what ``--data`` should point at
    path_help: str = ""
    files: tuple[RemoteFile, ...] = ()
    reference: str = ""
    #: options the loader accepts beyond ``path`` (e.g. ``label`` for CSV), with their defaults
    options: Mapping[str, Any] = field(default_factory=dict)

    def load(self, path: str | Path | None = None, **options: Any) -> Dataset:
        """Load the arrays (see :func:`load`)."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ActlabError(f"dataset {self.name} takes no option {unknown[0]!r}")
        if self.needs_path and path is None and default_dir(self.name).is_dir():
            path = default_dir(self.name)
        if self.needs_path and path is None:
            raise ActlabError(
                f"dataset {self.name} needs --data PATH ({self.path_help}); "
                f"'actlab data download {self.name}' fetches it where there is a network"
                if self.files
                else f"dataset {self.name} needs --data PATH ({self.path_help})"
            )
        module_name, _, func = self.loader.partition(":")
        try:
            module = importlib.import_module(f"actlab.data.{module_name}")
        except ImportError as exc:
            raise ActlabError(f"dataset {self.name} is not available: {exc}") from None
        loader: Loader = getattr(module, func)
        merged = {**self.options, **options}
        return loader(None if path is None else Path(path), name=self.name, **merged)


def default_dir(name: str) -> Path:
    """Where ``actlab data download`` puts a dataset, and where loaders look without ``--data``:
    ``$ACTLAB_DATA/NAME``, by default ``~/.cache/actlab/NAME``."""
    return Path(os.environ.get("ACTLAB_DATA", "~/.cache/actlab")).expanduser() / name


def _builtin() -> tuple[DatasetInfo, ...]:
    from actlab.data import catalog

    return catalog.RECORDS


#: every dataset by name (case and '-'/'_' insensitive)
REGISTRY: Registry[DatasetInfo] = Registry("dataset", load=_builtin)


def register(record: DatasetInfo, *, replace: bool = False) -> DatasetInfo:
    """Add a dataset record to the registry."""
    if record.kind not in ("classification", "regression"):
        raise ActlabError(f"dataset kind must be classification or regression, not {record.kind}")
    return REGISTRY.register(record, replace=replace)


def infos() -> Iterator[DatasetInfo]:
    """Every dataset record, in registry order."""
    return iter(REGISTRY)


def names() -> list[str]:
    return REGISTRY.names()


def info(name: str) -> DatasetInfo:
    """The record for a dataset name (case and '-'/'_' insensitive)."""
    return REGISTRY.lookup(name)


def load(name: str, path: str | Path | None = None, **options: Any) -> Dataset:
    """Load a dataset by name, from ``path`` when it needs one.

    >>> load("digits").kind
    'classification'
    """
    return info(name).load(path, **options)
