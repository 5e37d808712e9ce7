"""actlab.torch on a GPU: skipped where CUDA is not available (CI); run on a CUDA machine."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

import actlab  # noqa: E402
import actlab.torch as at  # noqa: E402
from actlab.cli import main  # noqa: E402
from tests.test_torch_experiments import write_cifar10  # noqa: E402

RECORDS = list(actlab.records())
IDS = [r.name for r in RECORDS]


def _grid(record) -> np.ndarray:
    mags = np.logspace(-6, np.log10(80), 60)
    xs = np.concatenate([-mags, mags, np.linspace(-7.3, 7.3, 41)])
    for k in record.kinks:
        xs = xs[np.abs(xs - k.point(record.defaults)) > 1e-3]
    return xs.astype(np.float32)


@pytest.mark.parametrize("exact", [False, True], ids=["fast", "exact"])
@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_cuda_module_matches_catalog(record, exact):
    """On the GPU, exact=True (symbolic node in float64, rounded once) is float32-accurate;
    exact=False (torch's op, or the float32 symbolic node) within 1e-5."""
    f = actlab.get(record.name)
    xs = _grid(record)
    module = at.Activation(record.name, exact=exact).eval().cuda()
    x = torch.tensor(xs, device="cuda", requires_grad=True)
    y = module(x)
    y.backward(torch.ones_like(y))
    rtol = 1e-6 if exact else 1e-5
    for got, want in ((y.detach().cpu().numpy(), f(xs)), (x.grad.cpu().numpy(), f.derivative(xs))):
        bound = rtol * np.abs(want) + 8 * np.finfo(np.float32).eps * np.abs(xs) + 1e-37
        assert np.all(np.abs(got.astype(np.float64) - want) <= bound), record.name


def test_cuda_prelu_learns_and_rrelu_draws():
    torch.manual_seed(0)
    act = at.Activation("prelu", num_parameters=4).cuda()
    x = torch.randn(512, 4, 3, device="cuda")
    target = torch.where(x > 0, x, x * torch.tensor([0.0, 0.1, 0.2, 0.5], device="cuda")[:, None])
    opt = torch.optim.SGD(act.parameters(), lr=0.5)
    for _ in range(200):
        opt.zero_grad()
        (act(x) - target).square().mean().backward()
        opt.step()
    torch.testing.assert_close(
        act.a.detach().cpu(), torch.tensor([0.0, 0.1, 0.2, 0.5]), atol=1e-3, rtol=0
    )
    for spec in ("rrelu", "rrelu_xu"):
        r = at.Activation(spec).cuda().train()
        z = torch.linspace(-5, 5, 1001, device="cuda", requires_grad=True)
        a = r(z)
        assert not torch.equal(a, r(z))
        a.backward(torch.ones_like(a))
        torch.testing.assert_close(z.grad * z.detach(), a.detach())


def test_cuda_compiled_formula_node():
    act = at.Activation("x*tanh(log(1 + exp(x)))", compile=True).cuda()
    x = torch.linspace(-20, 20, 4096, device="cuda", requires_grad=True)
    y = act(x)
    y.backward(torch.ones_like(y))
    torch.testing.assert_close(y, torch.nn.functional.mish(x.detach()), rtol=1e-5, atol=1e-6)


def test_cuda_compare_and_reproduce(tmp_path, capsys):
    args = ["compare", "--backend", "torch", "--model", "cnn", "--device", "cuda"]
    args += ["--activations", "relu,prelu,rrelu", "--seeds", "2", "--epochs", "2"]
    assert main([*args, "--json", "--quiet", "--no-figure"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert all(s["test_accuracy_mean"] > 0.5 for s in result["summary"])
    folder = write_cifar10(tmp_path / "cifar")
    cmd = ["reproduce", "xu2015", "--data", str(folder), "--quick", "--epochs", "1"]
    assert main([*cmd, "--device", "cuda", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 5
