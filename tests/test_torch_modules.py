"""actlab.torch: every registry entry as a module, on every path, against the NumPy catalog.

Parameterised over the registry: adding an activation adds no test code.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import actlab  # noqa: E402
import actlab.torch as at  # noqa: E402
from actlab.torch.functions import SymbolicFn, symbolic_plan  # noqa: E402
from actlab.torch.native import EXACT, NATIVE, compatible, native_op  # noqa: E402

RECORDS = list(actlab.records())
IDS = [r.name for r in RECORDS]
LEARNABLE = [r for r in RECORDS if any(p.learnable for p in r.params)]
RANDOM = [r for r in RECORDS if r.sample is not None]


def _grid(record, dtype, wide: bool) -> np.ndarray:
    """Points on both sides of zero, away from the kinks (where paths may pick other sides)."""
    mags = np.logspace(-6, 3 if wide else 1.3, 60)
    xs = np.concatenate([-mags, mags, np.linspace(-7.3, 7.3, 41)])
    for k in record.kinks:
        point = k.point(record.defaults)
        xs = xs[np.abs(xs - point) > 1e-3]
    return xs.astype(dtype)


def _module_output(module, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(xs, requires_grad=True)
    y = module(x)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_exact_path_is_the_catalog(record, dtype):
    """exact=True on the CPU runs the catalog's kernels: identical values, forward and backward."""
    f = actlab.get(record.name)
    module = at.Activation(record.name, exact=True).eval()
    xs = _grid(record, dtype, wide=True)
    y, dy = _module_output(module, xs)
    np.testing.assert_array_equal(y, f(xs))
    np.testing.assert_array_equal(dy, f.derivative(xs))


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_fast_path_matches_catalog(record):
    """exact=False (torch's op where there is one) agrees with the catalog to float32 accuracy
    on [-20, 20], in float64 (torch's inexact ops are the reason for the exact switch)."""
    f = actlab.get(record.name)
    xs = _grid(record, np.float64, wide=False)
    y, dy = _module_output(at.Activation(record.name, exact=False).eval(), xs)
    np.testing.assert_allclose(y, f(xs), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(dy, f.derivative(xs), rtol=1e-6, atol=1e-12)


EXACT_NATIVE = [r for r in RECORDS if r.name in EXACT and native_op(r) is not None]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("record", EXACT_NATIVE, ids=[r.name for r in EXACT_NATIVE])
def test_native_ops_listed_as_exact_are_exact(record, dtype):
    """The torch ops used even under exact=True give the catalog's values bit for bit."""
    f = actlab.get(record.name)
    xs = _grid(record, dtype, wide=True)
    op = native_op(record)
    x = torch.tensor(xs, requires_grad=True)
    params = {
        k: torch.tensor([v], dtype=x.dtype) if record.param(k).learnable else v
        for k, v in record.defaults.items()
    }
    y = op(x, **params)
    y.backward(torch.ones_like(y))
    np.testing.assert_array_equal(y.detach().numpy(), f(xs))
    np.testing.assert_array_equal(x.grad.numpy(), f.derivative(xs))


def _assert_mixed_close(got, want, xs, rtol, dtype):
    """|got - want| <= rtol |want| + 8 eps |x|: accurate relative to the size of the terms a
    formula combines (x - tanh x near 0 cancels in any straight evaluation of it)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    bound = rtol * np.abs(want) + 8 * np.finfo(dtype).eps * np.abs(xs) + np.finfo(dtype).tiny
    bad = ~(np.abs(got - want) <= bound) & ~(np.isnan(got) & np.isnan(want))
    assert not bad.any(), f"at x={xs[bad][:4]}: got {got[bad][:4]}, want {want[bad][:4]}"


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("upcast", [False, True], ids=["plain", "upcast"])
@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_symbolic_path_matches_catalog(record, upcast, dtype):
    """The SymPy form compiled to torch ops (the GPU path), run here on the CPU, agrees with the
    catalog on |x| <= 80 (beyond, an intermediate exp can overflow: see the README)."""
    f = actlab.get(record.name)
    xs = _grid(record, dtype, wide=True)
    xs = xs[np.abs(xs) <= 80]
    learnable = tuple(p.name for p in record.params if p.learnable)
    params = [torch.tensor(record.defaults[n], dtype=torch.float64) for n in learnable]
    plan = symbolic_plan(f, learnable, upcast=upcast)
    x = torch.tensor(xs, requires_grad=True)
    y = SymbolicFn.apply(plan, x, *params)
    y.backward(torch.ones_like(y))
    # float32 without the upcast rounds at every op; computed in float64 it rounds once
    rtol = 1e-5 if dtype == np.float32 and not upcast else 1e-9 if dtype == np.float64 else 1e-6
    _assert_mixed_close(y.detach().numpy(), f(xs), xs, rtol, dtype)
    _assert_mixed_close(x.grad.numpy(), f.derivative(xs), xs, rtol, dtype)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_float32_node_has_no_spurious_nan_or_inf(record):
    """Out to |x| = 700 the float32 node is NaN or infinite exactly where the catalog is (an
    intermediate overflow, e.g. e^x sech^2(e^x), is recomputed in float64; past e^709 float64
    overflows too, which the README states)."""
    f = actlab.get(record.name)
    mags = np.logspace(-3, np.log10(700), 300).astype(np.float32)
    xs = np.concatenate([-mags, mags, [np.nan, np.inf, -np.inf]]).astype(np.float32)
    learnable = tuple(p.name for p in record.params if p.learnable)
    params = [torch.tensor(record.defaults[n], dtype=torch.float32) for n in learnable]
    plan = symbolic_plan(f, learnable)
    x = torch.tensor(xs, requires_grad=True)
    y = SymbolicFn.apply(plan, x, *params)
    y.backward(torch.ones_like(y))
    for got, want in ((y.detach().numpy(), f(xs)), (x.grad.numpy(), f.derivative(xs))):
        finite = np.isfinite(xs)
        np.testing.assert_array_equal(np.isnan(got)[finite], np.isnan(want)[finite])
        np.testing.assert_array_equal(np.isinf(got)[finite], np.isinf(want)[finite])


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_symbolic_node_saves_only_its_input_and_passes_gradcheck(record):
    learnable = tuple(p.name for p in record.params if p.learnable)
    params = [
        torch.tensor(record.defaults[n], dtype=torch.float64, requires_grad=True) for n in learnable
    ]
    plan = symbolic_plan(actlab.get(record.name), learnable)
    x = torch.tensor(_grid(record, np.float64, wide=False)[::7], requires_grad=True)
    saved: list[torch.Tensor] = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        SymbolicFn.apply(plan, x, *params)
    assert len(saved) == 1 + len(learnable)
    assert saved[0] is x
    assert torch.autograd.gradcheck(lambda t, *p: SymbolicFn.apply(plan, t, *p), (x, *params))


def test_custom_formula_is_one_node_saving_one_tensor():
    """x*tanh(log(1 + exp(x))) (mish, written out) is one autograd node saving one tensor,
    where the eager composition saves several."""
    module = at.Activation("x*tanh(log(1 + exp(x)))")
    x = torch.linspace(-30, 30, 301, dtype=torch.float64, requires_grad=True)
    saved: list[torch.Tensor] = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        y = module(x)
    assert len(saved) == 1
    assert torch.autograd.gradcheck(module, (x[::10].detach().requires_grad_(),))
    y.backward(torch.ones_like(y))
    mish = torch.nn.functional.mish(x.detach())
    torch.testing.assert_close(y.detach(), mish, rtol=1e-12, atol=1e-300)
    eager_saved: list[torch.Tensor] = []
    hooks = torch.autograd.graph.saved_tensors_hooks(
        lambda t: eager_saved.append(t) or t, lambda t: t
    )
    with hooks:
        x * torch.tanh(torch.nn.functional.softplus(x))
    assert len(eager_saved) > 1


FORMULAS = [
    "x*tanh(log(1 + exp(x)))",
    "x*sigmoid(b*x); b=1.5",
    "where(x > 0, x, a*expm1(x)); a=0.7",
    "x/2*(1 + erf(x/sqrt(2)))",
    "log(1 + exp(x)) - log(2)",
    "max(x, 0.1*x) + min(x, 0)",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_custom_formula_matches_its_numpy_kernels(formula):
    """A formula's torch node (stable rewrites, SymPy derivative; the default exact=False path)
    agrees with actlab.formula's NumPy kernels from -500 to 500, NaN or inf nowhere else."""
    f = actlab.get(formula)
    xs = np.concatenate([-np.logspace(-6, 2.7, 80), np.logspace(-6, 2.7, 80), [0.0]])  # kink too
    y, dy = _module_output(at.Activation(formula), xs)
    # "+ 1": a formula's constants are terms of size 1 (log(2) - log(2) is 0 to within an ulp)
    _assert_mixed_close(y, f(xs), 1 + np.abs(xs), 1e-9, np.float64)
    _assert_mixed_close(dy, f.derivative(xs), 1 + np.abs(xs), 1e-9, np.float64)


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_native_table_matches_the_registry(name):
    """Each native entry's arguments are the record's parameters (else it silently falls back)."""
    record = actlab.lookup(name)
    assert compatible(record, NATIVE[name]), f"{name}: arguments differ from {record.params}"
    assert native_op(record) is NATIVE[name]


@pytest.mark.parametrize("exact", [False, True], ids=["native", "exact"])
@pytest.mark.parametrize("record", LEARNABLE, ids=[r.name for r in LEARNABLE])
def test_learnable_parameter_learns_per_channel(record, exact):
    """A per-channel learnable parameter is an nn.Parameter and is fitted by gradient descent."""
    torch.manual_seed(0)
    name = next(p.name for p in record.params if p.learnable)
    target = at.Activation(record.name, exact=True, num_parameters=3)
    with torch.no_grad():
        getattr(target, name).copy_(torch.tensor([0.05, 0.3, 0.6]))
    module = at.Activation(record.name, exact=exact, num_parameters=3)
    param = getattr(module, name)
    assert isinstance(param, torch.nn.Parameter) and param.shape == (3,)
    x = torch.randn(256, 3, 4)
    opt = torch.optim.SGD(module.parameters(), lr=0.5)
    for _ in range(200):
        opt.zero_grad()
        loss = (module(x) - target(x).detach()).square().mean()
        loss.backward()
        opt.step()
    torch.testing.assert_close(param.detach(), getattr(target, name).detach(), atol=1e-3, rtol=0)


@pytest.mark.parametrize("exact", [False, True], ids=["native", "exact"])
@pytest.mark.parametrize("record", RANDOM, ids=[r.name for r in RANDOM])
def test_random_activation_follows_train_and_eval(record, exact):
    f = actlab.get(record.name)
    module = at.Activation(record.name, exact=exact)
    x = torch.linspace(-5, 5, 1001, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(1)
    a = module.train()(x)
    b = module(x)
    assert not torch.equal(a, b), "training mode should draw new slopes each call"
    a.backward(torch.ones_like(a))
    # the backward uses the same draw as the forward: for RReLU y = slope * x, so y = x * dy/dx
    torch.testing.assert_close(x.grad * x.detach(), a.detach())
    torch.manual_seed(1)
    torch.testing.assert_close(module(x), a)  # seeded by torch's generator
    c = module.eval()(x)
    np.testing.assert_allclose(c.detach().numpy(), f(x.detach().numpy()), rtol=1e-12)


def test_named_classes_come_from_the_registry():
    for record in RECORDS:
        cls = getattr(at, record.name)
        assert issubclass(cls, at.Activation)
        assert cls().function.record is record
    assert at.ReLU is at.relu
    listed = [n for n in dir(at) if n[0].isupper() and n != "Activation"]
    assert len(listed) == len(RECORDS)
    assert all(getattr(at, n).__name__ == n for n in listed)
    with pytest.raises(AttributeError):
        at.NoSuchActivation  # noqa: B018


def test_global_exact_switch():
    previous = at.set_exact(True)
    try:
        assert at.exact_default() is True
        x = torch.tensor([1e-3, 40.0])
        y = at.Activation("sigmoid")(x)  # runs the NumPy kernels now
        np.testing.assert_array_equal(y.numpy(), actlab.get("sigmoid")(x.numpy()))
    finally:
        at.set_exact(previous)


def test_bad_input_is_one_clear_error():
    with pytest.raises(actlab.ActlabError, match="unknown activation"):
        at.Activation("no_such_thing")
    with pytest.raises(actlab.ActlabError, match="num_parameters"):
        at.Activation("relu", num_parameters=0)


@pytest.mark.skipif(
    os.environ.get("ACTLAB_TEST_COMPILE") != "1",
    reason="torch.compile takes ~30 s on 2 cores; set ACTLAB_TEST_COMPILE=1 to run",
)
def test_compiled_symbolic_path_smoke():
    module = at.Activation("tanh", exact=False, compile=True)
    plan = symbolic_plan(module.function, compile=True)
    x = torch.linspace(-5, 5, 64, requires_grad=True)
    y = SymbolicFn.apply(plan, x)
    y.backward(torch.ones_like(y))
    torch.testing.assert_close(y, torch.tanh(x))


def test_modules_pickle_and_deepcopy():
    """Whole models save with torch.save (the spec travels, not the record's lambdas)."""
    import copy
    import io

    model = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        at.PReLU(num_parameters=4),
        at.Activation("x*sigmoid(b*x); b=1.5", exact=True),
        at.Activation("leaky_relu(0.2)"),
    )
    with torch.no_grad():
        model[1].a.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    buffer = io.BytesIO()
    torch.save(model, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    x = torch.randn(5, 3)
    assert torch.equal(loaded(x), model(x))
    assert type(loaded[1]) is at.PReLU and loaded[2].exact is True
    assert torch.equal(copy.deepcopy(model)(x), model(x))


@pytest.mark.parametrize(
    "module",
    [
        "actlab.torch",
        "actlab.torch._symbolic",
        "actlab.torch.functions",
        "actlab.torch.models",
        "actlab.torch.device",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("spec", ["(exp(x)-exp(-x))/(exp(x)+exp(-x))", "gelu"])
def test_exact_path_promotes_integers_and_refuses_complex(spec):
    """An integer tensor gives torch's default float dtype, as torch.sigmoid does (the exact
    path cast its float result back to the integers: tanh of [1, 2, -3] was [0, 0, 0]); a
    complex tensor is refused in one line (its imaginary part was dropped with a warning)."""
    module = at.Activation(spec, exact=True)
    got = module(torch.tensor([1, 2, -3]))
    want = module(torch.tensor([1.0, 2.0, -3.0]))
    assert got.dtype == torch.get_default_dtype() and torch.equal(got, want)
    with pytest.raises(actlab.ActlabError, match=r"real tensors, got torch\.complex64"):
        module(torch.tensor([1 + 1j]))
