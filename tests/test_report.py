"""``actlab report``: structure, numbers, bad input, and the page in a real browser."""

from __future__ import annotations

import gzip
import json
import re
import shlex
import shutil
from html import escape
from pathlib import Path

import numpy as np
import pytest

from actlab.cli import main
from actlab.report import Options, build, write
from actlab.report.figures import fmt
from actlab.report.model import VERDICTS, Table
from actlab.report.sections import SECTIONS, collapse, cost, gradients, training, variants
from tests.chromium import ARGS, CHROMIUM

#: tiny settings for every section that trains or times (the tests check plumbing, not claims)
TINY = [
    (cost.SETTINGS, "quick", {"cache": 256, "dram": 4096, "rounds": 1, "compile": False}),
    (collapse.SETTINGS, "quick", {**collapse.SETTINGS["quick"], "steps": 120, "seeds": 1}),
    (gradients.SETTINGS, "quick", (5, 24, 2)),
    (training.SETTINGS["digits"], "quick", (2, 3)),
    (training.SETTINGS["mnist"], "quick", (2, 1)),
    (variants.SETTINGS, "quick", (2, 2)),
]


@pytest.fixture(scope="module")
def tiny():
    saved = [(table, key, table[key]) for table, key, _ in TINY]
    for table, key, value in TINY:
        table[key] = value
    try:
        yield
    finally:
        for table, key, value in saved:
            table[key] = value


@pytest.fixture(scope="module")
def report(tiny, tmp_path_factory):
    """One quick report (tiny trainings, the kernel benchmark on a tiny array), written out."""
    lines: list[str] = []
    sections = build(Options(mode="quick"), lines.append)
    out = tmp_path_factory.mktemp("report")
    page = write(sections, out, Options(mode="quick"), seconds=1.0)
    return sections, page, lines


def test_every_section_has_a_claim_evidence_and_verdict(report):
    sections, _, lines = report
    assert [s.key for s in sections] == list(SECTIONS)
    for s in sections:
        assert s.claim and s.verdict in VERDICTS and s.verdict_detail and s.blocks
        json.dumps(s.numbers, allow_nan=True)
    assert any(line.startswith(f"[{len(SECTIONS)}/{len(SECTIONS)}]") for line in lines)


def test_the_classic_numbers_are_computed(report):
    by_key = {s.key: s for s in report[0]}
    peaks = by_key["peaks"].numbers
    assert peaks["sigmoid"]["max_abs_derivative"] == 0.25 and peaks["sigmoid"]["at"] == [0.0]
    assert peaks["tanh"]["max_abs_derivative"] == 1.0 and peaks["tanh"]["at"] == [0.0]
    assert by_key["peaks"].verdict == "holds" and by_key["classic"].verdict == "holds"
    assert by_key["classic"].numbers["sigmoid"]["sympy_difference"] == "0"
    # the output form y(1 - y) really does lose everything in the float32 tail
    assert by_key["classic"].numbers["output_form_float32"]["sigmoid"]["max_rel_error"] > 0.5


