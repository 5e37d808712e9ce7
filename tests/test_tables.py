"""The catalog's generated tables are what their generators make now (``make tables``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["special", "roots"])
def test_committed_table_equals_a_fresh_generation(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    made = subprocess.run(
        [sys.executable, str(ROOT / "tools" / f"gen_{name}.py")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    ).stdout
    fresh = tmp_path / f"_{name}_table.py"
    fresh.write_text(made)
    ruff = Path(sys.executable).with_name("ruff")
    subprocess.run(
        [str(ruff), "format", "-q", "--config", str(ROOT / "pyproject.toml"), str(fresh)],
        check=True,
    )
    committed = ROOT / "src" / "actlab" / "catalog" / f"_{name}_table.py"
    assert fresh.read_text() == committed.read_text(), (
        f"run 'make tables': {committed.name} is stale"
    )
