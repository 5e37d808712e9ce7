"""What a study is: the settings that decide its numbers, resolved against dataset defaults."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import actlab
from actlab import data
from actlab.errors import ActlabError
from actlab.nn.optim import NAMES

#: the classic comparison ``actlab compare`` runs with no arguments
DEFAULT_ACTIVATIONS = (
    "relu",
    "tanh",
    "sigmoid",
    "leaky_relu",
    "prelu",
    "rrelu",
    "elu",
    "gelu",
    "silu",
)
DEFAULT_SEEDS = 5
OPTIMIZERS = NAMES
#: the widest hidden layer an MLP may have (the memory check decides what fits this machine)
MAX_WIDTH = 65536


@dataclass(frozen=True)
class StudyConfig:
    """Every setting that changes a study's numbers (and so must match when it resumes)."""

    dataset: str = "digits"
    #: activation specs, as given (names, name(params), or formulas in x)
    activations: tuple[str, ...] = DEFAULT_ACTIVATIONS
    #: seeds 0 .. seeds-1; seed s fixes model s's initial weights, its data order and its draws
    seeds: int = DEFAULT_SEEDS
    #: None: the dataset's default (see :mod:`actlab.data.catalog`)
    epochs: int | None = None
    model: str | None = None
    optimizer: str | None = None
    lr: float | None = None
    batch_size: int | None = None
    #: weight initialisation (actlab.nn.init); "torch" is PyTorch's nn.Linear default
    init: str = "torch"
    #: test accuracy for "epochs / seconds to target"; None: the dataset's default
    target: float | None = None
    #: loader options (CSV label column, toy noise, ...)
    data_options: dict[str, Any] = field(default_factory=dict)
    backend: str = "numpy"
    #: where the backend computes (the torch backend's cpu or cuda)
    device: str = "cpu"
    #: L2 penalty on every parameter (torch's SGD/Adam ``weight_decay``); 0: none
    weight_decay: float = 0.0
    #: the step schedule: the learning rate is divided by 10 after each of these fractions of
    #: the epochs (``(0.5, 0.75)``: at the half and at three quarters); empty: a constant rate
    lr_drops: tuple[float, ...] = ()
    #: train (test) on the first N examples of the split only; None: all of it
    train_size: int | None = None
    test_size: int | None = None
    #: a learning rate of its own for some activations, (spec, lr) pairs (a tuned study);
    #: the others train at ``lr``
    lrs: tuple[tuple[str, float], ...] = ()
    #: a fraction of the training data held out as the validation split: the study trains on
    #: the rest and its "test" metrics are measured on the held-out part (a tuning search never
    #: sees the test split); 0: train on all of it, test on the test split
    validation: float = 0.0

    def resolved(self) -> StudyConfig:
        """The same config with every None filled from the dataset's defaults, validated."""
        defaults = data.info(self.dataset).defaults
        cfg = replace(
            self,
            dataset=data.info(self.dataset).name,
            epochs=self.epochs if self.epochs is not None else defaults.epochs,
            model=self.model or defaults.model,
            optimizer=self.optimizer or defaults.optimizer,
            lr=self.lr if self.lr is not None else defaults.lr,
            batch_size=self.batch_size if self.batch_size is not None else defaults.batch_size,
            target=self.target if self.target is not None else defaults.target_accuracy,
            activations=tuple(a.strip() for a in self.activations),
            lr_drops=tuple(float(f) for f in self.lr_drops),
            lrs=tuple((a.strip(), float(v)) for a, v in self.lrs),
        )
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if not self.activations:
            raise ActlabError("--activations needs at least one activation spec")
        if any(not a for a in self.activations):
            raise ActlabError("--activations has an empty item (two commas in a row?)")
        seen: dict[str, str] = {}
        for spec in self.activations:
            # unknown names and bad formulas fail here, before any training; aliases and
            # spellings resolve first, so relu,ReLU and silu,swish are one activation twice
            canonical = actlab.get(spec).spec
            if canonical in seen:
                same = "" if seen[canonical] == spec else f" ({seen[canonical]} and {spec})"
                raise ActlabError(f"--activations lists {canonical} twice{same}")
            seen[canonical] = spec
        if self.model is not None:
            mlp_widths(self.model)
        if not 1 <= self.seeds <= 1000:
            raise ActlabError(f"--seeds must be 1..1000, got {self.seeds}")
        if self.epochs is not None and not 1 <= self.epochs <= 100_000:
            raise ActlabError(f"--epochs must be 1..100000, got {self.epochs}")
        if self.optimizer is not None and self.optimizer not in OPTIMIZERS:
            raise ActlabError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.lr is not None and not 0 < self.lr < 100:
            raise ActlabError(f"--lr must be a positive number below 100, got {self.lr}")
        if self.batch_size is not None and not 1 <= self.batch_size <= 1_000_000:
            raise ActlabError(f"--batch-size must be a positive integer, got {self.batch_size}")
        if self.target is not None and not 0 < self.target <= 1:
            raise ActlabError(f"--target is an accuracy in (0, 1], got {self.target}")
        if not 0 <= self.weight_decay < 1:
            raise ActlabError(f"--weight-decay must be in [0, 1), got {self.weight_decay}")
        if any(not 0 < f < 1 for f in self.lr_drops) or list(self.lr_drops) != sorted(
            set(self.lr_drops)
        ):
            raise ActlabError(
                f"--lr-drops are increasing fractions of the epochs in (0, 1), got {self.lr_drops}"
            )
        for flag, size in (("--train-size", self.train_size), ("--test-size", self.test_size)):
            if size is not None and not 1 <= size <= 100_000_000:
                raise ActlabError(f"{flag} must be a positive integer, got {size}")
        for spec, lr in self.lrs:
            if spec not in self.activations:
                raise ActlabError(f"a learning rate is given for {spec}, which is not studied")
            if not 0 < lr < 100:
                raise ActlabError(f"the learning rate of {spec} must be in (0, 100), got {lr}")
        if not 0 <= self.validation < 1:
            raise ActlabError(f"the validation fraction must be in [0, 1), got {self.validation}")

    def for_activation(self, spec: str) -> StudyConfig:
        """The settings ``spec`` trains with: its own learning rate when it has one.

        >>> StudyConfig(lr=0.1, lrs=(("relu", 0.3),)).for_activation("relu").lr
        0.3
        """
        own = dict(self.lrs)
        return replace(self, lr=own[spec], lrs=()) if spec in own else self

    def lr_at(self, epoch: int) -> float:
        """The learning rate of epoch ``epoch`` (1-based) under the step schedule.

        >>> StudyConfig(lr=0.1, epochs=4, lr_drops=(0.5,)).lr_at(3)
        0.010000000000000002
        """
        assert self.lr is not None and self.epochs is not None
        drops = sum(1 for f in self.lr_drops if epoch > f * self.epochs)
        return self.lr * 0.1**drops

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["activations"] = list(self.activations)
        out["lr_drops"] = list(self.lr_drops)
        out["lrs"] = [list(pair) for pair in self.lrs]
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> StudyConfig:
        """The config :meth:`to_dict` wrote; settings added since take their defaults."""
        values = dict(values)
        values["activations"] = tuple(values["activations"])
        values["lr_drops"] = tuple(values.get("lr_drops", ()))
        values["lrs"] = tuple((a, float(v)) for a, v in values.get("lrs", ()))
        return cls(**values)

    @staticmethod
    def completed(stored: dict[str, Any]) -> dict[str, Any]:
        """A stored :meth:`to_dict` with the settings added since it was written at their
        defaults (which are what that older actlab did), so an older store still resumes."""
        return {**StudyConfig().to_dict(), **stored}


