"""Invalid values are errors, not silent defaults; limits are refused before allocating; --json
is always JSON (issue 14)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.errors import ActlabError
from actlab.limits import check_memory, mlp_bytes, size_text

QUICK = ["--dataset", "xor", "--seeds", "1", "--epochs", "1", "--no-figure", "--quiet"]


def _one_error(capsys, argv: list[str]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--batch-size", "0"], "--batch-size must be a positive integer, got 0"),
        (["--model", "mlp:"], "has no hidden layer"),
        (["--model", "mlp"], "has no hidden layer"),
        (["--model", "mlp:8,,8"], "whole numbers separated by commas"),
        (["--activations", "relu,ReLU"], "lists relu twice (relu and ReLU)"),
        (["--activations", "silu,swish"], "lists silu twice (silu and swish)"),
        (["--activations", "leaky_relu,leaky_relu(0.01)"], "lists leaky_relu twice"),
        (["--model", "mlp:65536,65536", "--activations", "relu"], "of memory; this machine"),
    ],
)
def test_compare_refuses(extra, needle, capsys) -> None:
    assert needle in _one_error(capsys, ["compare", *QUICK, *extra])


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["gradients", "--width", "10000000"], "of memory; this machine has"),
        (["gradients", "--init", "he", "--sigma-w2", "2"], "set the gaussian initialisation"),
        (["gradients", "--sigma-w2", "nan"], "--sigma-w2 must be a positive finite number"),
        (["gradients", "--lr", "inf", "--dataset", "xor", "--steps", "1"], "--lr must be"),
        (["collapse", "--depth", "100000"], "of memory; this machine has"),
        (["eval", "relu", "1e39", "--dtype", "float32"], "out of float32's range"),
        (["eval", "relu", "1e400"], "out of float64's range"),
    ],
)
def test_other_commands_refuse(argv, needle, capsys) -> None:
    assert needle in _one_error(capsys, argv)


def test_eval_json_writes_null_for_nan_and_strings_for_inf(capsys) -> None:
    assert main(["eval", "relu", "--json", "--", "-inf", "nan", "3"]) == 0
    values = json.loads(capsys.readouterr().out)["values"]
    assert values == [{"x": "-inf", "y": 0.0}, {"x": None, "y": None}, {"x": 3.0, "y": 3.0}]


def test_gradients_json_reports_the_scheme_variance(capsys) -> None:
    argv = ["gradients", "--init", "he", "--depth", "2", "--width", "8", "--seeds", "1"]
    assert main([*argv, "--activations", "relu", "--json", "--quiet"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert (config["init"], config["sigma_w2"], config["sigma_b2"]) == ("he", 2.0, 0.0)


def test_deep_narrow_gradients_give_null_not_a_warning(capsys) -> None:
    argv = ["gradients", "--depth", "3000", "--width", "2", "--seeds", "1", "--activations"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main([*argv, "relu", "--json", "--quiet", "--batch", "4"]) == 0
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert result["ratio_measured"] is None  # 0/0: the gradient underflowed at both ends
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main([*argv, "relu", "--quiet", "--batch", "4"]) == 0
    assert "n/a: the gradient at the first or last layer is 0" in capsys.readouterr().out


def test_data_info_and_training_agree_on_the_problem_type(tmp_path: Path, capsys) -> None:
    table = tmp_path / "t.csv"
    table.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{(i % 2) + 0.5}\n" for i in range(12)))
    assert main(["data", "info", "csv", "--data", str(table), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "regression"
    assert main(["data", "info", "csv", "--data", str(table), "--kind", "classification"]) == 0
    assert "kind: classification" in capsys.readouterr().out
    argv = ["compare", "--dataset", "csv", "--data", str(table), "--activations", "relu"]
    argv += ["--seeds", "1", "--epochs", "1", "--no-figure", "--quiet", "--json"]
    assert main([*argv, "--kind", "classification"]) == 0
    assert json.loads(capsys.readouterr().out)["dataset"]["kind"] == "classification"
    assert main(["data", "info", "xor", "--kind", "regression"]) == 2
    assert "--kind does not apply" in capsys.readouterr().err


def test_memory_check_and_estimate() -> None:
    assert mlp_bytes([2, 3, 1], 1, 0, 8, copies=1) == 8 * (2 * 3 + 3 + 3 * 1 + 1)
    check_memory(10, "small", limit=100)
    check_memory(1000, "big", limit=100, force=True)
    with pytest.raises(ActlabError, match="big needs about 1000 B of memory; this machine has"):
        check_memory(1000, "big", limit=100)
    assert size_text(728 * 2**40) == "728 TiB" and size_text(1.5 * 2**30) == "1.5 GiB"


def test_show_states_the_properties_at_the_given_parameters(capsys) -> None:
    assert main(["show", "hardtanh(min_val=-0.1,max_val=0.3)"]) == 0
    out = capsys.readouterr().out
    assert "properties (measured at these parameters)" in out
    assert "  range          [-0.1, 0.3]" in out
    assert main(["show", "leaky_relu(negative_slope=-2)"]) == 0
    assert "  monotonic      no" in capsys.readouterr().out
    assert main(["show", "hardtanh"]) == 0
    out = capsys.readouterr().out
    assert "properties\n" in out and "  range          [-1, 1]" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["bench", "engine", "--steps", "99999999999999999999"],
        ["bench", "engine", "--rounds", "0"],
        ["bench", "kernels", "--repeat", "99999999999999999999"],
        ["bench", "kernels", "--threads", "0"],
        ["bench", "torch", "--repeat", "0"],
    ],
)
def test_bench_counts_have_bounds(argv, capsys) -> None:
    assert "must be 1.." in _one_error(capsys, argv)


def test_out_of_memory_past_force_is_one_line(capsys, monkeypatch) -> None:
    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 32.0 GiB for an array with shape (65536, 65536)")

    monkeypatch.setattr("actlab.compare.compare", too_big)
    argv = ["compare", *QUICK, "--activations", "relu", "--model", "mlp:65536,65536", "--force"]
    err = _one_error(capsys, argv)
    assert "error: out of memory (Unable to allocate 32.0 GiB" in err
