"""``actlab bench kernels`` on a tiny array: the shape of its output, never its speed."""

from __future__ import annotations

import json

import pytest

import actlab
from actlab.bench import harness, kernels
from actlab.cli import main


def test_json_records_for_every_activation(capsys, monkeypatch):
    monkeypatch.setattr(harness, "MIN_SAMPLE_S", 0.0)  # the shape of the output, not its speed
    monkeypatch.setattr(harness, "MAX_WARMUP", 2)
    argv = ["bench", "kernels", "--json", "--size", "256", "--cache-size", "64", "--repeat", "1"]
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 0 and "[1/" in err  # progress goes to stderr, data to stdout
    records = json.loads(out)
    assert {r["name"] for r in records} == set(actlab.names())
    assert {r["regime"] for r in records} == {"cache", "dram"}
    for r in records:
        assert {"name", "impl", "fwd_copies", "fwdbwd_copies", "fwd_ns", "fwd_faults"} <= set(r)
        assert r["impl"] in kernels.IMPLS
        assert r["fwd_copies"] > 0 and r["fwdbwd_copies"] > 0 and r["fwd_faults"] >= 0
    impls = {r["impl"] for r in records if r["name"] == "relu"}
    assert {"actlab", "actlab out="} <= impls


def test_table_settles_relu_vs_sigmoid(capsys):
    argv = ["bench", "kernels", "--size", "256", "--cache-size", "64", "--repeat", "2"]
    status = main([*argv, "--only", "relu,sigmoid"])
    out = capsys.readouterr().out
    assert status == 0
    assert '"ReLU is cheaper than sigmoid, forward and backward": ' in out
    assert "actlab out= (dram): forward relu" in out and "actlab (cache): forward relu" in out
    assert "ns per element" in out and "multiples of copying" in out


def test_torch_rows_when_torch_is_installed(capsys):
    pytest.importorskip("torch")
    bench = kernels.run({"dram": 128}, 1, ["relu", "gaussian"])
    assert bench.get("relu", "torch") is not None and bench.threads == 1
    assert bench.get("gaussian", "torch") is None
    assert any(s.startswith("torch gaussian:") for s in bench.skipped)


def _timing(name: str, fwd: float, fwdbwd: float, noise: float = 0.01) -> kernels.KernelTiming:
    s = 1e-3
    return kernels.KernelTiming(
        name, "actlab", "dram", 100, fwd * s, fwdbwd * s, fwd, fwdbwd, noise, noise, 0, 0, s
    )


def test_verdict_words():
    cheap, dear = _timing("relu", 1.0, 2.0), _timing("sigmoid", 5.0, 1.5)
    comparison = kernels.Comparison("actlab", "dram", cheap, dear)
    assert (comparison.answer("fwd"), comparison.answer("fwdbwd")) == ("yes", "no")
    assert "partly" in kernels.verdict([comparison])
    flipped = kernels.Comparison("actlab", "dram", dear, cheap)
    assert "partly" in kernels.verdict([flipped])
    worse = kernels.Comparison("actlab", "dram", _timing("relu", 5, 5), _timing("sigmoid", 1, 1))
    assert "does not hold" in kernels.verdict([worse])


def test_a_difference_within_the_noise_is_not_a_verdict():
    cheap, dear = _timing("relu", 1.0, 2.0, noise=0.1), _timing("sigmoid", 1.05, 2.1, noise=0.1)
    comparison = kernels.Comparison("actlab", "dram", cheap, dear)
    assert comparison.answer("fwd") == "can't tell" and not comparison.holds


def test_only_takes_specs_with_commas_inside(capsys):
    argv = ["bench", "kernels", "--json", "--size", "64", "--repeat", "1", "--no-torch"]
    argv += ["--regime", "dram"]
    status = main([*argv, "--only", "relu,max(x, 0.5),tanh", "sigmoid"])
    records = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in records}
    assert status == 0 and names == {"relu", "max(x, 0.5)", "tanh", "sigmoid"}
    assert {r["regime"] for r in records} == {"dram"}


def test_bad_sizes_are_one_line_errors(capsys):
    assert main(["bench", "kernels", "--cache-size", "0"]) == 2
    assert "--cache-size must be between" in capsys.readouterr().err


def test_kinds_come_from_the_formulas():
    assert kernels.kind("relu") == "piecewise-linear"
    assert kernels.kind("hardtanh") == "piecewise-linear"
    assert kernels.kind("sigmoid") == kernels.kind("gelu") == "exp/erf"
    assert kernels.kind("hardswish") == "other"  # piecewise quadratic


def test_goals_read_the_dram_numbers(monkeypatch):
    monkeypatch.setattr(harness, "MIN_SAMPLE_S", 0.0)
    bench = kernels.run({"dram": 256}, 1, ["relu", "sigmoid"], numpy_path=True)
    assert {"actlab NumPy", "actlab out="} <= set(bench.impls())
    goals = kernels.goals(bench)
    assert len(goals) == 4
    for goal in goals:
        assert set(goal.met).isdisjoint(goal.missed)
    by_text = {g.text.split(":")[0]: g for g in goals}
    linear = by_text["piecewise-linear"]
    assert len(linear.met) + len(linear.missed) == 1  # relu only
    assert all(item.startswith("relu ") for item in linear.met + linear.missed)


def test_float64_and_the_numpy_path_from_the_cli(capsys, monkeypatch):
    monkeypatch.setattr(harness, "MIN_SAMPLE_S", 0.0)
    argv = ["bench", "kernels", "--size", "128", "--regime", "dram", "--repeat", "1"]
    status = main(
        [*argv, "--dtype", "float64", "--numpy-path", "--reverse", "--only", "sigmoid", "relu"]
    )
    out = capsys.readouterr().out
    assert status == 0 and "128 float64 elements" in out and "goal: " in out
