"""The report's sections, in page order: one small module each.

A section module defines ``TITLE`` (a short heading) and ``build(ctx: Context) -> Section``.
To plug in a section, write ``actlab/report/sections/NAME.py`` and add ``"NAME"`` to
:data:`SECTIONS` where it belongs in the article; nothing else changes. The page follows the
order of the issue's claims: collapse (without a non-linearity, many linear layers equal one),
classic, peaks, vanishing gradients (``actlab.experiments.gradients``), training speed
(``actlab.compare``), cost (``actlab.bench``), ReLU's variants (``actlab.compare``), catalog
appendix. Sections that train share :mod:`actlab.report.study`.
"""

from __future__ import annotations

#: section modules under actlab.report.sections, in the order the page shows them
SECTIONS = ("collapse", "classic", "peaks", "gradients", "training", "cost", "variants", "catalog")
