"""The MNIST page's state as one record, and the schema of every client message.

The page sends a :class:`Setup` whole; it is validated here, at the edge, before a session sees
it. Every number is bounded, every text is length-limited, so no message can make the server
allocate or compute without limit.

>>> s = parse_setup({"dataset": "digits", "optimizer": "sgd", "batch_size": 32})
>>> s.optimizer, s.batch_size, s.network_text().splitlines()[0]
('sgd', 32, 'conv size=3 filters=8 stride=1 pad=1 act=relu')
>>> parse_setup({"batch_size": 0})
Traceback (most recent call last):
...
actlab.errors.ActlabError: batch_size: expected an integer from 1 to 256, got 0
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from actlab.errors import ActlabError
from actlab.web.fields import choice, integer, number, show
from actlab.web.mnist.images import DATASETS

#: the bounds a client must stay within
LIMITS: dict[str, Any] = {
    "max_batch": 256,
    "max_race": 6,
    "max_spec": 200,  # characters of one activation spec
    "max_network": 4000,  # characters of a network definition
    "max_message": 2_000_000,  # bytes of one client message (a saved network is the largest)
    "max_messages_per_second": 100,
}
OPTIMIZERS = ("adadelta", "sgd", "nesterov", "adagrad", "adam")
#: the ConvNetJS demo's network, for 28x28 data cropped to 24x24
CONVNETJS = (
    "conv size=5 filters=8 stride=1 pad=2 act=relu\npool size=2 stride=2\n"
    "conv size=5 filters=16 stride=1 pad=2 act=relu\npool size=3 stride=3\nsoftmax"
)
#: each dataset's default network (sized to its crops)
NETWORKS = {
    "digits": "conv size=3 filters=8 stride=1 pad=1 act=relu\npool size=2 stride=2\n"
    "conv size=3 filters=16 stride=1 pad=1 act=relu\npool size=2 stride=2\nsoftmax",
    "mnist": CONVNETJS,
    "fashion_mnist": CONVNETJS,
    "cifar10": "conv size=5 filters=16 stride=1 pad=2 act=relu\npool size=2 stride=2\n"
    "conv size=5 filters=20 stride=1 pad=2 act=relu\npool size=2 stride=2\n"
    "conv size=5 filters=20 stride=1 pad=2 act=relu\npool size=2 stride=2\nsoftmax",
}


@dataclass(frozen=True)
class Setup:
    """Everything that decides a run; the page's URL holds exactly this."""

    #: one of :data:`actlab.web.mnist.images.DATASETS`
    dataset: str = "digits"
    #: the network definition (see :mod:`actlab.web.mnist.netdef`); "" means the dataset's default
    network: str = ""
    #: ConvNetJS's default is Adadelta; "sgd" uses ``momentum``, "nesterov" too
    optimizer: str = "adadelta"
    learning_rate: float = 0.01
    momentum: float = 0.9
    batch_size: int = 20
    #: ConvNetJS's L2 weight decay (the loss adds l2_decay * sum(w^2) / 2)
    l2_decay: float = 0.001
    #: seed of the initial weights, the batches and the crops
    seed: int = 0
    #: the activations raced side by side (each replaces every act= of the network)
    race: tuple[str, ...] = ("sigmoid", "tanh", "relu")

    def network_text(self) -> str:
        return self.network or NETWORKS[self.dataset]

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    def replace(self, **changes: Any) -> Setup:
        return parse_setup({**self.to_dict(), **changes})


DEFAULT = Setup()
_FIELDS = {f.name for f in dataclasses.fields(Setup)}


def parse_setup(raw: Any) -> Setup:
    """A validated :class:`Setup` from JSON; missing fields take their defaults."""
    if not isinstance(raw, dict):
        raise ActlabError("setup must be an object")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ActlabError(f"setup: unknown field {show(unknown[0])}")
    return Setup(**{name: _check(name, value) for name, value in raw.items()})


def _check(name: str, value: Any) -> Any:
    if name == "dataset":
        return choice(name, value, tuple(DATASETS))
    if name == "optimizer":
        return choice(name, value, OPTIMIZERS)
    if name == "network":
        return _text(name, value, LIMITS["max_network"], multiline=True)
    if name == "learning_rate":
        return number(name, value, 1e-6, 10.0)
    if name == "momentum":
        return number(name, value, 0.0, 0.999)
    if name == "l2_decay":
        return number(name, value, 0.0, 1.0)
    if name == "batch_size":
        return integer(name, value, 1, LIMITS["max_batch"])
    if name == "seed":
        return integer(name, value, 0, 2**31 - 1)
    if name == "race":
        if not isinstance(value, list) or not 1 <= len(value) <= LIMITS["max_race"]:
            raise ActlabError(f"race: expected a list of 1 to {LIMITS['max_race']} activations")
        specs = tuple(_text("race", v, LIMITS["max_spec"], multiline=False) for v in value)
        if not all(specs):
            raise ActlabError("race: an activation may not be empty")
        return specs
    raise AssertionError(name)  # every field of Setup is handled above


def _text(name: str, value: Any, limit: int, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise ActlabError(f"{name}: expected text")
    text = value.strip()
    if len(text) > limit:
        raise ActlabError(f"{name}: at most {limit} characters, got {len(text)}")
    lines = text.splitlines() if multiline else [text]
    if not all(line.isprintable() for line in lines):
        raise ActlabError(f"{name}: only printable characters are allowed")
    return text


# --------------------------------------------------------------------------- client messages

#: the largest drawing the page may send: 32x32 pixels, 3 channels
MAX_PIXELS = 32 * 32 * 3
#: message type -> {field: expected type}; every field is required, no other is allowed
MESSAGES: dict[str, dict[str, type]] = {
    "setup": {"setup": dict},
    "play": {},
    "pause": {},
    "step": {},
    "reset": {},
    "ack": {"frame": int},
    "save": {},
    "load": {"data": dict},
    "export_torch": {},
    "probe": {"pixels": list},
    "race": {"on": bool},
}


@dataclass(frozen=True)
class Message:
    """A client message that passed the schema."""

    type: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


def parse_message(raw: Any) -> Message:
    """Check a decoded JSON message against :data:`MESSAGES`.

    >>> parse_message({"type": "play"}).type
    'play'
    >>> parse_message({"type": "ack"})
    Traceback (most recent call last):
    ...
    actlab.errors.ActlabError: ack: missing field 'frame'
    """
    if not isinstance(raw, dict):
        raise ActlabError("a message must be a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in MESSAGES:
        raise ActlabError(f"unknown message type {show(kind)}")
    schema = MESSAGES[kind]
    extra = sorted(set(raw) - set(schema) - {"type"})
    if extra:
        raise ActlabError(f"{kind}: unexpected field {show(extra[0])}")
    fields = {}
    for name, expected in schema.items():
        if name not in raw:
            raise ActlabError(f"{kind}: missing field {name!r}")
        value = raw[name]
        if expected is int:
            value = integer(f"{kind}.{name}", value, 0, 2**31 - 1)
        elif not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ActlabError(f"{kind}.{name}: expected {expected.__name__}")
        fields[name] = value
    if kind == "probe":
        fields["pixels"] = _pixels(fields["pixels"])
    return Message(kind, fields)


def _pixels(values: list[Any]) -> list[float]:
    if not 1 <= len(values) <= MAX_PIXELS:
        raise ActlabError(f"probe.pixels: expected 1 to {MAX_PIXELS} values")
    for v in values:
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        if not ok or not 0.0 <= v <= 1.0:
            raise ActlabError("probe.pixels: every value must be a number from 0 to 1")
    return [float(v) for v in values]
