"""One browser tab's MNIST page: its setup, its trainer (or race), and what it answers.

A :class:`Session` knows nothing of sockets: :meth:`Session.handle` takes a validated message and
returns the replies, :meth:`Session.tick` trains for :data:`TRAIN_SECONDS` and returns the frame
to draw. Both hold the session's lock, so the server may call them from worker threads (it
never calls them on its event loop) and they never overlap.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import torch

import actlab
from actlab.errors import ActlabError
from actlab.web.mnist import images, model, netdef
from actlab.web.mnist.race import Race
from actlab.web.mnist.setup import (
    DEFAULT,
    LIMITS,
    NETWORKS,
    OPTIMIZERS,
    Message,
    Setup,
    parse_setup,
)
from actlab.web.mnist.trainer import Trainer

#: training time per frame: with the frame's own work (around 10 ms for the default convnet) and
#: its sending, comfortably over 10 frames a second while most of the time still goes to training
TRAIN_SECONDS = 0.06
#: setup fields a running trainer takes without starting over
_TUNABLE = {"learning_rate", "momentum", "batch_size", "l2_decay", "optimizer"}


def hello(root: Path | None) -> dict[str, Any]:
    """The first message: the menus' contents, from the registries."""
    return {
        "type": "hello",
        "version": actlab.__version__,
        "datasets": [
            {"name": name, "summary": summary, "missing": why}
            for (name, (_, _, summary)), why in zip(
                images.DATASETS.items(), images.available(root).values()
            )
        ],
        "activations": [r.name for r in actlab.records()],
        "optimizers": list(OPTIMIZERS),
        "networks": NETWORKS,
        "limits": {**LIMITS, "network": netdef.LIMITS},
        "defaults": DEFAULT.to_dict(),
    }


