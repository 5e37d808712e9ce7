"""Whole-number options checked against a range: one line naming the option and the range.

An unbounded count (``--repeat 99999999999999999999``) is a run that never ends, and some reach
NumPy as a size it cannot represent; so every count has an upper bound, generous for real use.

>>> count(3, "--repeat", 1, 1000)
3
>>> count(0, "--repeat", 1, 1000)
Traceback (most recent call last):
...
actlab.errors.ActlabError: --repeat must be 1..1000, got 0
"""

from __future__ import annotations

from actlab.errors import ActlabError


def count(value: int, option: str, low: int, high: int) -> int:
    """``value`` if ``low <= value <= high``, else :class:`ActlabError`."""
    if not low <= value <= high:
        raise ActlabError(f"{option} must be {low}..{high}, got {value}")
    return value
