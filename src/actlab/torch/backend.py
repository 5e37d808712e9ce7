"""The torch backend of ``actlab compare``: CNNs (and MLPs) with actlab.torch activations.

``actlab compare --backend torch --model cnn|nin[:WIDTH]|mlp:H1,H2 --device cpu|cuda`` (with
``--weight-decay`` and the step schedule ``--lr-drops``; ``actlab reproduce xu2015`` is a preset
of it) trains through :mod:`actlab.compare`'s runner, so the statistics, verdicts, the durable
store and resuming are the same code as for the NumPy engine; this module only builds, trains,
evaluates and serialises models (the :class:`actlab.compare.backend.Backend` protocol).

Model ``s`` of a stack is reproducible from ``s`` alone: its weights come from
``torch.manual_seed(s)``, its data order from ``numpy.random.default_rng(s)``, and its random
draws (dropout, RReLU) from its own torch generator state, swapped in while it trains. So every
activation trained with seed ``s`` starts from the same weights where the shapes agree and sees
the same order (a paired design), and a restored stack continues bit for bit.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.compare.config import StudyConfig, mlp_widths
from actlab.data import Dataset
from actlab.errors import ActlabError
from actlab.nn.optim import RULES
from actlab.torch import Activation
from actlab.torch.device import resolve_device
from actlab.torch.models import ActFactory, build

#: rows per evaluation batch
EVAL_ROWS = 1024


@dataclass
class Member:
    """One seed's model with everything that decides its future."""

    seed: int
    model: nn.Module
    opt: torch.optim.Optimizer
    #: the training-data order generator
    shuffle: np.random.Generator
    #: torch's generator state for this model's draws (CPU, and CUDA when on a GPU)
    rng: torch.Tensor
    cuda_rng: torch.Tensor | None


@dataclass
class TorchStack:
    members: list[Member]
    device: torch.device
    batch_size: int
    #: (C, H, W) the model takes, or None for an MLP on flat features
    shape: tuple[int, ...] | None
    #: input arrays already on the device, by (id, device, dtype, shape); the runner passes the
    #: same arrays each epoch, and every stack of a backend shares one cache, so a study holds
    #: one copy of the data on a GPU rather than one per activation
    cache: dict[tuple[Any, ...], tuple[np.ndarray, torch.Tensor]]
    #: the study's settings (the learning-rate schedule) and the epochs trained so far
    config: StudyConfig
    epochs_done: int = 0


def parse_model(model: str) -> tuple[str, float, tuple[int, ...]]:
    """``cnn`` | ``nin`` | ``nin:0.25`` | ``mlp:256,256`` -> (kind, width, hidden sizes)."""
    text = model.strip()
    match = re.fullmatch(r"(cnn|nin)(?::\s*([0-9.]+))?", text)
    if match:
        width = float(match.group(2)) if match.group(2) else 1.0
        if not 0 < width <= 16:
            raise ActlabError(f"--model {model!r}: the width must be in (0, 16]")
        return match.group(1), width, ()
    sizes = mlp_widths(text)
    if sizes is not None:
        return "mlp", 1.0, sizes
    raise ActlabError(
        f"the torch backend trains --model cnn, nin[:WIDTH] or mlp:H1,..., not {model!r}"
    )


