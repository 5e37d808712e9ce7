"""Hypothesis properties of every catalog activation, parameterised over the registry.

Monotonic records are non-decreasing on any pair of inputs (neighbouring floats included);
bounded records stay inside their declared range (rounded to the dtype) on any input, infinities
included; random activations' training draws are consistent with their own derivative; learnable
parameters' gradients match finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import actlab

RECORDS = list(actlab.records())
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def _subset(keep):
    chosen = [r for r in RECORDS if keep(r)]
    return pytest.mark.parametrize("record", chosen, ids=[r.name for r in chosen])


def _floats(dtype: type, **kwargs) -> st.SearchStrategy[float]:
    return st.floats(allow_nan=False, width=32 if dtype == np.float32 else 64, **kwargs)


def _inputs(dtype: type) -> st.SearchStrategy[np.ndarray]:
    """Arbitrary floats (infinities too), each with a neighbour a few ulp up."""

    def with_neighbours(values: list[float], steps: list[int]) -> np.ndarray:
        x = np.array(values, dtype)
        near = x.copy()
        with np.errstate(over="ignore"):  # the float after the largest one is inf
            for _ in range(max(steps)):
                near = np.nextafter(near, dtype(np.inf))
        return np.concatenate([x, near])

    return st.builds(
        with_neighbours,
        st.lists(_floats(dtype), min_size=1, max_size=16),
        st.lists(st.integers(1, 4), min_size=1, max_size=1),
    )


@DTYPES
@_subset(lambda r: r.properties.monotonic)
@given(data=st.data())
def test_monotonic_is_non_decreasing(record, dtype, data):
    x = np.sort(data.draw(st.lists(_floats(dtype), min_size=2, max_size=32).map(np.array)))
    x = x.astype(dtype)
    y = actlab.get(record.name)(x)
    bad = np.flatnonzero(~(y[1:] >= y[:-1]))
    assert bad.size == 0, f"{record.name}: f({x[bad[0]]!r}) = {y[bad[0]]!r} > f({x[bad[0] + 1]!r})"


@DTYPES
@_subset(lambda r: r.properties.monotonic)
@given(data=st.data())
def test_monotonic_next_to_neighbours(record, dtype, data):
    """Between floats a few ulp apart a monotonic f may not drop by more than its accuracy.

    (Only a correctly rounded kernel is monotonic at the ulp scale; the catalog promises 4 ulp.)
    """
    x = np.sort(data.draw(_inputs(dtype)))
    y = actlab.get(record.name)(x)
    with np.errstate(over="ignore"):  # next to the largest float the slack overflows
        slack = np.where(np.isinf(y[:-1]), 0, 2 * 4 * np.spacing(np.abs(y[:-1])))
        bad = np.flatnonzero(~(y[1:] >= y[:-1] - slack))
    assert bad.size == 0, f"{record.name}: f({x[bad[0]]!r}) = {y[bad[0]]!r} > f({x[bad[0] + 1]!r})"


@DTYPES
@_subset(lambda r: r.properties.bounded_below or r.properties.bounded_above)
@given(data=st.data())
def test_bounded_stays_in_range(record, dtype, data):
    x = data.draw(_inputs(dtype))
    y = actlab.get(record.name)(x)
    # NaN only where there is no limit (sin at +-inf)
    assert not np.isnan(y[np.isfinite(x)]).any()
    low, high = (dtype(v) for v in record.properties.range)
    y = y[~np.isnan(y)]
    assert (y >= low).all() and (y <= high).all(), (
        f"{record.name}: {y.min()!r}..{y.max()!r} leaves [{low!r}, {high!r}]"
    )


@_subset(lambda r: r.sample is not None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_sample_is_consistent_with_its_derivative(record, seed, data):
    """One draw, replayed at x +- h, has the slope the draw reports (and keeps the dtype)."""
    f = actlab.get(record.name)
    x = np.array(
        data.draw(
            st.lists(_floats(np.float64, min_value=-50, max_value=50), min_size=1, max_size=32)
        )
    )
    x = x[np.abs(x) > 1e-3]  # away from the kink
    h = 1e-6
    (up, _), (down, _), (_, dy) = (
        f.sample(x + s, np.random.default_rng(seed)) for s in (h, -h, 0.0)
    )
    np.testing.assert_allclose((up - down) / (2 * h), dy, rtol=1e-6, atol=1e-9)
    assert f.sample(x.astype(np.float32), np.random.default_rng(seed))[1].dtype == np.float32


@_subset(lambda r: bool(r.param_derivatives))
@given(data=st.data())
def test_param_gradient_matches_finite_differences(record, data):
    x = np.array(
        data.draw(
            st.lists(_floats(np.float64, min_value=-50, max_value=50), min_size=1, max_size=32)
        )
    )
    for name in record.param_derivatives:
        p = record.defaults[name]
        h = 1e-6 * max(1.0, abs(p))
        up = actlab.catalog.Function(record, {name: p + h})(x)
        down = actlab.catalog.Function(record, {name: p - h})(x)
        got = actlab.get(record.name).param_gradient(name, x)
        np.testing.assert_allclose(got, (up - down) / (2 * h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("spec", "mean_slope", "eval_slope"),
    [
        # torch: slope ~ U(1/8, 1/3); evaluated with the mean slope
        ("rrelu", (1 / 8 + 1 / 3) / 2, (1 / 8 + 1 / 3) / 2),
        # Xu et al.: divisor a ~ U(3, 8), slope 1/a with mean ln(8/3)/5; evaluated with 1/E[a]
        ("rrelu_xu", np.log(8 / 3) / 5, 2 / (3 + 8)),
    ],
)
def test_rrelu_flavours(spec, mean_slope, eval_slope):
    f = actlab.get(spec)
    x = np.concatenate([-np.ones(200_000), np.ones(10)])
    y, dy = f.sample(x, np.random.default_rng(0))
    slopes = dy[:-10]
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3
    assert np.array_equal(y[:-10], -slopes) and (y[-10:] == 1).all() and (dy[-10:] == 1).all()
    assert abs(slopes.mean() - mean_slope) < 1e-3
    assert float(f(-1.0)) == pytest.approx(-eval_slope, rel=1e-15)
    assert float(f.derivative(-1.0)) == pytest.approx(eval_slope, rel=1e-15)


def test_softsign_is_monotonic_where_its_quotient_rounded_up():
    """Hypothesis found 1.2009599006321322e16 giving 1.0 and the next float up 0.9999999999999999
    (the corrected quotient's last bit); for |x| >= 1 softsign is 1 - 1/(1 + |x|), rounded once."""
    f = actlab.get("softsign")
    x = np.array([1.2009599006321322e16])
    x = np.concatenate([x, np.nextafter(x, np.inf), -x, -np.nextafter(x, np.inf)])
    got = f(x)
    assert got[0] <= got[1] and got[2] >= got[3]
    assert got[0] == 0.9999999999999999  # the exact 1 - 8.3e-17 is nearer it than 1
