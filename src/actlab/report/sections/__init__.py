"""The report's sections, in page order: one small module each.

A section module defines ``TITLE`` (a short heading) and ``build(ctx: Context) -> Section``.
To plug in a section, write ``actlab/report/sections/NAME.py`` and add ``"NAME"`` to
:data:`SECTIONS` where it belongs in the article; nothing else changes. The issue's plan, for
whoever adds the rest: collapse (without a non-linearity, many linear layers equal one), classic,
peaks, vanishing gradients (``actlab.gradients``), training speed (``actlab.compare``), cost,
ReLU variants, catalog appendix.
"""

from __future__ import annotations

#: section modules under actlab.report.sections, in the order the page shows them
SECTIONS = ("classic", "peaks", "cost", "catalog")
