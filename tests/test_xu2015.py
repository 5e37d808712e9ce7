"""Xu et al. 2015 as a preset ``actlab compare`` study: the preset, resume after SIGKILL, the
verdict's wording read off the paper's table, and the settings StudyConfig gained for it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest

from actlab.cli import main
from actlab.compare import StudyConfig, StudyResult, compare
from actlab.compare.runner import EpochRecord, Run
from actlab.compare.summary import compare_pairs, summarise
from actlab.errors import ActlabError
from tests.test_compare_resume import SRC, _wait_for_epoch

torch = pytest.importorskip("torch")

from actlab.experiments import xu2015  # noqa: E402
from tests.test_torch_experiments import write_cifar10  # noqa: E402

QUICK = ["--quick", "--epochs", "2", "--train-size", "16", "--quiet"]


def test_the_preset_is_a_torch_study_with_the_papers_settings():
    full = xu2015.config("cifar100")
    assert (full.backend, full.model, full.epochs, full.batch_size) == ("torch", "nin", 100, 128)
    assert (full.weight_decay, full.lr_drops, full.train_size) == (5e-4, (0.5, 0.75), None)
    assert full.activations == tuple(r.spec for r in xu2015.ROWS)
    assert xu2015.config(quick=True, train_size=100).train_size == 100
    with pytest.raises(ActlabError, match="cifar10 or cifar100"):
        xu2015.config("mnist")


def test_the_papers_table_is_read_with_ties():
    rows = {r.label: r for r in xu2015.ROWS}
    # 12.66 % against ReLU's 12.45 %: worse, not "every variant beat ReLU"
    assert xu2015.versus_relu(rows["Leaky ReLU, a=100"], "cifar10") == "worse"
    assert xu2015.versus_relu(rows["PReLU"], "cifar10") == "better"
    assert all(xu2015.versus_relu(r, "cifar100") == "better" for r in xu2015.ROWS[1:])
    # RReLU leads Leaky ReLU a=5.5 by 0.01 points on CIFAR-10: a tie; on CIFAR-100 it is alone
    assert [r.label for r in xu2015.lowest("test", "cifar10")] == [
        "Leaky ReLU, a=5.5",
        "RReLU, a~U(3,8)",
    ]
    assert [r.label for r in xu2015.lowest("test", "cifar100")] == ["RReLU, a~U(3,8)"]
    assert [r.label for r in xu2015.lowest("train", "cifar10")] == ["PReLU"]


def test_the_report_says_what_the_table_says():
    from actlab.report.sections import variants

    said = variants._paper_versus_relu()
    assert "every variant" not in said
    assert "higher for Leaky ReLU a=100 (12.66 %)" in said and "12.45 %" in said
    assert "42.90 % on CIFAR-100: lower for all four variants" in said
    text = variants._paper()[0][0].text  # type: ignore[attr-defined]
    assert "tie for the lowest test error (11.20 % and 11.19 %)" in text


def test_reproduce_resumes_after_sigkill_to_the_numbers_of_an_uninterrupted_run(tmp_path):
    folder = write_cifar10(tmp_path / "cifar", n=8)
    out = tmp_path / "store"
    command = [sys.executable, "-m", "actlab", "reproduce", "xu2015", "--data", str(folder)]
    command += [*QUICK, "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": SRC}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = _wait_for_epoch(out, 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL and done < 2
    rerun = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    got = json.loads(rerun.stdout)
    assert got["study"]["resumed"]["partial"] == len(xu2015.ROWS)
    config = xu2015.config(quick=True, epochs=2, train_size=16)
    reference = compare(config, data_path=folder)
    curves = [
        [(h["epoch"], h["train_loss"], h["test_loss"]) for h in r["history"]]
        for r in got["study"]["runs"]
    ]
    assert curves == [
        [(h.epoch, h.train_loss, h.test_loss) for h in r.history] for r in reference.runs
    ]
    # one verdict per finding of the paper; one seed allows no test, and says so
    assert len(got["verdict"]) == len(xu2015.ROWS) - 1 + 2
    assert {v["verdict"] for v in got["verdict"]} == {"can't tell"}
    assert all("two or more (--seeds)" in v["reason"] for v in got["verdict"])


def _result(test_accuracy: dict[str, list[float]], dataset: str = "cifar10") -> StudyResult:
    """A study result with the given final test (and train) accuracies per spec and seed."""
    runs = []
    for spec, values in test_accuracy.items():
        for seed, acc in enumerate(values):
            first = EpochRecord(0, 2.3, 0.1, 2.3, 0.1, 0.0)
            last = EpochRecord(1, 1.0, acc, 1.0, acc, 1.0)
            runs.append(Run(spec, seed, (first, last), True))
    seeds = len(next(iter(test_accuracy.values())))
    config = replace(xu2015.config(dataset), seeds=seeds, epochs=1)
    return StudyResult(
        config,
        {},
        tuple(runs),
        tuple(summarise(runs, None, False)),
        tuple(compare_pairs(runs, "test_accuracy")),
        (),
        {},
        0.0,
        None,
    )


def test_the_verdicts_are_compares_statistics_on_the_papers_findings():
    specs = [r.spec for r in xu2015.ROWS]
    relu, leaky100, leaky5, prelu, rrelu = specs
    wobble = [0.0, 0.002, -0.002, 0.001, -0.001]
    result = _result(
        {
            relu: [0.80 + w for w in wobble],
            leaky100: [0.80 - w for w in wobble],  # the paper: worse than ReLU; here the same
            leaky5: [0.90 + w for w in wobble],  # better than ReLU, as the paper
            prelu: [0.70 + w for w in wobble],  # worse, against the paper
            rrelu: [0.90 - w for w in wobble],  # better, ties leaky 5.5 for the best
        }
    )
    found = {v.text.split(" (")[0]: v.verdict for v in xu2015.verdicts(result)}
    assert found == {
        "Leaky ReLU, a=100 has a higher test error than ReLU": "does not hold",
        "Leaky ReLU, a=5.5 has a lower test error than ReLU": "holds",
        "PReLU has a lower test error than ReLU": "does not hold",
        "RReLU, a~U(3,8) has a lower test error than ReLU": "holds",
        "PReLU has the lowest train error": "does not hold",
        "Leaky ReLU, a=5.5 and RReLU, a~U(3,8) tie for the lowest test error": "holds",
    }


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    folder = write_cifar10(tmp_path / "cifar")
    base = ["reproduce", "xu2015", "--data", str(folder), "--quick", "--quiet"]
    for extra, words in (
        (["--epochs", "0"], "--epochs"),
        (["--seeds", "0"], "--seeds"),
        (["--lr", "-1"], "--lr"),
        (["--train-size", "0"], "--train-size"),
    ):
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err
    old = tmp_path / "old"
    old.mkdir()
    (old / "study.json").write_text("{}")
    assert main([*base, "--epochs", "1", "--out", str(old)]) == 2
    assert "older actlab reproduce" in capsys.readouterr().err


def test_a_store_written_before_the_new_settings_still_resumes(tmp_path):
    config = StudyConfig(activations=("relu",), seeds=2, epochs=1, model="mlp:8")
    first = compare(config, tmp_path)
    db = sqlite3.connect(tmp_path / "study.sqlite")
    stored = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
    for key in ("weight_decay", "lr_drops", "train_size", "test_size"):
        del stored[key]  # as an older actlab wrote it
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(stored),))
    db.close()
    again = compare(config, tmp_path)
    assert again.resumed["finished"] == 2
    assert [r.final for r in again.runs] == [r.final for r in first.runs]


def test_the_numpy_backend_refuses_what_it_cannot_do(capsys):
    args = ["compare", "--activations", "relu", "--seeds", "1", "--epochs", "1", "--quiet"]
    assert main([*args, "--weight-decay", "0.01", "--no-figure"]) == 2
    assert "use --backend torch" in capsys.readouterr().err
    assert main([*args, "--lr-drops", "0.5,x", "--no-figure"]) == 2
    assert "--lr-drops" in capsys.readouterr().err


def test_compare_trains_on_the_first_n_examples(capsys):
    args = ["compare", "--activations", "relu", "--seeds", "2", "--epochs", "1", "--quiet"]
    assert main([*args, "--train-size", "100", "--test-size", "50", "--json", "--no-figure"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert (got["dataset"]["n_train"], got["dataset"]["n_test"]) == (100, 50)


def test_the_quick_choice_says_what_the_quick_preset_does():
    quick, said = xu2015.config(quick=True), xu2015.CHOICES[-1]
    assert f"{quick.train_size:,} training and {quick.test_size:,} test" in said
    assert f"batch {quick.batch_size}, {quick.epochs} epochs" in said
    assert quick.lr_drops == (0.75,) and "after 75%" in said


def test_a_tie_in_the_paper_holds_when_the_interval_excludes_a_difference_that_matters(
    monkeypatch,
):
    leaky100 = xu2015.ROWS[1].spec
    monkeypatch.setattr(xu2015, "TIE", 0.005)  # 12.66 % against 12.45 %: now a tie
    wobble = [0.0, 0.002, -0.002, 0.001, -0.001]
    same = _result({spec: [0.8 + w for w in wobble] for spec in [r.spec for r in xu2015.ROWS]})
    found = {v.claim: v for v in xu2015.verdicts(same)}
    tie = found[f"{leaky100} vs relu"]
    assert tie.text.startswith("Leaky ReLU, a=100 and ReLU tie on test error")
    assert tie.verdict == "holds"
    # every training error of the paper is within 0.5 points of the lowest: nothing to test
    assert found["lowest train error"].verdict == "not tested"
    specs = [r.spec for r in xu2015.ROWS]
    apart = _result({s: [(0.6 if s == leaky100 else 0.8) + w for w in wobble] for s in specs})
    verdict = {v.claim: v.verdict for v in xu2015.verdicts(apart)}[f"{leaky100} vs relu"]
    assert verdict == "does not hold"


def test_the_new_settings_round_trip_through_compares_command_line():
    import shlex

    from actlab.cli import build_parser
    from actlab.cli.compare import config_from
    from actlab.report.study import command

    config = StudyConfig(
        activations=("relu",), seeds=2, epochs=4, weight_decay=5e-4, lr_drops=(0.5, 0.75)
    )
    config = replace(config, train_size=100, test_size=50)
    args = build_parser().parse_args(shlex.split(command(config))[1:])
    assert config_from(args).to_dict() == config.to_dict()
