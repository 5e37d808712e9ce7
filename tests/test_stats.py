"""actlab.compare.stats against closed forms, scipy, and simulated coverage / error rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from actlab.compare import stats


def test_mean_ci_closed_form() -> None:
    mean, half = stats.mean_ci([1, 2, 3, 4, 5])
    # s = sqrt(2.5), sem = s / sqrt(5), t_{0.975, 4} = 2.7764451051977987
    assert mean == 3.0
    assert half == pytest.approx(2.7764451051977987 * math.sqrt(2.5 / 5), rel=1e-12)
    assert math.isnan(stats.mean_ci([0.7])[1])
    assert stats.mean_ci([0.5, 0.5, 0.5]) == (0.5, 0.0)


def test_mean_ci_covers_the_true_mean_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(1)
    samples = rng.normal(10.0, 3.0, size=(4000, 5))
    means, halves = stats.mean_ci_rows(samples.T)
    covered = np.mean(np.abs(means - 10.0) <= halves)
    assert 0.94 <= covered <= 0.96  # a normal-quantile interval would cover only ~0.88 at n=5
    one = stats.mean_ci(samples[0])
    assert one[1] == pytest.approx(halves[0])


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 6), rng.normal(1, 3, 4)
    ours = stats.welch(a, b)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert ours.t == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.difference == pytest.approx(a.mean() - b.mean())
    assert ours.ci_low < ours.difference < ours.ci_high
    # the interval excludes 0 exactly when the test rejects at 5%
    assert (ours.ci_low > 0 or ours.ci_high < 0) == (ours.p_value < 0.05)


def test_welch_degenerate_cases() -> None:
    same = stats.welch([1.0, 1.0], [1.0, 1.0])
    assert same.p_value == 1.0 and same.difference == 0.0
    apart = stats.welch([1.0, 1.0, 1.0], [2.0, 2.0])
    assert apart.p_value == 0.0 and apart.t == -math.inf
    assert math.isnan(stats.welch([1.0], [1.0, 2.0]).p_value)


def test_holm_known_values_and_nan() -> None:
    adjusted = stats.holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(adjusted[3])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert stats.holm([]) == []


def test_holm_controls_family_wise_error() -> None:
    """Six identical groups, 15 pairwise tests: 'any significant' must stay near 5%, while
    uncorrected testing finds something in far more studies."""
    rng = np.random.default_rng(3)
    any_holm = any_raw = 0
    studies = 300
    for _ in range(studies):
        groups = rng.normal(0, 1, size=(6, 5))
        p = [stats.welch(groups[i], groups[j]).p_value for i in range(6) for j in range(i + 1, 6)]
        any_raw += min(p) < 0.05
        any_holm += min(stats.holm(p)) < 0.05
    assert any_holm / studies <= 0.08
    assert any_raw / studies >= 0.2


def test_welch_detects_a_real_difference() -> None:
    rng = np.random.default_rng(4)
    hits = sum(
        stats.welch(rng.normal(0, 1, 5), rng.normal(3, 1, 5)).p_value < 0.05 for _ in range(200)
    )
    assert hits >= 190
