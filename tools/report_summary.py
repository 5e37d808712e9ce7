"""Print a report's verdicts as a Markdown table, from its ``report.json`` (for docs/report.md).

python tools/report_summary.py DIR     # DIR: an ``actlab report --out DIR`` folder
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/report_summary.py DIR", file=sys.stderr)
        return 2
    path = Path(argv[0]) / "report.json"
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        print(f"report_summary: {path}: {exc}", file=sys.stderr)
        return 2
    print(f"{report['mode']} mode, seed {report['seed']}, {report['seconds']:.0f} s")
    print()
    print("| section | claim | verdict | why, and under which conditions |")
    print("|---|---|---|---|")
    for s in report["sections"]:
        cells = [s["key"], s["claim"], f"**{s['verdict']}**", s["verdict_detail"]]
        print("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
