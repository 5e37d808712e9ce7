"""One small registry type for everything actlab looks up by name.

Activations, weight initialisations, losses, optimisers, datasets, toy data sets, compare's
backends and torch models are each a :class:`Registry` of records. A record is anything with a
``name`` (and, optionally, ``aliases``). Lookup accepts the canonical name or an alias, ignores
case and treats ``-`` as ``_``; an unknown name raises one :class:`~actlab.errors.ActlabError`
that names the kind of thing, suggests the closest names and lists the choices when they are few.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Colour:
...     name: str
...     aliases: tuple[str, ...] = ()
>>> colours = Registry("colour", [Colour("red", ("rouge",)), Colour("green")])
>>> colours.lookup("Rouge").name
'red'
>>> colours.lookup("gren")
Traceback (most recent call last):
...
actlab.errors.ActlabError: unknown colour 'gren'; did you mean green? (choose from red, green)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from actlab.errors import ActlabError

__all__ = ["Named", "Registry"]


class Named(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Named)

#: up to this many choices are listed in an unknown-name error; more get a pointer instead
_LIST_AT_MOST = 12
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


class Registry(Generic[T]):
    """Records of one kind by canonical name and alias, in registration order.

    ``kind`` names the thing in errors ("unknown {kind} ..."); ``hint`` replaces the list of
    choices when there are too many to list (e.g. "see 'actlab list'"); ``load`` is called once,
    on first use, to register the built-in records (so importing a registry costs nothing).
    """

    def __init__(
        self,
        kind: str,
        records: Iterable[T] = (),
        *,
        hint: str = "",
        load: Callable[[], Iterable[T]] | None = None,
    ) -> None:
        self.kind = kind
        self.hint = hint
        self._records: dict[str, T] = {}
        self._keys: dict[str, str] = {}  # lower-cased name or alias -> canonical name
        self._load = load
        for record in records:
            self.register(record)

    def _loaded(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            for record in load():
                self.register(record)

    def register(self, record: T, *, replace: bool = False) -> T:
        """Add ``record``; its name and aliases must be identifiers not already taken."""
        self._loaded()
        name = record.name
        aliases = tuple(getattr(record, "aliases", ()))
        for label in (name, *aliases):
            if not _IDENTIFIER.fullmatch(label):
                raise ActlabError(f"a {self.kind} name must be an identifier, got {label!r}")
        if name in self._records and not replace:
            raise ActlabError(f"the name {name!r} is already taken")
        taken = [a for a in (name, *aliases) if self._keys.get(_key(a), name) != name]
        if taken:
            raise ActlabError(f"the name {taken[0]!r} is already taken")
        self._records[name] = record
        for label in (name, *aliases):
            self._keys[_key(label)] = name
        return record

    def unregister(self, name: str) -> T:
        """Remove the record called ``name`` (and its aliases); returns it."""
        record = self.lookup(name)
        del self._records[record.name]
        self._keys = {k: v for k, v in self._keys.items() if v != record.name}
        return record

    def lookup(self, name: str) -> T:
        """The record called ``name`` (canonical or alias, any case, ``-`` for ``_``)."""
        self._loaded()
        canonical = self._keys.get(_key(name)) if isinstance(name, str) else None
        if canonical is None:
            raise ActlabError(self._unknown(name))
        return self._records[canonical]

    def _unknown(self, name: object) -> str:
        shown = name if not isinstance(name, str) or len(name) <= 60 else name[:60] + "..."
        message = f"unknown {self.kind} {shown!r}"
        if isinstance(name, str):
            close = difflib.get_close_matches(_key(name), list(self._keys), n=3, cutoff=0.6)
            close = list(dict.fromkeys(close))
            if close:
                message += f"; did you mean {', '.join(close)}?"
        if len(self._records) <= _LIST_AT_MOST or not self.hint:
            return message + f" (choose from {', '.join(self._records)})"
        return message + f" ({self.hint})"

    def get(self, name: str) -> T | None:
        """The record called ``name``, or None."""
        self._loaded()
        canonical = self._keys.get(_key(name))
        return None if canonical is None else self._records[canonical]

    def canonical(self, name: str) -> str:
        """The canonical name of ``name`` (an alias or a differently cased name)."""
        return self.lookup(name).name

    def names(self) -> list[str]:
        """The canonical names, in registration order."""
        self._loaded()
        return list(self._records)

    def aliases(self) -> list[str]:
        """Every name lookup accepts, lower-cased (canonical names and aliases)."""
        self._loaded()
        return list(self._keys)

    def __iter__(self) -> Iterator[T]:
        self._loaded()
        return iter(list(self._records.values()))

    def __contains__(self, name: object) -> bool:
        self._loaded()
        return isinstance(name, str) and _key(name) in self._keys

    def __len__(self) -> int:
        self._loaded()
        return len(self._records)
