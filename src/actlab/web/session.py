"""One browser tab's playground: its setup, data, network (or race) and what it answers.

A :class:`Session` knows nothing of sockets: :meth:`Session.handle` takes a validated message and
returns the replies, :meth:`Session.tick` trains one update and returns the frame to push. The
server (:mod:`actlab.web.app`) moves these over a WebSocket; tests drive a Session directly too.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

import actlab
from actlab import nn
from actlab.data import toy
from actlab.errors import ActlabError
from actlab.web import lessons, links, network
from actlab.web.state import DEFAULT, FEATURES, HIDABLE, LIMITS, Message, Setup, parse_setup

#: seconds of training one update may take: a bigger setup splits its epochs across updates
#: (the page shows "epoch 3.4") rather than hold its worker, and its pause button, for longer
TRAIN_SECONDS = 0.025
#: seconds one race update may spend evaluating and drawing its runs: when all of them take
#: longer, they are refreshed in turn (each update at least one)
RACE_DRAW_SECONDS = 0.05
#: what an export file says it is
EXPORT_FORMAT = "actlab-playground"


def hello() -> dict[str, Any]:
    """The first message: everything the page's menus list, from the registries."""
    activations = [
        {
            "name": r.name,
            "summary": r.summary,
            "latex": r.latex,
            "params": [{"name": p.name, "default": p.default} for p in r.params],
        }
        for r in actlab.records()
    ]
    datasets = [
        {
            "name": d.name,
            "problem": d.problem,
            "points": d.default_points,
            "classes": d.classes,
            "multiclass": d.multiclass,
            "summary": d.summary,
            "preview": _preview_points(d.name),
        }
        for d in toy.TOY_DATASETS.values()
    ]
    return {
        "type": "hello",
        "version": actlab.__version__,
        "activations": activations,
        "datasets": datasets,
        "features": list(FEATURES),
        "limits": LIMITS,
        "defaults": DEFAULT.to_dict(),
        "hidable": HIDABLE,
        "lessons": lessons.catalogue(),
    }


def _preview_points(name: str) -> list[list[float]]:
    X, y = toy.generate(name, 200, 0, 0)
    return [[round(a, 2), round(b, 2), round(float(c), 3)] for (a, b), c in zip(X.tolist(), y)]


