"""The MNIST page's core without a browser: definitions, images, training, race, save/load, edge.

Everything trains on the embedded digits (or small IDX files written here in the real format),
for a fixed number of steps: no timing decides a result.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import threading
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from actlab.errors import ActlabError  # noqa: E402
from actlab.web.mnist import images, model, netdef, session, setup  # noqa: E402
from actlab.web.mnist.race import Race  # noqa: E402
from actlab.web.mnist.trainer import Trainer  # noqa: E402
from tests.test_data import cifar_batch, write_cifar10, write_mnist  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_thread():  # type: ignore[no-untyped-def]
    # as the server runs it (routes.TORCH_THREADS): two threads on a shared 2-core machine are
    # many times slower for this small network
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def handle(s: session.Session, raw: dict) -> list[dict]:
    return s.handle(setup.parse_message(raw))


def steps(trainer: Trainer, n: int) -> None:
    for _ in range(n):
        x, y, trainer.current = trainer.next_batch()
        trainer.step(x, y)


# ------------------------------------------------------------------ network definitions


def test_convnetjs_network_shapes_and_parameter_count() -> None:
    layers = netdef.parse(setup.CONVNETJS)
    expected = [(8, 24, 24), (8, 12, 12), (16, 12, 12), (16, 4, 4)]
    assert netdef.shapes(layers, (1, 24, 24)) == expected
    net = model.build(layers, (1, 24, 24), 10)
    # ConvNetJS's: 8*(25+1) + 16*(8*25+1) + 10*(256+1) weights and biases
    assert sum(p.numel() for p in net.parameters()) == 208 + 3216 + 2570
    assert netdef.parse(netdef.text(layers)) == layers  # the canonical text reads back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("conv size=5", "line 1: conv needs filters=N"),
        ("\n# comment\nlinear units=3", "line 3: unknown layer 'linear'"),
        ("pool size=2 filters=3", "line 1: pool takes size, stride, not 'filters'"),
        ("fc units=0", "line 1: units must be an integer 1..1024"),
        ("fc units=10 units=5", "units given twice"),
        ("fc units", "expected key=value"),
        ("softmax\nfc units=3", "line 2: softmax (line 1) must be last"),
        ("conv size=5 filters=9999", "filters must be an integer 1..64"),
        ("fc units=3\nconv size=3 filters=2", "comes after fc"),
        ("pool size=11\npool size=3", "smaller than the 3x3 window"),
        ("\n".join(["fc units=1024"] * 3), "parameters, at most"),
        ("\n".join(["fc units=5"] * 20), "at most 12 layers"),
    ],
)
def test_bad_definitions_name_their_line(text: str, message: str) -> None:
    with pytest.raises(ActlabError, match=re.escape(message)):
        netdef.shapes(netdef.parse(text), (1, 24, 24), 10)


def test_act_takes_a_formula_with_spaces_and_bad_ones_fail_at_build() -> None:
    (layer,) = netdef.parse("fc units=4 act=x * sigmoid(x)")
    assert layer.act == "x * sigmoid(x)"
    net = model.build([layer], (1, 8, 8), 10)
    assert net(torch.zeros(1, 1, 8, 8)).shape == (1, 10)
    with pytest.raises(ActlabError, match="line 1: act: unknown activation"):
        model.build(netdef.parse("fc units=4 act=nosuch"), (1, 8, 8), 10)


# ------------------------------------------------------------------ images


def test_crops_are_windows_of_the_padded_image() -> None:
    image = np.arange(16, dtype=np.uint8).reshape(1, 1, 4, 4)
    assert images.crops(image, 0, 2, None)[0, 0].tolist() == [[5, 6], [9, 10]]
    padded = np.pad(image[0, 0], 1)
    rng = np.random.default_rng(3)
    for crop in images.crops(np.repeat(image, 50, 0), 1, 4, rng)[:, 0]:
        windows = [padded[i : i + 4, j : j + 4] for i in range(3) for j in range(3)]
        assert any(np.array_equal(crop, w) for w in windows)


def test_mnist_from_idx_files(tmp_path: Path) -> None:
    write_mnist(tmp_path / "mnist", n_train=30, n_test=7)
    assert images.available(tmp_path)["mnist"] == ""
    assert "actlab data download fashion_mnist" in images.available(tmp_path)["fashion_mnist"]
    im = images.load("mnist", tmp_path)
    assert im.input_shape == (1, 24, 24) and len(im.y_test) == 7
    assert len(im.y_train) + len(im.y_val) == 30
    with pytest.raises(ActlabError, match="no fashion_mnist files"):
        images.load("fashion_mnist", tmp_path)
    s = session.Session(tmp_path)
    (state,) = handle(s, {"type": "setup", "setup": {"dataset": "mnist"}})
    assert state["network"] == setup.CONVNETJS and state["dataset"]["input"] == [1, 24, 24]
    assert state["parameters"] == 208 + 3216 + 2570
    (probe,) = handle(s, {"type": "probe", "pixels": [0.5] * 784})
    assert probe["tiles"][0]["shape"] == [1, 24, 24] and len(probe["probs"]) == 10


def test_cifar10_in_colour(tmp_path: Path) -> None:
    write_cifar10(tmp_path / "cifar10")
    im = images.load("cifar10", tmp_path)
    assert im.input_shape == (3, 32, 32) and im.classes[0] == "airplane"
    assert len(im.y_train) + len(im.y_val) == 20 and len(im.y_test) == 3
    # the pixels are the files' own bytes again (the loader's standardisation undone)
    raw = pickle.loads(cifar_batch(3, "labels", 10, 9, protocol=4))[b"data"]
    assert np.array_equal(im.pixels_test.reshape(3, -1), raw)
    s = session.Session(tmp_path)
    (state,) = handle(s, {"type": "setup", "setup": {"dataset": "cifar10"}})
    assert state["dataset"]["image"] == [3, 32, 32] and state["layers"][-1]["shape"] == [20, 4, 4]
    assert s.tick()["example"]["tiles"][0]["shape"] == [3, 32, 32]
    (probe,) = handle(s, {"type": "probe", "pixels": [0.25] * 3072})
    assert len(probe["probs"]) == 10


# ------------------------------------------------------------------ training


def test_digits_convnet_learns() -> None:
    t = Trainer(images.load("digits"), setup.DEFAULT)
    steps(t, 300)  # 6,000 examples: ConvNetJS's network sized for 8x8, Adadelta
    for _ in range(4):
        t.validate(100)
    stats = t.stats()
    assert stats["examples"] == 6000 and stats["val_acc"] > 0.9
    assert stats["forward_ms"] > 0 and stats["backward_ms"] > 0 and stats["l2_loss"] > 0
    assert stats["class_loss"] < 0.5
    test = t.test()
    assert test["accuracy"] > 0.9 and test["crops"] == 4 and test["images"] == 450
    assert np.sum(test["confusion"]) == 450
    grid = test["grid"]
    assert len(grid["pixels"]) == 40 * 64 and np.shape(grid["top3"]) == (40, 3)


def test_same_seed_same_run_and_retune_keeps_weights() -> None:
    im = images.load("digits")
    a, b = Trainer(im, setup.DEFAULT), Trainer(im, setup.DEFAULT)
    steps(a, 5)
    steps(b, 5)
    for p, q in zip(a.net.parameters(), b.net.parameters()):
        assert torch.equal(p, q)
    before = [p.clone() for p in a.net.parameters()]
    sgd = setup.DEFAULT.replace(optimizer="sgd", learning_rate=0.05, batch_size=7)
    a.retune(sgd)
    assert all(torch.equal(p, q) for p, q in zip(a.net.parameters(), before))
    a.retune(sgd.replace(learning_rate=0.2, momentum=0.5))
    group = a.optimizer.param_groups[0]
    assert (group["lr"], group["momentum"]) == (0.2, 0.5)
    steps(a, 1)
    assert a.examples == 5 * 20 + 7


def test_race_same_start_same_batches() -> None:
    im = images.load("digits")
    race = Race(im, setup.DEFAULT)
    nets = [r.net for r in race.racers]
    assert [lay.act for lay in nets[0].layers if lay.act] == ["sigmoid", "sigmoid"]
    for other in nets[1:]:
        for p, q in zip(nets[0].parameters(), other.parameters()):
            assert torch.equal(p, q)
    race.train_for(0.0)  # one batch each, and the first history point
    assert [r.examples for r in race.racers] == [20, 20, 20]
    frame = race.frame()
    assert [run["activation"] for run in frame["runs"]] == ["sigmoid", "tanh", "relu"]
    point = frame["runs"][2]["history"][0]
    assert len(point["grad"]) == len(point["blocked"]) == len(point["dead"]) == 2
    assert 0.0 <= point["blocked"][0] <= 1.0 and 0.0 <= point["test_acc"] <= 1.0
    # ReLU's derivative is 0 on the negative half: some values are off; tanh's rarely are
    relu, tanh = frame["runs"][2]["history"][0], frame["runs"][1]["history"][0]
    assert relu["blocked"][0] > tanh["blocked"][0]
    with pytest.raises(ActlabError, match="no act= to swap"):
        Race(im, setup.DEFAULT.replace(network="pool size=2"))
    s = session.Session()
    handle(s, {"type": "setup", "setup": {"race": ["relu", "nosuch"]}})  # checked at the start
    (reply,) = handle(s, {"type": "race", "on": True})
    assert reply["type"] == "error" and "unknown activation 'nosuch'" in reply["message"]
    assert s.race is None


# ------------------------------------------------------------------ a session


def test_session_play_frames_and_retune_while_running() -> None:
    s = session.Session()
    assert handle(s, {"type": "play"}) == [{"type": "playing", "playing": True}]
    frame = s.tick()
    assert frame["stats"]["examples"] > 0 and frame["example"]["tiles"][0]["name"] == "input"
    names = [t["name"] for t in frame["example"]["tiles"]]
    assert names == ["input", "conv", "relu", "pool", "conv", "relu", "pool", "softmax"]
    assert "test" in s.state()["frame"]  # a whole test pass; while training, a pass is spread:
    results = [s.trainer.test_step() for _ in range(23)]  # 450 digits, 20 a frame
    assert results[:22] == [None] * 22 and results[22]["images"] == 450
    assert [f["shape"] for f in frame["filters"]] == [[8, 1, 3, 3], [16, 8, 3, 3]]
    net = s.trainer.net
    (state,) = handle(s, {"type": "setup", "setup": {**s.setup.to_dict(), "batch_size": 50}})
    assert s.trainer.net is net and state["setup"]["batch_size"] == 50
    handle(s, {"type": "setup", "setup": {**s.setup.to_dict(), "network": "fc units=30 act=tanh"}})
    assert s.trainer.net is not net and s.setup.network == "fc units=30 act=tanh"
    replies = handle(s, {"type": "setup", "setup": {**s.setup.to_dict(), "network": "pool size=9"}})
    assert replies[0]["type"] == "error" and "smaller than the 9x9 window" in replies[0]["message"]
    assert s.setup.network == "fc units=30 act=tanh"  # an error changes nothing
    assert s.tick()["type"] == "frame"


def test_save_load_round_trip_and_torch_export() -> None:
    s = session.Session()
    s.tick()
    (saved,) = handle(s, {"type": "save"})
    data = json.loads(json.dumps(saved["data"]))  # through JSON text, as the page sends it
    probe = {"type": "probe", "pixels": list(np.linspace(0, 1, 64))}
    expected = handle(s, probe)[0]["probs"]
    fresh = session.Session()
    replies = handle(fresh, {"type": "load", "data": data})
    assert replies[-1]["type"] == "state" and fresh.trainer.examples == s.trainer.examples
    assert handle(fresh, probe)[0]["probs"] == expected
    for p, q in zip(s.trainer.net.parameters(), fresh.trainer.net.parameters()):
        assert torch.equal(p, q)
    (exported,) = handle(s, {"type": "export_torch"})
    state = torch.load(io.BytesIO(exported["data"]), weights_only=True)
    assert torch.equal(state["out.weight"], s.trainer.net.out.weight)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {"format": "other"}, "not an actlab-mnist-net file"),
        (lambda d: {**d, "input": [1, 24, 24]}, "this data set has"),
        (lambda d: {**d, "params": {}}, "params must name exactly"),
        (lambda d: {**d, "network": "conv size=5"}, "conv needs filters"),
        (
            lambda d: {**d, "params": {**d["params"], "out.bias": {"values": [1.0]}}},
            "out.bias needs 10 finite numbers",
        ),
        (
            lambda d: {**d, "params": {**d["params"], "out.bias": {"values": ["a"] * 10}}},
            "out.bias is not a list of numbers",
        ),
    ],
)
def test_bad_network_files_get_one_error(change, message: str) -> None:  # type: ignore[no-untyped-def]
    s = session.Session()
    data = handle(s, {"type": "save"})[0]["data"]
    net = s.trainer.net
    (reply,) = handle(s, {"type": "load", "data": change(data)})
    assert reply["type"] == "error" and message in reply["message"]
    assert s.trainer.net is net


# ------------------------------------------------------------------ the edge


class _FakeSocket:
    pass


def _connection():  # type: ignore[no-untyped-def]
    from actlab.web.mnist.routes import _Connection

    c = _Connection(_FakeSocket())  # type: ignore[arg-type]
    c.session = session.Session()
    return c


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "binary messages are not accepted"),
        ("{", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        ('{"type": "launch"}', "unknown message type 'launch'"),
        ('{"type": "ack"}', "missing field 'frame'"),
        ('{"type": "play", "x": 1}', "unexpected field 'x'"),
        ('{"type": "race", "on": 1}', "race.on: expected bool"),
        ('{"type": "probe", "pixels": [2]}', "every value must be a number from 0 to 1"),
        ('{"type": "probe", "pixels": [0.5]}', "expected 1x8x8 = 64 values, got 1"),
        ('{"type": "setup", "setup": {"batch_size": 1e9}}', "batch_size: expected an integer"),
        ('{"type": "setup", "setup": {"dataset": "imagenet"}}', "dataset: expected one of"),
        ('{"type": "setup", "setup": {"learning_rate": -1}}', "learning_rate: expected a number"),
        ('{"type": "setup", "setup": {"race": []}}', "race: expected a list of 1 to 6"),
        ('{"type": "setup", "setup": {"speed": 1}}', "unknown field 'speed'"),
        ('{"type": "setup", "setup": {"network": "fc units=3\\u0000"}}', "only printable"),
        ('{"type": "load", "data": []}', "load.data: expected dict"),
        ('"' + "x" * 2_000_001 + '"', "message too large"),
    ],
)
def test_bad_messages_get_one_error_and_the_session_goes_on(text, message: str) -> None:  # type: ignore[no-untyped-def]
    c = _connection()
    replies = c.answer(text)
    assert len(replies) == 1 and replies[0]["type"] == "error", replies
    assert message in replies[0]["message"]
    assert c.answer('{"type": "play"}') == [{"type": "playing", "playing": True}]


def test_a_bug_becomes_an_error_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _connection()

    def broken(msg):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(c.session, "_on_save", broken)
    (reply,) = c.answer('{"type": "save"}')
    assert reply["type"] == "error" and "ZeroDivisionError" in reply["message"]
    assert c.answer('{"type": "pause"}')[0] == {"type": "playing", "playing": False}


def test_session_lock_serialises_messages_and_training() -> None:
    s = session.Session()
    inside = threading.Event()
    release = threading.Event()
    original = s.trainer.train_for

    def slow(seconds: float) -> int:
        inside.set()
        release.wait(5)
        return original(seconds)

    s.trainer.train_for = slow  # type: ignore[method-assign]
    worker = threading.Thread(target=s.tick)
    worker.start()
    inside.wait(5)
    done: list[object] = []
    reader = threading.Thread(target=lambda: done.append(handle(s, {"type": "pause"})))
    reader.start()
    reader.join(0.2)
    assert not done  # the message waits for the training step, it does not interleave
    release.set()
    worker.join(5)
    reader.join(5)
    assert done


def test_cli_refuses_bad_data_and_device(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actlab.cli import main
    from actlab.web.mnist.routes import DATA_VARIABLE

    monkeypatch.delenv(model.DEVICE_VARIABLE, raising=False)
    monkeypatch.delenv(DATA_VARIABLE, raising=False)
    assert main(["playground", "--no-browser", "--data", str(tmp_path / "none")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["playground", "--no-browser", "--device", "tpu"]) == 2
    assert "unknown device 'tpu'" in capsys.readouterr().err
    assert model.DEVICE_VARIABLE not in os.environ and DATA_VARIABLE not in os.environ


def test_device_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model.DEVICE_VARIABLE, "cpu")
    assert session.Session().state()["device"] == "cpu"
    monkeypatch.setenv(model.DEVICE_VARIABLE, "nonsense")
    with pytest.raises(ActlabError, match="unknown device"):
        session.Session()
