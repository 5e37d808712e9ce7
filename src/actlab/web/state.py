"""The playground's state: one serialisable record, and the schema every client message must meet.

The page keeps a :class:`Setup` in its URL and sends it whole; the server validates it here, at
the edge, before anything else sees it. Every size is bounded (layers, neurons, batch, points,
formula length, update rate) so no message can make the server allocate or compute without limit.

>>> s = parse_setup({"dataset": "xor", "layers": [8, 8], "activation": "relu"})
>>> s.dataset, s.layers, s.problem
('xor', (8, 8), 'classification')
>>> parse_setup({"layers": [4] * 20})
Traceback (most recent call last):
...
actlab.errors.ActlabError: layers: at most 8 hidden layers, got 20
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from actlab.data.toy import MAX_CLASSES, MAX_NOISE, TOY_DATASETS
from actlab.errors import ActlabError
from actlab.web.fields import choice, integer, number, show

#: bounds on everything a client can ask for (TF Playground's own limits are in brackets)
LIMITS: dict[str, Any] = {
    "max_layers": 8,  # [6]
    "max_neurons": 16,  # [8]
    "max_batch": 256,  # [30]
    "max_points": 5000,  # [500 / 1200, fixed]
    "max_formula": 200,  # characters of a custom activation formula
    "max_fps": 120,  # updates a second the server pushes
    "max_epochs_per_update": 50,
    "max_race": 6,  # activations racing side by side
    "max_message": 1_000_000,  # bytes in one client message (a CSV upload is the largest)
    "max_messages_per_second": 200,
    "max_classes": MAX_CLASSES,
}

#: what a link can hide (``hide`` field): control -> what the teacher panel calls it
HIDABLE: dict[str, str] = {
    "play": "Play button",
    "step": "Step button",
    "reset": "Reset button",
    "learning_rate": "Learning rate",
    "activation": "Activation",
    "regularization": "Regularization",
    "reg_rate": "Regularization rate",
    "problem": "Problem type",
    "loss": "Loss",
    "dataset": "Which dataset",
    "csv": "CSV upload",
    "train_ratio": "Ratio of training data",
    "noise": "Noise level",
    "batch_size": "Batch size",
    "points": "Points",
    "classes": "Classes",
    "regenerate": "Regenerate button",
    "features": "Features (inputs can't be switched)",
    "layers": "Number of hidden layers and neurons",
    "layer_activations": "Per-layer activations",
    "show_test": "Show test data",
    "discretize": "Discretize output",
    "speed": "Epochs per update and updates/s",
    "activation_panel": "Activation plot",
    "gradients": "Gradients panel",
    "race": "Race panel",
    "files": "Copy link, export and import",
}

#: the input features TF Playground offers, in its order
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
#: 'csv' is the name of a user's own points (sent in a ``points`` message)
DATASETS = (*TOY_DATASETS, "csv")
REGULARIZATIONS = ("none", "l1", "l2")
LOSSES = ("mse", "cross_entropy")
PROBLEMS = ("classification", "regression")


@dataclass(frozen=True)
class Setup:
    """Everything that decides a run: the page's URL holds exactly this."""

    #: data set name (a toy set or 'csv')
    dataset: str = "circle"
    #: noise, percent 0-50, as TF Playground's slider
    noise: float = 0.0
    #: percent of points used for training (the rest is the test set)
    train_ratio: int = 50
    #: number of points (0: the data set's TF Playground default)
    points: int = 0
    #: classes for the multi-class sets
    classes: int = 2
    #: seed of the data and the initial weights
    seed: int = 0
    #: input features switched on
    features: tuple[str, ...] = ("x1", "x2")
    #: hidden layer widths
    layers: tuple[int, ...] = (4, 2)
    #: activation of every hidden layer that has no override
    activation: str = "tanh"
    #: per hidden layer: an activation spec, or '' to use ``activation``
    layer_activations: tuple[str, ...] = ()
    learning_rate: float = 0.03
    regularization: str = "none"
    reg_rate: float = 0.0
    batch_size: int = 10
    problem: str = "classification"
    #: 'mse' (TF Playground's squared loss) or 'cross_entropy'
    loss: str = "mse"
    #: drawing options, kept so a link reproduces the view
    discretize: bool = False
    show_test: bool = False
    #: epochs trained between two updates the server pushes, and updates a second
    epochs_per_update: int = 1
    fps: int = 60
    #: activations in the race
    race: tuple[str, ...] = ("relu", "tanh", "sigmoid")
    #: initial weights all zero (TF Playground's initZero; biases still start at 0.1)
    init_zero: bool = False
    #: controls hidden from this page (a lesson's link hides what it does not need): keys of
    #: :data:`HIDABLE`
    hide: tuple[str, ...] = ()
    #: hide the explanations under the page (TF Playground's hideText)
    hide_text: bool = False

    def hidden_activations(self) -> list[str]:
        """The activation spec of each hidden layer, overrides applied."""
        own = list(self.layer_activations) + [""] * len(self.layers)
        return [own[i] or self.activation for i in range(len(self.layers))]

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    def replace(self, **changes: Any) -> Setup:
        return parse_setup({**self.to_dict(), **changes})


