"""Agreement with torch.nn.functional where torch has the activation and is accurate.

Parameterised over the registry; which torch op computes each record comes from the one table
``actlab.torch.native`` (what the torch modules and the benchmarks use). Records torch lacks are
skipped. torch is compared at moderate |x|,
where its formulas are accurate (its sigmoid' = y(1 - y), tanh' = 1 - y^2 and erf-based GELU lose
relative accuracy in the tails, which is what actlab's ulp tests are for), and exactly at the
kinks, where actlab promises torch's derivative convention.
"""

from __future__ import annotations

import numpy as np
import pytest

import actlab

torch = pytest.importorskip("torch")


from actlab.torch.native import native_call, native_op  # noqa: E402

COVERED = [r for r in actlab.records() if native_op(r) is not None]
#: moderate |x|: torch's formulas are accurate here in both dtypes
GRID = np.concatenate([np.linspace(-4.0, 4.0, 321), np.geomspace(1e-6, 4.0, 40)]) + 1e-3
TOLERANCE = {np.float64: {"rtol": 1e-9, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 1e-6}}
#: where torch itself is off, and by how much (relative) in float64
TORCH_ERRORS = {
    # hardsigmoid_backward multiplies by float32(1/6) even for float64 (torch 2.13)
    "hardsigmoid": 1e-7,
}


def _torch_pair(record, x: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, requires_grad=True)
    y = native_call(record, params)(t)
    (grad,) = torch.autograd.grad(y.sum(), t)
    return y.detach().numpy(), grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("record", COVERED, ids=[r.name for r in COVERED])
def test_matches_torch_at_moderate_x(record, dtype):
    f = actlab.get(record.name)
    x = GRID.astype(dtype)
    want_y, want_dy = _torch_pair(record, x, record.defaults)
    tolerance = dict(TOLERANCE[dtype])
    tolerance["rtol"] = max(tolerance["rtol"], TORCH_ERRORS.get(record.name, 0.0))
    np.testing.assert_allclose(f(x), want_y, **tolerance, err_msg="forward")
    np.testing.assert_allclose(f.derivative(x), want_dy, **tolerance, err_msg="derivative")


@pytest.mark.parametrize("record", [r for r in COVERED if r.kinks], ids=lambda r: r.name)
def test_kink_conventions_match_torch(record):
    f = actlab.get(record.name)
    at = np.array([k.point(record.defaults) for k in record.kinks])
    want_y, want_dy = _torch_pair(record, at, record.defaults)
    np.testing.assert_array_equal(f(at), want_y)
    # the convention (which side's slope), not torch's last bit: selu's lambda * alpha is the
    # exact product rounded in actlab, a product of two rounded numbers in torch (1 ulp apart)
    rtol = max(TORCH_ERRORS.get(record.name, 0.0), 1e-15)
    np.testing.assert_allclose(
        f.derivative(at), want_dy, rtol=rtol, atol=0, err_msg=str(record.kinks)
    )
