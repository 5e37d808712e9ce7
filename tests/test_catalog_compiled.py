"""The compiled float32 kernels (_fast.c) against the records' NumPy kernels, and the fallback.

The accuracy tests (test_catalog_accuracy.py) measure whichever path is in use against the
mpmath reference; here the two paths are checked against each other for every record (where both
round the same float64 formula once they agree to 1 ulp; a float32-arithmetic loop to its
bound), and actlab is checked to work with the
extension switched off, as on a machine without a C compiler.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import actlab
from actlab.analysis.accuracy import grid
from actlab.catalog import _compiled

RECORDS = list(actlab.records())

FLOAT32_FORWARD = _compiled.FLOAT32_BOUNDS
FLOAT32_DERIVATIVE = _compiled.FLOAT32_DERIVATIVE_BOUNDS
#: every float32-arithmetic loop: (record name, which)
FLOAT32_LOOPS = [
    *((name, "forward") for name in sorted(FLOAT32_FORWARD)),
    *((name, "derivative") for name in sorted(FLOAT32_DERIVATIVE)),
]


def _evaluate(f, x: np.ndarray, which: str) -> np.ndarray:
    return f(x) if which == "forward" else f.derivative(x)


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 steps (0 where both are NaN or equal, inf where only one is NaN)."""
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    # map the sign-magnitude bits onto a line, so the step count crosses zero correctly
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    steps = np.abs(ia - ib).astype(np.float64)
    steps[np.isnan(a) != np.isnan(b)] = np.inf
    return np.where(same, 0.0, steps)


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled kernels were not built")
@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_compiled_and_numpy_kernels_agree(record):
    f = actlab.get(record.name)
    x = grid(record, np.float32, extra=200)
    x = np.concatenate([x, [np.nan, np.inf, -np.inf], np.linspace(-30, 30, 6001, dtype=np.float32)])
    x = x.astype(np.float32)
    fast = f(x), f.derivative(x)
    with _compiled.disabled():
        assert not _compiled.enabled()
        slow = f(x), f.derivative(x)
    assert _compiled.enabled()
    for got, want, which in zip(fast, slow, ("forward", "derivative")):
        steps = _ulps(got, want)
        bounds = FLOAT32_FORWARD if which == "forward" else FLOAT32_DERIVATIVE
        bound = bounds.get(record.name, 0.5) + 0.5
        assert steps.max() <= bound, f"{which}: {steps.max()} ulp apart at x = {x[steps.argmax()]}"


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled kernels were not built")
@pytest.mark.parametrize(("name", "which"), FLOAT32_LOOPS)
def test_float32_loops_keep_their_bound_on_a_dense_sample(name, which):
    """4M float32 inputs against the float64 kernel (1e-15: exact at float32's scale)."""
    rng = np.random.default_rng(7)
    n = 1 << 20
    parts = [rng.uniform(-110, 40, n), rng.uniform(-5, 5, n), rng.uniform(-20, 0, n)]
    parts.append(2.0 ** rng.uniform(-30, 7, n) * rng.choice([-1, 1], n))
    x = np.concatenate(parts).astype(np.float32)
    f = actlab.get(name)
    got = _evaluate(f, x, which).astype(np.float64)
    want = _evaluate(f, x.astype(np.float64), which)
    ulp = np.maximum(np.spacing(np.abs(want.astype(np.float32))).astype(np.float64), 2.0**-149)
    errors = np.abs(got - want) / ulp
    worst = int(np.argmax(errors))
    bound = (FLOAT32_FORWARD if which == "forward" else FLOAT32_DERIVATIVE)[name]
    assert errors[worst] <= bound, f"{errors[worst]:.3f} ulp at x = {x[worst]!r}"


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled kernels were not built")
@pytest.mark.parametrize(("name", "which"), FLOAT32_LOOPS)
def test_float32_loops_keep_signed_zeros_and_limits(name, which):
    """-0, +0, the infinities and NaN give the NumPy kernel's values, the zeros' signs included."""
    f = actlab.get(name)
    x = np.array([-0.0, 0.0, -np.inf, np.inf, np.nan, -1e30, 1e30], dtype=np.float32)
    got = _evaluate(f, x, which)
    with _compiled.disabled():
        want = _evaluate(f, x, which)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got[:4]), np.signbit(want[:4]))


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled kernels were not built")
@pytest.mark.parametrize(
    "spec",
    [
        *("sigmoid", "silu", "silu(beta=0.7)", "softplus", "softplus(beta=3)", "log_sigmoid"),
        *("mish", "tanhexp"),
    ],
)
def test_narrow_and_wide_blocks_give_the_same_bits(spec):
    """A block of |x| <= 80 takes the narrow loop, one with a NaN in it the wide loop (_fast.c)."""
    f = actlab.get(spec)
    reach = 26 if "beta=3" in spec else 79  # beta x within 80
    x = np.random.default_rng(0).uniform(-reach, reach, 1 << 14).astype(np.float32)
    spoiled = x.copy()
    spoiled[::1024] = np.nan  # every block wide
    keep = ~np.isnan(spoiled)
    for which in ("forward", "derivative"):
        narrow, wide = _evaluate(f, x, which), _evaluate(f, spoiled, which)
        np.testing.assert_array_equal(narrow[keep], wide[keep])


