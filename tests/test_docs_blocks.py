"""``make docs``' command blocks: each page's blocks parse, and every block that is not a
measurement is what its command prints now (a number typed by hand, or left stale, fails here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("docs_blocks", ROOT / "tools" / "docs_blocks.py")
assert _spec is not None and _spec.loader is not None
docs_blocks = importlib.util.module_from_spec(_spec)
sys.modules["docs_blocks"] = docs_blocks
_spec.loader.exec_module(docs_blocks)

CHECKED = [b for path in docs_blocks.files() for b in docs_blocks.blocks(path) if not b.measured]


def test_the_pages_have_blocks_of_both_kinds() -> None:
    every = [b for path in docs_blocks.files() for b in docs_blocks.blocks(path)]
    assert CHECKED and len(every) > len(CHECKED)


@pytest.mark.slow
@pytest.mark.parametrize("block", CHECKED, ids=lambda b: f"{b.path.name}: {b.command[:40]}")
def test_a_block_is_what_its_command_prints(block: docs_blocks.Block) -> None:
    fresh = docs_blocks.fresh_body(block)
    assert block.body == fresh, f"{block.path.name}: stale; run python tools/docs_blocks.py"


def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_a_stale_block_is_rewritten_and_check_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _page(tmp_path, "a\n<!-- make docs (text): echo 42 -->\n41\n<!-- end -->\nb\n")
    assert docs_blocks.main(["--check", str(page)]) == 1
    assert "stale: " in capsys.readouterr().out
    assert "41" in page.read_text()  # --check changes nothing
    assert docs_blocks.main([str(page)]) == 0
    assert (
        page.read_text()
        == "a\n<!-- make docs (text): echo 42 -->\n```text\n42\n```\n<!-- end -->\nb\n"
    )
    assert docs_blocks.main(["--check", str(page)]) == 0


def test_console_blocks_show_the_command_and_its_error(tmp_path: Path) -> None:
    page = _page(tmp_path, "<!-- make docs (console): echo oops >&2; exit 3 -->\n<!-- end -->\n")
    docs_blocks.main([str(page)])
    assert "```console\n$ echo oops >&2; exit 3\noops\n```\n" in page.read_text()


def test_measured_blocks_can_be_left_alone(tmp_path: Path) -> None:
    text = "<!-- make docs (measured): echo new -->\nold\n<!-- end -->\n"
    page = _page(tmp_path, text)
    docs_blocks.main(["--skip-measured", str(page)])
    assert page.read_text() == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<!-- make docs (fancy): echo 1 -->\n<!-- end -->\n", "unknown option 'fancy'"),
        ("<!-- make docs: echo 1 -->\nno end\n", "without its '<!-- end -->'"),
    ],
)
def test_a_malformed_block_is_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(SystemExit, match=problem):
        docs_blocks.main([str(_page(tmp_path, text))])


def test_a_failing_command_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="failed"):
        docs_blocks.main([str(_page(tmp_path, "<!-- make docs: exit 4 -->\n<!-- end -->\n"))])
