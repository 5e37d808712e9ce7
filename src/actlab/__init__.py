"""actlab (Activation Lab): exact activation functions, their derivatives, and the experiments
that check every classic claim about them.

>>> import actlab
>>> f = actlab.get("sigmoid")
>>> float(f(0.0)), float(f.derivative(0.0))
(0.5, 0.25)
"""

from __future__ import annotations

from actlab.catalog import Function, lookup, names, records, register
from actlab.errors import ActlabError
from actlab.formula import define
from actlab.spec import get

__version__ = "0.1.0"

__all__ = [
    "ActlabError",
    "Function",
    "__version__",
    "define",
    "get",
    "lookup",
    "names",
    "records",
    "register",
]