EXTREME_PARAMS = [
    *sorted(FLOAT32_FORWARD),
    "squareplus(b=1e-20)",
    "squareplus(b=1e9)",
    *(f"silu(beta={b})" for b in (1e-30, 1e-5, 0.3, 3, 1e5, 1e30)),
    *(f"softplus(beta={b})" for b in (1e-30, 1e-5, 0.3, 3, 1e5, 1e30)),
    *(f"elu(alpha={a})" for a in (1e-20, 0.3, 7, 1e20)),
    *(f"celu(alpha={a})" for a in (1e-3, 0.3, 7, 1e3)),
]


@pytest.mark.skipif(not _compiled.AVAILABLE, reason="the compiled kernels were not built")
@pytest.mark.parametrize("spec", EXTREME_PARAMS)
def test_float32_loops_at_far_parameters(spec):
    """Tiny and huge beta or alpha, subnormal and huge x, +-inf: the NumPy kernel's answer."""
    rng = np.random.default_rng(3)
    magnitudes = 2.0 ** rng.uniform(-149, 127.9, 3000) * rng.choice([-1, 1], 3000)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-45, -1e-45]
    x = np.concatenate([rng.uniform(-300, 300, 3000), magnitudes, specials]).astype(np.float32)
    f = actlab.get(spec)
    name = f.record.name
    for order in (np.sort(x), x):  # sorted: whole blocks narrow or wide; mixed: all wide
        for which, bounds in (("forward", FLOAT32_FORWARD), ("derivative", FLOAT32_DERIVATIVE)):
            fast = _evaluate(f, order, which)
            with _compiled.disabled():
                slow = _evaluate(f, order, which)
            steps = _ulps(fast, slow)
            bound = bounds.get(name, 0.5) + 0.5
            assert steps.max() <= bound, (
                f"{which}: {steps.max()} ulp apart at x = {order[steps.argmax()]!r}"
            )


def test_params_the_loops_do_not_take_fall_back_to_numpy():
    x = np.linspace(-5, 5, 101, dtype=np.float32)
    f = actlab.get("silu(beta=0)")  # beta = 0 is x/2: the C loop only takes beta > 0
    np.testing.assert_array_equal(f(x), x / 2)
    stacked = actlab.get("elu")
    alpha = np.full(x.shape, 2.0)
    want = np.where(x > 0, x, 2.0 * np.expm1(np.minimum(x, 0).astype(np.float64)))
    np.testing.assert_allclose(
        stacked.record.forward(x, np.empty_like(x), alpha=alpha), want, rtol=1e-6
    )


def test_actlab_works_without_the_extension():
    code = (
        "import numpy as np, actlab\n"
        "from actlab.catalog import _compiled\n"
        "assert not _compiled.AVAILABLE and not _compiled.enabled()\n"
        "x = np.linspace(-3, 3, 7, dtype=np.float32)\n"
        "y = actlab.get('sigmoid')(x)\n"
        "assert y.dtype == np.float32 and abs(float(y[3]) - 0.5) == 0\n"
        "print('ok')\n"
    )
    env = {"ACTLAB_NO_COMPILED": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