DEFAULT = Setup()
_FIELDS = {f.name: f for f in dataclasses.fields(Setup)}


def parse_setup(raw: Any) -> Setup:
    """A validated :class:`Setup` from JSON; missing fields take their defaults."""
    if not isinstance(raw, dict):
        raise ActlabError("setup must be an object")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ActlabError(f"setup: unknown field {unknown[0]!r}")
    v = {name: _check(name, raw[name]) for name in raw}
    setup = Setup(**v)
    return _consistent(setup)


def _check(name: str, value: Any) -> Any:
    lim = LIMITS
    if name == "dataset":
        return choice(name, value, DATASETS)
    if name == "noise":
        return number(name, value, 0, MAX_NOISE)
    if name == "train_ratio":
        return integer(name, value, 10, 90)
    if name == "points":
        return 0 if value == 0 else integer(name, value, 10, lim["max_points"])
    if name == "classes":
        return integer(name, value, 2, lim["max_classes"])
    if name == "seed":
        return integer(name, value, 0, 2**31 - 1)
    if name == "features":
        items = _strings(name, value, len(FEATURES), 8)
        for item in items:
            choice(name, item, FEATURES)
        if not items:
            raise ActlabError("features: switch on at least one input feature")
        return tuple(f for f in FEATURES if f in items)
    if name == "layers":
        if not isinstance(value, list) or len(value) > lim["max_layers"]:
            got = len(value) if isinstance(value, list) else type(value).__name__
            raise ActlabError(f"layers: at most {lim['max_layers']} hidden layers, got {got}")
        return tuple(integer("neurons", n, 1, lim["max_neurons"]) for n in value)
    if name in ("activation", "layer_activations", "race"):
        return _specs(name, value)
    if name == "learning_rate":
        return number(name, value, 1e-6, 10.0)
    if name == "regularization":
        return choice(name, value, REGULARIZATIONS)
    if name == "reg_rate":
        return number(name, value, 0.0, 10.0)
    if name == "batch_size":
        return integer(name, value, 1, lim["max_batch"])
    if name == "problem":
        return choice(name, value, PROBLEMS)
    if name == "loss":
        return choice(name, value, LOSSES)
    if name == "hide":
        items = _strings(name, value, len(HIDABLE), 40)
        for item in items:
            choice(name, item, tuple(HIDABLE))
        return tuple(h for h in HIDABLE if h in items)
    if name in ("discretize", "show_test", "init_zero", "hide_text"):
        if not isinstance(value, bool):
            raise ActlabError(f"{name}: expected true or false")
        return value
    if name == "epochs_per_update":
        return integer(name, value, 1, lim["max_epochs_per_update"])
    if name == "fps":
        return integer(name, value, 1, lim["max_fps"])
    raise AssertionError(name)  # every field of Setup is handled above