def test_files_json_and_self_containment(report):
    sections, page, _ = report
    out = page.parent
    data = json.loads((out / "report.json").read_text())
    assert [s["key"] for s in data["sections"]] == [s.key for s in sections]
    for s in sections:
        for fig in s.figures:
            assert (out / "figures" / f"{fig.name}.png").read_bytes()[:4] == b"\x89PNG"
            assert "<svg" in (out / "figures" / f"{fig.name}.svg").read_text()
    html = page.read_text()
    # offline: nothing to fetch, every image inline
    assert not re.search(r"<(script|link)\b", html)
    assert all(src.startswith("data:") for src in re.findall(r'<img[^>]* src="([^"]+)"', html))
    assert "<math" in html or 'class="tex"' in html
    # a number in the text is the number in the JSON
    sigmoid_peak = data["sections"][SECTIONS.index("peaks")]["numbers"]["sigmoid"]
    assert f"equals {sigmoid_peak['max_abs_derivative']:.17g}" in html


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["report", "--data", "no/such/file.npz"], "no such file"),
        (["report", "--only", "nosuch"], "unknown section 'nosuch'"),
        (["report", "--quick", "--full"], "not allowed with"),
        (["report", "--out", "/proc/actlab-report"], "cannot create the folder"),
    ],
)
def test_report_bad_input(capsys, argv, needle):
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_report_out_is_a_file(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("")
    assert main(["report", "--out", str(target), "--only", "peaks"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_report_cli_writes_the_page(capsys, tmp_path):
    out = tmp_path / "r"
    assert main(["report", "--out", str(out), "--only", "peaks"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str((out / "index.html").resolve())
    assert "actlab report: [1/1]" in captured.err


def test_page_in_a_real_browser(report, tmp_path):
    """Chromium opens the page from file://: it renders, every image loads, no console errors."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip("no Chromium at /usr/bin/chromium")
    sections, page, _ = report
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.resolve().as_uri())
            tab.wait_for_load_state("load")
            widths = tab.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)")
            figure_ids = tab.evaluate("[...document.querySelectorAll('figure')].map(f => f.id)")
            badges = {
                s.key: tab.locator(f"section#{s.key} .claim .badge").inner_text().lower()
                for s in sections
            }
            headings = tab.locator("section[id] > h2").all_inner_texts()
            cards = tab.locator(".card").count()
            math_width = tab.evaluate(
                "Math.min(...[...document.querySelectorAll('.equation')]"
                ".map(e => e.getBoundingClientRect().width))"
            )
            tab.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        finally:
            browser.close()
    assert errors == []
    assert len(widths) == sum(len(s.figures) for s in sections) and all(w > 0 for w in widths)
    assert len(headings) == len(sections)
    assert figure_ids == [f"figure-{f.name}" for s in sections for f in s.figures]
    assert badges == {s.key: s.verdict for s in sections}
    assert cards == len(next(s for s in sections if s.key == "catalog").numbers)
    assert math_width > 0


def test_formulas_without_latex2mathml_show_their_source(monkeypatch):
    import sys

    from actlab.report.write import math_ml

    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)
    assert math_ml(r"\frac{1}{1 + e^{-x}}", True) == (
        '<code class="tex">\\frac{1}{1 + e^{-x}}</code>'
    )


def _section(report, key):
    return next(s for s in report[0] if s.key == key)


def _printed(capsys, command: str, *extra: str) -> dict:
    """Run a section's reproduce command (with ``extra`` options) and parse its JSON."""
    argv = shlex.split(command)
    assert argv[0] == "actlab"
    capsys.readouterr()
    assert main([*argv[1:], *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_sections_in_the_issues_order(report):
    assert [s.key for s in report[0]] == [
        "collapse", "classic", "peaks", "gradients", "training", "cost", "variants", "catalog"
    ]  # fmt: skip


def test_collapse_numbers_are_what_actlab_collapse_prints(report, capsys):
    s = _section(report, "collapse")
    printed = _printed(capsys, s.reproduce, "--json")
    assert printed == {k: s.numbers[k] for k in printed}
    assert s.numbers["max_abs_diff"] <= s.numbers["tolerance"]
    html = report[1].read_text()
    assert f"differ by at most {fmt(s.numbers['max_abs_diff'], 2)}" in html


def test_gradient_numbers_are_what_actlab_gradients_prints(report, capsys):
    s = _section(report, "gradients")
    commands = s.reproduce.split("; ")
    assert len(commands) == len(gradients.INITS)
    for (label, _, _), command in zip(gradients.INITS, commands):
        printed = _printed(capsys, command, "--json")
        assert printed == s.numbers["runs"][label]
        for cell, result in zip(s.numbers["cells"][label], printed["results"]):
            assert cell["activation"] == result["activation"]
            assert cell["ratio"] == result["ratio_measured"]
            assert cell["vanished"] == (cell["ratio"] < gradients.VANISHED)
    agree = [c["claim_holds"] for cells in s.numbers["cells"].values() for c in cells]
    assert s.verdict == ("holds" if all(agree) else "does not hold" if not any(agree) else "partly")


def _same_study(printed: dict, numbers: dict) -> None:
    assert printed["verdict"] == numbers["verdict"]
    assert printed["config"] == numbers["config"]
    fields = ("activation", "test_accuracy_mean", "test_accuracy_ci95", "train_loss_auc_mean",
              "train_loss_auc_ci95", "train_loss_mean", "rank")  # fmt: skip
    assert [[row[f] for f in fields] for row in printed["summary"]] == [
        [row[f] for f in fields] for row in numbers["summary"]
    ]


@pytest.mark.parametrize("key", ["training", "variants"])
def test_study_numbers_are_what_actlab_compare_prints(report, capsys, key):
    s = _section(report, key)
    numbers = s.numbers["digits"] if key == "training" else s.numbers
    _same_study(_printed(capsys, s.reproduce, "--json", "--no-figure"), numbers)
    html = report[1].read_text()
    for v in numbers["verdicts"].values():  # compare's reasons, in the page as it gave them
        assert escape(v["reason"], quote=False) in html.replace("&#x27;", "'")


def _idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture
def mnist_dir(tmp_path):
    """Four tiny IDX files in MNIST's layout (random pixels: the plumbing is under test)."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 120), ("t10k", 60)):
        _idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    return tmp_path


def test_data_runs_the_speed_study_on_mnist_too(tiny, mnist_dir, capsys):
    (s,) = build(Options(mode="quick", data=mnist_dir), only=["training"])
    assert set(s.numbers) == {"digits", "mnist"}
    assert s.numbers["mnist"]["dataset"]["n_train"] == 120
    _, mnist = s.reproduce.split("; ")
    assert "--dataset mnist" in mnist and str(mnist_dir) in mnist
    _same_study(_printed(capsys, mnist, "--json", "--no-figure"), s.numbers["mnist"])
    assert [f.name for f in s.figures] == ["training-digits", "training-mnist"]


def test_report_data_needs_idx_files(capsys, tmp_path):
    try:
        status = main(["report", "--data", str(tmp_path), "--only", "peaks"])
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2 and "train-images-idx3-ubyte" in err and len(err.strip().splitlines()) == 1


def test_json_has_every_sections_numbers(report):
    data = json.loads((report[1].parent / "report.json").read_text())
    by_key = {s["key"]: s["numbers"] for s in data["sections"]}
    assert by_key["collapse"]["datasets"].keys() == {"xor", "circle"}
    assert by_key["gradients"]["runs"].keys() == {label for label, _, _ in gradients.INITS}
    assert len(by_key["training"]["digits"]["runs"]) == len(training.ACTIVATIONS) * 2
    assert [r["activation"] for r in by_key["variants"]["summary"]] != []
    assert set(by_key["variants"]["verdicts"]) == set(variants.CLAIMS)


def test_variants_show_xu_2015s_table_when_the_torch_module_is_installed():
    from actlab.experiments import xu2015

    blocks, numbers = variants._paper()
    table = next(b for b in blocks if isinstance(b, Table))
    assert [row[0] for row in table.rows] == [r.label for r in xu2015.ROWS] == list(numbers)
    relu = next(r for r in xu2015.ROWS if r.spec == "relu")
    assert f"{100 * relu.paper_test_error['cifar10']:.2f}" in table.rows[xu2015.ROWS.index(relu)]
