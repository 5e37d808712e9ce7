"""``actlab list``, ``eval`` and ``plot``: the catalog from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

import actlab
from actlab.errors import ActlabError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("list", help="list the activations in the catalog")
    p.add_argument("--json", action="store_true", help="print records as JSON")
    p.set_defaults(func=run_list)

    p = sub.add_parser("eval", help="evaluate an activation (or its derivative) at values")
    p.add_argument("spec", help="activation name, name(param=value), or formula in x")
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


def record_dict(record: actlab.catalog.Activation) -> dict[str, Any]:
    props = record.properties
    return {
        "name": record.name,
        "aliases": list(record.aliases),
        "summary": record.summary,
        "params": [
            {
                "name": p.name,
                "default": p.default,
                "range": p.range_text(),
                "learnable": p.learnable,
            }
            for p in record.params
        ],
        "latex": record.latex,
        "derivative_latex": record.derivative_latex,
        "properties": {
            "range": [_json_float(v) for v in props.range],
            "bounded_below": props.bounded_below,
            "bounded_above": props.bounded_above,
            "monotonic": props.monotonic,
            "smooth": props.smooth,
            "zero_centred": props.zero_centred,
            "saturating": props.saturating,
            "kinks": [{"at": k.at, "convention": k.convention} for k in record.kinks],
        },
        "reference": record.reference,
    }


def _json_float(v: float) -> float | str:
    return v if np.isfinite(v) else str(v)


def run_list(args: argparse.Namespace) -> int:
    recs = list(actlab.records())
    if args.json:
        print(json.dumps([record_dict(r) for r in recs], indent=2))
        return 0
    width = max(len(r.name) for r in recs)
    for r in recs:
        print(f"{r.name:<{width}}  {r.summary}")
    return 0


def parse_values(values: list[str], dtype: str) -> np.ndarray:
    out = []
    for text in values:
        try:
            out.append(float(text))
        except ValueError:
            raise ActlabError(f"not a number: {text!r}") from None
    return np.array(out, dtype=dtype)


def run_eval(args: argparse.Namespace) -> int:
    f = actlab.get(args.spec)
    x = parse_values(args.values, args.dtype)
    y = f.derivative(x) if args.derivative else f(x)
    if args.json:
        rows = [{"x": _json_float(float(a)), "y": _json_float(float(b))} for a, b in zip(x, y)]
        print(json.dumps({"spec": f.spec, "derivative": args.derivative, "values": rows}))
        return 0
    for a, b in zip(x, y):
        print(f"{a!r}\t{b!r}")
    return 0


def run_plot(args: argparse.Namespace) -> int:
    from actlab.plots import plot_activations

    specs = args.specs or None
    fig = plot_activations(specs, derivatives=args.derivatives or specs is None, xlim=args.xlim)
    try:
        fig.savefig(args.output, dpi=150, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise ActlabError(f"cannot write {args.output}: {exc}") from None
    print(f"wrote {args.output}")
    return 0
