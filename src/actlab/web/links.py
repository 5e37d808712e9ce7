"""Playground links: the URL hash that holds a :class:`~actlab.web.state.Setup`, read field by
field so that no single bad or unknown field throws a link away, and TensorFlow Playground's own
links, read and written.

Reading (:func:`read`) never fails: each field is parsed on its own; a bad value keeps its
default and a note says which field was ignored and why; an unknown field is noted too; then
fields that contradict each other are reconciled, again with a note. The grammar::

    hash    := ["#"] field ("&" field)*
    field   := name "=" value          (value percent-decoded; "+" stays "+")
    value   := text | list
    list    := item ("," item)*  |  JSON array of strings (activation lists, as written)

Names are :class:`Setup`'s fields, TensorFlow Playground's (:data:`TF_FIELDS`), or
``<control>_hide`` (TF Playground's way of hiding a control; ``hide=a,b`` is actlab's).

>>> setup, notes = read("#dataset=xor&hideText=true&layers=4,4,99&learning_rate=abc")
>>> setup.dataset, setup.hide_text, setup.layers, setup.learning_rate
('xor', True, (4, 2), 0.03)
>>> for note in notes:
...     print(note)
layers: neurons: expected an integer from 1 to 16, got 99 (kept 4,2)
learning_rate: expected a number, got 'abc' (kept 0.03)
>>> read("#activation=relu&batchSize=20&networkShape=3&x=false&xSquared=true")[0].features
('x2', 'x1sq')
"""

from __future__ import annotations

import json
import math
import re
import zlib
from typing import Any
from urllib.parse import quote, unquote

from actlab.data.toy import TOY_DATASETS
from actlab.errors import ActlabError
from actlab.web.state import _FIELDS, DEFAULT, HIDABLE, Setup, _check, parse_setup

#: where a TensorFlow Playground link points
TF_URL = "https://playground.tensorflow.org/#"
#: TensorFlow Playground's link fields that are not actlab's -> actlab's field
TF_FIELDS = {
    "batchSize": "batch_size",
    "learningRate": "learning_rate",
    "regularizationRate": "reg_rate",
    "networkShape": "layers",
    "showTestData": "show_test",
    "percTrainData": "train_ratio",
    "initZero": "init_zero",
    "hideText": "hide_text",
}
#: TF Playground's input feature flags -> actlab's features (its cosX, cosY are never shown)
TF_FEATURES = {
    "x": "x1",
    "y": "x2",
    "xTimesY": "x1x2",
    "xSquared": "x1sq",
    "ySquared": "x2sq",
    "sinX": "sinx1",
    "sinY": "sinx2",
}
#: TF Playground's data sets -> actlab's toy sets
TF_DATASETS = {"circle": "circle", "xor": "xor", "gauss": "gauss", "spiral": "spiral"}
TF_REG_DATASETS = {"reg-plane": "plane", "reg-gauss": "multi_gauss"}
#: TF Playground's activations -> actlab's
TF_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "identity"}
#: TF Playground's hidable controls (``<name>_hide``) -> actlab's :data:`HIDABLE` keys
TF_HIDE = {
    "showTestData": "show_test",
    "discretize": "discretize",
    "playButton": "play",
    "stepButton": "step",
    "resetButton": "reset",
    "learningRate": "learning_rate",
    "activation": "activation",
    "regularization": "regularization",
    "regularizationRate": "reg_rate",
    "problem": "problem",
    "dataset": "dataset",
    "percTrainData": "train_ratio",
    "noise": "noise",
    "batchSize": "batch_size",
    "numHiddenLayers": "layers",
}
#: TF Playground fields that change nothing here
TF_IGNORED = {
    "collectStats": "actlab always measures what it shows",
    "tutorial": "TF Playground's tutorials are not part of actlab",
    "cosX": "TF Playground never offers it either",
    "cosY": "TF Playground never offers it either",
}
#: TF Playground's limits, for "does this setup fit a TF Playground link"
TF_MAX_LAYERS, TF_MAX_NEURONS, TF_MAX_BATCH = 6, 8, 30
#: TF seeds are strings such as "0.12345"; actlab's seed s < TF_SEEDS writes as s / TF_SEEDS
TF_SEEDS = 100_000

_INT = re.compile(r"[+-]?\d+")
_LISTS = {"layer_activations", "race", "hide"}


def read(hash_text: str) -> tuple[Setup, list[str]]:
    """The setup a link describes and a note per field that was ignored or changed."""
    params: dict[str, str] = {}
    for part in hash_text.lstrip("#").split("&"):
        if part:
            name, _, value = part.partition("=")
            params[unquote(name)] = unquote(value)
    notes: list[str] = []
    raw = _from_tf(params, notes)
    for name in list(params):
        if name in _FIELDS:
            raw[name] = params.pop(name)
    for name in params:
        notes.append(f"{_show(name)}: not a playground field (ignored)")
    fields: dict[str, Any] = {}
    for name, text in raw.items():
        try:
            fields[name] = _field(name, text)
        except ActlabError as exc:
            kept = _text(name, getattr(DEFAULT, name))
            notes.append(f"{name}: {_reason(name, exc)} (kept {kept})")
    return _reconcile(fields, notes), notes


