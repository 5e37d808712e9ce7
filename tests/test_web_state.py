"""The playground's state record and message schema: every bound holds, every field is checked."""

from __future__ import annotations

import pytest

from actlab import ActlabError
from actlab.web.state import DEFAULT, LIMITS, parse_message, parse_setup


def test_defaults_are_tf_playground() -> None:
    s = parse_setup({})
    assert (s.dataset, s.layers, s.activation, s.learning_rate) == ("circle", (4, 2), "tanh", 0.03)
    assert (s.batch_size, s.train_ratio, s.noise, s.features) == (10, 50, 0.0, ("x1", "x2"))
    assert parse_setup(DEFAULT.to_dict()) == DEFAULT


def test_round_trip_and_feature_order() -> None:
    s = parse_setup({"features": ["sinx2", "x1"], "layers": [], "layer_activations": []})
    assert s.features == ("x1", "sinx2") and s.layers == ()
    assert parse_setup(s.to_dict()) == s


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ([], "must be an object"),
        ({"bogus": 1}, "unknown field 'bogus'"),
        ({"layers": [4] * (LIMITS["max_layers"] + 1)}, "at most 8 hidden layers"),
        ({"layers": [LIMITS["max_neurons"] + 1]}, "neurons"),
        ({"layers": [0]}, "neurons"),
        ({"layers": "4,2"}, "layers"),
        ({"batch_size": LIMITS["max_batch"] + 1}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"points": LIMITS["max_points"] + 1}, "points"),
        ({"noise": 60}, "noise"),
        ({"noise": float("inf")}, "noise"),
        ({"train_ratio": 95}, "train_ratio"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"fps": 1000}, "fps"),
        ({"epochs_per_update": 0}, "epochs_per_update"),
        ({"activation": "x" * (LIMITS["max_formula"] + 1)}, "at most 200 characters"),
        ({"activation": ""}, "activation"),
        ({"activation": "relu\x00"}, "printable"),
        ({"activation": 3}, "activation"),
        ({"features": []}, "at least one"),
        ({"features": ["x3"]}, "features"),
        ({"race": []}, "at least one"),
        ({"race": ["relu"] * 7}, "race"),
        ({"dataset": "moons"}, "dataset"),
        ({"dataset": "plane"}, "regression data set"),
        ({"classes": 3}, "2 classes"),
        ({"dataset": "blobs", "classes": 3}, "needs cross_entropy"),
        ({"dataset": "plane", "problem": "regression", "loss": "cross_entropy"}, "mse"),
        ({"layers": [2], "layer_activations": ["relu", "tanh"]}, "more entries"),
        ({"discretize": "yes"}, "true or false"),
    ],
)
def test_bad_setups(raw: object, match: str) -> None:
    with pytest.raises(ActlabError, match=match):
        parse_setup(raw)


def test_messages() -> None:
    m = parse_message({"type": "set_weight", "layer": 0, "source": 1, "target": 2, "value": -0.5})
    assert m.type == "set_weight" and m["value"] == -0.5
    assert parse_message({"type": "race", "on": True})["on"] is True


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("play", "JSON object"),
        ({"type": "explode"}, "unknown message type"),
        ({}, "unknown message type"),
        ({"type": "play", "extra": 1}, "unexpected field"),
        ({"type": "ack"}, "missing field 'frame'"),
        ({"type": "ack", "frame": -1}, "ack.frame"),
        ({"type": "ack", "frame": "1"}, "ack.frame"),
        ({"type": "set_bias", "layer": 0, "unit": 0, "value": 1e9}, "set_bias.value"),
        ({"type": "set_bias", "layer": 0, "unit": 0, "value": float("nan")}, "set_bias.value"),
        ({"type": "race", "on": 1}, "race.on"),
        ({"type": "setup", "setup": []}, "setup.setup"),
        ({"type": "preview", "spec": "x" * 500}, "at most 200"),
    ],
)
def test_bad_messages(raw: object, match: str) -> None:
    with pytest.raises(ActlabError, match=match):
        parse_message(raw)
