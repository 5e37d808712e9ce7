"""``actlab list``, ``show``, ``eval`` and ``plot``: the catalog from the command line.

The numbers come from :mod:`actlab.analysis.properties`; this module only formats them.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

import actlab
from actlab.analysis.properties import Analysis, analyse, describe, properties
from actlab.cli.jsonout import json_text
from actlab.errors import ActlabError

SPEC_HELP = "activation name, name(param=value, ...), or a formula in x"


def add_parser(sub: Any) -> None:
    p = sub.add_parser("list", help="list the activations in the catalog")
    p.add_argument(
        "--json", action="store_true", help="print every record, with computed properties, as JSON"
    )
    p.set_defaults(func=run_list)

    p = sub.add_parser("show", help="formula, derivative, properties and values of an activation")
    p.add_argument("spec", help=SPEC_HELP)
    p.add_argument("--json", action="store_true", help="print the same as JSON")
    p.set_defaults(func=run_show)

    p = sub.add_parser("eval", help="evaluate an activation (or its derivative) at values")
    p.add_argument("spec", help=SPEC_HELP)
    p.add_argument("values", nargs="+", help="numbers (inf, -inf and nan allowed)")
    p.add_argument("--derivative", action="store_true", help="evaluate df/dx instead of f")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_eval)

    p = sub.add_parser("plot", help="plot activations (the classic figure by default)")
    p.add_argument("specs", nargs="*", help="activations to draw (default: relu sigmoid tanh)")
    p.add_argument("--derivatives", action="store_true", help="draw derivatives too")
    p.add_argument("--xlim", nargs=2, type=float, default=(-5.0, 5.0), metavar=("A", "B"))
    p.add_argument("-o", "--output", default="activations.png", help="PNG, SVG or PDF file")
    p.set_defaults(func=run_plot)


def run_list(args: argparse.Namespace) -> int:
    recs = list(actlab.records())
    if args.json:
        print(json_text([describe(r.name) for r in recs], indent=2))
        return 0
    width = max(len(r.name) for r in recs)
    for r in recs:
        print(f"{r.name:<{width}}  {r.summary}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    f = actlab.get(args.spec)
    if args.json:
        print(json_text(describe(f), indent=2))
        return 0
    print("\n".join(show_lines(f, analyse(f))))
    return 0


def show_lines(f: actlab.Function, info: Analysis) -> list[str]:
    """The text of ``actlab show``."""
    r = f.record
    head = f.spec + (f"  (aliases: {', '.join(r.aliases)})" if r.aliases else "")
    lines = [head, f"  {r.summary}", "", f"  f(x)  = {r.latex}", f"  f'(x) = {r.derivative_latex}"]
    if r.params:
        lines += ["", "parameters"]
        for p in r.params:
            learn = ", learnable" if p.learnable else ""
            value = f.params[p.name]
            lines.append(
                f"  {p.name} = {value:g}  (default {p.default:g}, valid {p.range_text()}{learn})"
                + (f"  {p.doc}" if p.doc else "")
            )
    props = properties(f)
    where = " (measured at these parameters)" if props.estimated else ""
    kinks = ", ".join(f"{x:g}" for x, _, _ in info.kinks)
    lines += [
        "",
        "properties" + where,
        f"  range          {_range(props.range)}",
        f"  monotonic      {_yes(props.monotonic)}",
        f"  smooth         {_yes(props.smooth)}"
        + (f" (kinks at x = {kinks})" if kinks and not props.smooth else ""),
        f"  zero-centred   {_yes(props.zero_centred)}",
        f"  saturating     {_yes(props.saturating)}",
        "computed",
        f"  f(0)           {_num(info.f0)}",
        f"  f'(0)          {_num(info.df0)}",
        f"  max |f'|       {info.max_slope.text()}",
    ]
    if info.kinks:
        lines += ["", "kinks"]
        for x, convention, d in info.kinks:
            lines.append(f"  x = {x:g}: {convention}  [actlab gives f'({x:g}) = {_num(d)}]")
    lines += ["", f"reference: {r.reference}", "", f"{'x':>6}  {'f(x)':<24}  f'(x)"]
    for x, y, d in info.table:
        lines.append(f"{_num(x):>6}  {_num(y):<24}  {_num(d)}")
    return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _range(bounds: tuple[float, float]) -> str:
    low, high = bounds
    left = "(" if math.isinf(low) else "["
    right = ")" if math.isinf(high) else "]"
    return f"{left}{_num(low)}, {_num(high)}{right}"


def _num(v: float) -> str:
    """Shortest repr that round-trips (17 significant digits at most), inf and nan spelled out."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v)) if v != int(v) or abs(v) >= 1e16 else str(int(v))


def parse_values(values: list[str], dtype: str) -> np.ndarray:
    """Numbers from the command line; anything else is an error naming the culprit.

    A finite number that the dtype cannot hold (1e39 in float32, 1e400 anywhere) is an error,
    not a silent inf: ``inf`` is accepted when it is written as such.
    """
    out = []
    largest = float(np.finfo(dtype).max)
    for text in values:
        try:
            value = float(text)
        except ValueError:
            raise ActlabError(f"not a number: {text!r}") from None
        if abs(value) > largest and "inf" not in text.lower():
            raise ActlabError(
                f"{text} is out of {dtype}'s range (|x| <= {largest:.8g}); write inf for infinity"
                + (" or use --dtype float64" if dtype == "float32" and value != math.inf else "")
            )
        out.append(value)
    return np.array(out, dtype=dtype)


def run_eval(args: argparse.Namespace) -> int:
    if not args.values:  # `actlab eval x -- --`: argparse takes the second -- as the values' end
        raise ActlabError("eval needs at least one value to evaluate at")
    f = actlab.get(args.spec)
    x = parse_values(args.values, args.dtype)
    y = f.derivative(x) if args.derivative else f(x)
    # str() of a NumPy scalar is its shortest round-tripping repr in its own dtype
    if args.json:
        rows = [{"x": _json_number(a), "y": _json_number(b)} for a, b in zip(x, y)]
        payload = {"spec": f.spec, "derivative": args.derivative, "dtype": args.dtype}
        print(json_text({**payload, "values": rows}))
        return 0
    for a, b in zip(x, y):
        print(f"{a!s}\t{b!s}")
    return 0


def _json_number(v: np.floating) -> float:
    # a float32 goes through its shortest decimal repr so JSON shows 0.1, not 0.10000000149;
    # json_text writes NaN as null and +-inf as "inf"/"-inf"
    return float(str(v))


def run_plot(args: argparse.Namespace) -> int:
    from actlab.plots import figure_path, plot_activations, save_figure

    figure_path(args.output, "-o")  # fail before the (slow) drawing
    specs = args.specs or None
    fig = plot_activations(specs, derivatives=args.derivatives or specs is None, xlim=args.xlim)
    path = save_figure(fig, args.output)
    print(f"wrote {path}")
    return 0
