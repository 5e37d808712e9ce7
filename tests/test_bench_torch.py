"""actlab.bench.torch measures what it says (memory and accuracy; no timing asserts)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from actlab.bench import torch as bench  # noqa: E402

FORMULA = "x*tanh(log(1 + exp(x)))"


def test_bench_rows_memory_and_accuracy():
    rows = bench.run(["sigmoid", FORMULA], size=4096, repeats=1)
    by = {(r.activation, r.method): r for r in rows}
    assert set(by) == {("sigmoid", m) for m in ("native", "node", "exact", "eager")} | {
        (FORMULA, m) for m in ("node", "exact", "eager")
    }
    x_bytes = 4096 * 4
    # one node keeps only its input; the eager composition of mish keeps intermediates too
    assert by[(FORMULA, "node")].saved_bytes == x_bytes
    assert by[(FORMULA, "exact")].saved_bytes == x_bytes
    assert by[(FORMULA, "eager")].saved_bytes >= 2 * x_bytes
    assert by[("sigmoid", "native")].memory_vs_native == 1.0
    assert by[("sigmoid", "node")].time_vs_native is not None
    assert by[(FORMULA, "node")].time_vs_native is None  # a formula has no native op
    # the exact path is the catalog itself
    assert by[(FORMULA, "exact")].forward_ulp == 0 and by[(FORMULA, "exact")].derivative_ulp == 0
    assert all(r.seconds > 0 and r.peak_bytes is None for r in rows)
    assert "| sigmoid | native |" in bench.table(rows)
    json.dumps(bench.as_dicts(rows))


def test_bench_cli_and_errors(capsys):
    from benchmarks.torch_activations import main

    assert main(["--size", "1024", "--repeat", "1", "--only", "tanh", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["method"] for r in rows} == {"native", "node", "exact", "eager"}
    assert main(["--size", "0"]) == 2
    assert "--size" in capsys.readouterr().err
    assert main(["--only", "prelu"]) == 2
    assert "learnable" in capsys.readouterr().err
    from actlab.cli import main as actlab_main

    assert actlab_main(["bench", "torch", "--size", "512", "--repeat", "1", "--only", "relu"]) == 0
    assert "| relu | native |" in capsys.readouterr().out
