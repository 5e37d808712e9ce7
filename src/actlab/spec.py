"""Specs: the one way a user names an activation, resolved above the catalog and formulas.

A *spec* is a canonical name or alias, optionally with parameters (``"leaky_relu"``,
``"leaky_relu(negative_slope=0.2)"``, ``"elu(0.5)"``), or a formula in ``x`` (see
:mod:`actlab.formula`). :func:`get` sends names to the catalog and everything else to the
formula compiler; neither of those layers knows about the other's specs.

>>> get("elu(alpha=0.5)").params
{'alpha': 0.5}
>>> get("x*sigmoid(x)").spec
'x*sigmoid(x)'
"""

from __future__ import annotations

import math
import re

from actlab import formula
from actlab.catalog import Activation, Function, lookup
from actlab.errors import ActlabError

__all__ = ["get"]

_NAMED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*")

#: a spec that mentions the variable x is a formula, not a name with parameters
_MENTIONS_X = re.compile(r"(?<![A-Za-z0-9_.])x(?![A-Za-z0-9_])")


def get(spec: str | Function | Activation) -> Function:
    """The activation a spec names, with its parameters bound."""
    if isinstance(spec, Function):
        return spec
    if isinstance(spec, Activation):
        return Function(spec)
    if not isinstance(spec, str):
        raise ActlabError(f"an activation spec must be a string, got {type(spec).__name__}")
    match = _NAMED.fullmatch(spec)
    if match and not _MENTIONS_X.search(spec):
        try:
            record = lookup(match.group(1))
            return Function(record, _parse_args(record, match.group(2)))
        except ActlabError as exc:
            if match.group(2) is None:
                raise
            # "log(0)" is no activation call and no formula either: say both
            raise ActlabError(f"{exc}; as a formula it would need the variable x") from None
    return formula.get(spec)


def _parse_args(record: Activation, text: str | None) -> dict[str, float]:
    if text is None or not text.strip():
        return {}
    values: dict[str, float] = {}
    for position, part in enumerate(text.split(",")):
        key, sep, raw = part.partition("=")
        if not sep:
            key, raw = "", key
            if position >= len(record.params):
                takes = ", ".join(p.name for p in record.params)
                raise ActlabError(
                    f"{record.name} takes only {takes}"
                    if takes
                    else f"{record.name} takes no parameters"
                )
            key = record.params[position].name
        key = key.strip()
        record.param(key)
        if key in values:
            raise ActlabError(f"{record.name}: parameter {key} is given twice")
        try:
            values[key] = float(raw.strip())
        except ValueError:
            raise ActlabError(
                f"{record.name}: parameter {key} needs a number, got {raw.strip()!r}"
            ) from None
        if math.isinf(values[key]) and "inf" not in raw.lower():
            raise ActlabError(f"{record.name}: parameter {key}={raw.strip()} overflows a float")
    return values


#: a formula's parameter assignment, ``name=``: after a ';' it continues the formula
_ASSIGNMENT = re.compile(r"\s*[A-Za-z_]\w*\s*=")


def split_specs(text: str) -> list[str]:
    """A comma-separated list of specs, split at commas outside parentheses; after a formula's
    ';' a piece of the form ``name=value`` continues its parameters. Empty pieces stay (each
    caller says what it makes of them); unbalanced parentheses are refused.

    >>> split_specs("relu, max(x, 0.1*x) ,elu(alpha=2),x*sigmoid(b*x)+c*x; b=2, c=0.1,tanh")
    ['relu', 'max(x, 0.1*x)', 'elu(alpha=2)', 'x*sigmoid(b*x)+c*x; b=2, c=0.1', 'tanh']
    """
    pieces, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += ch
    pieces.append(current)
    if depth != 0:
        raise ActlabError(f"unbalanced parentheses in {text!r}")
    specs: list[str] = []
    for piece in pieces:
        if specs and ";" in specs[-1] and _ASSIGNMENT.match(piece):
            specs[-1] += "," + piece
        else:
            specs.append(piece)
    return [spec.strip() for spec in specs]
