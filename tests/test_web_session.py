"""A playground session without sockets: setups, training, weights, export/import, race, CSV."""

from __future__ import annotations

import json

import numpy as np
import pytest

import actlab
from actlab.data import toy
from actlab.web import wire
from actlab.web.session import Session, hello
from actlab.web.state import parse_message


def send(session: Session, **message: object) -> list[dict]:
    replies = session.handle(parse_message(message))
    for reply in replies:  # everything the server sends goes on the wire, and comes back whole
        assert wire.decode(wire.encode(reply)) == reply
    return replies


@pytest.fixture(autouse=True)
def _untimed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An update's time budgets made generous: what these tests check must not depend on how
    busy the machine is (the tests of the budgets set them themselves)."""
    from actlab.web import session

    monkeypatch.setattr(session, "TRAIN_SECONDS", 60.0)
    monkeypatch.setattr(session, "RACE_DRAW_SECONDS", 60.0)


def only(replies: list[dict], kind: str) -> dict:
    found = [r for r in replies if r["type"] == kind]
    assert found, replies
    return found[-1]


def test_hello_lists_the_registry() -> None:
    h = hello()
    assert [a["name"] for a in h["activations"]] == actlab.names()
    assert [d["name"] for d in h["datasets"]] == list(toy.TOY_DATASETS)


def test_training_lowers_the_loss_and_frames_are_complete() -> None:
    s = Session()
    first = only(send(s, type="step"), "frame")
    for _ in range(15):
        frame = s.tick()
    assert frame["epoch"] == 16 and frame["train_loss"] < first["train_loss"]
    assert len(frame["grad"]) == 3 and all(g > 0 for g in frame["grad"])
    assert [len(u) for u in frame["saturation"]] == [4, 2]
    heat = frame["heat"]
    assert len(heat["output"]) == 100 * 100
    assert [len(u) for u in heat["units"]] == [4, 2]
    assert len(heat["units"][0][0]) == 50 * 50
    assert np.array(frame["weights"][0]).shape == (2, 4)


def test_optimiser_change_keeps_weights_architecture_change_rebuilds() -> None:
    s = Session()
    for _ in range(3):
        s.tick()
    before = s.net.model.weights[0].copy()
    state = only(send(s, type="setup", setup={**s.setup.to_dict(), "learning_rate": 0.1}), "state")
    assert state["frame"]["epoch"] == 3 and np.array_equal(s.net.model.weights[0], before)
    state = only(send(s, type="setup", setup={**s.setup.to_dict(), "layers": [3]}), "state")
    assert state["frame"]["epoch"] == 0 and state["sizes"] == [2, 3, 1]


def test_optimiser_change_keeps_a_learned_prelu_slope() -> None:
    s = Session()
    send(s, type="setup", setup={**s.setup.to_dict(), "activation": "prelu"})
    for _ in range(3):
        s.tick()
    slope = s.net.model.act_params[0]["a"][0]
    assert slope != 0.25  # trained away from its default
    send(s, type="setup", setup={**s.setup.to_dict(), "learning_rate": 0.1})
    assert s.net.model.act_params[0]["a"][0] == slope


def test_bad_setup_is_an_error_and_keeps_the_session() -> None:
    s = Session()
    reply = only(send(s, type="setup", setup={"activation": "no_such_thing"}), "error")
    assert "unknown activation" in reply["message"] and reply["setup"]["activation"] == "tanh"
    assert only(send(s, type="step"), "frame")["epoch"] == 1


def test_formulas_go_through_actlab_get() -> None:
    s = Session()
    bad = only(send(s, type="preview", spec="__import__('os').system('true')"), "error")
    assert bad["context"] == "preview"
    try:
        actlab.get("x*sigmoid(x)")
    except actlab.ActlabError:
        pytest.skip("custom formulas land with the formula branch")
    ok = only(send(s, type="preview", spec="x*sigmoid(x)"), "preview")
    assert ok["f"][100] == 0.0 and abs(ok["df"][100] - 0.5) < 1e-6


def test_preview_of_a_catalog_activation() -> None:
    p = only(send(Session(), type="preview", spec="sigmoid"), "preview")
    assert p["f"][100] == 0.5 and p["df"][100] == 0.25 and len(p["x"]) == 201


def test_edit_weight_and_bias() -> None:
    s = Session()
    frame = only(send(s, type="set_weight", layer=1, source=3, target=1, value=2.5), "frame")
    assert frame["weights"][1][3][1] == 2.5
    frame = only(send(s, type="set_bias", layer=2, unit=0, value=-1.0), "frame")
    assert frame["biases"][2][0] == -1.0
    assert (
        "no weight"
        in only(send(s, type="set_weight", layer=1, source=4, target=0, value=1.0), "error")[
            "message"
        ]
    )
    assert (
        "no unit" in only(send(s, type="set_bias", layer=5, unit=0, value=1.0), "error")["message"]
    )


def test_export_import_round_trip() -> None:
    s = Session()
    send(
        s,
        type="setup",
        setup={**s.setup.to_dict(), "dataset": "xor", "layers": [5, 3], "activation": "relu"},
    )
    for _ in range(4):
        s.tick()
    data = json.loads(json.dumps(only(send(s, type="export"), "export")["data"]))
    t = Session()
    state = only(send(t, type="import", data=data), "state")
    assert state["setup"] == s.setup.to_dict() and state["frame"]["epoch"] == 4
    assert state["frame"]["heat"]["output"] == s.frame_message()["heat"]["output"]
    data["weights"][0] = [[1.0]]
    assert "shape" in only(send(t, type="import", data=data), "error")["message"]
    assert "not an actlab" in only(send(t, type="import", data={"format": "x"}), "error")["message"]


def test_csv_points_and_export_keeps_them() -> None:
    X, y = toy.generate("blobs", 300, 5, 1, classes=4)
    s = Session()
    state = only(send(s, type="points", csv=toy.to_csv(X, y)), "state")
    assert state["setup"]["dataset"] == "csv" and state["classes"] == 4
    assert state["output_kind"] == "softmax" and len(state["train"]) == 150
    frame = s.tick()
    assert "classes" in frame["heat"] and frame["train_acc"] is not None
    data = only(send(s, type="export"), "export")["data"]
    assert only(send(Session(), type="import", data=data), "state")["classes"] == 4
    assert "3 columns" in only(send(s, type="points", csv="1,2\n"), "error")["message"]


def test_race_same_start_different_activations() -> None:
    s = Session()
    setup = {**s.setup.to_dict(), "race": ["relu", "tanh", "sigmoid"]}
    send(s, type="setup", setup=setup)
    state = only(send(s, type="race", on=True), "state")
    assert state["racing"] and state["race"] == ["relu", "tanh", "sigmoid"]
    first = [n.model.weights[0].copy() for n in s.race]
    assert all(np.array_equal(first[0], w) for w in first)
    frame = s.tick()
    assert frame["type"] == "race_frame" and [r["epoch"] for r in frame["runs"]] == [1, 1, 1]
    assert all(r["seconds"] > 0 for r in frame["runs"])
    assert len({r["train_loss"] for r in frame["runs"]}) == 3
    assert only(send(s, type="race", on=False), "state")["racing"] is False


@pytest.mark.parametrize("name", actlab.names())
def test_every_catalog_activation_trains(name: str) -> None:
    s = Session()
    only(send(s, type="setup", setup={**s.setup.to_dict(), "activation": name}), "state")
    frame = s.tick()
    assert frame["type"] == "frame" and frame["epoch"] == 1


def test_regression_and_multiclass() -> None:
    s = Session()
    setup = {**s.setup.to_dict(), "dataset": "multi_gauss", "problem": "regression"}
    state = only(send(s, type="setup", setup=setup), "state")
    assert state["output_kind"] == "linear" and state["frame"]["train_acc"] is None
    setup = {
        **setup,
        "dataset": "spiral",
        "problem": "classification",
        "classes": 5,
        "loss": "cross_entropy",
        "layers": [8, 8],
    }
    state = only(send(s, type="setup", setup=setup), "state")
    assert state["sizes"] == [2, 8, 8, 5] and state["output_kind"] == "softmax"


def test_divergence_pauses_with_an_error() -> None:
    s = Session()
    setup = {
        **s.setup.to_dict(),
        "activation": "identity",
        "learning_rate": 10.0,
        "batch_size": 1,
        "layers": [8, 8, 8],
        "dataset": "plane",
        "problem": "regression",
        "points": 100,
    }
    send(s, type="setup", setup=setup)
    send(s, type="play")
    for _ in range(5):
        reply = s.tick()
        if reply["type"] == "error":
            break
    assert "diverged" in reply["message"] and not s.playing


def test_no_hidden_layer_is_a_linear_model() -> None:
    s = Session()
    state = only(send(s, type="setup", setup={**s.setup.to_dict(), "layers": []}), "state")
    assert state["sizes"] == [2, 1] and state["frame"]["heat"]["units"] == []
    assert s.tick()["epoch"] == 1


def test_an_update_is_bounded_in_time_and_splits_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    from actlab.web import session

    setup = {**Session().setup.to_dict(), "epochs_per_update": 50, "batch_size": 2}
    whole = Session()
    send(whole, type="setup", setup=setup)
    assert whole.tick()["epoch"] == 50  # 125 steps an epoch, 50 epochs within the time
    assert whole.tick(epochs=1)["epoch"] == 51  # the step button: one whole epoch

    monkeypatch.setattr(session, "TRAIN_SECONDS", 0.0)  # no time at all: one step an update
    split, once = Session(), Session()
    send(split, type="setup", setup=setup)
    send(once, type="setup", setup=setup)
    assert split.tick()["epoch"] == 0.008  # 1 of 125 batches
    for _ in range(124):
        frame = split.tick()
    assert frame["epoch"] == 1 and split.net.step == 0
    once.tick(epochs=1)
    # an epoch split across 125 updates trains exactly as one epoch in one go
    for a, b in zip(split.net.loop.packed, once.net.loop.packed):
        np.testing.assert_array_equal(a, b)
    export = only(send(split, type="export"), "export")["data"]
    assert export["epoch"] == 1 and export["step"] == 0


def test_a_big_race_refreshes_its_runs_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    from actlab.web import session

    s = Session()
    send(s, type="setup", setup={**s.setup.to_dict(), "race": ["relu", "tanh", "gelu"]})
    state = only(send(s, type="race", on=True), "state")
    assert [r["epoch"] for r in state["frame"]["runs"]] == [0, 0, 0]  # a new race: all drawn
    monkeypatch.setattr(session, "RACE_DRAW_SECONDS", 0.0)
    epochs = [[r["epoch"] for r in s.tick(epochs=1)["runs"]] for _ in range(3)]
    # every racer trains each update; the one the page follows (the first) is drawn every
    # update, the others one an update, in turn
    assert epochs == [[1, 1, 0], [2, 1, 2], [3, 3, 2]]
    assert [n.epoch for n in s.race] == [3, 3, 3]


def test_race_choices_apply_at_once_and_latecomers_start_from_the_shared_weights() -> None:
    s = Session()
    send(s, type="setup", setup={**s.setup.to_dict(), "race": ["relu", "tanh"]})
    only(send(s, type="race", on=True), "state")
    initial = [p.copy() for p in s.race[0].loop.packed]
    for _ in range(3):
        s.tick(epochs=1)
    relu = s.race[0]
    state = only(
        send(s, type="setup", setup={**s.setup.to_dict(), "race": ["relu", "gelu"]}), "state"
    )
    runs = state["frame"]["runs"]
    assert [r["activation"] for r in runs] == ["relu", "gelu"] and s.race[0] is relu
    assert runs[0]["joined"] is None and runs[1]["joined"] == 3 and runs[1]["epoch"] == 0
    for a, b in zip(s.race[1].loop.packed, initial):  # gelu starts where relu started
        np.testing.assert_array_equal(a, b)
    # the main panels follow the chosen racer: its full frame comes with every race frame
    frame = only(send(s, type="focus", index=1), "race_frame")
    assert frame["focus"]["index"] == 1 and frame["focus"]["activation"] == "gelu"
    assert len(frame["focus"]["grad"]) == 3 and frame["focus"]["heat"]["units"]
    assert "no such racer" in only(send(s, type="focus", index=5), "error")["message"]


def test_export_keeps_learnable_activation_parameters() -> None:
    if "prelu" not in actlab.names():
        pytest.skip("PReLU lands with the catalog branch")
    s = Session()
    send(s, type="setup", setup={**s.setup.to_dict(), "activation": "prelu"})
    for _ in range(3):
        s.tick()
    data = json.loads(json.dumps(only(send(s, type="export"), "export")["data"]))
    slope = data["act_params"][0]
    assert slope and all(isinstance(v, float) for v in slope.values())
    t = Session()
    only(send(t, type="import", data=data), "state")
    assert t.net.model.act_params[0].keys() == s.net.model.act_params[0].keys()
    for name, v in s.net.model.act_params[0].items():
        assert t.net.model.act_params[0][name][0] == v[0]
    data["act_params"][0] = {"nonsense": 1.0}
    assert "must name" in only(send(t, type="import", data=data), "error")["message"]
