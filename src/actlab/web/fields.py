"""The checks every field of a web message goes through: one line naming the field and the value."""

from __future__ import annotations

import math
from typing import Any

from actlab.errors import ActlabError


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ActlabError(f"{name}: expected one of {', '.join(options)}, got {show(value)}")
    return value


def number(name: str, value: Any, lo: float, hi: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not lo <= value <= hi:
        raise ActlabError(f"{name}: expected a number from {lo:g} to {hi:g}, got {show(value)}")
    return float(value)


def integer(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ActlabError(f"{name}: expected an integer from {lo} to {hi}, got {show(value)}")
    return value


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
