"""The high-precision reference lives in the library (``actlab.analysis.accuracy``) so the docs
generator (``benchmarks/ulp_table.py``) measures exactly what the tests assert."""

from actlab.analysis.accuracy import _X, _compiled, grid, reference, ulp_error

__all__ = ["_X", "_compiled", "grid", "reference", "ulp_error"]
