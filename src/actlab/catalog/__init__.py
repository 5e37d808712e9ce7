"""The activation catalog: one record per activation, and the registry that holds them.

Records are looked up by canonical name or alias (:func:`lookup`); resolving a *spec* (a name
with parameters, or a formula) into a bound :class:`Function` is :mod:`actlab.spec`'s job, one
layer above this one and :mod:`actlab.formula`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator

from actlab.catalog.function import Function
from actlab.catalog.record import Activation, Kink, Param, Properties
from actlab.registry import Registry

__all__ = [
    "REGISTRY",
    "Activation",
    "Function",
    "Kink",
    "Param",
    "Properties",
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


def _builtin() -> Iterable[Activation]:
    for module in _MODULES:
        yield from importlib.import_module(f"actlab.catalog.{module}").RECORDS


#: every activation by name and alias (``actlab.define`` adds custom ones for the session)
REGISTRY: Registry[Activation] = Registry("activation", hint="see 'actlab list'", load=_builtin)


def register(record: Activation, *, replace: bool = False) -> Activation:
    """Add a record to the registry (``actlab.define`` uses this for custom activations)."""
    return REGISTRY.register(record, replace=replace)


def records() -> Iterator[Activation]:
    """Every registered record, in catalog order."""
    return iter(REGISTRY)


def names() -> list[str]:
    """The canonical names, in catalog order."""
    return REGISTRY.names()


def lookup(name: str) -> Activation:
    """The record for a canonical name or alias; unknown names get the closest suggestions."""
    return REGISTRY.lookup(name)
