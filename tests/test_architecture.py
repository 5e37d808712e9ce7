"""The import graph follows the layer order written down in docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "actlab"


def layer_table() -> dict[str, int]:
    """Top-level unit of actlab -> its layer, read from the ```layers block of the docs."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    table = {
        name: level
        for level, line in enumerate(block.group(1).strip().splitlines())
        for name in line.split()
    }
    return table


def unit(module: str) -> str:
    """The top-level unit a dotted module name belongs to: actlab.nn.model -> nn."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "actlab"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, own: str = "") -> list[tuple[int, str]]:
    """(line, module) for every actlab import in a file, lazy ones and importlib's included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside its own package
                continue
            if node.module and (node.module == "actlab" or node.module.startswith("actlab.")):
                if node.module == "actlab":  # from actlab import nn: the unit is the name
                    found += [(node.lineno, f"actlab.{a.name}") for a in node.names]
                else:
                    found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "actlab"]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith("actlab")
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return [(line, m) for line, m in found if m != own]


def public_names() -> set[str]:
    """Names the facade re-exports (``from actlab import get`` is an import of the facade)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def violations() -> list[str]:
    table, facade = layer_table(), public_names()
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        here = unit(source)
        assert here in table, f"{source}: {here!r} is in no layer of docs/architecture.md"
        for line, target in imports(path, source):
            there = unit(target)
            if there in facade and there not in table:
                there = "actlab"
            if there == here:
                continue
            assert there in table, f"{source}:{line} imports {target}, in no layer"
            if table[there] >= table[here]:
                rel = "a peer" if table[there] == table[here] else "a higher layer"
                bad.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {there} ({rel})")
    return bad


def test_no_import_goes_up_or_sideways() -> None:
    bad = violations()
    assert not bad, "imports against docs/architecture.md:\n" + "\n".join(bad)


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\n"
        "import actlab.web\n"
        "from actlab import nn\n"
        "def lazy():\n"
        "    from actlab.torch import Activation\n"
        "    importlib.import_module('actlab.formula')\n"
    )
    found = {m for _, m in imports(probe)}
    assert found == {"actlab.web", "actlab.nn", "actlab.torch", "actlab.formula"}


def test_every_unit_of_the_package_has_a_layer() -> None:
    table = layer_table()
    units = {unit(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert units <= set(table), f"no layer for {sorted(units - set(table))}"
