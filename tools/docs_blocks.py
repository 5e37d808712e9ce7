"""Regenerate the command-output blocks of README.md and docs/*.md (run by ``make docs``).

A block is the output of one command, between two HTML comments that Markdown hides, each at the
start of a line (indented, as in an example of the syntax, it is left alone)::

    <!-- make docs (text): actlab list -->
    ...whatever the command printed...
    <!-- end -->

The command runs from the repository root with the virtual environment's ``bin`` first on PATH.
Options in the parentheses, comma-separated:

- ``text``: the output goes in a ```` ```text ```` fence (otherwise it is Markdown, inserted as is);
- ``console``: a ```` ```console ```` fence showing ``$ command`` and what it printed, standard
  error included; a non-zero exit is then part of the example (an error message), not a failure;
- ``measured``: the output is a measurement (timings, a training run) that is not expected to be
  reproduced bit for bit; ``tests/test_docs_blocks.py`` checks every other block against a fresh
  run, so a number typed by hand, or left behind by a change in the code, fails the suite.

Usage: ``python tools/docs_blocks.py [--check] [--skip-measured] [--only TEXT] [FILE ...]``.
``--check`` changes nothing and exits 1 naming each stale block.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(
    r"^(?P<open><!-- make docs(?: \((?P<options>[a-z, ]+)\))?: (?P<command>.+?) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- end -->)",
    re.DOTALL | re.MULTILINE,
)
OPTIONS = {"text", "console", "measured"}


@dataclass(frozen=True)
class Block:
    path: Path
    command: str
    options: frozenset[str]
    body: str

    @property
    def measured(self) -> bool:
        return "measured" in self.options


def files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """The blocks of one page; an unknown option or an unclosed block is an error."""
    text = path.read_text()
    found = []
    for m in BLOCK.finditer(text):
        block = _block(m, path)
        if block.options - OPTIONS:
            raise SystemExit(f"{path.name}: unknown option {sorted(block.options - OPTIONS)[0]!r}")
        found.append(block)
    if len(re.findall(r"^<!-- make docs", text, re.MULTILINE)) != len(found):
        raise SystemExit(f"{path.name}: a '<!-- make docs' block without its '<!-- end -->'")
    return found


def _block(m: re.Match[str], path: Path) -> Block:
    options = frozenset(o.strip() for o in (m["options"] or "").split(",") if o.strip())
    return Block(path, m["command"], options, m["body"])


def fresh_body(block: Block) -> str:
    """What the block should hold now: its command run, rendered."""
    return render(block, run(block.command, console="console" in block.options))


def run(command: str, *, console: bool = False) -> str:
    """What ``command`` prints, run from the repository root with this Python's bin on PATH
    (``console``: standard error too, and any exit status)."""
    env = dict(os.environ, COLUMNS="100", PYTHONHASHSEED="0")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        env=env,
        text=True,
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if console else subprocess.PIPE,
    )
    if done.returncode and not console:
        raise SystemExit(f"{command!r} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def render(block: Block, output: str) -> str:
    """The block's new body for ``output``."""
    output = output.rstrip("\n") + "\n"
    if "console" in block.options:
        return f"```console\n$ {block.command}\n{output}```\n"
    return f"```text\n{output}```\n" if "text" in block.options else output


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path, help="pages (default: README.md, docs/*.md)")
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    ap.add_argument("--skip-measured", action="store_true", help="leave measured blocks alone")
    ap.add_argument("--only", metavar="TEXT", help="only the blocks whose command contains TEXT")
    args = ap.parse_args(argv)
    stale: list[str] = []
    for missing in [p for p in args.files if not p.is_file()]:
        raise SystemExit(f"docs_blocks: {missing}: no such file")
    for path in [p.resolve() for p in args.files] or files():
        blocks(path)  # checks the page's syntax first

        def fresh(m: re.Match[str], path: Path = path) -> str:
            block = _block(m, path)
            if (block.measured and args.skip_measured) or (args.only or "") not in block.command:
                return m[0]
            body = fresh_body(block)
            if body != block.body:
                stale.append(f"{_shown(path)}: {block.command}")
            return f"{m['open']}{body}{m['close']}"

        text = BLOCK.sub(fresh, path.read_text())
        if not args.check:
            path.write_text(text)
    for line in stale:
        print(("stale: " if args.check else "updated: ") + line)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
