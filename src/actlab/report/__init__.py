"""``actlab report``: every classic claim about activations, checked by running code.

:func:`build` runs each section of :data:`actlab.report.sections.SECTIONS` and returns the
sections; :func:`write` renders one self-contained HTML page (figures inlined, works offline), the
figures as PNG and SVG, and a JSON of every number.

>>> from actlab.report import Options, build, write
>>> sections = build(Options(mode="quick"))      # doctest: +SKIP
>>> write(sections, "actlab-report", Options())   # doctest: +SKIP
PosixPath('actlab-report/index.html')
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence

from actlab.progress import left_text
from actlab.report.model import Context, Options, Section
from actlab.report.sections import SECTIONS
from actlab.report.write import write

__all__ = ["Context", "Options", "Section", "build", "write"]


def build(
    options: Options,
    progress: Callable[[str], None] | None = None,
    only: Sequence[str] | None = None,
) -> list[Section]:
    """Run every section (or those named in ``only``), in page order."""
    say = progress or (lambda line: None)
    ctx = Context(options=options, progress=say)
    names = [n for n in SECTIONS if only is None or n in only]
    sections = []
    started = time.perf_counter()
    for i, name in enumerate(names):
        module = importlib.import_module(f"actlab.report.sections.{name}")
        say(f"[{i + 1}/{len(names)}] {module.TITLE} ...{left_text(started, i, len(names))}")
        start = time.perf_counter()
        section: Section = module.build(ctx)
        section.seconds = time.perf_counter() - start
        say(f"[{i + 1}/{len(names)}] {module.TITLE}: {section.verdict} ({section.seconds:.1f} s)")
        sections.append(section)
    return sections
