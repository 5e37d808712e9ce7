"""Train one torch model (one activation, one seed) on an actlab dataset, epoch by epoch.

The loop is deterministic given the seed: the weights are initialised after
``torch.manual_seed(seed)``, each epoch's example order comes from ``(seed, epoch)``, and a
checkpoint holds the weights, the optimiser and torch's random state (dropout, RReLU draws), so a
run resumed from the checkpoint of epoch k continues exactly as one never stopped.

>>> from actlab import data
>>> cfg = TrainConfig(model="cnn", epochs=1, batch_size=64)
>>> run = train(data.load("digits"), "relu", seed=0, config=cfg)   # doctest: +SKIP
>>> run.history[-1].test_accuracy                                  # doctest: +SKIP
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.data import Dataset
from actlab.errors import ActlabError
from actlab.torch import Activation
from actlab.torch.device import resolve_device
from actlab.torch.models import build


@dataclass(frozen=True)
class TrainConfig:
    """Everything but the activation and the seed."""

    #: "cnn" (ConvNetJS MNIST) or "nin" (Network in Network)
    model: str = "cnn"
    epochs: int = 5
    #: "sgd", "momentum" (0.9) or "adam"
    optimizer: str = "momentum"
    lr: float = 0.01
    batch_size: int = 64
    weight_decay: float = 0.0
    #: epochs (fractions of the total) after which the learning rate is divided by 10
    lr_drops: tuple[float, ...] = ()
    #: channel multiplier for the NIN
    width: float = 1.0
    device: str = "cpu"
    #: actlab.torch's exact switch for the activation modules (None: the global default)
    exact: bool | None = None
    #: torch CPU threads while training (None: torch's default). On a small or shared machine
    #: 1 is often fastest: measured here, a small CNN step took 5 ms on 1 thread, 125 ms on 2
    #: when other processes held the cores.
    threads: int | None = 1


@dataclass
class Epoch:
    """What one epoch measured."""

    epoch: int
    #: mean loss and accuracy over the epoch's minibatches, in training mode
    train_loss: float
    train_accuracy: float
    #: on the test split, evaluation mode
    test_loss: float
    test_accuracy: float
    #: wall-clock seconds of training since the run began (evaluation excluded)
    seconds: float


@dataclass
class Run:
    spec: str
    seed: int
    history: list[Epoch] = field(default_factory=list)
    #: loss and accuracy on the training split in evaluation mode, after the last epoch
    final_train_loss: float | None = None
    final_train_accuracy: float | None = None


#: ``on_epoch(run, checkpoint_bytes)`` after each epoch (for durable storage)
EpochHook = Callable[[Run, bytes], None]


def make_model(dataset: Dataset, spec: str, config: TrainConfig) -> nn.Module:
    def act(channels: int) -> nn.Module:
        module = Activation(spec, exact=config.exact)
        if module.learnable:
            module = Activation(spec, exact=config.exact, num_parameters=channels)
        return module

    return build(config.model, dataset.image_shape, dataset.n_outputs, act, config.width)


def train(
    dataset: Dataset,
    spec: str,
    seed: int,
    config: TrainConfig,
    *,
    checkpoint: bytes | None = None,
    on_epoch: EpochHook | None = None,
) -> Run:
    """Train (or resume from ``checkpoint``) and return the run with its per-epoch history."""
    _check(dataset, config)
    previous = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        return _train(dataset, spec, seed, config, checkpoint, on_epoch)
    finally:
        torch.set_num_threads(previous)


def _train(
    dataset: Dataset,
    spec: str,
    seed: int,
    config: TrainConfig,
    checkpoint: bytes | None,
    on_epoch: EpochHook | None,
) -> Run:
    device = resolve_device(config.device)
    if (
        device.type == "cuda"
    ):  # resumed runs must match uninterrupted ones (cuDNN autotuning may not)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    torch.manual_seed(seed)
    model = make_model(dataset, spec, config).to(device)
    opt = _optimizer(model, config)
    run = Run(spec=spec, seed=seed)
    if checkpoint is not None:
        run = _restore(checkpoint, model, opt, device)
    x_train, y_train = _tensors(dataset.x_train, dataset.y_train, dataset, device)
    x_test, y_test = _tensors(dataset.x_test, dataset.y_test, dataset, device)
    loss_fn = nn.CrossEntropyLoss()
    elapsed = run.history[-1].seconds if run.history else 0.0
    for epoch in range(len(run.history) + 1, config.epochs + 1):
        _set_lr(opt, config, epoch)
        start = time.perf_counter()
        loss, acc = _epoch(model, opt, loss_fn, x_train, y_train, config.batch_size, seed, epoch)
        elapsed += time.perf_counter() - start
        test_loss, test_acc = evaluate(model, x_test, y_test, config.batch_size)
        run.history.append(Epoch(epoch, loss, acc, test_loss, test_acc, elapsed))
        if on_epoch is not None:
            on_epoch(run, _save(run, model, opt))
    run.final_train_loss, run.final_train_accuracy = evaluate(
        model, x_train, y_train, config.batch_size
    )
    return run


def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int
) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) in evaluation mode."""
    model.eval()
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), max(batch_size, 256)):
            logits = model(x[i : i + max(batch_size, 256)])
            target = y[i : i + len(logits)]
            total_loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
            correct += int((logits.argmax(1) == target).sum())
    n = max(len(x), 1)
    return total_loss / n, correct / n


