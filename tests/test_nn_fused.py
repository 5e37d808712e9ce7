"""FusedSGD against the engine: the same numbers as forward + loss + backward + sgd step."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab import nn
from actlab.nn.fused import FusedSGD, augmented

RNG = np.random.default_rng(7)
X = RNG.normal(size=(53, 3)) * 1.5  # 53 points in batches of 7: a short last batch too
LABELS = RNG.integers(0, 4, 53)
BINARY = (RNG.random(53) > 0.5) * 1.0
#: loss name -> (output width, output activation, targets)
LOSSES = {
    "mse": (1, "tanh", 2.0 * BINARY - 1.0),
    "binary_cross_entropy": (1, "identity", BINARY),
    "cross_entropy": (4, "identity", LABELS),
}


def engine_epochs(model, loss, opt, targets, batch, scale, epochs):  # type: ignore[no-untyped-def]
    state, fn = nn.init_state(opt, model), nn.losses.lookup(loss)
    for _ in range(epochs):
        for lo in range(0, len(X), batch):
            cache = nn.forward(model, X[lo : lo + batch], train=True)
            grad = fn.gradient(cache.output, targets[lo : lo + batch]) * scale
            nn.step(opt, model, nn.backward(model, cache, grad), state)


def arrays(model: nn.Model) -> list[np.ndarray]:
    return [np.asarray(a) for a in nn.parameters(model)]


#: how close three epochs of the two come, per dtype (they sum in different orders)
TOLERANCE = {np.float64: {"rtol": 1e-11, "atol": 1e-13}, np.float32: {"rtol": 2e-5, "atol": 1e-6}}


def pair(hidden: list[str], loss: str, dtype: type) -> tuple[nn.Model, nn.Model]:
    width, out, _ = LOSSES[loss]
    return tuple(  # type: ignore[return-value]
        nn.mlp([3, 5, 4, width], hidden, output=out, seed=3, dtype=dtype) for _ in range(2)
    )


def check_same(
    hidden: list[str], loss: str, l1: float = 0.0, l2: float = 0.0, dtype: type = np.float64
) -> None:
    engine, fused = pair(hidden, loss, dtype)
    targets = LOSSES[loss][2]
    opt = nn.sgd(0.02, l1=l1, l2=l2)
    engine_epochs(engine, loss, opt, targets, 7, 0.5, 3)
    FusedSGD(fused, loss, opt, X, targets, 7, scale=0.5).epochs(3)
    before = arrays(pair(hidden, loss, dtype)[0])
    for a, b, start in zip(arrays(engine), arrays(fused), before):
        assert b.dtype == dtype and np.all(np.isfinite(a)) and not np.array_equal(a, start)
        np.testing.assert_allclose(b, a, **TOLERANCE[dtype])


@pytest.mark.parametrize("name", actlab.names())
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_steps_as_the_engine(name: str, loss: str, dtype: type) -> None:
    check_same([name, name], loss, dtype=dtype)


@pytest.mark.parametrize(("l1", "l2"), [(0.01, 0.0), (0.0, 0.03), (0.01, 0.03)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_regularisation_as_the_engine(l1: float, l2: float, dtype: type) -> None:
    check_same(["tanh", "relu"], "mse", l1, l2, dtype)


def test_mixed_layers_learnable_and_random() -> None:
    # prelu (learnable) between two sigmoids; rrelu draws from the model's generator
    check_same(["sigmoid", "prelu"], "binary_cross_entropy")
    check_same(["sigmoid", "prelu"], "binary_cross_entropy", dtype=np.float32)
    check_same(["rrelu", "tanh"], "cross_entropy")
    check_same(["leaky_relu(negative_slope=0.2)", "leaky_relu(negative_slope=0.3)"], "mse")


def test_model_arrays_are_the_loops_own() -> None:
    model = nn.mlp([3, 4, 1], "tanh", dtype=np.float64)
    before = [w.copy() for w in model.weights]
    loop = FusedSGD(model, "mse", nn.sgd(0.1), X, BINARY, 10)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights, before))
    model.weights[1][0, 2, 0] = 3.0  # an edit through the model is what the loop uses
    assert loop.packed[1][0, 2] == 3.0
    loop.epochs(1)
    assert model.weights[1][0, 2, 0] != 3.0 and model.biases[0][0, 1] == loop.packed[0][1, 3]


def test_forward_and_backward_match_the_engine() -> None:
    model = nn.mlp([3, 6, 2, 4], ["gelu", "elu"], seed=1, dtype=np.float64)
    loop = FusedSGD(model, "cross_entropy", nn.sgd(0.1), X, LABELS, 8)
    cache = nn.forward(model, X)
    grad = nn.losses.lookup("cross_entropy").gradient(cache.output, LABELS)
    deltas = nn.backward(model, cache, grad).deltas
    pre, post = loop.forward(augmented(X))
    mine, _ = loop.backward(pre, grad[0].T)
    for a, b in zip(cache.post + deltas, post + mine):
        np.testing.assert_allclose(b.T, a[0], rtol=1e-12, atol=1e-15)
    _, post32 = loop.forward(augmented(X, np.float32))
    assert post32[-1].dtype == np.float32
    np.testing.assert_allclose(post32[-1].T, cache.output[0], rtol=1e-4, atol=1e-5)


def test_loss_falls() -> None:
    model = nn.mlp([3, 8, 1], "tanh", seed=2, dtype=np.float64)
    side = (X[:, 0] + X[:, 1] > 0) * 1.0
    loop = FusedSGD(model, "binary_cross_entropy", nn.sgd(0.3), X, side, 10)
    before = loop.loss()
    loop.epochs(30)
    assert loop.loss() < 0.5 * before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda m: FusedSGD(nn.stack([m, m]), "mse", nn.sgd(), X, BINARY, 5), "stack of one"),
        (lambda m: FusedSGD(m, "mse", nn.adam(), X, BINARY, 5), "plain sgd"),
        (lambda m: FusedSGD(m, "mse", nn.sgd(), X, BINARY, 0), "batch_size"),
        (lambda m: FusedSGD(m, "mse", nn.sgd(), X[:, :2], BINARY, 5), "inputs must be"),
        (lambda m: FusedSGD(m, "mse", nn.sgd(), X, BINARY[:9], 5), "one target each"),
        (lambda m: FusedSGD(m, "cross_entropy", nn.sgd(), X, LABELS + 1, 5), "labels 0..0"),
    ],
)
def test_bad_arguments_are_one_clear_error(make, message: str) -> None:  # type: ignore[no-untyped-def]
    model = nn.mlp([3, 4, 1], "tanh", dtype=np.float64)
    with pytest.raises(actlab.ActlabError, match=message):
        make(model)


def test_a_renamed_loss_trains_as_its_original() -> None:
    """The loss record carries its fused gradient: no dispatch on the loss's name."""
    import dataclasses

    mse = nn.losses.lookup("mse")
    renamed = dataclasses.replace(mse, name="my_squared_error", aliases=())
    original, copy = pair(["tanh", "tanh"], "mse", np.float64)
    targets = LOSSES["mse"][2]
    FusedSGD(original, mse, nn.sgd(0.05), X, targets, 7).epochs(2)
    FusedSGD(copy, renamed, nn.sgd(0.05), X, targets, 7).epochs(2)
    for a, b in zip(arrays(original), arrays(copy)):
        np.testing.assert_array_equal(a, b)