def mlp_widths(model: str) -> tuple[int, ...] | None:
    """The hidden widths of ``mlp:H1,H2,...``; None when ``model`` is not an MLP (cnn, nin).

    An MLP without a hidden layer (``mlp``, ``mlp:``) is refused: its activation would never be
    used, so every activation would score the same.

    >>> mlp_widths("mlp:256, 128"), mlp_widths("cnn")
    ((256, 128), None)
    """
    match = re.fullmatch(r"\s*mlp\s*(?::(.*))?", model, re.S)
    if not match:
        return None
    text = match.group(1)
    if text is None or not text.strip():
        raise ActlabError(
            f"--model {model!r} has no hidden layer, so the activation would never be used;"
            " give the widths, e.g. mlp:64 or mlp:256,256"
        )
    parts = [p.strip() for p in text.split(",")]
    if not all(re.fullmatch("[0-9]{1,9}", p) for p in parts):
        raise ActlabError(
            f"--model {model!r}: hidden widths are whole numbers separated by commas,"
            " e.g. mlp:256,256"
        )
    sizes = tuple(int(p) for p in parts)
    if any(not 1 <= s <= MAX_WIDTH for s in sizes):
        raise ActlabError(f"--model {model!r}: hidden widths must be 1..{MAX_WIDTH}")
    return sizes


def fingerprint(dataset: data.Dataset) -> str:
    """SHA-256 of the arrays: a resumed study must train on exactly the same numbers."""
    digest = hashlib.sha256()
    for array in (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test):
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(memoryview(array.tobytes()))
    return digest.hexdigest()


def differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Human-readable ``key: stored -> current`` for every setting that changed."""
    keys = sorted(set(stored) | set(current))
    return [
        f"{k} {json.dumps(stored.get(k))} -> {json.dumps(current.get(k))}"
        for k in keys
        if stored.get(k) != current.get(k)
    ]