def _epoch(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    loss_fn: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    seed: int,
    epoch: int,
) -> tuple[float, float]:
    model.train()
    order = torch.from_numpy(np.random.default_rng((seed, epoch)).permutation(len(x)))
    order = order.to(x.device)
    total_loss, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        idx = order[i : i + batch_size]
        opt.zero_grad(set_to_none=True)
        logits = model(x[idx])
        loss = loss_fn(logits, y[idx])
        if not torch.isfinite(loss):
            raise ActlabError(
                f"training diverged at epoch {epoch} (loss {float(loss)}); lower --lr"
            )
        loss.backward()
        opt.step()
        total_loss += float(loss.detach()) * len(idx)
        correct += int((logits.argmax(1) == y[idx]).sum())
    return total_loss / len(x), correct / len(x)


def _optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params, wd = model.parameters(), config.weight_decay
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, weight_decay=wd)
    if config.optimizer == "momentum":
        return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=wd)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=wd)
    raise ActlabError(f"unknown optimizer {config.optimizer!r}; choose sgd, momentum or adam")


def _set_lr(opt: torch.optim.Optimizer, config: TrainConfig, epoch: int) -> None:
    drops = sum(1 for f in config.lr_drops if epoch > f * config.epochs)
    for group in opt.param_groups:
        group["lr"] = config.lr * 0.1**drops


def _tensors(
    x: np.ndarray, y: np.ndarray, dataset: Dataset, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    shape = dataset.image_shape or ()
    images = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(-1, *shape)
    return images.to(device), torch.from_numpy(np.asarray(y, dtype=np.int64)).to(device)


def _check(dataset: Dataset, config: TrainConfig) -> None:
    if dataset.kind != "classification":
        raise ActlabError(f"the torch CNN models classify; {dataset.name} is {dataset.kind}")
    if config.epochs < 1 or config.batch_size < 1 or not config.lr > 0:
        raise ActlabError("epochs, batch size and learning rate must be positive")


def _save(run: Run, model: nn.Module, opt: torch.optim.Optimizer) -> bytes:
    state: dict[str, Any] = {
        "history": [vars(e) for e in run.history],
        "spec": run.spec,
        "seed": run.seed,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "rng": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def _restore(
    blob: bytes, model: nn.Module, opt: torch.optim.Optimizer, device: torch.device
) -> Run:
    try:
        state = torch.load(io.BytesIO(blob), map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
    except (RuntimeError, KeyError, ValueError, EOFError) as exc:
        raise ActlabError(f"the checkpoint does not fit this model: {exc}") from None
    torch.set_rng_state(state["rng"].cpu())
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    run = Run(spec=state["spec"], seed=state["seed"])
    run.history = [Epoch(**e) for e in state["history"]]
    return run
