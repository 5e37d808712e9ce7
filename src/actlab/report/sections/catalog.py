"""Claim 8: the catalog appendix -- a card per activation, its declared properties checked."""

from __future__ import annotations

from typing import Any

import actlab
from actlab.analysis.checks import check_properties
from actlab.analysis.properties import analyse
from actlab.report.figures import card_plot, fmt
from actlab.report.model import Card, Cards, Context, Section, Table, Text

TITLE = "Appendix: the catalog"


def build(ctx: Context) -> Section:
    cards, numbers, failures = [], {}, []
    records = list(actlab.records())
    for record in records:
        f = actlab.get(record.name)
        info = analyse(f)
        checks = check_properties(f)
        failures += [(record.name, c) for c in checks if not c.agrees]
        numbers[record.name] = {
            **info.as_dict(),
            "checks": [
                {"property": c.name, "declared": c.declared, "agrees": c.agrees,
                 "measured": c.measured}
                for c in checks
            ],
        }  # fmt: skip
        cards.append(_card(f, info, all(c.agrees for c in checks)))
    ok = len(records) - len({name for name, _ in failures})
    blocks: list[Text | Table | Cards] = [
        Text(
            f"Every activation registered in actlab ({len(records)}), drawn from its kernels: "
            "f solid, f′ dashed, on [−4, 4]. Formulas are the record's; f(0), f′(0) and the "
            "largest slope are computed; the declared range, monotonicity, zero-centring, "
            "saturation and kinks are each checked against the kernels on 801 points of "
            "[−10³, 10³]. `actlab show NAME` prints a card on the command line."
        )
    ]
    if failures:
        blocks.append(
            Table(
                ("activation", "property", "declared", "measured"),
                tuple((f"`{n}`", c.name, c.declared, c.measured) for n, c in failures),
                "Declared properties the kernels contradict.",
            )
        )
    blocks.append(Cards(tuple(cards)))
    verdict = "holds" if not failures else "partly" if ok else "does not hold"
    return Section(
        key="catalog",
        title=TITLE,
        claim="Each activation's declared properties (range, monotonic, zero-centred, "
        "saturating, kinks) are what its kernels compute.",
        verdict=verdict,  # type: ignore[arg-type]
        verdict_detail=f"for {ok} of {len(records)} activations every declared property "
        "agrees with the kernels.",
        blocks=blocks,  # type: ignore[arg-type]
        numbers=numbers,
        reproduce="actlab list --json",
    )


def _card(f: actlab.Function, info: Any, checked: bool) -> Card:
    r = f.record
    props = r.properties
    flags = [
        name
        for name, on in (
            ("monotonic", props.monotonic),
            ("smooth", props.smooth),
            ("zero-centred", props.zero_centred),
            ("saturating", props.saturating),
        )
        if on
    ]
    facts = [
        (
            "range",
            f"[{fmt(props.range[0])}, {fmt(props.range[1])}]".replace("[−∞", "(−∞").replace(
                "∞]", "∞)"
            ),
        ),
        ("is", ", ".join(flags) or "none of monotonic, smooth, zero-centred, saturating"),
        ("f(0), f′(0)", f"{fmt(info.f0, 6)}, {fmt(info.df0, 6)}"),
        ("max |f′|", info.max_slope.text()),
    ]
    if r.params:
        facts.append(
            (
                "parameters",
                ", ".join(f"{p.name} = {p.default:g} in {p.range_text()}" for p in r.params),
            )
        )
    for x, convention, _ in info.kinks:
        facts.append((f"at x = {x:g}", convention))
    if r.aliases:
        facts.append(("aliases", ", ".join(f"`{a}`" for a in r.aliases)))
    facts.append(
        ("checked", "declared properties agree" if checked else "**disagrees**: see above")
    )
    return Card(
        name=r.name,
        title=r.name,
        summary=r.summary,
        latex=r.latex,
        derivative_latex=r.derivative_latex,
        svg=card_plot(f),
        facts=tuple(facts),
        reference=r.reference,
    )
