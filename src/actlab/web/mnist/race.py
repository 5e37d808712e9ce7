"""The seed's claim raced live: one network per activation, same start, same batches.

"Sigmoid slowest, tanh slower than ReLU": each racer is the page's network with every ``act=``
replaced by one activation. All racers start from the same initial weights (the first racer's,
copied) and see the same batches and crops in the same order (one batch stream, fed to each in
turn), so the only difference between them is the activation.

Every :data:`POINT_SECONDS` of wall time each racer records a history point: examples seen, its
own training seconds, its test accuracy (centre crops of a fixed test subset), and per layer
with an activation the gradient size (RMS of the weight gradient of the last batch), the share of
values whose derivative is below :data:`BLOCKED` (saturated, or off for ReLU), and the share of
dead units (a channel or neuron whose derivative is zero on every value of the batch).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import torch

import actlab
from actlab.errors import ActlabError
from actlab.web.mnist import model, netdef
from actlab.web.mnist.images import Images
from actlab.web.mnist.setup import Setup
from actlab.web.mnist.trainer import Trainer

#: wall seconds between two history points
POINT_SECONDS = 0.5
#: test images each racer is scored on (the same for all)
RACE_TEST = 500
#: |f'(z)| below this counts as a blocked value: the gradient passed back shrinks twentyfold
BLOCKED = 0.05
#: history points kept per racer (older ones thinned to every other)
HISTORY = 300


class Race:
    """Racers trained side by side."""

    def __init__(self, images: Images, setup: Setup) -> None:
        layers = netdef.parse(setup.network_text())
        if not any(layer.act for layer in layers):
            raise ActlabError("race: the network has no act= to swap; add one to a layer")
        self.images, self.setup = images, setup
        self.specs = list(setup.race)
        self.functions = [actlab.get(spec) for spec in self.specs]
        self.racers: list[Trainer] = []
        for spec in self.specs:
            swapped = [dataclasses.replace(lay, act=spec) if lay.act else lay for lay in layers]
            torch.manual_seed(setup.seed)
            net = model.build(swapped, images.input_shape, images.n_classes)
            if self.racers:  # the same start for all: the first racer's weights
                shared = self.racers[0].net.state_dict()
                own = net.state_dict()
                net.load_state_dict({k: shared.get(k, v) for k, v in own.items()})
            self.racers.append(Trainer(images, setup, net))
        self.feed = Trainer(images, setup, self.racers[0].net)  # the one batch stream
        n = len(images.y_test)
        rng = np.random.default_rng(setup.seed)
        index = np.sort(rng.choice(n, min(n, RACE_TEST), replace=False))
        self.test_x = torch.from_numpy(images.batch(index, None, "test")).to(self.feed.device)
        self.test_y = images.y_test[index]
        self.history: list[list[dict[str, Any]]] = [[] for _ in self.racers]
        self.next_point = 0.0

    def retune(self, setup: Setup) -> None:
        for racer in self.racers:
            racer.retune(setup)
        self.feed.setup = self.setup = setup

    def train_for(self, seconds: float) -> None:
        """Feed batches to every racer in turn until ``seconds`` have passed (at least one)."""
        deadline = time.perf_counter() + seconds
        while True:
            x, y, _ = self.feed.next_batch()
            for racer in self.racers:
                racer.step(x, y, keep_trace=True)
            if time.perf_counter() >= deadline:
                break
        if time.perf_counter() >= self.next_point:
            self.next_point = time.perf_counter() + POINT_SECONDS
            for racer, function, history in zip(self.racers, self.functions, self.history):
                history.append(self._point(racer, function))
                if len(history) > HISTORY:
                    history[:] = history[::2]

    @torch.no_grad()
    def _accuracy(self, racer: Trainer) -> float | None:
        scores = racer.net(self.test_x)
        if not torch.isfinite(scores).all():
            return None
        return round(float((scores.argmax(1).cpu().numpy() == self.test_y).mean()), 4)

    def _point(self, racer: Trainer, function: Any) -> dict[str, Any]:
        grads, blocked, dead = [], [], []
        for i, (layer, op) in enumerate(zip(racer.net.layers, racer.net.ops)):
            if not layer.act:
                continue
            grad = getattr(op, "weight", None)
            g = None if grad is None or grad.grad is None else grad.grad
            grads.append(None if g is None else _finite(float(g.square().mean().sqrt())))
            z = racer.trace[2 * i].cpu().numpy() if racer.trace else np.zeros((1, 1))
            with np.errstate(all="ignore"):
                slope = np.abs(function.derivative(z.astype(np.float64)))
            blocked.append(round(float((slope < BLOCKED).mean()), 4))
            off = (slope == 0).reshape(z.shape[0], z.shape[1], -1).all(axis=(0, 2))
            dead.append(round(float(off.mean()), 4))
        return {
            "examples": racer.examples,
            "seconds": round(racer.seconds, 3),
            "test_acc": self._accuracy(racer),
            "loss": _finite(racer.class_loss),
            "grad": grads,
            "blocked": blocked,
            "dead": dead,
        }

    def frame(self) -> dict[str, Any]:
        """What the race panel draws: per racer its activation and history."""
        layers = [f"{lay.kind} (line {lay.line})" for lay in self.racers[0].net.layers if lay.act]
        return {
            "layers": layers,
            "blocked_below": BLOCKED,
            "runs": [
                {"activation": spec, "history": history}
                for spec, history in zip(self.specs, self.history)
            ],
        }


def _finite(value: float) -> float | None:
    return round(value, 6) if np.isfinite(value) else None
