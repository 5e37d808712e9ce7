"""Output paths are checked before any work, and a finished study is never lost to one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.errors import ActlabError
from actlab.outputs import FIGURE_FORMATS, check_folder, check_output, folder_problem
from tests.unprivileged import as_nobody, shared_folder

QUICK = ["--dataset", "xor", "--activations", "relu", "--seeds", "1", "--epochs", "1"]


def test_check_output_names_the_problem(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    cases = {
        "results.jpg": "unknown extension '.jpg'",
        str(tmp_path / "nope" / "c.png"): "does not exist",
        str(a_file / "c.png"): "is not a folder",
        str(tmp_path): "unknown extension",
        "": "empty",
    }
    for path, needle in cases.items():
        with pytest.raises(ActlabError, match=needle):
            check_output(path, FIGURE_FORMATS, "-o")
    assert check_output(tmp_path / "ok.PNG", FIGURE_FORMATS) == tmp_path / "ok.PNG"
    assert not list(tmp_path.glob(".actlab-probe-*"))  # the probe cleans up after itself


def test_check_folder_creates_parents(tmp_path: Path) -> None:
    assert check_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f").write_text("")
    with pytest.raises(ActlabError, match="not a folder"):
        check_folder(tmp_path / "f", "--out")


def test_read_only_folder_is_refused_even_when_run_as_root() -> None:
    folder = shared_folder()
    locked = folder / "locked"
    locked.mkdir(mode=0o555)
    try:
        with as_nobody():
            assert "permission" in folder_problem(locked)
            with pytest.raises(ActlabError, match="permission"):
                check_output(locked / "c.png", FIGURE_FORMATS, "-o")
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["-o", "results.jpg"], "-o results.jpg: unknown extension"),
        (["-o", "/nonexistent/c.png"], "does not exist"),
        (["--csv", "/nonexistent/r.csv"], "--csv /nonexistent/r.csv: cannot write"),
        (["--csv", "r.txt"], "unknown extension"),
    ],
)
def test_compare_checks_outputs_before_training(extra, needle, capsys, monkeypatch) -> None:
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the outputs")

    monkeypatch.setattr("actlab.compare.compare", no_training)
    assert main(["compare", *QUICK, *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_default_figure_is_skipped_with_a_note_in_a_read_only_folder(capsys, monkeypatch) -> None:
    folder = shared_folder()
    locked = folder / "locked"
    locked.mkdir(mode=0o555)
    try:
        monkeypatch.chdir(folder)
        assert main(["compare", *QUICK, "--json"]) == 0  # warm-up: lazy imports as root
        capsys.readouterr()
        monkeypatch.chdir(locked)
        with as_nobody():
            status = main(["compare", *QUICK, "--json"])
        out, err = capsys.readouterr()
        assert status == 0
        report = json.loads(out)
        assert "figure" not in report["outputs"]
        assert report["notes"] and "no permission to write" in report["notes"][0]
        assert "note: no figure" in err and not list(locked.iterdir())
    finally:
        shutil.rmtree(folder)


def test_default_figure_goes_next_to_the_study(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *QUICK, "--out", "study", "--quiet"]) == 0
    assert (tmp_path / "study" / "compare.png").exists() and not (tmp_path / "compare.png").exists()


def test_a_figure_that_fails_after_the_study_keeps_the_results(capsys, monkeypatch) -> None:
    def broken(result, path):
        raise ActlabError(f"{path}: cannot write (No space left on device)")

    monkeypatch.setattr("actlab.plots.compare.save", broken)
    status = main(["compare", *QUICK, "--json", "-o", os.devnull + ".png"])
    out, err = capsys.readouterr()
    assert status == 2 and json.loads(out)["runs"]  # the results, then the one error line
    assert err.strip().splitlines()[-1].endswith("(No space left on device)")


def test_progress_is_plain_lines_when_piped(capsys, monkeypatch) -> None:
    monkeypatch.setattr("actlab.progress.QUIET_SECONDS", 0.0)
    monkeypatch.setattr("actlab.progress.EVERY_SECONDS", 0.0)
    assert main(["compare", *QUICK, "--epochs", "3", "--no-figure"]) == 0
    lines = capsys.readouterr().err.splitlines()  # capsys is not a terminal: plain lines
    assert [line.split(",")[0] for line in lines] == [
        f"actlab compare: epoch {e}/3" for e in (1, 2, 3)
    ]
    assert all("\r" not in line for line in lines) and "left" in lines[0]


def test_a_short_job_prints_no_progress(capsys) -> None:
    assert main(["compare", *QUICK, "--no-figure"]) == 0
    assert capsys.readouterr().err == ""


def test_sigterm_exits_143_and_keeps_the_finished_epochs(tmp_path: Path) -> None:
    argv = ["compare", "--dataset", "digits", "--activations", "relu,tanh", "--seeds", "2"]
    argv += ["--epochs", "1000", "--out", str(tmp_path / "s"), "--no-figure"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "actlab", *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the first epoch is committed before it is reported
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 143, first + rest
    assert "terminated (SIGTERM)" in rest and "run the same command to resume" in rest
    assert "Traceback" not in rest


def test_sigterm_exits_143_for_every_command(capsys, monkeypatch) -> None:
    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    monkeypatch.setattr("actlab.experiments.gradients.measure", killed)
    assert main(["gradients"]) == 143
    assert capsys.readouterr().err == "actlab gradients: terminated (SIGTERM)\n"
