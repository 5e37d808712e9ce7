"""What actlab measures about any activation (catalog or formula), one layer above both.

* :mod:`actlab.analysis.properties`: where |f'| peaks, f(0), f'(0), tables (``actlab show``).
* :mod:`actlab.analysis.checks`: each record's declared properties checked against its kernels.
* :mod:`actlab.analysis.accuracy`: worst-case ulp against an adaptive mpmath reference (imports
  SymPy and mpmath, so it is imported only when asked for).
"""

from __future__ import annotations

from actlab.analysis.properties import Analysis, SlopeMax, analyse, describe, max_slope

__all__ = ["Analysis", "SlopeMax", "analyse", "describe", "max_slope"]
