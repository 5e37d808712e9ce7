"""CNN experiments end to end on tiny data: compare's torch backend, reproduce xu2015."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from actlab import data  # noqa: E402
from actlab.cli import main  # noqa: E402
from actlab.compare.config import StudyConfig  # noqa: E402
from actlab.experiments import xu2015  # noqa: E402
from actlab.torch.backend import TorchBackend  # noqa: E402


def _batch(n: int, seed: int, label_key: bytes = b"labels", classes: int = 10) -> bytes:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    # a learnable signal: the class sets the mean brightness of the red channel
    images = rng.integers(0, 120, (n, 3072)).astype(np.uint8)
    images[:, :1024] += (labels[:, None] * 12).astype(np.uint8)
    return pickle.dumps({b"data": images, label_key: labels.tolist()}, protocol=2)


def write_cifar10(folder: Path, n: int = 12) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(1, 6):
        (folder / f"data_batch_{i}").write_bytes(_batch(n, i))
    (folder / "test_batch").write_bytes(_batch(n, 9))
    return folder


def _digits_subset() -> data.Dataset:
    ds = data.load("digits")
    return data.Dataset(
        name="digits",
        kind=ds.kind,
        x_train=ds.x_train[:200],
        y_train=ds.y_train[:200],
        x_test=ds.x_test[:100],
        y_test=ds.y_test[:100],
        classes=ds.classes,
        image_shape=ds.image_shape,
    )


@pytest.mark.parametrize("model", ["cnn", "nin:0.1", "mlp:16"])
def test_torch_backend_restores_bit_for_bit(model):
    """Backend contract: a dumped and restored stack trains on to exactly the same numbers."""
    ds = _digits_subset()
    cfg = StudyConfig(
        activations=("rrelu",), model=model, epochs=2, lr=0.02, batch_size=32, optimizer="momentum"
    ).resolved()
    backend = TorchBackend()
    backend.check(cfg, ds)
    stack = backend.build(cfg, ds, "rrelu", [0, 1])
    backend.train_epoch(stack, ds)
    restored = backend.restore(cfg, ds, "rrelu", [0, 1], backend.dump(stack))
    backend.train_epoch(stack, ds)
    backend.train_epoch(restored, ds)
    a = backend.evaluate(stack, ds.x_test, ds.y_test)
    b = backend.evaluate(restored, ds.x_test, ds.y_test)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0][0] != a[0][1], "two seeds should give two different models"


def test_compare_with_torch_backend_runs_and_resumes(tmp_path, capsys):
    args = [
        "compare",
        "--backend",
        "torch",
        "--model",
        "cnn",
        "--activations",
        "relu,prelu,x*tanh(log(1 + exp(x)))",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--json",
        "--quiet",
        "--no-figure",
        "--out",
        str(tmp_path / "study"),
    ]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert len(first["runs"]) == 3 and first["resumed"]["loaded"] == 0
    assert {s["activation"] for s in first["summary"]} == {
        "relu",
        "prelu",
        "x*tanh(log(1 + exp(x)))",
    }
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["resumed"]["finished"] == 3
    assert again["summary"] == first["summary"]


def test_compare_torch_backend_errors_are_one_line(capsys):
    base = ["compare", "--backend", "torch", "--activations", "relu", "--seeds", "1"]
    assert main([*base, "--model", "resnet"]) == 2
    assert "cnn, nin[:WIDTH] or mlp" in capsys.readouterr().err
    assert main([*base, "--model", "cnn", "--dataset", "xor"]) == 2
    assert "needs image data" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda_is_one_clear_line(tmp_path, capsys):
    folder = write_cifar10(tmp_path / "cifar")
    code = main(["reproduce", "xu2015", "--data", str(folder), "--quick", "--device", "cuda"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "CUDA is not available" in err


def test_reproduce_xu2015_quick_end_to_end(tmp_path, capsys):
    folder = write_cifar10(tmp_path / "cifar")
    out = tmp_path / "store"
    args = ["reproduce", "xu2015", "--data", str(folder), "--quick", "--epochs", "1"]
    assert main([*args, "--json", "--out", str(out)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["activation"] for r in result["rows"]] == [r.label for r in xu2015.ROWS]
    for row, paper in zip(result["rows"], xu2015.ROWS):
        assert row["paper_test_error"] == paper.paper_test_error["cifar10"]
        assert 0.0 <= row["test_error"] <= 1.0 and 0.0 <= row["train_error"] <= 1.0
    assert result["n_train"] == 60 and result["n_test"] == 12
    # a second run loads every finished run from the store: same numbers
    assert main([*args, "--json", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == result["rows"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "paper train" in text and "RReLU" in text and "choices made" in text


def test_reproduce_refuses_a_store_made_with_other_settings(tmp_path, capsys):
    folder = write_cifar10(tmp_path / "cifar")
    out = str(tmp_path / "store")
    base = ["reproduce", "xu2015", "--data", str(folder), "--quick", "--out", out]
    assert main([*base, "--epochs", "1", "--train-size", "20"]) == 0
    capsys.readouterr()
    # more epochs extend a study (issue 14); a different training subset is another study
    assert main([*base, "--epochs", "1", "--train-size", "30"]) == 2
    assert "other settings" in capsys.readouterr().err


def test_weight_decay_and_the_step_schedule_resume_bit_for_bit():
    """What torch/train.py's checkpoint test checked, on compare's backend: with weight decay
    and a learning-rate drop, a restored stack trains on to exactly the same numbers."""
    ds = _digits_subset()
    cfg = StudyConfig(
        activations=("rrelu",),
        model="cnn",
        epochs=3,
        lr=0.05,
        batch_size=32,
        optimizer="momentum",
        weight_decay=5e-4,
        lr_drops=(0.5,),
        backend="torch",
    ).resolved()
    backend = TorchBackend()
    stack = backend.build(cfg, ds, "rrelu", [3])
    backend.train_epoch(stack, ds)
    assert stack.members[0].opt.param_groups[0]["lr"] == 0.05
    assert stack.members[0].opt.param_groups[0]["weight_decay"] == 5e-4
    restored = backend.restore(cfg, ds, "rrelu", [3], backend.dump(stack))
    for s in (stack, restored):
        backend.train_epoch(s, ds)  # epoch 2 > 0.5 * 3: the rate is divided by 10
        assert s.members[0].opt.param_groups[0]["lr"] == pytest.approx(0.005)
        backend.train_epoch(s, ds)
    a = backend.evaluate(stack, ds.x_test, ds.y_test)
    b = backend.evaluate(restored, ds.x_test, ds.y_test)
    np.testing.assert_array_equal(a[0], b[0])


def test_the_stacks_of_a_study_share_one_copy_of_the_data():
    ds = _digits_subset()
    cfg = StudyConfig(activations=("relu", "tanh"), model="cnn", epochs=1, batch_size=64)
    backend = TorchBackend()
    stacks = [backend.build(cfg.resolved(), ds, a, [0]) for a in ("relu", "tanh")]
    for stack in stacks:
        backend.train_epoch(stack, ds)
        backend.evaluate(stack, ds.x_test, ds.y_test)
    assert len(backend.cache) == 4  # train and test images and labels, once for both stacks