class Session:
    """State of one connected page."""

    def __init__(self) -> None:
        self.setup: Setup = DEFAULT
        self.csv_points: tuple[np.ndarray, np.ndarray] | None = None
        self.playing = False
        self.racing = False
        self.frame = 0
        self.data = network.make_data(self.setup, None)
        self.net = network.build(self.setup, self.data)
        self.race: list[network.Network] = []
        #: each racer's last evaluated run (a big race refreshes them in turn), and whose turn
        self.race_runs: list[dict[str, Any] | None] = []
        self.race_turn = 0
        #: per racer, the epoch at which it joined a race already under way (None: from the start)
        self.race_joined: list[float | None] = []
        #: the racer the page's main panels follow
        self.race_focus = 0

    # ------------------------------------------------------------------ messages

    def handle(self, msg: Message) -> list[dict[str, Any]]:
        """The replies to one validated message; an ActlabError becomes an error reply."""
        try:
            # a diverging run overflows on purpose; it is detected and reported, not warned about
            with np.errstate(all="ignore"):
                return getattr(self, f"_on_{msg.type}")(msg)
        except ActlabError as exc:
            reply: dict[str, Any] = {"type": "error", "context": msg.type, "message": str(exc)}
            if msg.type in ("setup", "import", "points", "link"):
                reply["setup"] = self.setup.to_dict()
                reply["hash"] = links.write(self.setup)
            return [reply]

    def _on_setup(self, msg: Message) -> list[dict[str, Any]]:
        setup = parse_setup(msg["setup"])
        self.apply(setup)
        return [self.state()]

    def apply(self, setup: Setup, *, new_points: bool = False) -> None:
        """Switch to ``setup``; keep the trained weights when only drawing options change."""
        if _same_run(setup, self.setup) and not new_points:
            if self.racing and setup.race != self.setup.race:
                self._rerace(setup)
            self.setup = setup
            return
        same = _same_data(setup, self.setup) and not new_points
        data = self.data if same else network.make_data(setup, self.csv_points)
        if _same_model(setup, self.setup) and data is self.data:
            # the optimiser's settings changed: keep the weights, rebuild the rule around them
            self.net = _rebuilt_keeping_weights(setup, data, self.net)
        else:
            self.net = network.build(setup, data)
        if self.racing:
            self._new_race(setup, data)
        self.setup, self.data = setup, data

    def _on_link(self, msg: Message) -> list[dict[str, Any]]:
        """A link's hash: every field read on its own (:mod:`actlab.web.links`); what was
        ignored comes back as notes beside the state."""
        setup, notes = links.read(msg["hash"])
        self.playing = False
        self.apply(setup)
        return [{"type": "playing", "playing": False}, {**self.state(), "notes": notes}]

    def _on_play(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = True
        return [{"type": "playing", "playing": True}]

    def _on_pause(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        return [{"type": "playing", "playing": False}]

    def _on_step(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        return [{"type": "playing", "playing": False}, self.tick(epochs=1)]

    def _on_reset(self, msg: Message) -> list[dict[str, Any]]:
        self.playing = False
        self.net = network.build(self.setup, self.data)
        if self.racing:
            self._new_race(self.setup, self.data)
        return [{"type": "playing", "playing": False}, self.state()]

    def _on_regenerate(self, msg: Message) -> list[dict[str, Any]]:
        if self.setup.dataset == "csv":
            raise ActlabError("regenerate: your CSV points are fixed; pick a toy data set")
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
        self.playing = False
        self.apply(self.setup.replace(seed=seed))
        return [{"type": "playing", "playing": False}, self.state()]

    def _on_ack(self, msg: Message) -> list[dict[str, Any]]:
        return []  # flow control lives in the server loop

    def _on_set_weight(self, msg: Message) -> list[dict[str, Any]]:
        w = self.net.model.weights
        layer, source, target = msg["layer"], msg["source"], msg["target"]
        if layer >= len(w) or source >= w[layer].shape[1] or target >= w[layer].shape[2]:
            raise ActlabError(f"set_weight: no weight {layer}:{source}->{target} in this network")
        w[layer][0, source, target] = msg["value"]
        return [self.frame_message()]

    def _on_set_bias(self, msg: Message) -> list[dict[str, Any]]:
        b = self.net.model.biases
        layer, unit = msg["layer"], msg["unit"]
        if layer >= len(b) or unit >= b[layer].shape[1]:
            raise ActlabError(f"set_bias: no unit {layer}:{unit} in this network")
        b[layer][0, unit] = msg["value"]
        return [self.frame_message()]

    def _on_preview(self, msg: Message) -> list[dict[str, Any]]:
        return [preview(msg["spec"])]

    def _on_points(self, msg: Message) -> list[dict[str, Any]]:
        X, y = toy.load_csv(msg["csv"], max_points=LIMITS["max_points"])
        problem = toy.problem_of(y)
        classes = int(y.max()) + 1 if problem == "classification" else 2
        loss = self.setup.loss if problem == "classification" and classes == 2 else None
        loss = loss or ("cross_entropy" if problem == "classification" else "mse")
        setup = self.setup.replace(dataset="csv", problem=problem, classes=classes, loss=loss)
        previous = self.csv_points
        self.csv_points = (X, y)
        try:
            self.apply(setup, new_points=True)
        except ActlabError:
            self.csv_points = previous
            raise
        return [self.state()]

    def _on_export(self, msg: Message) -> list[dict[str, Any]]:
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": 1,
            "actlab": actlab.__version__,
            "setup": self.setup.to_dict(),
            "epoch": self.net.epoch,
            "step": self.net.step,  # batches into the next epoch
            **network.weights(self.net, digits=None),
            # learnable activation parameters (PReLU's slope), per layer
            "act_params": [
                {name: float(v[0]) for name, v in layer.items()}
                for layer in self.net.model.act_params
            ],
        }
        if self.setup.dataset == "csv" and self.csv_points is not None:
            X, y = self.csv_points
            data["points"] = toy.to_csv(X, y)
        return [{"type": "export", "data": data}]

    def _on_import(self, msg: Message) -> list[dict[str, Any]]:
        data = msg["data"]
        if data.get("format") != EXPORT_FORMAT:
            raise ActlabError(f"import: not an {EXPORT_FORMAT} file")
        setup = parse_setup(data.get("setup"))
        points = data.get("points")
        csv = self.csv_points
        if setup.dataset == "csv":
            if not isinstance(points, str):
                raise ActlabError("import: a csv setup needs its points")
            csv = toy.load_csv(points, max_points=LIMITS["max_points"])
        net = network.build(setup, network.make_data(setup, csv))
        _load_weights(net, data.get("weights"), data.get("biases"))
        _load_act_params(net, data.get("act_params"))
        epoch = data.get("epoch", 0)
        net.epoch = epoch if isinstance(epoch, int) and 0 <= epoch < 2**31 else 0
        step = data.get("step", 0)
        net.step = step if isinstance(step, int) and 0 <= step < len(net.loop.batches) else 0
        self.playing, self.csv_points = False, csv
        self.setup, self.data, self.net = setup, net.data, net
        if self.racing:
            self._new_race(setup, net.data)
        return [{"type": "playing", "playing": False}, self.state()]

    def _on_race(self, msg: Message) -> list[dict[str, Any]]:
        self.racing = msg["on"]
        self.playing = False
        self._new_race(self.setup, self.data)
        return [{"type": "playing", "playing": False}, self.state()]

    def _new_race(self, setup: Setup, data: network.Data) -> None:
        self.race = _race(setup, data) if self.racing else []
        self.race_joined, self.race_runs, self.race_focus = [], [], 0

    def _on_focus(self, msg: Message) -> list[dict[str, Any]]:
        if not self.racing or msg["index"] >= len(self.race):
            raise ActlabError("focus: no such racer")
        self.race_focus = msg["index"]
        return [self.race_frame()]

    def _rerace(self, setup: Setup) -> None:
        """The race's choices changed while racing: racers that stay keep their progress; a new
        one starts from the same initial weights the others started from, and is marked late."""
        kept = {
            spec: (net, joined)
            for spec, net, joined in zip(self.setup.race, self.race, self.race_joined)
        }
        now = max((network.progress(n) for n in self.race), default=0.0)
        focused = self.setup.race[self.race_focus] if self.race else None
        race, joined = [], []
        for spec in setup.race:
            if spec in kept:
                race.append(kept[spec][0])
                joined.append(kept[spec][1])
            else:
                race.append(_racer(setup, self.data, spec))
                joined.append(now if now > 0 else None)
        self.race, self.race_joined, self.race_runs = race, joined, []
        self.race_focus = setup.race.index(focused) if focused in setup.race else 0

    # ------------------------------------------------------------------ outgoing

    def state(self) -> dict[str, Any]:
        """Everything the page draws from scratch: setup, points, network shape, first frame."""
        d = self.data
        tf, misfit = links.tf_link(self.setup)
        return {
            "type": "state",
            "setup": self.setup.to_dict(),
            "hash": links.write(self.setup),
            "tf_link": tf,
            "tf_misfit": misfit,
            "problem": d.problem,
            "classes": d.classes,
            "hidden": self.net.hidden,
            "output_kind": self.net.output_kind,
            "sizes": list(self.net.model.sizes),
            "train": _points(d.X_train, d.y_train),
            "test": _points(d.X_test, d.y_test),
            "inputs": network.input_heatmaps(self.setup.features),
            "racing": self.racing,
            "race": [n.hidden[0] if n.hidden else self.setup.activation for n in self.race],
            "frame": self.race_frame(everyone=True) if self.racing else self.frame_message(),
        }

    def tick(self, epochs: int | None = None) -> dict[str, Any]:
        """Train one update and return the frame to draw: ``epochs`` whole epochs, or by default
        up to ``epochs_per_update`` epochs within :data:`TRAIN_SECONDS`."""
        with np.errstate(all="ignore"):
            return self._tick(epochs)

    def _tick(self, epochs: int | None) -> dict[str, Any]:
        nets = [n for n in self.race if not network.diverged(n)] if self.racing else [self.net]
        if nets:
            per_epoch = len(nets[0].loop.batches)
            if epochs:
                for net in nets:
                    network.train_steps(net, epochs * per_epoch)
            else:
                steps = self.setup.epochs_per_update * per_epoch
                network.train_within(nets, steps, TRAIN_SECONDS)
        if self.racing:
            return self.race_frame()
        if network.diverged(self.net):
            self.playing = False
            return {
                "type": "error",
                "context": "train",
                "message": "training diverged (weights overflowed): lower the learning rate "
                "and press reset",
            }
        return self.frame_message()

    def frame_message(self) -> dict[str, Any]:
        self.frame += 1
        return {
            "type": "frame",
            "frame": self.frame,
            **network.evaluate(self.net),
            **network.weights(self.net),
            "heat": network.heatmaps(self.net),
        }

    def race_frame(self, everyone: bool = False) -> dict[str, Any]:
        """Every racer's stats and output heatmap; when that takes longer than
        :data:`RACE_DRAW_SECONDS`, the racers are refreshed in turn (``everyone``: all now)."""
        self.frame += 1
        n = len(self.race)
        if len(self.race_runs) != n:
            self.race_runs, self.race_turn, everyone = [None] * n, 0, True
        if len(self.race_joined) != n:
            self.race_joined = [None] * n
        self.race_focus = min(self.race_focus, n - 1)
        deadline = time.perf_counter() + RACE_DRAW_SECONDS
        focused = self.race[self.race_focus]
        # the racer the main panels follow: always fresh, in full (gradients, weights, units)
        focus = {
            "index": self.race_focus,
            "activation": self.setup.race[self.race_focus],
            **network.evaluate(focused),
            **network.weights(focused),
            "heat": network.heatmaps(focused),
        }
        f = self.race_focus
        self.race_runs[f] = _race_run(focused, self.setup.race[f], self.race_joined[f], focus)
        others = [(self.race_turn + k) % n for k in range(n)]
        for k, i in enumerate(j for j in others if j != f):
            if k and not everyone and time.perf_counter() > deadline:
                self.race_turn = i
                break
            self.race_runs[i] = _race_run(self.race[i], self.setup.race[i], self.race_joined[i])
        else:
            self.race_turn = 0
        return {
            "type": "race_frame",
            "frame": self.frame,
            "runs": list(self.race_runs),
            "focus": focus,
        }


def _race_run(
    net: network.Network, spec: str, joined: float | None, focus: dict[str, Any] | None = None
) -> dict[str, Any]:
    # a race card shows losses only; the focused racer's were just computed in full
    stats = focus or network.evaluate(net, gradients=False)
    return {
        "activation": spec,
        "joined": joined,
        "epoch": stats["epoch"],
        "seconds": round(net.seconds, 5),
        "train_loss": stats["train_loss"],
        "test_loss": stats["test_loss"],
        "train_acc": stats["train_acc"],
        "test_acc": stats["test_acc"],
        "diverged": network.diverged(net),
        "heat": focus["heat"] if focus else network.heatmaps(net, units=False),
    }


def preview(spec: str) -> dict[str, Any]:
    """f and f' of an activation (name or formula, through ``actlab.get``) on [-5, 5]."""
    f = actlab.get(spec)
    x = np.linspace(-5.0, 5.0, 201)
    record = f.record
    return {
        "type": "preview",
        "spec": spec,
        "name": f.spec,
        "summary": record.summary,
        "latex": record.latex,
        "x": x.round(4).tolist(),
        "f": _clean(f(x)),
        "df": _clean(f.derivative(x)),
    }


def _clean(values: np.ndarray) -> list[float | None]:
    return [round(v, 6) if math.isfinite(v) else None for v in np.asarray(values).tolist()]


def _points(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
    labels = y.tolist()
    return [[round(a, 3), round(b, 3), c] for (a, b), c in zip(X.tolist(), labels)]


def _race(setup: Setup, data: network.Data) -> list[network.Network]:
    return [_racer(setup, data, spec) for spec in setup.race]


def _racer(setup: Setup, data: network.Data, spec: str) -> network.Network:
    # same data, same seed (so the same initial weights), one activation for every hidden layer
    return network.build(setup, data, [spec] * len(setup.layers))


_VIEW_ONLY = {
    "discretize",
    "show_test",
    "fps",
    "epochs_per_update",
    "race",
    "hide",
    "hide_text",
}
_OPTIMISER = {"learning_rate", "regularization", "reg_rate", "batch_size"}
_DATA = ("dataset", "noise", "train_ratio", "points", "classes", "seed")


def _differs(a: Setup, b: Setup) -> set[str]:
    da, db = a.to_dict(), b.to_dict()
    return {k for k in da if da[k] != db[k]}


def _same_run(a: Setup, b: Setup) -> bool:
    return _differs(a, b) <= _VIEW_ONLY


def _same_data(a: Setup, b: Setup) -> bool:
    return not (_differs(a, b) & set(_DATA))


def _same_model(a: Setup, b: Setup) -> bool:
    return _differs(a, b) <= _VIEW_ONLY | _OPTIMISER


def _rebuilt_keeping_weights(setup: Setup, data: network.Data, old: network.Network) -> Any:
    net = network.build(setup, data)
    for dst, src in zip(nn.parameters(net.model), nn.parameters(old.model)):
        dst[...] = src  # weights, biases and learnable activation parameters (PReLU's slope)
    net.epoch, net.seconds = old.epoch, old.seconds
    return net


def _load_weights(net: network.Network, weights: Any, biases: Any) -> None:
    model = net.model
    for name, given, arrays in (
        ("weights", weights, model.weights),
        ("biases", biases, model.biases),
    ):
        if not isinstance(given, list) or len(given) != len(arrays):
            raise ActlabError(f"import: {name} must be a list of {len(arrays)} layers")
        for layer, (values, array) in enumerate(zip(given, arrays)):
            try:
                a = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError):
                raise ActlabError(f"import: {name}[{layer}] is not numbers") from None
            if a.shape != array.shape[1:]:
                raise ActlabError(
                    f"import: {name}[{layer}] has shape {a.shape}, the setup needs "
                    f"{array.shape[1:]}"
                )
            if not np.all(np.isfinite(a)):
                raise ActlabError(f"import: {name}[{layer}] has values that are not finite")
            array[0] = a


def _load_act_params(net: network.Network, given: Any) -> None:
    if given is None:
        return  # files without learnable activations may leave them out
    layers = net.model.act_params
    if not isinstance(given, list) or len(given) != len(layers):
        raise ActlabError(f"import: act_params must be a list of {len(layers)} layers")
    for layer, (values, params) in enumerate(zip(given, layers)):
        if not isinstance(values, dict) or set(values) != set(params):
            raise ActlabError(f"import: act_params[{layer}] must name {sorted(params)}")
        for name, value in values.items():
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value):
                raise ActlabError(f"import: act_params[{layer}].{name} must be a finite number")
            params[name][0] = value
