"""Writing a report: ``index.html`` (self-contained), ``figures/*.png|svg``, ``report.json``."""

from __future__ import annotations

import base64
import datetime
import html
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError
from actlab.report.model import (
    Card,
    Cards,
    Equation,
    Figure,
    FigureBlock,
    Heading,
    Options,
    Section,
    Table,
    Text,
)
from actlab.report.style import CSS

TITLE = "Activation functions, checked"
LEDE = (
    "Articles about activation functions repeat a handful of claims, each with a figure or "
    "two. Here every claim is stated as articles state it, then tested by running code on "
    "this machine, and given a verdict: it holds, holds only partly (under the conditions "
    "stated), or does not hold. Every number on this page was computed when the page was "
    "generated; none was typed in."
)
#: how to read the page: the order of the claims and what a verdict means
GUIDE = (
    "The claims come in the order a course meets them: why a network needs a non-linearity "
    "at all; sigmoid, tanh and ReLU and their derivatives; what those derivatives do to the "
    "gradients of a deep network; how fast networks learn with each activation and what an "
    "activation costs to compute; and ReLU's variants. Each section opens with the claim and "
    "its verdict (holds; partly, with the conditions; does not hold; or inconclusive, when "
    "the measurement cannot decide), then shows the evidence. Under each section is the "
    "actlab command that reproduces its numbers. An appendix lists every activation actlab "
    "knows."
)


def write(
    sections: Sequence[Section], out: str | Path, options: Options, seconds: float = 0.0
) -> Path:
    """Write the report into directory ``out``; return the path of ``index.html``."""
    out = Path(out)
    names = [fig.name for s in sections for fig in s.figures]
    if len(set(names)) != len(names):
        raise ValueError(f"two report figures share a name: {sorted(names)}")
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
        for figure in (fig for s in sections for fig in s.figures):
            (out / "figures" / f"{figure.name}.png").write_bytes(figure.png)
            (out / "figures" / f"{figure.name}.svg").write_text(figure.svg, encoding="utf-8")
        (out / "report.json").write_text(
            json.dumps(_json_safe(as_json(sections, options, seconds)), indent=2, allow_nan=False),
            encoding="utf-8",
        )
        page = out / "index.html"
        page.write_text(render(sections, options, seconds), encoding="utf-8")
    except OSError as exc:
        raise ActlabError(f"cannot write the report into {out}: {exc.strerror or exc}") from None
    return page


def environment() -> dict[str, str]:
    """What the numbers were measured with (they depend on it)."""
    import os
    import platform

    import numpy as np

    from actlab import __version__

    return {
        "actlab": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
    }


def as_json(sections: Sequence[Section], options: Options, seconds: float) -> dict[str, Any]:
    from actlab import __version__

    return {
        "actlab": __version__,
        "environment": environment(),
        "mode": options.mode,
        "data": str(options.data) if options.data else None,
        "seed": options.seed,
        "seconds": seconds,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "claim": s.claim,
                "verdict": s.verdict,
                "verdict_detail": s.verdict_detail,
                "reproduce": s.reproduce,
                "seconds": s.seconds,
                "figures": [f.name for f in s.figures],
                "numbers": s.numbers,
            }
            for s in sections
        ],
    }


