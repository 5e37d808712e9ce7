"""``--json`` output that is always JSON: no bare ``NaN`` or ``Infinity`` (which JSON lacks).

NaN becomes ``null``; +-inf become the strings ``"inf"`` and ``"-inf"``, the spelling actlab's
JSON already uses for infinite values (a range of ``[0, "inf"]``). Python's ``json`` would
otherwise print ``NaN``, which ``jq``, browsers and most parsers refuse.

>>> json_text({"ratio": float("nan"), "range": [0.0, float("inf")]})
'{"ratio": null, "range": [0.0, "inf"]}'
"""

from __future__ import annotations

import json
import math
from typing import Any


def json_text(value: Any, indent: int | None = None, default: Any = None) -> str:
    """``json.dumps`` of ``value`` with non-finite floats made valid (see the module doc)."""
    if default is not None:  # objects json can't write (paths): through ``default`` first
        value = json.loads(json.dumps(value, default=default))
    return json.dumps(_finite(value), indent=indent, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