def _from_tf(params: dict[str, str], notes: list[str]) -> dict[str, str]:
    """TF Playground's fields taken out of ``params``, as actlab field texts."""
    raw: dict[str, str] = {}
    for tf_name, name in TF_FIELDS.items():
        if tf_name in params:
            text = params.pop(tf_name)
            if name in ("show_test", "init_zero", "hide_text"):  # TF: anything but "false"
                text = "false" if text == "false" else "true"
            raw[name] = text
    flags = {f: params.pop(f) for f in list(TF_FEATURES) if f in params}
    if flags:
        on = [
            feature
            for flag, feature in TF_FEATURES.items()
            if flags.get(flag, "true" if flag in ("x", "y") else "false") != "false"
        ]
        raw["features"] = ",".join(on)
    regression = params.get("problem") == "regression"
    reg = params.pop("regDataset", None)
    if regression and reg is not None:
        if reg in TF_REG_DATASETS:
            params["dataset"] = TF_REG_DATASETS[reg]
        else:
            notes.append(f"regDataset: expected reg-plane or reg-gauss, got {_show(reg)}")
    elif regression and params.get("dataset") in TF_DATASETS:
        params["dataset"] = "plane"  # TF keeps both; regression reads regDataset (reg-plane)
    if params.get("activation") in TF_ACTIVATIONS:
        params["activation"] = TF_ACTIVATIONS[params["activation"]]
    if params.get("regularization") in ("L1", "L2"):
        params["regularization"] = params["regularization"].lower()
    seed = params.get("seed")
    if seed is not None and not _INT.fullmatch(seed):
        params["seed"] = str(_tf_seed(seed))
    for name in list(params):
        if name in TF_IGNORED:
            if params[name] not in ("", "false"):  # TF writes cosX=false etc. in every link
                notes.append(f"{name}: {TF_IGNORED[name]} (ignored)")
            del params[name]
    hidden: list[str] = []
    for name in [n for n in params if n.endswith("_hide")]:
        control = name[: -len("_hide")]
        control = TF_HIDE.get(control, control)
        if control not in HIDABLE:
            notes.append(f"{_show(name)}: no such control to hide (ignored)")
        elif params[name] == "true":
            hidden.append(control)
        del params[name]
    if hidden:
        extra = params.pop("hide", "")
        raw["hide"] = ",".join([*filter(None, extra.split(",")), *hidden])
    return raw


def _tf_seed(text: str) -> int:
    """TF Playground's seed string as an actlab seed: "0.12345" -> 12345 (what :func:`tf_link`
    writes), any other text a stable hash of it."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    scaled = value * TF_SEEDS
    if 0 <= value < 1 and abs(scaled - round(scaled)) < 1e-6:
        return round(scaled)
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def _field(name: str, text: str) -> Any:
    """One field's text -> its checked value (raises ActlabError)."""
    default = getattr(DEFAULT, name)
    if isinstance(default, bool):
        if text not in ("true", "false"):
            raise ActlabError(f"expected true or false, got {_show(text)}")
        value: Any = text == "true"
    elif isinstance(default, int):
        if not _INT.fullmatch(text.strip()):
            raise ActlabError(f"expected an integer, got {_show(text)}")
        value = int(text)
    elif isinstance(default, float):
        try:
            value = float(text)
        except ValueError:
            raise ActlabError(f"expected a number, got {_show(text)}") from None
        if not math.isfinite(value):
            raise ActlabError(f"expected a finite number, got {_show(text)}")
    elif isinstance(default, tuple):
        value = _items(name, text)
    else:
        value = text
    checked = _check(name, value)
    if name == "activation":
        _resolves(name, checked)
    elif name in ("layer_activations", "race"):
        for spec in checked:
            if spec:
                _resolves(name, spec)
    return checked


def _items(name: str, text: str) -> list[Any]:
    if name in _LISTS and text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            raise ActlabError(f"not a JSON list: {_show(text)}") from None
        if not isinstance(items, list):
            raise ActlabError(f"not a JSON list: {_show(text)}")
        return items
    items = [] if text.strip() == "" else text.split(",")
    if name != "layers":
        return [item.strip() for item in items]
    if not all(_INT.fullmatch(item.strip()) for item in items):
        raise ActlabError(f"expected widths such as 4,2, got {_show(text)}")
    return [int(item) for item in items]


def _resolves(name: str, spec: str) -> None:
    import actlab

    try:
        actlab.get(spec)
    except ActlabError as exc:
        raise ActlabError(str(exc).splitlines()[0]) from None