class Session:
    """State of one connected MNIST page."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.lock = threading.Lock()
        self.setup = DEFAULT
        self.images = images.load(DEFAULT.dataset, root)
        self.trainer = Trainer(self.images, DEFAULT)
        self.race: Race | None = None
        self.playing = False
        self.frame = 0

    # ------------------------------------------------------------------ messages

    def handle(self, msg: Message) -> list[dict[str, Any]]:
        """The replies to one validated message; an ActlabError becomes one error reply."""
        with self.lock:
            try:
                replies: list[dict[str, Any]] = getattr(self, f"_on_{msg.type}")(msg)
                return replies
            except ActlabError as exc:
                return [{"type": "error", "context": msg.type, "message": str(exc)}]

    def _on_setup(self, msg: Message) -> list[dict[str, Any]]:
        self.apply(parse_setup(msg["setup"]))
        return [self.state()]

    def apply(self, setup: Setup) -> None:
        """Switch to ``setup``: retune the running network when only the optimiser's settings
        changed, else build afresh (new data, network or seed). Nothing changes on an error."""
        changed = {k for k, v in setup.to_dict().items() if self.setup.to_dict()[k] != v}
        if not changed:
            return
        if changed <= _TUNABLE | {"race"}:
            race = self.race
            if race is not None and "race" in changed:
                race = Race(self.images, setup)  # first: it may refuse the new list
            self.trainer.retune(setup)
            if race is not None:
                race.retune(setup)
            self.setup, self.race = setup, race
            return
        data = images.load(setup.dataset, self.root)
        if setup.dataset != self.setup.dataset and "network" not in changed:
            setup = setup.replace(network="")  # the new data's own default network
        trainer = Trainer(data, setup)
        race = Race(data, setup) if self.race is not None else None
        self.images, self.setup, self.trainer, self.race = data, setup, trainer, race

    def _on_play(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = True
        return [{"type": "playing", "playing": True}]

    def _on_pause(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        return [{"type": "playing", "playing": False}, self._frame(test=True)]

    def _on_step(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        return [{"type": "playing", "playing": False}, self._train_and_frame(0.0)]

    def _on_reset(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        self.trainer = Trainer(self.images, self.setup)
        self.race = Race(self.images, self.setup) if self.race is not None else None
        return [{"type": "playing", "playing": False}, self.state()]

    def _on_ack(self, msg: Message) -> list[dict[str, Any]]:
        return []  # flow control lives in the server loop

    def _on_race(self, msg: Message) -> list[dict[str, Any]]:
        self.race = Race(self.images, self.setup) if msg["on"] else None
        return [self.state()]

    def _on_save(self, msg: Message) -> list[dict[str, Any]]:
        extra = {"setup": self.setup.to_dict(), "examples": self.trainer.examples}
        return [{"type": "saved", "data": model.to_json(self.trainer.net, extra)}]

    def _on_load(self, msg: Message) -> list[dict[str, Any]]:
        net = model.from_json(msg["data"], self.images.input_shape, self.images.n_classes)
        setup = self.setup.replace(network=netdef.text(net.layers))
        self.playing = False
        self.setup, self.trainer = setup, Trainer(self.images, setup, net)
        examples = msg["data"].get("examples", 0)
        if isinstance(examples, int) and 0 <= examples < 2**53:
            self.trainer.examples = examples
        return [{"type": "playing", "playing": False}, self.state()]

    def _on_export_torch(self, msg: Message) -> list[dict[str, Any]]:
        return [{"type": "torch_state", "data": model.state_dict_bytes(self.trainer.net)}]

    def _on_probe(self, msg: Message) -> list[dict[str, Any]]:
        """A drawn image (values 0..1 at the data's image size): the prediction and every
        layer's response to it."""
        c, h, w = self.images.pixels_test.shape[1:]
        pixels = np.asarray(msg["pixels"], np.float32)
        if pixels.size != c * h * w:
            raise ActlabError(
                f"probe: expected {c}x{h}x{w} = {c * h * w} values, got {pixels.size}"
            )
        image = (pixels.reshape(1, c, h, w) * self.images.scale).astype(np.float32)
        x = images.crops(image, self.images.pad, self.images.crop, None)
        seen = torch.from_numpy(self.images.standardise(x))
        return [{"type": "probe", **model.inspect(self.trainer.net, seen, None)}]

    # ------------------------------------------------------------------ outgoing

    def state(self) -> dict[str, Any]:
        """Everything the page draws from scratch, and a first frame."""
        im, net = self.images, self.trainer.net
        shapes = netdef.shapes(net.layers, im.input_shape)
        return {
            "type": "state",
            "setup": self.setup.to_dict(),
            "network": self.setup.network_text(),
            "dataset": {
                "name": im.name,
                "classes": list(im.classes),
                "image": list(im.pixels_test.shape[1:]),
                "input": list(im.input_shape),
                "train": len(im.y_train),
                "validation": len(im.y_val),
                "test": len(im.y_test),
                "source": im.source,
            },
            "layers": [
                {"line": lay.line, "text": lay.text(), "shape": list(s), "parameters": _count(op)}
                for lay, s, op in zip(net.layers, shapes, net.ops)
            ],
            "parameters": sum(p.numel() for p in net.parameters()),
            "device": str(self.trainer.device),
            "playing": self.playing,
            "racing": self.race is not None,
            "frame": self._frame(test=True),
        }

    def tick(self) -> dict[str, Any]:
        """Train for :data:`TRAIN_SECONDS` and return the frame to draw."""
        with self.lock:
            return self._train_and_frame(TRAIN_SECONDS)

    def _train_and_frame(self, seconds: float) -> dict[str, Any]:
        if self.race is not None:
            self.race.train_for(seconds)
        else:
            self.trainer.train_for(seconds)
            self.trainer.validate()
        if not all(bool(torch.isfinite(p).all()) for p in self.trainer.net.parameters()):
            self.playing = False
            return {
                "type": "error",
                "context": "train",
                "message": "training diverged (weights overflowed): lower the learning "
                "rate and press reset",
            }
        return self._frame(test=False)

    def _frame(self, *, test: bool) -> dict[str, Any]:
        self.frame += 1
        out: dict[str, Any] = {"type": "frame", "frame": self.frame}
        if self.race is not None:
            out["race"] = self.race.frame()
            return out
        trainer = self.trainer
        x, label = trainer.current_example()
        out["stats"] = trainer.stats()
        out["example"] = {"label": label, **model.inspect(trainer.net, x, label)}
        out["filters"] = model.filters(trainer.net)
        result = trainer.test() if test else trainer.test_step()
        if result is not None:
            out["test"] = result
        return out


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
