"""The NumPy backend: every seed of one activation as one stacked ``actlab.nn`` model.

Model ``s`` of a stack is ``nn.mlp(sizes, activation, seed=s)``; it also owns a shuffling
generator seeded with ``s``, so it sees the training data in its own order, and every activation
trained with seed ``s`` starts from the same weights and sees the same order (a paired design:
differences between activations are not differences between draws). Minibatches are gathered per
model, ``(K, B, d)``, and the last batch of an epoch may be short, as in PyTorch's DataLoader.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from actlab import nn
from actlab.compare.config import StudyConfig, mlp_widths
from actlab.data import Dataset
from actlab.errors import ActlabError

#: rows per forward pass in evaluation. Measured on digits (5 models, width 64): all 1,347
#: rows at once took ~7x longer than 128 at a time (large float64 temporaries in the exact
#: kernels); on MNIST-sized layers 128 rows keep BLAS efficient
EVAL_ROWS = 128


@dataclass
class NumpyStack:
    """One activation's models (one per seed) with their optimiser and data-order generators."""

    model: nn.Model
    opt: nn.Optimizer
    state: nn.OptState
    #: shuffles[k]: the generator that orders the training data for model k
    shuffles: list[np.random.Generator]
    loss: str
    batch_size: int


def hidden_sizes(model: str) -> tuple[int, ...]:
    """``"mlp:256,256"`` -> (256, 256) (see :func:`actlab.compare.config.mlp_widths`)."""
    sizes = mlp_widths(model)
    if sizes is None:
        raise ActlabError(
            f"the numpy backend trains MLPs (--model mlp:H1,H2,...), not {model!r}; "
            "convolutional models need --backend torch"
        )
    return sizes


class NumpyBackend:
    """``actlab.nn`` as a :class:`actlab.compare.backend.Backend`."""

    name = "numpy"

    def check(self, config: StudyConfig, dataset: Dataset) -> None:
        assert config.model is not None
        hidden_sizes(config.model)
        if config.device != "cpu":
            raise ActlabError("the numpy backend runs on the CPU only (--device cpu)")
        if config.weight_decay or config.lr_drops:
            raise ActlabError(
                "the numpy backend has no weight decay or learning-rate schedule; "
                "use --backend torch"
            )
        if config.init not in nn.init.names():
            raise ActlabError(
                f"unknown --init {config.init!r}; choose from {', '.join(nn.init.names())}"
            )

    def build(
        self, config: StudyConfig, dataset: Dataset, activation: str, seeds: Sequence[int]
    ) -> NumpyStack:
        assert config.model is not None and config.batch_size is not None
        sizes = (dataset.n_features, *hidden_sizes(config.model), dataset.n_outputs)
        models = [nn.mlp(sizes, activation, init=config.init, seed=s) for s in seeds]
        model = nn.stack(models)
        opt = _optimizer(config)
        return NumpyStack(
            model,
            opt,
            nn.init_state(opt, model),
            [np.random.default_rng(s) for s in seeds],
            _loss(dataset),
            config.batch_size,
        )

    def train_epoch(self, stack: NumpyStack, dataset: Dataset) -> None:
        n = dataset.x_train.shape[0]
        order = np.stack([g.permutation(n) for g in stack.shuffles])  # (K, n)
        # a learning rate too high makes a model diverge: its inf/NaN loss is a result, reported
        # as such, not a warning
        with np.errstate(all="ignore"):
            self._steps(stack, dataset, order)

    def _steps(self, stack: NumpyStack, dataset: Dataset, order: np.ndarray) -> None:
        for start in range(0, order.shape[1], stack.batch_size):
            batch = order[:, start : start + stack.batch_size]
            nn.train_step(
                stack.model,
                stack.loss,
                stack.opt,
                stack.state,
                dataset.x_train[batch],
                dataset.y_train[batch],
            )

    def evaluate(
        self, stack: NumpyStack, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        loss_fn = nn.losses.lookup(stack.loss)
        total = np.zeros(stack.model.k)
        correct = np.zeros(stack.model.k)
        for start in range(0, x.shape[0], EVAL_ROWS):
            xs, ys = x[start : start + EVAL_ROWS], y[start : start + EVAL_ROWS]
            with np.errstate(all="ignore"):  # a diverged model gives inf/NaN, reported as such
                out = nn.predict(stack.model, xs)
                total += loss_fn.value(out, ys).astype(np.float64) * len(ys)
            if stack.loss == "cross_entropy":
                correct += np.sum(out.argmax(axis=-1) == ys, axis=1)
        accuracy = correct / x.shape[0] if stack.loss == "cross_entropy" else correct * np.nan
        return total / x.shape[0], accuracy

    def dump(self, stack: NumpyStack) -> list[bytes]:
        blobs = []
        for k, single in enumerate(_unstack(stack)):
            arrays = nn.to_arrays(single.model, single.opt, single.state)
            arrays["shuffle_rng"] = np.array(json.dumps(stack.shuffles[k].bit_generator.state))
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)  # type: ignore[arg-type]
            blobs.append(buffer.getvalue())
        return blobs

    def restore(
        self,
        config: StudyConfig,
        dataset: Dataset,
        activation: str,
        seeds: Sequence[int],
        blobs: Sequence[bytes],
    ) -> NumpyStack:
        models, states, shuffles = [], [], []
        for blob in blobs:
            with np.load(io.BytesIO(blob), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            model, _, state = nn.from_arrays(arrays)
            assert state is not None
            models.append(model)
            states.append(state)
            bit_generator = np.random.PCG64()
            bit_generator.state = json.loads(str(arrays["shuffle_rng"]))
            shuffles.append(np.random.Generator(bit_generator))
        model = nn.stack(models)
        opt = _optimizer(config)
        state = nn.init_state(opt, model)
        state.step = states[0].step
        for i, slots in enumerate(state.slots):
            for j in range(len(slots)):
                slots[j][...] = np.concatenate([s.slots[i][j] for s in states])
        assert config.batch_size is not None
        return NumpyStack(model, opt, state, shuffles, _loss(dataset), config.batch_size)


def _unstack(stack: NumpyStack) -> list[NumpyStack]:
    """One single-model stack per seed, sharing nothing with ``stack``."""
    out = []
    for k in range(stack.model.k):
        model = nn.unstack(stack.model, k)
        slots = [[buf[k : k + 1].copy() for buf in slots] for slots in stack.state.slots]
        state = nn.OptState(stack.state.step, slots)
        out.append(NumpyStack(model, stack.opt, state, [], stack.loss, stack.batch_size))
    return out


def _optimizer(config: StudyConfig) -> nn.Optimizer:
    assert config.lr is not None and config.optimizer is not None
    return nn.optim.make(config.optimizer, config.lr)


def _loss(dataset: Dataset) -> str:
    return "cross_entropy" if dataset.kind == "classification" else "mse"