def _reconcile(fields: dict[str, Any], notes: list[str]) -> Setup:
    """A consistent Setup from fields that are each valid but may contradict each other."""
    meta = TOY_DATASETS.get(fields.get("dataset", DEFAULT.dataset))
    if meta is None:  # 'csv': a link cannot carry the points
        notes.append("dataset: a link cannot carry CSV points; upload them again (kept circle)")
        del fields["dataset"]
        meta = TOY_DATASETS[DEFAULT.dataset]
    problem = fields.get("problem", DEFAULT.problem)
    if problem != meta.problem:
        if "problem" in fields and "dataset" in fields:
            notes.append(f"problem: {meta.name} is a {meta.problem} data set (took {meta.problem})")
        fields["problem"] = meta.problem
    if fields.get("classes", 2) != 2 and not meta.multiclass:
        notes.append(f"classes: {meta.name} has 2 classes (took 2)")
        fields["classes"] = 2
    loss = fields.get("loss", DEFAULT.loss)
    if meta.problem == "regression" and loss != "mse":
        notes.append("loss: regression uses mse (took mse)")
        fields["loss"] = "mse"
    elif fields.get("classes", 2) > 2 and loss != "cross_entropy":
        if "loss" in fields:
            notes.append("loss: more than two classes needs cross_entropy (took it)")
        fields["loss"] = "cross_entropy"
    layers = fields.get("layers", DEFAULT.layers)
    own = fields.get("layer_activations", ())
    if len(own) > len(layers):
        notes.append(
            f"layer_activations: more entries than the {len(layers)} hidden layers "
            "(dropped the rest)"
        )
        fields["layer_activations"] = own[: len(layers)]
    return parse_setup({k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()})


# ------------------------------------------------------------------------------------ writing


def write(setup: Setup) -> str:
    """The link's hash (without '#') of ``setup``: every field, as :func:`read` reads it."""
    return "&".join(
        f"{name}={quote(_text(name, value), safe=',[]')}" for name, value in setup.to_dict().items()
    )


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        if name in ("layer_activations", "race"):
            return json.dumps(list(value), separators=(",", ":"))
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if name == "noise" else repr(value)
    return str(value)


def tf_link(setup: Setup) -> tuple[str | None, list[str]]:
    """TF Playground's link for ``setup``, or None and the reasons it does not fit there."""
    why = []
    reverse = {v: k for k, v in TF_ACTIVATIONS.items()}
    if setup.activation not in reverse:
        why.append(f"TF Playground has relu, tanh, sigmoid and linear, not {setup.activation}")
    if any(setup.layer_activations):
        why.append("TF Playground has one activation for all layers")
    if setup.loss != "mse":
        why.append("TF Playground trains with squared loss only")
    tf_sets = {**TF_DATASETS, **{v: k for k, v in TF_REG_DATASETS.items()}}
    if setup.dataset not in tf_sets or setup.classes != 2:
        why.append(f"TF Playground has no {setup.dataset} data set with {setup.classes} classes")
    if setup.points:
        why.append("TF Playground's point counts are fixed")
    if len(setup.layers) > TF_MAX_LAYERS or any(n > TF_MAX_NEURONS for n in setup.layers):
        why.append(f"TF Playground takes at most {TF_MAX_LAYERS} layers of {TF_MAX_NEURONS}")
    if setup.batch_size > TF_MAX_BATCH:
        why.append(f"TF Playground's batch size goes to {TF_MAX_BATCH}")
    if why:
        return None, why
    features = {flag: feature in setup.features for flag, feature in TF_FEATURES.items()}
    classify = setup.problem == "classification"
    fields = {
        "activation": reverse[setup.activation],
        "batchSize": setup.batch_size,
        "dataset": setup.dataset if classify else "circle",
        "regDataset": "reg-plane" if classify else tf_sets[setup.dataset],
        "learningRate": setup.learning_rate,
        "regularizationRate": setup.reg_rate,
        "noise": _text("noise", setup.noise),
        "networkShape": ",".join(map(str, setup.layers)),
        "seed": f"{setup.seed / TF_SEEDS:.5f}" if setup.seed < TF_SEEDS else None,
        "showTestData": setup.show_test,
        "discretize": setup.discretize,
        "percTrainData": setup.train_ratio,
        **features,
        "problem": setup.problem,
        "initZero": setup.init_zero,
        "hideText": setup.hide_text,
    }
    if setup.regularization != "none":
        fields["regularization"] = setup.regularization.upper()
    tf_hide = {v: k for k, v in TF_HIDE.items()}
    for control in setup.hide:
        if control in tf_hide:
            fields[f"{tf_hide[control]}_hide"] = True
    text = "&".join(f"{k}={_text(k, v)}" for k, v in fields.items() if v is not None)
    return TF_URL + text, []


def _reason(name: str, exc: ActlabError) -> str:
    text = str(exc)
    return text[len(name) + 2 :] if text.startswith(f"{name}: ") else text


def _show(text: str) -> str:
    return repr(text) if len(text) <= 30 else repr(text[:27] + "...")