def _specs(name: str, value: Any) -> Any:
    limit = LIMITS["max_formula"]
    if name == "activation":
        return _spec_text(name, value, limit, allow_empty=False)
    count = LIMITS["max_layers"] if name == "layer_activations" else LIMITS["max_race"]
    items = _strings(name, value, count, limit)
    if name == "race" and not items:
        raise ActlabError("race: name at least one activation")
    return tuple(_spec_text(name, s, limit, allow_empty=name != "race") for s in items)


def _spec_text(name: str, value: Any, limit: int, *, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise ActlabError(f"{name}: expected an activation name or formula")
    text = value.strip()
    if len(text) > limit:
        raise ActlabError(f"{name}: at most {limit} characters, got {len(text)}")
    if not text and not allow_empty:
        raise ActlabError(f"{name}: an activation is needed")
    if not text.isprintable():
        raise ActlabError(f"{name}: only printable characters are allowed")
    return text


def _consistent(s: Setup) -> Setup:
    if s.dataset != "csv":
        meta = TOY_DATASETS[s.dataset]
        if meta.problem != s.problem:
            raise ActlabError(f"dataset: {s.dataset} is a {meta.problem} data set, not {s.problem}")
        if s.classes != 2 and not meta.multiclass:
            raise ActlabError(f"classes: {s.dataset} has 2 classes; spiral and blobs take more")
    if s.problem == "classification" and s.classes > 2 and s.loss != "cross_entropy":
        raise ActlabError("loss: more than two classes needs cross_entropy")
    if s.problem == "regression" and s.loss != "mse":
        raise ActlabError("loss: regression uses mse")
    if len(s.layer_activations) > len(s.layers):
        raise ActlabError("layer_activations: more entries than hidden layers")
    return s


def _strings(name: str, value: Any, count: int, length: int) -> list[str]:
    if not isinstance(value, list) or len(value) > count:
        raise ActlabError(f"{name}: expected a list of at most {count} strings")
    if not all(isinstance(v, str) and len(v) <= length for v in value):
        raise ActlabError(f"{name}: expected strings of at most {length} characters")
    return value


# --------------------------------------------------------------------------- client messages

#: message type -> {field: checker}; a field missing from the dict is not allowed
MESSAGES: dict[str, dict[str, Any]] = {
    "setup": {"setup": dict},
    "play": {},
    "pause": {},
    "step": {},
    "reset": {},
    "regenerate": {},
    "ack": {"frame": int},
    "set_weight": {"layer": int, "source": int, "target": int, "value": float},
    "set_bias": {"layer": int, "unit": int, "value": float},
    "preview": {"spec": str},
    "points": {"csv": str},
    "export": {},
    "import": {"data": dict},
    "race": {"on": bool},
    "link": {"hash": str},
    "focus": {"index": int},
}


@dataclass(frozen=True)
class Message:
    """A client message that passed the schema: its type and fields."""

    type: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


def parse_message(raw: Any) -> Message:
    """Check a decoded JSON message against :data:`MESSAGES`."""
    if not isinstance(raw, dict):
        raise ActlabError("a message must be a JSON object")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in MESSAGES:
        raise ActlabError(f"unknown message type {show(kind)}")
    schema = MESSAGES[kind]
    extra = sorted(set(raw) - set(schema) - {"type"})
    if extra:
        raise ActlabError(f"{kind}: unexpected field {extra[0]!r}")
    fields = {}
    for name, kind_of in schema.items():
        if name not in raw:
            raise ActlabError(f"{kind}: missing field {name!r}")
        fields[name] = _typed(kind, name, raw[name], kind_of)
    return Message(kind, fields)


def _typed(kind: str, name: str, value: Any, expected: type) -> Any:
    if expected is float:
        return number(f"{kind}.{name}", value, -1e3, 1e3)
    if expected is int:
        return integer(f"{kind}.{name}", value, 0, 2**31 - 1)
    if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
        raise ActlabError(f"{kind}.{name}: expected {expected.__name__}")
    if expected is str and name == "spec":
        return _spec_text(f"{kind}.{name}", value, LIMITS["max_formula"], allow_empty=False)
    return value
