"""Train one network for a time budget and measure what ConvNetJS's demo shows.

A :class:`Trainer` owns a network, its optimiser and its batch stream. :meth:`Trainer.train_for`
runs whole batches until a time budget is spent (at least one); the statistics are ConvNetJS's:
forward and backward time per example, classification loss, L2 weight-decay loss, training
accuracy (the last :data:`WINDOW` training examples), validation accuracy (held-out training
images, centre crops, the last :data:`WINDOW` of them), examples seen and the loss curve. The test
accuracy averages the softmax over :data:`TEST_CROPS` random crops, as the demo does.

Invariant: given the setup's seed, the initial weights, the batch order and the crops are fixed,
so two trainers built alike and stepped alike hold the same weights (the race relies on it).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.web.mnist import model, netdef
from actlab.web.mnist.images import Images
from actlab.web.mnist.setup import Setup

#: examples the running training and validation accuracies average over
WINDOW = 500
#: random crops averaged for each test prediction (ConvNetJS's demo uses four)
TEST_CROPS = 4
#: test images one evaluation covers at most (a random subset when there are more)
TEST_IMAGES = 1000
#: test images evaluated per frame while training (a pass of 1,000 takes 50 frames, about 5 s)
TEST_CHUNK = 20
#: test digits shown in the grid with their top-3 predictions
GRID = 40
#: points of the loss curve kept (older ones are merged pairwise)
CURVE_POINTS = 400
#: validation examples evaluated per frame
VAL_PER_FRAME = 20


def make_optimizer(setup: Setup, net: model.LiveNet) -> torch.optim.Optimizer:
    """The setup's optimiser over ``net``'s parameters (Adadelta as ConvNetJS's: rho 0.95,
    eps 1e-6). The L2 decay is the optimiser's ``weight_decay`` on the weights (not the biases):
    it adds ``l2_decay * w`` to each weight's gradient, as ConvNetJS does, without a loss term
    to differentiate at every step."""
    weights = [m.weight for m in net.weighted()]
    chosen = {id(w) for w in weights}
    others = [p for p in net.parameters() if id(p) not in chosen]
    groups = [
        {"params": weights, "weight_decay": setup.l2_decay},
        {"params": others, "weight_decay": 0.0},
    ]
    lr, momentum = setup.learning_rate, setup.momentum
    if setup.optimizer == "adadelta":
        return torch.optim.Adadelta(groups, lr=1.0, rho=0.95, eps=1e-6, foreach=True)
    if setup.optimizer == "adagrad":
        return torch.optim.Adagrad(groups, lr=lr, eps=1e-8, foreach=True)
    if setup.optimizer == "adam":
        return torch.optim.Adam(groups, lr=lr, foreach=True)
    nesterov = setup.optimizer == "nesterov" and momentum > 0
    return torch.optim.SGD(groups, lr=lr, momentum=momentum, nesterov=nesterov, foreach=True)


class Trainer:
    """One network learning one dataset."""

    def __init__(self, images: Images, setup: Setup, net: model.LiveNet | None = None) -> None:
        layers = netdef.parse(setup.network_text())
        if net is None:
            torch.manual_seed(setup.seed)
            net = model.build(layers, images.input_shape, images.n_classes)
        #: where it trains: CUDA when there is one (or as $ACTLAB_MNIST_DEVICE says), else CPU
        self.device = model.device()
        self.images, self.setup, self.net = images, setup, net.to(self.device)
        self.optimizer = make_optimizer(setup, net)
        #: batch order and crops
        self.rng = np.random.default_rng(setup.seed)
        self.order = np.empty(0, np.int64)
        #: examples trained on, and seconds spent training them
        self.examples, self.seconds = 0, 0.0
        #: per example, milliseconds (moving averages)
        self.forward_ms = self.backward_ms = 0.0
        self.class_loss = float("nan")
        self.train_hits: deque[bool] = deque(maxlen=WINDOW)
        self.val_hits: deque[bool] = deque(maxlen=WINDOW)
        #: (examples, mean classification loss) points
        self.curve: list[tuple[int, float]] = []
        self._losses: list[float] = []
        #: the last training example (its index) and the last step's activations
        self.current = 0
        self.trace: list[torch.Tensor] = []
        #: the running test pass: its images, the summed probabilities, how many are done
        self._test: tuple[np.ndarray, np.ndarray, int] | None = None

    def retune(self, setup: Setup) -> None:
        """Apply a new learning rate, momentum, batch size or L2 decay while training goes on;
        a new optimiser kind starts a fresh optimiser around the same weights."""
        if setup.optimizer != self.setup.optimizer:
            self.optimizer = make_optimizer(setup, self.net)
        else:
            weights, _ = self.optimizer.param_groups
            weights["weight_decay"] = setup.l2_decay
            for group in self.optimizer.param_groups:
                if setup.optimizer != "adadelta":
                    group["lr"] = setup.learning_rate
                if "momentum" in group:
                    group["momentum"] = setup.momentum
                    group["nesterov"] = setup.optimizer == "nesterov" and setup.momentum > 0
        self.setup = setup

    # ------------------------------------------------------------------ training

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor, int]:
        """The next batch of random crops, its labels, and its first example's index."""
        n = self.setup.batch_size
        if len(self.order) < n:
            fresh = self.rng.permutation(len(self.images.y_train))
            self.order = np.concatenate([self.order, fresh])
        index, self.order = self.order[:n], self.order[n:]
        x = torch.from_numpy(self.images.batch(index, self.rng)).to(self.device)
        y = torch.from_numpy(self.images.y_train[index]).to(self.device)
        return x, y, int(index[0])

    def step(self, x: torch.Tensor, y: torch.Tensor, keep_trace: bool = False) -> None:
        """One optimiser step on a batch, timed (forward; backward with the update)."""
        start = time.perf_counter()
        trace: list[torch.Tensor] | None = [] if keep_trace else None
        logits = self.net(x, trace)
        class_loss = nn.functional.cross_entropy(logits, y)
        middle = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        class_loss.backward()
        self.optimizer.step()
        end = time.perf_counter()
        n = len(y)
        self.seconds += end - start
        self.examples += n
        self.forward_ms = _ema(self.forward_ms, (middle - start) * 1e3 / n, self.examples == n)
        self.backward_ms = _ema(self.backward_ms, (end - middle) * 1e3 / n, self.examples == n)
        loss_value = float(class_loss.detach())
        self.class_loss = _ema(self.class_loss, loss_value, self.examples == n)
        self.train_hits.extend((logits.argmax(1) == y).tolist())
        self._losses.append(loss_value)
        if trace is not None:
            self.trace = [t.detach() for t in trace]

    def train_for(self, seconds: float) -> int:
        """Train whole batches until ``seconds`` have passed (at least one); examples trained."""
        before, deadline = self.examples, time.perf_counter() + seconds
        while True:
            x, y, self.current = self.next_batch()
            self.step(x, y)
            if time.perf_counter() >= deadline:
                break
        self._add_curve_point()
        return self.examples - before

    def _add_curve_point(self) -> None:
        if not self._losses:
            return
        self.curve.append((self.examples, float(np.mean(self._losses))))
        self._losses.clear()
        if len(self.curve) > CURVE_POINTS:  # merge neighbours: the curve keeps its whole span
            pairs = zip(self.curve[0::2], self.curve[1::2])
            self.curve = [(b[0], (a[1] + b[1]) / 2) for a, b in pairs]

    # ------------------------------------------------------------------ measuring

    @torch.no_grad()
    def validate(self, count: int = VAL_PER_FRAME) -> None:
        """Score ``count`` random held-out training images (centre crops) into the window."""
        index = self.rng.integers(0, len(self.images.y_val), count)
        x = torch.from_numpy(self.images.batch(index, None, "val")).to(self.device)
        hits = self.net(x).argmax(1).cpu().numpy() == self.images.y_val[index]
        self.val_hits.extend(hits.tolist())

    @torch.no_grad()
    def test_step(self, count: int = TEST_CHUNK) -> dict[str, Any] | None:
        """Advance the running test pass by ``count`` images (four random crops each); the
        pass's result when it ends, else None. A pass is spread over frames so that no frame
        waits for a whole test set; the weights move during it, as in ConvNetJS's demo."""
        im = self.images
        if self._test is None:
            n = len(im.y_test)
            chosen = self.rng.choice(n, TEST_IMAGES, replace=False) if n > TEST_IMAGES else None
            index = np.arange(n) if chosen is None else np.sort(chosen)
            self._test = (index, np.zeros((len(index), im.n_classes), np.float32), 0)
        index, probs, done = self._test
        part = slice(done, done + count)
        for _ in range(TEST_CROPS):
            x = torch.from_numpy(im.batch(index[part], self.rng, "test")).to(self.device)
            probs[part] += torch.softmax(self.net(x), 1).cpu().numpy()
        done = min(done + count, len(index))
        if done < len(index):
            self._test = (index, probs, done)
            return None
        self._test = None
        return self._test_result(index, probs / TEST_CROPS)

    def test(self) -> dict[str, Any]:
        """A whole test pass now (see :meth:`test_step`)."""
        self._test = None
        result = self.test_step(TEST_IMAGES)
        assert result is not None
        return result

    def _test_result(self, index: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
        """Test accuracy over the pass's images, each averaged over four random crops; the
        confusion matrix, and a grid of test images with their top-3 predictions."""
        im = self.images
        labels = im.y_test[index]
        predicted = probs.argmax(1)
        confusion = np.zeros((im.n_classes, im.n_classes), np.int64)
        np.add.at(confusion, (labels, predicted), 1)
        shown = self.rng.choice(len(index), min(GRID, len(index)), replace=False)
        top = np.argsort(-probs[shown], axis=1)[:, :3]
        grid = {
            "shape": list(im.pixels_test.shape[1:]),
            "scale": im.scale,
            "pixels": im.pixels_test[index[shown]].tobytes(),
            "labels": labels[shown].tolist(),
            "top3": top.tolist(),
            "probs": np.take_along_axis(probs[shown], top, 1).round(3).tolist(),
        }
        return {
            "accuracy": round(float((predicted == labels).mean()), 4),
            "images": len(index),
            "crops": TEST_CROPS,
            "examples": self.examples,
            "confusion": confusion.tolist(),
            "grid": grid,
        }

    def stats(self) -> dict[str, Any]:
        """The live statistics panel's numbers."""
        return {
            "examples": self.examples,
            "epoch": round(self.examples / len(self.images.y_train), 3),
            "seconds": round(self.seconds, 3),
            "forward_ms": round(self.forward_ms, 4),
            "backward_ms": round(self.backward_ms, 4),
            "class_loss": _finite(self.class_loss),
            "l2_loss": _finite(self.l2_loss()),
            "train_acc": _mean(self.train_hits),
            "val_acc": _mean(self.val_hits),
            "curve": [[e, round(v, 5)] for e, v in self.curve],
        }

    @torch.no_grad()
    def l2_loss(self) -> float:
        """ConvNetJS's L2 weight-decay loss: l2_decay * sum(w^2) / 2 over the weights."""
        return float(self.net.l2()) * self.setup.l2_decay / 2

    def current_example(self) -> tuple[torch.Tensor, int]:
        """The last trained example (its centre crop) and its label."""
        i = np.array([self.current])
        return torch.from_numpy(self.images.batch(i, None)), int(self.images.y_train[i[0]])


def _ema(previous: float, value: float, first: bool, keep: float = 0.95) -> float:
    return value if first or not np.isfinite(previous) else keep * previous + (1 - keep) * value


def _mean(hits: deque[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def _finite(value: float) -> float | None:
    return round(value, 6) if np.isfinite(value) else None
