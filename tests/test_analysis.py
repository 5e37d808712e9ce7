"""Computed properties (max |f'| and where, f(0), f'(0)) on functions whose answers are known."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import actlab
from actlab.analysis.checks import check_properties
from actlab.analysis.properties import analyse, describe, max_slope
from actlab.catalog import Activation, Function, Kink, Properties

RECORDS = list(actlab.records())
IDS = [r.name for r in RECORDS]
_ANY = Properties(range=(-math.inf, math.inf), monotonic=False, smooth=True,
                  zero_centred=False, saturating=False)  # fmt: skip


def adhoc(name, forward, derivative, kinks=()):
    """A throwaway Function from two NumPy expressions (not registered)."""

    def kernel(fn):
        def run(x, out):
            out[...] = fn(x)
            return out

        return run

    record = Activation(
        name=name, summary="", latex="", derivative_latex="", forward=kernel(forward),
        derivative=kernel(derivative), symbolic=lambda sp, x, p: x, properties=_ANY,
        reference="", kinks=tuple(Kink(k, "") for k in kinks),
    )  # fmt: skip
    return Function(record)


def _softplus_derivative(x):
    return np.exp(-np.logaddexp(0, -x))


def _isrlu_derivative(x):
    return np.where(x >= 0, 1.0, (1 + x * x) ** -1.5).astype(x.dtype)


CASES = {
    # a smooth peak at a point, found to the last digit after snapping
    "sigmoid": (actlab.get("sigmoid"), 0.25, "0.25 at x = 0"),
    # two symmetric peaks at +-1/sqrt(2), value sqrt(2/e)
    "gaussian": (
        adhoc("g", lambda x: np.exp(-x * x), lambda x: -2 * x * np.exp(-x * x)),
        math.sqrt(2 / math.e),
        "at x = ±0.707107",
    ),
    # a plateau with an open end at the kink (ReLU'(0) = 0)
    "relu": (actlab.get("relu"), 1.0, "1 for x in (0, inf)"),
    # a plateau between two kinks, both ends open
    "hardtanh": (
        adhoc(
            "h",
            lambda x: np.clip(x, -1, 1),
            lambda x: ((x > -1) & (x < 1)).astype(x.dtype),
            kinks=(-1, 1),
        ),
        1.0,
        "1 for x in (-1, 1)",
    ),
    # a true plateau that f' reaches smoothly (C1 at 0): closed at 0
    "isrlu": (adhoc("i", lambda x: x, _isrlu_derivative), 1.0, "1 for x in [0, inf)"),
    # 1 - e^-x only rounds to 1: a supremum approached, never reached
    "softplus": (
        adhoc("s", lambda x: np.logaddexp(0, x), _softplus_derivative),
        1.0,
        "1 approached as x -> +inf",
    ),
    "identity": (actlab.get("identity"), 1.0, "everywhere"),
    "exp": (adhoc("e", np.exp, np.exp), math.inf, "unbounded (approached as x -> +inf)"),
    "cos": (adhoc("c", np.sin, np.cos), 1.0, "at x = -3.14159, 0, 3.14159, 6.28319, ..."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_max_slope_known_answers(case):
    f, value, text = CASES[case]
    peak = max_slope(f)
    assert peak.value == pytest.approx(value, rel=1e-12)
    assert text in peak.text()


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_max_slope_bounds_every_record(record):
    """No sampled |f'| exceeds the computed maximum, and the maximum is reached where it says."""
    f = actlab.get(record.name)
    peak = max_slope(f)
    x = np.random.default_rng(1).standard_normal(20000) * np.logspace(-3, 3, 20000)
    slopes = np.abs(f.derivative(x))
    assert np.nanmax(slopes) <= peak.value * (1 + 1e-12)
    for p in peak.points:
        assert abs(float(f.derivative(p))) == pytest.approx(peak.value, rel=1e-9)
    for a, b in peak.intervals:
        inside = np.clip(0.5 * (max(a, -1e3) + min(b, 1e3)), a, b)
        assert abs(float(f.derivative(inside))) == peak.value


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_describe_is_json_ready(record):
    import json

    d = describe(record.name)
    info = analyse(record.name)
    text = json.dumps(d, allow_nan=False)
    assert record.name in text
    assert d["properties"]["f(0)"] == float(actlab.get(record.name)(0.0)) == info.f0


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_declared_properties_pass_the_report_checks(record):
    failed = [c for c in check_properties(record.name) if not c.agrees]
    assert not failed, failed


def test_a_wrong_declaration_is_caught():
    wrong = Properties(range=(0.0, 0.5), monotonic=True, smooth=True, zero_centred=True,
                       saturating=False)  # fmt: skip
    f = adhoc("g", lambda x: np.exp(-x * x), lambda x: -2 * x * np.exp(-x * x))
    f = Function(dataclasses.replace(f.record, properties=wrong))
    verdicts = {c.name: c.agrees for c in check_properties(f)}
    # exp(-x^2) reaches 1, rises then falls, is never negative, and flattens at both ends
    assert verdicts == {
        "range": False,
        "monotonic": False,
        "zero-centred": False,
        "saturating": False,
    }
