"""The one rule for "within the noise" (kdviz.maths.stats), against scipy's t distribution and hand-made cases."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from kdviz.maths import stats


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 10, 29, 30, 31, 40, 100, 1000])
def test_quantile95_is_students_t(df):
    scipy_stats = pytest.importorskip("scipy.stats")
    assert stats.quantile95(df) == pytest.approx(scipy_stats.t.ppf(0.975, df), abs=1e-4 if df > 30 else 1e-5)


def test_quantile95_without_df_is_the_normal():
    scipy_stats = pytest.importorskip("scipy.stats")
    assert stats.quantile95() == pytest.approx(scipy_stats.norm.ppf(0.975), abs=1e-6)
    with pytest.raises(ValueError, match="degrees of freedom"):
        stats.quantile95(0)


def test_verdict_follows_the_interval():
    assert stats.verdict(0.03, 0.01) == "helps" and stats.verdict(-0.03, 0.01) == "hurts"
    assert stats.verdict(0.01, 0.01) == "noise" and stats.within_noise(0.01, 0.01)
    assert stats.verdict(0.03, 0.01, df=2) == "noise"  # 0.03 < 4.303 × 0.01: with 3 seeds, the same gap is noise
    assert stats.verdict(0.05, 0.01, df=2) == "helps"
    assert stats.verdict(0.05, None) == stats.verdict(0.05, float("nan")) == "noise"  # one seed: no standard error
    assert stats.verdict(0.0, 0.0) == "noise" and stats.verdict(0.001, 0.0) == "helps"
    assert stats.interval95(0.1, 0.01, df=4) == pytest.approx((0.1 - 2.776445 * 0.01, 0.1 + 2.776445 * 0.01))


@pytest.mark.parametrize("a, b", [([0.95, 0.96, 0.94], [0.93, 0.935, 0.925]), ([0.9, 0.91, 0.92], [0.91, 0.9, 0.92]),
                                  ([0.9, 0.92], [0.95, 0.96]), ([0.9], [0.8])])
def test_paired_is_the_one_sample_t_interval_of_the_differences(a, b):
    d = [x - y for x, y in zip(a, b)]
    mean, std, v = stats.paired(a, b)
    assert mean == pytest.approx(statistics.mean(d))
    if len(d) == 1:
        assert std is None and v == "noise"
        return
    assert std == pytest.approx(statistics.stdev(d))
    scipy_stats = pytest.importorskip("scipy.stats")
    half = scipy_stats.t.ppf(0.975, len(d) - 1) * statistics.stdev(d) / math.sqrt(len(d))
    expected = "helps" if mean - half > 0 else "hurts" if mean + half < 0 else "noise"
    assert v == expected
    p_value = scipy_stats.ttest_rel(a, b).pvalue if np.std(d) > 0 else 0.0
    assert (v == "noise") == (p_value >= 0.05)  # the same decision as scipy's paired t test
