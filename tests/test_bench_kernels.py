"""``actlab bench kernels`` on a tiny array: the shape of its output, never its speed."""

from __future__ import annotations

import json

import pytest

import actlab
from actlab.bench import kernels
from actlab.cli import main


def test_json_records_for_every_activation(capsys):
    status = main(["bench", "kernels", "--json", "--size", "256", "--repeat", "1"])
    out, err = capsys.readouterr()
    assert status == 0 and "[1/" in err  # progress goes to stderr, data to stdout
    records = json.loads(out)
    assert {r["name"] for r in records} == set(actlab.names())
    for r in records:
        assert {"name", "impl", "fwd_x_floor", "fwdbwd_x_floor"} <= set(r)
        assert r["impl"] in kernels.IMPLS
        assert r["fwd_x_floor"] > 0 and r["fwdbwd_x_floor"] > 0
    impls = {r["impl"] for r in records if r["name"] == "relu"}
    assert {"actlab", "actlab out="} <= impls


def test_table_settles_relu_vs_sigmoid(capsys):
    status = main(["bench", "kernels", "--size", "256", "--repeat", "2", "--only", "relu,sigmoid"])
    out = capsys.readouterr().out
    assert status == 0
    assert '"ReLU is cheaper than sigmoid, forward and backward": ' in out
    assert "actlab out=: forward relu" in out


def test_torch_rows_when_torch_is_installed(capsys):
    pytest.importorskip("torch")
    bench = kernels.run(size=128, repeat=1, only=["relu", "identity"])
    assert bench.get("relu", "torch") is not None
    assert bench.get("identity", "torch") is None
    assert any(s.startswith("torch identity:") for s in bench.skipped)


def test_verdict_words():
    cheap = kernels.KernelTiming("relu", "actlab", 1.0, 2.0, 1e-3)
    dear = kernels.KernelTiming("sigmoid", "actlab", 5.0, 1.5, 1e-3)
    line = kernels.verdict([kernels.Comparison("actlab", cheap, dear)])
    assert "does not hold" in line  # forward+backward is slower for the "cheap" one


def test_only_takes_specs_with_commas_inside(capsys):
    argv = ["bench", "kernels", "--json", "--size", "64", "--repeat", "1", "--no-torch"]
    status = main([*argv, "--only", "relu,max(x, 0.5),tanh", "sigmoid"])
    names = {r["name"] for r in json.loads(capsys.readouterr().out)}
    assert status == 0 and names == {"relu", "max(x, 0.5)", "tanh", "sigmoid"}
