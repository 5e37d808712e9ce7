"""``actlab list / show / eval / plot``: output for every record, and bad input everywhere."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import actlab
from actlab.cli import main

RECORDS = list(actlab.records())
IDS = [r.name for r in RECORDS]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_names_every_record(capsys):
    status, out, _ = run(capsys, "list")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == actlab.names()


def test_list_json_has_the_required_fields(capsys):
    status, out, _ = run(capsys, "list", "--json")
    records = json.loads(out)
    assert status == 0 and [r["name"] for r in records] == actlab.names()
    for r in records:
        assert {"name", "aliases", "params", "latex", "properties"} <= set(r)
        props = r["properties"]
        assert {"range", "monotonic", "smooth", "f(0)", "f'(0)", "max_abs_derivative"} <= set(props)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_show_every_record(capsys, record):
    status, out, err = run(capsys, "show", record.name)
    assert status == 0 and err == ""
    f = actlab.get(record.name)
    assert record.latex in out and record.derivative_latex in out
    assert "max |f'|" in out and record.reference in out
    # the table's f(0) and f'(0) rows are the kernels' values
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["0"])
    assert float(row[1]) == float(f(0.0)) and float(row[2]) == float(f.derivative(0.0))


def test_show_computes_the_classic_peaks(capsys):
    _, out, _ = run(capsys, "show", "sigmoid")
    assert "max |f'|       0.25 at x = 0" in out
    _, out, _ = run(capsys, "show", "tanh", "--json")
    peak = json.loads(out)["properties"]["max_abs_derivative"]
    assert peak["value"] == 1.0 and peak["points"] == [0.0]
    _, out, _ = run(capsys, "show", "relu")
    assert "1 for x in (0, inf)" in out and "x = 0: f'(0) = 0" in out


def test_eval_values_and_negative_numbers(capsys):
    status, out, _ = run(capsys, "eval", "relu", "-1e-3", "-inf", "2", "nan")
    assert status == 0
    assert [line.split("\t")[1] for line in out.splitlines()] == ["0.0", "0.0", "2.0", "nan"]
    status, out, _ = run(capsys, "eval", "sigmoid", "0.1", "--dtype", "float32", "--json")
    values = json.loads(out)["values"]
    assert values == [{"x": 0.1, "y": float(str(actlab.get("sigmoid")(np.float32(0.1))))}]
    _, out, _ = run(capsys, "eval", "tanh", "0", "--derivative")
    assert out.split() == ["0.0", "1.0"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "sigmod"], "did you mean sigmoid"),
        (["eval", "sigmoidd", "1"], "did you mean sigmoid"),
        (["plot", "tanhh", "-o", "x.png"], "did you mean tanh"),
        (["show", "sigmoid(3)"], "sigmoid takes no parameters"),
        (["show", "relu(slope=1)"], "relu has no parameter 'slope'"),
        (["eval", "log(0)", "1"], "unknown activation 'log' (see 'actlab list'); as a formula it"),
        (["eval", "exp(1000)", "1"], "as a formula it would need the variable x"),
        (["eval", "sigmoid", "1", "abc"], "not a number: 'abc'"),
        (["eval", "sigmoid", "1", "--dtype", "int8"], "invalid choice"),
        (["plot", "-o", "figure.jpg"], "unknown extension '.jpg'"),
        (["plot", "-o", "figure"], "unknown extension"),
        (["plot", "-o", "no/such/dir/figure.png"], "does not exist"),
        (["plot", "--xlim", "3", "2", "-o", "f.png"], "A < B"),
        (["plot", "--xlim", "a", "2"], "invalid float value"),
        (["plot", "--xlim", "-1e308", "1e308", "-o", "f.png"], "within +-1e+300"),
        (["eval", "-x*sigmoid(x)", "1"], "starts with '-' and reads as an option: put it after"),
        (["eval", "x", "--", "--"], "eval needs at least one value"),  # exited 0, silent
        (["accuracy", "--formula", "x", "--only", "relu"], "does not go with --formula"),
        (["bench", "kernels", "--only", "relux"], "did you mean relu"),
        (["bench", "kernels", "--size", "0"], "--size"),
        (["bench", "kernels", "--repeat", "0"], "--repeat"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2
    assert needle in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""


def test_out_of_range_parameter(capsys):
    params = [(r, p) for r in RECORDS for p in r.params if math.isfinite(p.low)]
    record, p = params[0]
    status, _, err = run(capsys, "show", f"{record.name}({p.name}={p.low - 1})")
    assert status == 2 and "out of range" in err


def test_unwritable_output(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    # root may write into a read-only directory, but not into /proc
    targets = [locked / "f.png", a_file / "f.png", "/proc/actlab-figure.png"]
    try:
        results = [run(capsys, "plot", "-o", str(t)) for t in targets]
    finally:
        locked.chmod(0o700)
    for status, _, err in results[1:] + ([results[0]] if results[0][0] else []):
        assert status == 2 and "cannot write" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_plot_classic_figure(capsys, tmp_path, suffix):
    path = tmp_path / f"classic{suffix}"
    status, out, _ = run(capsys, "plot", "-o", str(path))
    assert status == 0 and path.stat().st_size > 1000 and str(path) in out
    magic = path.read_bytes()[:8]
    assert {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}[suffix] in magic


def test_plot_named_with_derivatives(capsys, tmp_path):
    path = tmp_path / "two.png"
    status, _, _ = run(capsys, "plot", "tanh", "relu", "--derivatives", "-o", str(path))
    assert status == 0 and path.exists()


def test_no_traceback_from_the_console(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "actlab", "eval", "nosuch", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(__import__("pathlib").Path(actlab.__file__).parents[1])},
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("actlab eval: error: unknown activation 'nosuch'")
    assert "Traceback" not in proc.stderr
