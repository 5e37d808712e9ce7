"""The engine against PyTorch autograd and torch.optim (skipped when torch is not installed)."""

from __future__ import annotations

import numpy as np
import pytest

import actlab
from actlab import nn

torch = pytest.importorskip("torch")


def _bridge(f: actlab.Function, learnable: list[str]):  # type: ignore[no-untyped-def]
    """f as a torch autograd function whose backward is the catalog's derivative (and its
    learnable parameters' derivatives), so torch's chain rule (matmuls, biases, losses) checks
    the engine's for every activation."""

    def bound(values):  # type: ignore[no-untyped-def]
        return actlab.Function(f.record, {**f.params, **dict(zip(learnable, values))})

    class Bridge(torch.autograd.Function):
        @staticmethod
        def forward(ctx, h, *params):  # type: ignore[no-untyped-def]
            ctx.save_for_backward(h, *params)
            g = bound([float(p) for p in params])
            return torch.from_numpy(np.asarray(g(h.detach().numpy())))

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            h, *params = ctx.saved_tensors
            g = bound([float(p) for p in params])
            x = h.detach().numpy()
            out = [grad * torch.from_numpy(np.asarray(g.derivative(x)))]
            for name in learnable:
                local = torch.from_numpy(np.asarray(g.param_gradient(name, x)))
                out.append((grad * local).sum().reshape(1))
            return tuple(out)

    return Bridge.apply


def _torch_forward(model: nn.Model, k: int, x):  # type: ignore[no-untyped-def]
    # weights (K, n, m) and biases (K, m) give model k's slice; activation params (K,) a (1,)
    params = [
        torch.tensor(p[k] if p.ndim > 1 else p[k : k + 1], requires_grad=True)
        for p in nn.parameters(model)
    ]
    weights = params[: 2 * model.depth]
    extra = iter(params[2 * model.depth :])
    a = x
    for i in range(model.depth):
        names = sorted(model.act_params[i])
        act_params = [next(extra) for _ in names]
        f = model.activations[i][k]
        act = _bridge(f, names)
        a = act(a @ weights[2 * i] + weights[2 * i + 1], *act_params)
    return a, params


_TORCH_LOSS = {
    "mse": lambda o, y: torch.nn.functional.mse_loss(o, y),
    "cross_entropy": lambda o, y: torch.nn.functional.cross_entropy(o, y),
    "binary_cross_entropy": lambda o, y: torch.nn.functional.binary_cross_entropy_with_logits(o, y),
}


@pytest.mark.parametrize("loss_name", list(_TORCH_LOSS))
@pytest.mark.parametrize("name", actlab.names())
def test_gradients_match_torch_autograd(name: str, loss_name: str) -> None:
    rng = np.random.default_rng(5)
    model = nn.stack([nn.mlp([3, 5, 4, 3], name, seed=s, dtype="float64") for s in (0, 1)])
    x = rng.normal(size=(6, 3))
    y = {
        "mse": rng.normal(size=(6, 3)),
        "cross_entropy": rng.integers(0, 3, 6),
        "binary_cross_entropy": rng.integers(0, 2, (6, 3)).astype(float),
    }[loss_name]
    loss = nn.losses.lookup(loss_name)
    cache = nn.forward(model, x)
    values = loss.value(cache.output, y)
    grads = nn.backward(model, cache, loss.gradient(cache.output, y))
    for k in range(model.k):
        out, params = _torch_forward(model, k, torch.tensor(x))
        t_loss = _TORCH_LOSS[loss_name](out, torch.tensor(y))
        t_loss.backward()
        np.testing.assert_allclose(values[k], t_loss.item(), rtol=1e-12)
        for ours, theirs in zip(nn.parameters(grads), params):
            np.testing.assert_allclose(
                ours[k], theirs.grad.numpy().reshape(ours[k].shape), rtol=1e-9, atol=1e-14
            )


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (nn.sgd(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (nn.momentum(0.05, 0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
        (
            nn.momentum(0.05, 0.8, nesterov=True),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True),
        ),
        (nn.adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    ],
)
def test_optimisers_follow_torch_optim(ours: nn.Optimizer, theirs) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 4)), rng.integers(0, 3, 10)
    model = nn.mlp([4, 8, 3], "tanh", seed=3, dtype="float64")
    params = [torch.tensor(p[0], requires_grad=True) for p in nn.parameters(model)]
    opt = theirs(params)
    state = nn.init_state(ours, model)
    for _ in range(5):
        nn.train_step(model, "cross_entropy", ours, state, x, y)
        opt.zero_grad()
        h = torch.tanh(torch.tensor(x) @ params[0] + params[1])
        torch.nn.functional.cross_entropy(h @ params[2] + params[3], torch.tensor(y)).backward()
        opt.step()
    for a, b in zip(nn.parameters(model), params):
        np.testing.assert_allclose(a[0], b.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_l2_is_weight_decay_on_weights_only() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(10, 4)), rng.normal(size=(10, 2))
    model = nn.mlp([4, 6, 2], "tanh", seed=1, dtype="float64")
    params = [torch.tensor(p[0], requires_grad=True) for p in nn.parameters(model)]
    opt = torch.optim.SGD(
        [{"params": params[0::2], "weight_decay": 0.01}, {"params": params[1::2]}], lr=0.1
    )
    ours = nn.sgd(0.1, l2=0.01)
    state = nn.init_state(ours, model)
    for _ in range(3):
        nn.train_step(model, "mse", ours, state, x, y)
        opt.zero_grad()
        h = torch.tanh(torch.tensor(x) @ params[0] + params[1])
        torch.nn.functional.mse_loss(h @ params[2] + params[3], torch.tensor(y)).backward()
        opt.step()
    for a, b in zip(nn.parameters(model), params):
        np.testing.assert_allclose(a[0], b.detach().numpy(), rtol=1e-10, atol=1e-13)
