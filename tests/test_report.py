"""``actlab report``: structure, numbers, bad input, and the page in a real browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.report import Options, build, write
from actlab.report.model import VERDICTS
from actlab.report.sections import SECTIONS, cost

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One quick report (the kernel benchmark on a tiny array), written to a temp directory."""
    saved = dict(cost.SETTINGS)
    cost.SETTINGS["quick"] = (4096, 1)
    lines: list[str] = []
    try:
        sections = build(Options(mode="quick"), lines.append)
    finally:
        cost.SETTINGS.update(saved)
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
        (["report", "--out", "/proc/actlab-report"], "cannot create it"),
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
    assert "not a directory" in capsys.readouterr().err


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
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 900})
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.resolve().as_uri())
            tab.wait_for_load_state("load")
            widths = tab.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)")
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
    assert cards == len(next(s for s in sections if s.key == "catalog").numbers)
    assert math_width > 0


def test_formulas_without_latex2mathml_show_their_source(monkeypatch):
    import sys

    from actlab.report.write import math_ml

    monkeypatch.setitem(sys.modules, "latex2mathml.converter", None)
    assert math_ml(r"\frac{1}{1 + e^{-x}}", True) == (
        '<code class="tex">\\frac{1}{1 + e^{-x}}</code>'
    )
