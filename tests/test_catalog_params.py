"""Parameters: ranges and orderings are enforced with one clear error, for every record."""

from __future__ import annotations

import numpy as np
import pytest

import actlab

ORDERED = [r for r in actlab.records() if r.ordered]


@pytest.mark.parametrize("record", ORDERED, ids=[r.name for r in ORDERED])
def test_parameters_out_of_order_are_refused(record):
    for low, high in record.ordered:
        values = {low: record.param(high).default + 1.0, high: record.param(high).default}
        with pytest.raises(actlab.ActlabError, match=f"needs {low} <= {high}"):
            actlab.get(record).__class__(record, values)
        ok = {low: record.param(low).default, high: record.param(low).default}
        actlab.catalog.Function(record, ok)  # equal is allowed (degenerate but defined)


def test_the_orderings_we_promise_are_declared():
    assert {r.name for r in ORDERED} >= {"hardtanh", "rrelu", "rrelu_xu"}


def test_cli_reports_out_of_order_parameters(capsys):
    from actlab.cli import main

    assert main(["eval", "hardtanh(min_val=2, max_val=1)", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "min_val <= max_val" in err


PARAMETRISED = [r for r in actlab.records() if r.params]


@pytest.mark.parametrize("record", PARAMETRISED, ids=[r.name for r in PARAMETRISED])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400"])
def test_parameters_must_be_finite(record, value):
    name = record.params[0].name
    with pytest.raises(actlab.ActlabError, match=name):
        actlab.get(f"{record.name}({name}={value})")


@pytest.mark.parametrize(
    "spec", ["elu(alpha=1, alpha=2)", "elu(1, alpha=2)", "leaky_relu(x, 0.1, negative_slope=0.2)"]
)
def test_a_parameter_given_twice_is_an_error(spec):
    with pytest.raises(actlab.ActlabError, match="twice"):
        actlab.get(spec)


def test_softplus_with_beta_is_defined_at_infinity():
    f = actlab.get("softplus(beta=3)")
    assert list(f([float("-inf"), float("inf"), 1e308])) == [0.0, float("inf"), 1e308]
    assert list(f.derivative([float("-inf"), float("inf")])) == [0.0, 1.0]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("hardtanh(min_val=-0.1, max_val=0.3)", {"range": (-0.1, 0.3), "monotonic": True}),
        ("leaky_relu(negative_slope=-2)", {"range": (0.0, float("inf")), "monotonic": False}),
        ("leaky_relu(negative_slope=1)", {"monotonic": True, "zero_centred": True}),
        ("isru(alpha=1.75)", {"monotonic": True, "zero_centred": True}),
        ("elu(alpha=2)", {"range": (-2.0, float("inf")), "saturating": True}),
        ("softplus(beta=3)", {"range": (0.0, float("inf")), "monotonic": True}),
    ],
)
def test_properties_are_measured_at_the_given_parameters(spec, expected):
    from actlab.analysis.properties import properties

    props = properties(spec)
    assert props.estimated
    for key, value in expected.items():
        assert getattr(props, key) == value, key


def test_properties_at_the_defaults_are_the_declared_ones():
    from actlab.analysis.properties import properties

    record = actlab.lookup("hardtanh")
    assert properties("hardtanh(min_val=-1)") is record.properties


def _other_values(record):
    """A few valid non-default values of each parameter (the orderings permitting)."""
    for p in record.params:
        for v in (p.default * 1.5 + 0.25, p.default * 0.5, p.default + 3.0):
            try:
                yield actlab.get(f"{record.name}({p.name}={v!r})")
            except actlab.ActlabError:
                continue


EXTREMES = np.array([-np.inf, -1e308, -1e300, 1e300, 1e308, np.inf])


@pytest.mark.parametrize("record", PARAMETRISED, ids=[r.name for r in PARAMETRISED])
def test_other_parameters_are_as_defined_at_the_extremes_as_the_defaults(record):
    defaults = actlab.get(record)
    defined = ~np.isnan(defaults(EXTREMES)), ~np.isnan(defaults.derivative(EXTREMES))
    for f in _other_values(record):
        for which, ok in zip((f(EXTREMES), f.derivative(EXTREMES)), defined):
            assert not np.isnan(which[ok]).any(), (
                f"{f.spec}: NaN at {EXTREMES[ok & np.isnan(which)]}"
            )
