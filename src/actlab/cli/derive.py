"""``actlab derive SPEC``: a worked derivation of f', and f' in terms of f where one exists."""

from __future__ import annotations

import argparse
from typing import Any

import actlab
from actlab.cli.jsonout import json_text


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "derive", help="derive f'(x) step by step, and write it in terms of f when possible"
    )
    p.add_argument("spec", help="activation name, name(param=value), or formula in x")
    p.add_argument("--latex", action="store_true", help="print expressions as LaTeX")
    p.add_argument("--json", action="store_true", help="print the derivation as JSON")
    p.add_argument(
        "--budget", type=float, default=20.0, metavar="S", help="seconds for simplifying (20)"
    )
    p.set_defaults(func=run_derive)


def run_derive(args: argparse.Namespace) -> int:
    from actlab.formula.derive import derive

    if not 0 < args.budget <= 600:
        raise actlab.ActlabError(f"--budget must be in (0, 600] seconds, got {args.budget:g}")
    result = derive(actlab.get(args.spec), budget=args.budget)
    if args.json:
        print(json_text(as_dict(result)))
    else:
        print("\n".join(as_text(result, latex=args.latex)))
    return 0


def _show(expr: Any, latex: bool) -> str:
    import sympy as sp

    if expr is None:
        return "none found"
    if isinstance(expr, str):
        return expr
    if expr == sp.true:
        return "otherwise"
    if isinstance(expr, sp.Eq):
        return f"{_show(expr.lhs, latex)} = {_show(expr.rhs, latex)}"
    return sp.latex(expr) if latex else sp.sstr(expr)


def as_dict(result: Any) -> dict[str, Any]:
    """The derivation as JSON-ready data: expressions as SymPy-parsable strings, and LaTeX."""
    import sympy as sp

    def text(e: Any) -> str | None:
        return None if e is None else sp.sstr(e)

    def latex(e: Any) -> str | None:
        return None if e is None else sp.latex(e)

    return {
        "spec": result.spec,
        "f": text(result.f),
        "derivative": text(result.derivative),
        "derivative_of_f": text(result.derivative_of_f),
        "latex": {
            "f": latex(result.f),
            "derivative": latex(result.derivative),
            "derivative_of_f": latex(result.derivative_of_f),
        },
        "complete": result.complete,
        "branches": [
            {
                "condition": text(b.condition),
                "f": text(b.f),
                "derivative": text(b.derivative),
                "derivative_of_f": text(b.derivative_of_f),
                "steps": [
                    {"title": s.title, "lines": [[label, _show(e, False)] for label, e in s.lines]}
                    for s in b.steps
                ],
            }
            for b in result.branches
        ],
    }


def as_text(result: Any, latex: bool = False) -> list[str]:
    """The derivation as lines, like a worked example in a textbook."""
    lines = [f"{result.spec}", f"  f(x) = {_show(result.f, latex)}"]
    for branch in result.branches:
        if branch.condition is not None:
            lines += [
                "",
                f"where {_show(branch.condition, latex)}:  f(x) = {_show(branch.f, latex)}",
            ]
        for number, step in enumerate(branch.steps, 1):
            lines.append(f"  {number}. {step.title}")
            for label, expr in step.lines:
                lines.append(
                    f"       {label}:  {_show(expr, latex)}"
                    if expr is not None
                    else f"       {label}"
                )
    lines += ["", f"f'(x) = {_show(result.derivative, latex)}"]
    per_branch = [b for b in result.branches if b.derivative_of_f is not None]
    if result.derivative_of_f is None and per_branch:
        lines.append("f' in terms of f, per branch:")
        lines += [
            f"  where {_show(b.condition, latex)}:  {_show(b.derivative_of_f, latex)}"
            for b in per_branch
        ]
    else:
        lines.append(f"f' in terms of f: {_show(result.derivative_of_f, latex)}")
    if not result.complete:
        lines.append("(the time budget ran out: the derivative is shown unsimplified)")
    return lines
