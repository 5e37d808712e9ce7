"""A study store's problems each get one line; a damaged store is rebuilt from what is intact;
a finished study is extended without training again what exists (issue 14)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.compare import StudyConfig, compare
from actlab.compare.store import Store
from actlab.errors import ActlabError
from tests.unprivileged import as_nobody, shared_folder

SMALL = StudyConfig(activations=("relu", "tanh"), seeds=2, epochs=2, model="mlp:8", batch_size=64)
LONGER = StudyConfig(activations=("relu", "tanh"), seeds=2, epochs=4, model="mlp:8", batch_size=64)


def curves(result) -> list[tuple]:
    return [
        (r.activation, r.seed, [(h.epoch, h.train_loss, h.test_accuracy) for h in r.history])
        for r in result.runs
    ]


def _sql(folder: Path, statement: str) -> None:
    db = sqlite3.connect(folder / "study.sqlite")
    db.execute(statement)
    db.commit()
    db.close()


def test_a_finished_study_is_extended_bit_for_bit(tmp_path: Path) -> None:
    compare(SMALL, tmp_path)
    extended = compare(LONGER, tmp_path)
    assert extended.resumed == {"finished": 0, "partial": 4, "loaded": 4}
    assert curves(extended) == curves(compare(LONGER))
    with pytest.raises(ActlabError, match="holds a study of 4 epochs; run it with --epochs 4"):
        compare(SMALL, tmp_path)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    holder = Store(tmp_path)
    try:
        with pytest.raises(ActlabError, match="in use by another actlab compare"):
            compare(SMALL, tmp_path)
    finally:
        holder.close()
    compare(SMALL, tmp_path)  # released: the study runs


def test_damaged_settings_are_named_and_repaired(tmp_path: Path) -> None:
    compare(SMALL, tmp_path)
    _sql(tmp_path, "UPDATE meta SET value = '{bad' WHERE key = 'config'")
    with pytest.raises(ActlabError, match=r"settings \(table meta\) are damaged.*--repair"):
        compare(SMALL, tmp_path)
    repaired = compare(SMALL, tmp_path, repair=True)
    assert repaired.resumed["finished"] == 4 and curves(repaired) == curves(compare(SMALL))


def test_a_damaged_state_retrains_only_its_activation(tmp_path: Path) -> None:
    def stop(progress) -> None:
        if progress.epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compare(LONGER, tmp_path, on_epoch=stop)
    _sql(tmp_path, "UPDATE runs SET state = x'00112233' WHERE activation = 'tanh'")
    with pytest.raises(ActlabError, match=r"saved state of tanh is damaged.*--repair"):
        compare(LONGER, tmp_path)
    repaired = compare(LONGER, tmp_path, repair=True)
    assert curves(repaired) == curves(compare(LONGER))


def test_a_file_that_is_not_a_study_is_damaged(tmp_path: Path, capsys) -> None:
    (tmp_path / "study.sqlite").write_bytes(b"not a database" * 200)
    argv = ["compare", "--activations", "relu", "--seeds", "1", "--epochs", "1", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "damaged" in err and "move it away" in err and err.count("\n") == 1


@pytest.mark.parametrize("what", ["folder", "file", "empty folder"])
def test_a_read_only_store_says_so(what: str, capsys) -> None:
    folder = shared_folder()
    store = folder / "study"
    argv = ["compare", "--dataset", "xor", "--activations", "relu", "--seeds", "1"]
    argv += ["--epochs", "1", "--quiet", "--no-figure", "--out", str(store)]
    try:
        assert main(argv) == 0  # as root: the study, and the lazy imports
        capsys.readouterr()
        if what == "empty folder":
            shutil.rmtree(store)
            store.mkdir()
        if what == "file":
            store.chmod(0o777)
            for f in store.iterdir():
                f.chmod(0o444)
        else:
            store.chmod(0o555)
        with as_nobody():
            status = main(argv)
        err = capsys.readouterr().err
        assert status == 2 and err.count("\n") == 1, err
        assert "no permission to write" in err and "Traceback" not in err
    finally:
        store.chmod(0o755)
        shutil.rmtree(folder)


def test_repair_from_the_command_line(tmp_path: Path, capsys) -> None:
    argv = ["compare", "--dataset", "xor", "--activations", "relu", "--seeds", "1", "--epochs"]
    argv += ["1", "--quiet", "--no-figure", "--out", str(tmp_path)]
    assert main(argv) == 0
    _sql(tmp_path, "UPDATE meta SET value = '{bad' WHERE key = 'config'")
    assert main(argv) == 2
    assert "--repair" in capsys.readouterr().err
    assert main([*argv, "--repair"]) == 0
    assert "1 already finished" in capsys.readouterr().out
    _sql(tmp_path, "DELETE FROM meta")
    longer = [*argv, "--epochs", "3", "--repair", "--json"]
    assert main(longer) == 0  # rebuilt settings with more epochs: the run goes on
    report = json.loads(capsys.readouterr().out)
    assert report["resumed"]["partial"] == 1 and len(report["runs"][0]["history"]) == 4


def test_a_second_process_on_the_same_out_is_refused(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "actlab", "compare", "--dataset", "digits", "--seeds", "2"]
    argv += ["--activations", "relu,tanh", "--epochs", "1000", "--no-figure"]
    argv += ["--out", str(tmp_path)]
    first = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert first.stderr is not None
        first.stderr.readline()  # it is training (and holds the lock)
        second = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert (
            second.stderr.count("\n") == 1 and "in use by another actlab compare" in second.stderr
        )
        assert f"process {first.pid}" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=60)
    assert first.returncode == 143