class TorchBackend:
    """PyTorch as a :class:`actlab.compare.backend.Backend`."""

    name = "torch"

    def __init__(self) -> None:
        self.cache: dict[tuple[Any, ...], tuple[np.ndarray, torch.Tensor]] = {}

    def check(self, config: StudyConfig, dataset: Dataset) -> None:
        assert config.model is not None
        kind, _, _ = parse_model(config.model)
        resolve_device(config.device)
        if dataset.kind != "classification":
            raise ActlabError("the torch backend trains classifiers; this dataset is regression")
        if kind != "mlp" and dataset.image_shape is None:
            raise ActlabError(f"--model {kind} needs image data; {dataset.name} is not images")
        if config.init != "torch":
            raise ActlabError("the torch backend uses PyTorch's initialisation (--init torch)")

    def build(
        self, config: StudyConfig, dataset: Dataset, activation: str, seeds: Sequence[int]
    ) -> TorchStack:
        assert config.batch_size is not None
        device = resolve_device(config.device)
        if device.type == "cuda":
            # a resumed study must give the numbers of an uninterrupted one: cuDNN's autotuned
            # convolutions may not
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
        members = []
        for seed in seeds:
            torch.manual_seed(seed)
            model = _model(config, dataset, activation).to(device)
            members.append(
                Member(
                    seed,
                    model,
                    _optimizer(config, model),
                    np.random.default_rng(seed),
                    torch.get_rng_state(),
                    torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
                )
            )
        assert config.model is not None
        shape = None if parse_model(config.model)[0] == "mlp" else dataset.image_shape
        return TorchStack(members, device, config.batch_size, shape, self.cache, config)

    def train_epoch(self, stack: TorchStack, dataset: Dataset) -> None:
        x = _tensor(stack, dataset.x_train, stack.shape, torch.float32)
        y = _tensor(stack, dataset.y_train, None, torch.int64)
        stack.epochs_done += 1
        lr = stack.config.lr_at(stack.epochs_done)
        for m in stack.members:
            for group in m.opt.param_groups:
                group["lr"] = lr
            with _own_rng(m, stack.device), _one_thread(stack.device):
                m.model.train()
                order = torch.from_numpy(m.shuffle.permutation(len(x))).to(stack.device)
                for start in range(0, len(x), stack.batch_size):
                    idx = order[start : start + stack.batch_size]
                    m.opt.zero_grad(set_to_none=True)
                    loss = nn.functional.cross_entropy(m.model(x[idx]), y[idx])
                    loss.backward()
                    m.opt.step()

    def evaluate(
        self, stack: TorchStack, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        xt = _tensor(stack, x, stack.shape, torch.float32)
        yt = _tensor(stack, y, None, torch.int64)
        losses, accuracies = [], []
        for m in stack.members:
            m.model.eval()
            total, correct = 0.0, 0
            with torch.no_grad(), _one_thread(stack.device):
                for start in range(0, len(xt), EVAL_ROWS):
                    logits = m.model(xt[start : start + EVAL_ROWS])
                    target = yt[start : start + EVAL_ROWS]
                    total += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
                    correct += int((logits.argmax(1) == target).sum())
            losses.append(total / max(len(xt), 1))
            accuracies.append(correct / max(len(xt), 1))
        return np.array(losses), np.array(accuracies)

    def dump(self, stack: TorchStack) -> list[bytes]:
        blobs = []
        for m in stack.members:
            state = {
                "model": m.model.state_dict(),
                "optimizer": m.opt.state_dict(),
                "rng": m.rng,
                "shuffle": json.dumps(m.shuffle.bit_generator.state),
                "epochs_done": stack.epochs_done,
            }
            if m.cuda_rng is not None:
                state["cuda_rng"] = m.cuda_rng
            buffer = io.BytesIO()
            torch.save(state, buffer)
            blobs.append(buffer.getvalue())
        return blobs

    def restore(
        self,
        config: StudyConfig,
        dataset: Dataset,
        activation: str,
        seeds: Sequence[int],
        blobs: Sequence[bytes],
    ) -> TorchStack:
        stack = self.build(config, dataset, activation, seeds)
        for m, blob in zip(stack.members, blobs):
            try:
                state = torch.load(io.BytesIO(blob), map_location=stack.device, weights_only=True)
                m.model.load_state_dict(state["model"])
                m.opt.load_state_dict(state["optimizer"])
            except (RuntimeError, KeyError, ValueError, EOFError) as exc:
                raise ActlabError(f"stored state does not fit this model: {exc}") from None
            m.rng = state["rng"].cpu()
            if "cuda_rng" in state and stack.device.type == "cuda":
                m.cuda_rng = state["cuda_rng"].cpu()
            bit_generator = np.random.PCG64()
            bit_generator.state = json.loads(state["shuffle"])
            m.shuffle = np.random.Generator(bit_generator)
            # states stored before the schedule existed: a constant rate, the count is unused
            stack.epochs_done = int(state.get("epochs_done", 0))
        return stack


class _one_thread:
    """One torch CPU thread while training on the CPU (measured: a small CNN's step took 5 ms on
    1 thread and 125 ms on 2 when other processes held the cores); CUDA runs are left alone."""

    def __init__(self, device: torch.device) -> None:
        self.cpu = device.type == "cpu"

    def __enter__(self) -> None:
        self.saved = torch.get_num_threads()
        if self.cpu:
            torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.saved)


class _own_rng:
    """Swap a member's torch generator state in for its training, and save it after."""

    def __init__(self, member: Member, device: torch.device) -> None:
        self.m, self.device = member, device

    def __enter__(self) -> None:
        self.saved = torch.get_rng_state()
        torch.set_rng_state(self.m.rng)
        if self.m.cuda_rng is not None:
            self.saved_cuda = torch.cuda.get_rng_state(self.device)
            torch.cuda.set_rng_state(self.m.cuda_rng, self.device)

    def __exit__(self, *exc: object) -> None:
        self.m.rng = torch.get_rng_state()
        torch.set_rng_state(self.saved)
        if self.m.cuda_rng is not None:
            self.m.cuda_rng = torch.cuda.get_rng_state(self.device)
            torch.cuda.set_rng_state(self.saved_cuda, self.device)


def _model(config: StudyConfig, dataset: Dataset, spec: str) -> nn.Module:
    assert config.model is not None
    kind, width, hidden = parse_model(config.model)
    act = _factory(spec)
    if kind == "mlp":
        return _mlp(dataset.n_features, hidden, dataset.n_outputs, act)
    return build(kind, dataset.image_shape, dataset.n_outputs, act, width)


def _factory(spec: str) -> ActFactory:
    learnable = bool(Activation(spec).learnable)

    def act(channels: int) -> nn.Module:
        return Activation(spec, num_parameters=channels if learnable else 1)

    return act


def _mlp(n_in: int, hidden: tuple[int, ...], n_out: int, act: ActFactory) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), act(width)]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, n_out))


def _optimizer(config: StudyConfig, model: nn.Module) -> torch.optim.Optimizer:
    assert config.lr is not None and config.optimizer is not None
    name, options = RULES.lookup(config.optimizer).torch
    # weight decay on every parameter, PReLU's too
    optimizer: torch.optim.Optimizer = getattr(torch.optim, name)(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay, **options
    )
    return optimizer


def _tensor(stack: TorchStack, array: np.ndarray, shape: Any, dtype: torch.dtype) -> torch.Tensor:
    key = (id(array), str(stack.device), dtype, shape)
    hit = stack.cache.get(key)
    if hit is not None and hit[0] is array:
        return hit[1]
    t = torch.from_numpy(np.ascontiguousarray(array)).to(stack.device, dtype)
    if shape is not None and dtype == torch.float32:
        t = t.reshape(-1, *shape)
    stack.cache[key] = (array, t)  # holding the array keeps its id from being reused
    return t
