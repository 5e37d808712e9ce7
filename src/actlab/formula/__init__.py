"""Custom activations from a formula in ``x``, parsed safely and compiled to NumPy.

Syntax (see the README for the whole whitelist)::

    x*tanh(softplus(x))                 catalog activations are functions
    x*sigmoid(b*x); b=1.5               parameters get their values after ';'
    where(x > 0, x, a*expm1(x)); a=1    piecewise through where(comparison, then, else)
    elu(x, alpha=0.5) + 0.1*x           catalog parameters by position or keyword

Formulas never reach ``eval``, ``exec`` or SymPy's string parser: :mod:`actlab.formula.parser`
is a small grammar of our own with caps on length, depth, size and exponents, and every name is
checked against a whitelist or the catalog registry.

>>> import actlab
>>> f = actlab.get("x*sigmoid(b*x); b=1.5")
>>> round(float(f(1.0)), 6), f.params
(0.817574, {'b': 1.5})
"""

from __future__ import annotations

import functools

from actlab.catalog import Activation, Function, register
from actlab.catalog import records as _records
from actlab.errors import ActlabError
from actlab.formula.parser import MAX_DEPTH, MAX_LENGTH, MAX_NODES, Parsed, parse

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Parsed", "define", "get", "parse", "record"]


def get(spec: str) -> Function:
    """The custom activation a formula spec defines, with its parameters bound.

    >>> get("x*sigmoid(b*x); b=2").spec
    'x*sigmoid(b*x); b=2.0'
    """
    return Function(record(spec))


def record(spec: str) -> Activation:
    """The (cached) record of a formula spec; its name is the formula text."""
    if not isinstance(spec, str):
        raise ActlabError(f"formula: must be a string, got {type(spec).__name__}")
    return _record(spec.strip())


@functools.lru_cache(maxsize=256)
def _record(spec: str) -> Activation:
    from actlab.formula.assemble import make_record

    parsed = parse(spec)
    return make_record(parsed, parsed.text)


def define(name: str, formula: str, **params: float) -> Function:
    """Register a formula as a named activation for this session; returns it as a Function.

    Parameters given as keywords join (and override) those after ';' in the formula; they
    become the record's parameters, so ``actlab.get(f"{name}(b=2)")`` works afterwards.

    >>> import actlab
    >>> actlab.define("my_swish", "x*sigmoid(b*x)", b=1.0).spec
    'my_swish'
    """
    from actlab.formula.assemble import make_record
    from actlab.formula.build import RESERVED

    if name in RESERVED:
        raise ActlabError(f"{name!r} is a reserved name in formulas")
    parsed = parse(formula)
    try:
        values = {**parsed.params, **{k: float(v) for k, v in params.items()}}
    except (TypeError, ValueError):
        bad = next(k for k, v in params.items() if not _is_number(v))
        raise ActlabError(f"parameter {bad}={params[bad]!r} is not a number") from None
    existing = next((r for r in _records() if name in (r.name, *r.aliases)), None)
    if existing is not None and not existing.formula:
        raise ActlabError(f"the name {name!r} is already taken by a catalog activation")
    new = make_record(Parsed(parsed.tree, parsed.text, values), name)
    register(new, replace=existing is not None)
    _record.cache_clear()  # formulas that call this name must see the new definition
    return Function(new)


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
