"""``actlab compare`` end to end on small settings: JSON, CSV, figure, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.cli.compare import split_specs

QUICK = ["--activations", "relu,sigmoid", "--seeds", "2", "--epochs", "2", "--model", "mlp:8"]


def test_json_has_runs_summary_verdict_resumed(tmp_path: Path, capsys) -> None:
    fig = tmp_path / "f.png"
    assert (
        main(["compare", *QUICK, "--json", "-o", str(fig), "--csv", str(tmp_path / "h.csv")]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert len(report["runs"]) == 4
    assert [len(r["history"]) for r in report["runs"]] == [3, 3, 3, 3]  # epoch 0, 1, 2
    for s in report["summary"]:
        assert 0 < s["test_accuracy_mean"] <= 1 and s["test_accuracy_ci95"] >= 0
    assert {v["claim"] for v in report["verdict"]} >= {"sigmoid_slowest", "tanh_slower_than_relu"}
    assert report["resumed"] == {"finished": 0, "partial": 0, "loaded": 0}
    assert fig.stat().st_size > 10_000
    with (tmp_path / "h.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12 and rows[0]["activation"] == "relu" and rows[-1]["epoch"] == "2"
    assert (tmp_path / "h.summary.csv").read_text().startswith("activation,n_runs,")


def test_text_report_and_out_dir(tmp_path: Path, capsys) -> None:
    assert main(["compare", *QUICK, "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Verdict:" in text and "sigmoid trains slowest" in text
    assert (tmp_path / "compare.png").exists() and (tmp_path / "runs.csv").exists()
    assert main(["compare", *QUICK, "--out", str(tmp_path), "--no-figure"]) == 0
    assert "4 already finished and 0 resumed" in capsys.readouterr().out


def test_regression_dataset(capsys) -> None:
    args = [
        "compare",
        "--dataset",
        "plane",
        "--activations",
        "tanh,relu",
        "--seeds",
        "2",
        "--epochs",
        "2",
        "--json",
        "--no-figure",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"][0]["test_accuracy_mean"] is None
    assert report["summary"][0]["test_loss_mean"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--activations", "relu,nosuch"], "unknown activation 'nosuch'"),
        (["--model", "cnn"], "--backend torch"),
        (["--dataset", "mnist"], "needs --data PATH"),
        (["--dataset", "nope"], "unknown dataset 'nope'"),
        (["--seeds", "0"], "--seeds must be"),
        (["--lr", "-1"], "--lr must be"),
        (["--init", "zeros"], "unknown --init"),
        (["--backend", "jax"], "unknown backend 'jax'"),
        (["--activations", "relu,relu"], "lists relu twice"),
        (["--noise", "5"], "--noise does not apply"),
        (["-o", "x.gif", "--epochs", "1", "--seeds", "1"], ".png"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str, capsys, tmp_path: Path) -> None:
    assert main(["compare", "--activations", "relu", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_bad_data_file_is_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n1,2\n")
    assert main(["compare", "--dataset", "csv", "--data", str(bad), "--activations", "relu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 3 has 2 fields, expected 3" in err


def test_split_specs() -> None:
    assert split_specs("relu, max(x, 0.1*x) ,elu(alpha=2)") == (
        "relu",
        "max(x, 0.1*x)",
        "elu(alpha=2)",
    )
    # a formula's parameters after ';' are comma-separated too (docs/formulas.md)
    assert split_specs("x*sigmoid(b*x)+c*x; b=2, c=0.1,relu") == (
        "x*sigmoid(b*x)+c*x; b=2, c=0.1",
        "relu",
    )


@pytest.mark.parametrize(
    ("activations", "needle"),
    [("relu,,tanh", "an empty item"), ("relu,max(x,0", "unbalanced parentheses")],
)
def test_bad_activation_lists_say_what_is_wrong(capsys, activations, needle) -> None:
    assert main(["compare", "--activations", activations]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


def test_diverging_runs_are_reported_not_warned(tmp_path: Path, capsys) -> None:
    args = [
        "compare",
        "--activations",
        "relu,sigmoid",
        "--seeds",
        "3",
        "--epochs",
        "2",
        "--optimizer",
        "sgd",
        "--lr",
        "20",
        "-o",
        str(tmp_path / "d.png"),
    ]
    assert main(args) == 0  # RuntimeWarnings are errors under pytest: none may escape
    out = capsys.readouterr().out
    assert "Diverged (loss not finite): relu 3/3 runs" in out
    assert (tmp_path / "d.png").exists()


def test_custom_formula_activation(capsys) -> None:
    args = [
        "compare",
        "--activations",
        "relu,x*tanh(log(1+exp(x)))",
        "--seeds",
        "2",
        "--epochs",
        "2",
        "--model",
        "mlp:8",
        "--json",
        "--no-figure",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert {s["activation"] for s in report["summary"]} == {"relu", "x*tanh(log(1+exp(x)))"}
