"""Parameters: ranges and orderings are enforced with one clear error, for every record."""

from __future__ import annotations

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
