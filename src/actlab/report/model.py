"""What a report is made of: sections that state a claim, show evidence, and give a verdict.

A section module builds one :class:`Section` from a :class:`Context`; the renderer turns the
blocks into HTML, the figures into files, and ``numbers`` into the report's JSON. Text never
holds a number that was typed in: section builders format the values they computed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

#: a verdict on a claim
Verdict = Literal["holds", "partly", "does not hold", "inconclusive"]
VERDICTS: tuple[Verdict, ...] = ("holds", "partly", "does not hold", "inconclusive")


@dataclass(frozen=True)
class Figure:
    """A figure, written as ``figures/<name>.png`` and ``.svg`` and inlined in the page."""

    name: str
    caption: str
    #: what the figure shows, for screen readers and when images are off
    alt: str
    png: bytes
    svg: str


@dataclass(frozen=True)
class Text:
    """A paragraph. ``$...$`` is inline LaTeX, ``...`` in backticks is code; the rest is plain."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class Equation:
    """A displayed formula: ``label`` (plain text, may be empty) then LaTeX."""

    latex: str
    label: str = ""


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells (same inline markup as :class:`Text`)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class FigureBlock:
    figure: Figure


@dataclass(frozen=True)
class Card:
    """One catalog entry in the appendix."""

    name: str
    title: str
    summary: str
    latex: str
    derivative_latex: str
    #: an inline SVG plot of f and f' (small, drawn without Matplotlib)
    svg: str
    #: (label, value) pairs, values in the same inline markup as :class:`Text`
    facts: tuple[tuple[str, str], ...]
    reference: str


@dataclass(frozen=True)
class Cards:
    cards: tuple[Card, ...]


Block = Text | Heading | Equation | Table | FigureBlock | Cards


@dataclass
class Section:
    """One claim, its evidence and its verdict."""

    #: short identifier, used for anchors and JSON keys ("peaks")
    key: str
    title: str
    #: the claim as articles state it
    claim: str
    verdict: Verdict
    #: one sentence: why, and under which conditions
    verdict_detail: str
    blocks: list[Block] = field(default_factory=list)
    #: every number the section computed, JSON-ready
    numbers: dict[str, Any] = field(default_factory=dict)
    #: the command a reader can run to reproduce the numbers
    reproduce: str = ""
    seconds: float = 0.0

    @property
    def figures(self) -> list[Figure]:
        return [b.figure for b in self.blocks if isinstance(b, FigureBlock)]


@dataclass(frozen=True)
class Options:
    """How a report is run."""

    #: "quick" (about a minute on 2 cores) or "full" (more seeds, epochs, larger arrays)
    mode: Literal["quick", "full"] = "quick"
    #: a dataset for the training sections (default: the embedded digits)
    data: Path | None = None
    seed: int = 0

    @property
    def quick(self) -> bool:
        return self.mode == "quick"


@dataclass
class Context:
    """What a section builder gets: the options, a progress line, and a cache shared by sections."""

    options: Options
    progress: Callable[[str], None] = lambda line: None
    cache: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
