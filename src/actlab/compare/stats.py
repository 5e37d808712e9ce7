"""Statistics for comparisons across seeds: confidence intervals, Welch's t test, Holm's correction.

A handful of seeds is a small sample, so intervals use the t distribution, not the normal:
the 95% interval of a mean of n values is ``mean ± t_{0.975, n-1} · s / sqrt(n)``. Two groups
are compared with Welch's t test (no equal-variance assumption; Welch 1947), and a family of
tests is corrected with Holm's step-down method (Holm 1979), which controls the chance of any
false "significant" at the chosen level and is never less powerful than Bonferroni.

>>> m, h = mean_ci([0.91, 0.93, 0.92])
>>> round(m, 3), round(h, 3)
(0.92, 0.025)
>>> r = welch([1.0, 1.1, 0.9, 1.0], [2.0, 2.1, 1.9, 2.0])
>>> r.difference, r.p_value < 1e-4
(-1.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: significance level of every test and (1 - LEVEL) the coverage of every interval
ALPHA = 0.05


def _values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).ravel()


def mean_ci(values: Sequence[float] | np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    """The mean and the half-width of its (1 - alpha) t interval (half-width NaN for n < 2)."""
    from scipy import stats

    x = _values(values)
    if x.size == 0:
        return math.nan, math.nan
    if not np.all(np.isfinite(x)):  # a diverged run: no mean worth stating
        return math.nan, math.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan
    sem = float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, float(stats.t.ppf(1 - alpha / 2, x.size - 1)) * sem


def mean_ci_rows(values: np.ndarray, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mean_ci` down axis 0 of an (n, T) array: means and half-widths, each (T,)."""
    from scipy import stats

    x = np.asarray(values, dtype=np.float64)
    x = np.where(np.isfinite(x), x, np.nan)  # diverged runs: NaN, not inf - inf warnings
    mean = x.mean(axis=0)
    if x.shape[0] < 2:
        return mean, np.full_like(mean, math.nan)
    sem = x.std(axis=0, ddof=1) / math.sqrt(x.shape[0])
    return mean, float(stats.t.ppf(1 - alpha / 2, x.shape[0] - 1)) * sem


@dataclass(frozen=True)
class Welch:
    """Welch's two-sample t test of mean(a) - mean(b)."""

    #: mean(a) - mean(b)
    difference: float
    #: (1 - alpha) confidence interval of the difference
    ci_low: float
    ci_high: float
    t: float
    #: Welch–Satterthwaite degrees of freedom
    df: float
    #: two-sided p-value (before any correction for multiple tests)
    p_value: float


def welch(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, alpha: float = ALPHA
) -> Welch:
    """Welch's t test: is mean(a) different from mean(b)?

    t = (mean_a - mean_b) / sqrt(s_a^2/n_a + s_b^2/n_b), with Welch–Satterthwaite degrees of
    freedom. Two samples without any spread are equal (p = 1) or certainly different (p = 0).
    Fewer than two values on either side give NaN (no test is possible).
    """
    from scipy import stats

    x, y = _values(a), _values(b)
    finite = np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    diff = float(x.mean() - y.mean()) if x.size and y.size and finite else math.nan
    if x.size < 2 or y.size < 2 or not finite:
        return Welch(diff, math.nan, math.nan, math.nan, math.nan, math.nan)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        p = 1.0 if diff == 0.0 else 0.0
        t = 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        return Welch(diff, diff, diff, t, float(x.size + y.size - 2), p)
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    t = diff / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(1 - alpha / 2, df)) * se
    return Welch(diff, diff - half, diff + half, t, float(df), p)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (NaN stays NaN and does not count as a test).

    Compare each adjusted value with alpha: the family-wise error rate is then at most alpha.

    >>> [round(v, 6) for v in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    valid = np.flatnonzero(~np.isnan(p))
    out = np.full(p.shape, math.nan)
    m = valid.size
    order = valid[np.argsort(p[valid], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return [float(v) for v in out]
