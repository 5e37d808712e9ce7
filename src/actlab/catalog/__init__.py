"""The activation catalog: the registry of records, and specs that name them.

A *spec* is a canonical name or alias, optionally with parameters (``"leaky_relu"``,
``"leaky_relu(negative_slope=0.2)"``, ``"elu(0.5)"``), or a formula in ``x`` (see
:mod:`actlab.formula`).
"""

from __future__ import annotations

import difflib
import importlib
import math
import re
from collections.abc import Iterator

from actlab.catalog.function import Function
from actlab.catalog.record import Activation, Kink, Param, Properties
from actlab.errors import ActlabError

__all__ = [
    "Activation",
    "Function",
    "Kink",
    "Param",
    "Properties",
    "get",
    "lookup",
    "names",
    "records",
    "register",
]

#: modules under actlab.catalog that define a ``RECORDS`` tuple, in display order
_MODULES = (
    "classic",
    "rectifiers",
    "smooth",
    "gated",
    "gaussian_family",
    "hard",
    "shrink",
    "squashing",
    "elementary",
)

_RECORDS: dict[str, Activation] = {}
_ALIASES: dict[str, str] = {}
_LOADED = False


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for module in _MODULES:
        for record in importlib.import_module(f"actlab.catalog.{module}").RECORDS:
            register(record)


def register(record: Activation, *, replace: bool = False) -> Activation:
    """Add a record to the registry (``actlab.define`` uses this for custom activations)."""
    _load()
    key = record.name
    taken = [n for n in (key, *record.aliases) if n in _ALIASES and _ALIASES[n] != key]
    if taken or (key in _RECORDS and not replace):
        raise ActlabError(f"the name {(taken or [key])[0]!r} is already taken")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise ActlabError(f"an activation name must be an identifier, got {key!r}")
    _RECORDS[key] = record
    for name in (key, *record.aliases):
        _ALIASES[name] = key
    return record


def records() -> Iterator[Activation]:
    """Every registered record, in catalog order."""
    _load()
    return iter(list(_RECORDS.values()))


def names() -> list[str]:
    """The canonical names, in catalog order."""
    return [r.name for r in records()]


def lookup(name: str) -> Activation:
    """The record for a canonical name or alias; unknown names get the closest suggestions."""
    _load()
    key = _ALIASES.get(name) or _ALIASES.get(name.lower())
    if key is None:
        close = difflib.get_close_matches(name.lower(), list(_ALIASES), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see 'actlab list'"
        shown = name if len(name) <= 60 else name[:60] + "..."
        raise ActlabError(f"unknown activation {shown!r}{hint}")
    return _RECORDS[key]


_NAMED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*")


def get(spec: str | Function | Activation) -> Function:
    """The activation a spec names, with its parameters bound.

    >>> get("elu(alpha=0.5)").params
    {'alpha': 0.5}
    """
    if isinstance(spec, Function):
        return spec
    if isinstance(spec, Activation):
        return Function(spec)
    if not isinstance(spec, str):
        raise ActlabError(f"an activation spec must be a string, got {type(spec).__name__}")
    match = _NAMED.fullmatch(spec)
    if match and not _MENTIONS_X.search(spec):
        record = lookup(match.group(1))
        return Function(record, _parse_args(record, match.group(2)))
    return _formula(spec)


#: a spec that mentions the variable x is a formula, not a name with parameters
_MENTIONS_X = re.compile(r"(?<![A-Za-z0-9_.])x(?![A-Za-z0-9_])")


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


def _formula(spec: str) -> Function:
    try:
        formula = importlib.import_module("actlab.formula")
    except ImportError:
        raise ActlabError(f"not an activation name: {spec!r}; see 'actlab list'") from None
    result: Function = formula.get(spec)
    return result
