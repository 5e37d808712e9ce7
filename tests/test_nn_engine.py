"""The engine: whole-network gradients against central differences and PyTorch autograd for every
registered activation, a worked example by hand, stacked == one by one, reproducible checkpoints."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab import nn
from tests.nn_records import prelu, rrelu

NAMES = actlab.names()
LOSSES = [loss.name for loss in nn.losses.LOSSES]


def _targets(loss: str, rng: np.random.Generator, b: int, n: int) -> np.ndarray:
    if loss == "cross_entropy":
        return rng.integers(0, n, size=b)
    if loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(b, n)).astype(float)
    return rng.normal(size=(b, n))


def _total_loss(model: nn.Model, loss: nn.Loss, x: np.ndarray, y: np.ndarray) -> float:
    return float(loss.value(nn.forward(model, x).output, y).sum())


def _away_from_kinks(model: nn.Model, x: np.ndarray, margin: float) -> bool:
    cache = nn.forward(model, x)
    for layer, h in zip(model.activations, cache.pre):
        for k, f in enumerate(layer):
            for kink in f.record.kinks:
                if np.min(np.abs(h[k] - kink.point(f.params))) < margin:
                    return False
    return True


def _numeric_gradient(model, loss, x, y, array, eps=1e-6):  # type: ignore[no-untyped-def]
    grad = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        old = array[idx]
        array[idx] = old + eps
        up = _total_loss(model, loss, x, y)
        array[idx] = old - eps
        down = _total_loss(model, loss, x, y)
        array[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def _check_gradients(model: nn.Model, loss_name: str, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    loss = nn.losses.lookup(loss_name)
    for _ in range(20):
        x = rng.normal(size=(5, model.sizes[0]))
        if _away_from_kinks(model, x, 1e-4):
            break
    else:
        pytest.skip("could not draw inputs away from the kinks")
    y = _targets(loss_name, rng, 5, model.sizes[-1])
    cache = nn.forward(model, x)
    grads = nn.backward(model, cache, loss.gradient(cache.output, y))
    for p, g in zip(nn.parameters(model), nn.parameters(grads)):
        numeric = _numeric_gradient(model, loss, x, y, p)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_whole_network_gradient_matches_finite_differences(name: str) -> None:
    model = nn.stack(
        [nn.mlp([3, 4, 4, 2], name, seed=s, init="xavier_normal", dtype="float64") for s in (0, 1)]
    )
    _check_gradients(model, "mse")


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_and_mixed_stack_gradients(loss: str) -> None:
    # every model its own activation per layer, the output activation included, plus PReLU's slope
    specs = [("tanh", "sigmoid"), (prelu(0.1), "relu"), ("relu", prelu(0.3)), ("sigmoid", "tanh")]
    models = [nn.mlp([2, 3, 3, 3], list(s), seed=i, dtype="float64") for i, s in enumerate(specs)]
    _check_gradients(nn.stack(models), loss, seed=3)


def test_prelu_slope_gradient_and_output_prelu() -> None:
    model = nn.stack(
        [
            nn.mlp([2, 4, 2], prelu(0.2), output=prelu(0.5), seed=s, dtype="float64")
            for s in range(3)
        ]
    )
    assert set(model.act_params[0]) == {"slope"} and model.act_params[0]["slope"].shape == (3,)
    _check_gradients(model, "mse")


def test_worked_example_by_hand() -> None:
    # x = (1, 2), W0 = [[1, -1], [0.5, 1]], b0 = (0, -2):
    # h = x W0 + b0 = (1*1 + 2*0.5 + 0, 1*(-1) + 2*1 - 2) = (2, -1); relu: a = (2, 0)
    # output o = a W1 + b1 = 2*3 + 0*4 + 1 = 7 (W1 = [[3], [4]], b1 = 1); target 5
    # MSE L = (7 - 5)^2 = 4; dL/do = 2 (7 - 5) = 4
    # dL/dW1 = a^T dL/do = (8, 0); dL/db1 = 4
    # dL/da = dL/do W1^T = (12, 16); relu' = (1, 0) so dL/dh = (12, 0)
    # dL/dW0 = x^T dL/dh = [[12, 0], [24, 0]]; dL/db0 = (12, 0)
    model = nn.mlp([2, 2, 1], "relu", dtype="float64")
    model.weights[0][0] = [[1, -1], [0.5, 1]]
    model.biases[0][0] = [0, -2]
    model.weights[1][0] = [[3], [4]]
    model.biases[1][0] = [1]
    x, y = np.array([[1.0, 2.0]]), np.array([[5.0]])
    mse = nn.losses.lookup("mse")
    cache = nn.forward(model, x)
    assert cache.pre[0].tolist() == [[[2.0, -1.0]]]
    assert cache.output.tolist() == [[[7.0]]]
    assert mse.value(cache.output, y).tolist() == [4.0]
    grads = nn.backward(model, cache, mse.gradient(cache.output, y))
    assert grads.weights[1].tolist() == [[[8.0], [0.0]]]
    assert grads.biases[1].tolist() == [[4.0]]
    assert grads.deltas[0].tolist() == [[[12.0, 0.0]]]
    assert grads.weights[0].tolist() == [[[12.0, 0.0], [24.0, 0.0]]]
    assert grads.biases[0].tolist() == [[12.0, 0.0]]
    # one SGD step with lr 0.1: W1 <- W1 - 0.1 (8, 0) = (2.2, 4)
    opt = nn.sgd(0.1)
    nn.step(opt, model, grads, nn.init_state(opt, model))
    np.testing.assert_allclose(model.weights[1][0, :, 0], [2.2, 4.0])


def _train(model: nn.Model, opt: nn.Optimizer, steps: int, x: np.ndarray, y: np.ndarray) -> list:
    state = nn.init_state(opt, model)
    return [nn.train_step(model, "cross_entropy", opt, state, x, y) for _ in range(steps)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stacked_equals_one_by_one(dtype: str) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    specs = ["relu", "tanh", prelu(), rrelu(), "relu", "sigmoid"]

    def build(i: int, s: object) -> nn.Model:
        return nn.mlp([4, 6, 5, 3], s, seed=i, init="he", dtype=dtype)  # type: ignore[arg-type]

    stacked = nn.stack([build(i, s) for i, s in enumerate(specs)])
    losses = np.array(_train(stacked, nn.adam(0.01, l2=1e-3), 5, x, y))
    for i, s in enumerate(specs):
        alone = build(i, s)
        np.testing.assert_allclose(
            np.array(_train(alone, nn.adam(0.01, l2=1e-3), 5, x, y))[:, 0], losses[:, i], rtol=1e-6
        )
        for a, b in zip(nn.parameters(alone), nn.parameters(nn.unstack(stacked, i))):
            np.testing.assert_array_equal(a, b)


def test_checkpoint_resume_is_bit_identical(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)

    def make():
        return nn.stack([nn.mlp([3, 5, 2], a, seed=s) for a in ("relu", "tanh") for s in (0, 1)])

    opt = nn.momentum(0.05, 0.9, l1=1e-4)
    straight = make()
    state = nn.init_state(opt, straight)
    for _ in range(6):
        nn.train_step(straight, "ce", opt, state, x, y)

    first = make()
    state1 = nn.init_state(opt, first)
    for _ in range(3):
        nn.train_step(first, "ce", opt, state1, x, y)
    nn.save(tmp_path / "ckpt.npz", first, opt, state1)
    resumed, opt2, state2 = nn.load(tmp_path / "ckpt.npz")
    assert opt2 == opt and state2 is not None and state2.step == 3
    for _ in range(3):
        nn.train_step(resumed, "ce", opt2, state2, x, y)
    for a, b in zip(nn.parameters(straight), nn.parameters(resumed)):
        np.testing.assert_array_equal(a, b)
    # the generators carry on where they were
    assert [g.random() for g in straight.rngs] == [g.random() for g in resumed.rngs]


def test_same_seed_same_model_and_rrelu_is_random_only_in_training() -> None:
    a, b = nn.mlp([3, 4, 1], rrelu(), seed=7), nn.mlp([3, 4, 1], rrelu(), seed=7)
    for p, q in zip(nn.parameters(a), nn.parameters(b)):
        np.testing.assert_array_equal(p, q)
    x = np.random.default_rng(0).normal(size=(64, 3))
    np.testing.assert_array_equal(nn.predict(a, x), nn.predict(a, x))
    t1, t2 = nn.forward(a, x, train=True), nn.forward(a, x, train=True)
    assert not np.array_equal(t1.output, t2.output)
    np.testing.assert_array_equal(t1.output, nn.forward(b, x, train=True).output)


def test_initialisation_variances() -> None:
    n = 400
    expected = {
        "he": 2 / n,
        "lecun": 1 / n,
        "xavier_normal": 2 / (2 * n),
        "xavier_uniform": 2 / (2 * n),
        "torch": 1 / (3 * n),
        "gaussian": 3 / n,
    }
    for name, var in expected.items():
        m = nn.mlp([n, n, 1], "relu", init=name, sigma_w2=3.0, dtype="float64")
        assert abs(m.weights[0].var() / var - 1) < 0.02, name
    q = nn.mlp([50, 30, 1], init="orthogonal", dtype="float64").weights[0][0]
    np.testing.assert_allclose(q.T @ q, np.eye(30), atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nn.mlp([3], "relu"), "at least an input"),
        (lambda: nn.mlp([3, 4, 1], ["relu", "tanh"]), "2 activations given for 1 hidden"),
        (lambda: nn.mlp([3, 1], init="hee"), "did you mean he"),
        (lambda: nn.mlp([3, 1], dtype="float16"), "float32 or float64"),
        (lambda: nn.forward(nn.mlp([3, 1]), np.ones((2, 4))), "expected (B, 3)"),
        (lambda: nn.losses.lookup("mse").value(np.ones((1, 2, 1)), np.ones(3)), "targets"),
        (lambda: nn.losses.lookup("ce").value(np.ones((1, 2, 3)), np.array([0, 3])), "0..2"),
        (lambda: nn.sgd(-1.0), "learning rate"),
        (lambda: nn.stack([nn.mlp([2, 1]), nn.mlp([3, 1])]), "cannot stack"),
    ],
)
def test_bad_input_is_one_clear_error(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(actlab.ActlabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