def _json_safe(value: Any) -> Any:
    """inf and NaN become strings (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def render(sections: Sequence[Section], options: Options, seconds: float = 0.0) -> str:
    """The whole page as one HTML string: styles inline, figures as data: URIs, MathML."""
    from actlab import __version__

    counter = _Counter()
    today = datetime.date.today().isoformat()
    mode = "quick" if options.quick else "full"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(TITLE)} · actlab report</title>",
        f"<style>{CSS}</style></head><body><article>",
        f'<header><p class="kicker">actlab report · {mode} mode · generated {today}</p>',
        f"<h1>{html.escape(TITLE)}</h1>",
        f'<p class="lede">{html.escape(LEDE)}</p>',
        f'<p class="guide">{html.escape(GUIDE)}</p></header>',
        _summary(sections),
    ]
    for number, section in enumerate(sections, 1):
        parts.append(_section(number, section, counter))
    data = f" on {html.escape(str(options.data))}" if options.data else ""
    env = environment()
    parts.append(
        "<footer><p>Generated by actlab "
        f"{html.escape(__version__)} in {seconds:.0f} s ({mode} mode{data}, seed "
        f"{options.seed}) with Python {env['python']} and NumPy {env['numpy']} on "
        f"{html.escape(env['machine'])}. Regenerate with <code>actlab report --{mode}</code>. "
        "Every number is in <code>report.json</code> next to this page; the figures are in "
        "<code>figures/</code> as PNG and SVG.</p></footer>"
    )
    parts.append("</article></body></html>")
    return "\n".join(parts)


def _summary(sections: Sequence[Section]) -> str:
    rows = []
    for number, s in enumerate(sections, 1):
        rows.append(
            f'<tr><td class="num">{number}</td><td><a href="#{s.key}">{inline(s.claim)}</a></td>'
            f"<td>{_badge(s.verdict)}</td></tr>"
        )
    return (
        '<section class="summary"><h2>The claims at a glance</h2>'
        "<table><thead><tr><th></th><th>claim</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _badge(verdict: str) -> str:
    css = verdict.replace(" ", "-")
    return f'<span class="badge {css}">{html.escape(verdict)}</span>'


def _section(number: int, s: Section, counter: _Counter) -> str:
    body = [
        f'<section id="{html.escape(s.key)}"><h2><span class="num">{number}</span> '
        f"{html.escape(s.title)}</h2>",
        f'<div class="claim"><p class="label">The claim</p><p>{inline(s.claim)}</p>',
        f'<p class="verdict">{_badge(s.verdict)} {inline(s.verdict_detail)}</p></div>',
    ]
    for block in s.blocks:
        body.append(_block(block, counter))
    if s.reproduce:
        body.append(
            f'<p class="reproduce">Reproduce: <code>{html.escape(s.reproduce)}</code> '
            f"· section computed in {s.seconds:.1f} s</p>"
        )
    body.append("</section>")
    return "\n".join(body)


class _Counter:
    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0


def _block(block: object, counter: _Counter) -> str:
    if isinstance(block, Text):
        return f"<p>{inline(block.text)}</p>"
    if isinstance(block, Heading):
        return f"<h3>{inline(block.text)}</h3>"
    if isinstance(block, Equation):
        return f'<div class="equation">{math_ml(block.label + " " + block.latex, True)}</div>'
    if isinstance(block, Table):
        counter.tables += 1
        return _table(block, counter.tables)
    if isinstance(block, FigureBlock):
        counter.figures += 1
        return _figure(block.figure, counter.figures)
    if isinstance(block, Cards):
        return '<div class="cards">' + "".join(_card(c) for c in block.cards) + "</div>"
    raise TypeError(f"unknown report block {type(block).__name__}")


def _table(t: Table, number: int) -> str:
    head = "".join(f"<th>{inline(c)}</th>" for c in t.columns)
    rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in t.rows)
    caption = f"<caption>Table {number}. {inline(t.caption)}</caption>" if t.caption else ""
    return (
        f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _figure(f: Figure, number: int) -> str:
    data = base64.b64encode(f.svg.encode("utf-8")).decode("ascii")
    name = html.escape(f.name)
    return (
        f'<figure id="figure-{name}"><img src="data:image/svg+xml;base64,{data}" '
        f'alt="{html.escape(f.alt)}"><figcaption>Figure {number}. {inline(f.caption)} '
        f'<a href="figures/{name}.png">PNG</a> · <a href="figures/{name}.svg">SVG</a>'
        "</figcaption></figure>"
    )


def _card(c: Card) -> str:
    facts = "".join(f"<dt>{html.escape(k)}</dt><dd>{inline(v)}</dd>" for k, v in c.facts)
    return (
        f'<div class="card" id="card-{html.escape(c.name)}"><h3>{html.escape(c.title)}</h3>'
        f'<p class="summary-line">{inline(c.summary)}</p>'
        f'<div class="equation">{math_ml("f(x) = " + c.latex, True)}</div>'
        f'<div class="equation">{math_ml(PRIME + c.derivative_latex, True)}</div>'
        f'<div class="plot">{c.svg}</div><dl>{facts}</dl>'
        f'<p class="ref">{_reference(c.reference)}</p></div>'
    )


def _reference(ref: str) -> str:
    if ref.startswith(("http://", "https://")):
        url = html.escape(ref)
        return f'Reference: <a href="{url}">{url}</a>'
    return f"Reference: {html.escape(ref)}"


PRIME = "f'(x) = "
_INLINE = re.compile(r"\$([^$]+)\$|`([^`]+)`|\*\*([^*]+)\*\*")


def inline(text: str) -> str:
    """Plain text to HTML: ``$latex$`` -> MathML, ```code``` -> <code>, ``**b**`` -> <strong>."""
    out, last = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        latex, code, bold = m.groups()
        if latex is not None:
            out.append(math_ml(latex, False))
        elif code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        else:
            out.append(f"<strong>{html.escape(bold)}</strong>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def math_ml(latex: str, display: bool) -> str:
    """LaTeX as MathML (browsers render it natively, offline); the source if it can't convert."""
    try:
        from latex2mathml.converter import convert
    except ImportError:
        return f'<code class="tex">{html.escape(latex)}</code>'
    try:
        return str(convert(latex, display="block" if display else "inline"))
    except Exception:  # a formula the converter doesn't know: show its source, never fail
        return f'<code class="tex">{html.escape(latex)}</code>'
