"""Did the plan work? The trend's interval, comparison areas and the before/after estimate.

Every expected value is worked out here from the construction of the inputs and the
textbook formulas (least squares, Student's t by numerical integration), never by the
code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_focus_areas import build_marts


def t_quantile_975(df: int) -> float:
    """Student's t 0.975 quantile by integrating the density and bisecting."""
    const = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 100_001)
        y = const * (1 + x**2 / df) ** (-(df + 1) / 2)
        return 0.5 + float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))

    lo, hi = 0.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) < 0.975 else (lo, mid)
    return (lo + hi) / 2


def slope_interval(years: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
    """OLS slope and its 95 % t-interval: b ± t(n−2) · sqrt(SSE / (n−2) / Sxx)."""
    x = years - years.mean()
    sxx = float(np.sum(x**2))
    b = float(np.sum(x * (ys - ys.mean())) / sxx)
    a = ys.mean() - b * years.mean()
    sse = float(np.sum((ys - a - b * years) ** 2))
    n = len(ys)
    half = t_quantile_975(n - 2) * math.sqrt(sse / (n - 2) / sxx)
    return b, b - half, b + half


def gap_inputs(years, gaps) -> list[tuple]:
    """The area is DeSO 0999C0001, the kommun that DeSO plus 0999C0003 (50 %), each of 100
    people: the kommun's share is (a + 50) / 2, so the gap a − (a + 50) / 2 = (a − 50) / 2,
    and an area share of 50 + 2·gap gives exactly the wanted gap."""
    inputs = []
    for year, gap in zip(years, gaps, strict=True):
        inputs += [
            ("share", "0999C0001", int(year), 50 + 2 * gap, 100),
            ("share", "0999C0003", int(year), 50, 100),
        ]
    return inputs


AREA = [("0999", "a", "Område A", "0999C0001")]


def test_trend_interval_contains_the_true_slope(tmp_path):
    years = np.arange(2011, 2021)
    residuals = np.array([0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1])
    gaps = 10 - 0.5 * (years - 2010) + residuals  # true slope −0.5 a year
    w = build_marts(tmp_path, gap_inputs(years, gaps), AREA)
    trend = w.query("SELECT * FROM marts.focus_area_trend").iloc[0]
    b, low, high = slope_interval(years.astype(float), gaps)
    assert trend.gap_slope_per_year == pytest.approx(b)
    assert trend.gap_slope_low == pytest.approx(low, abs=1e-3)
    assert trend.gap_slope_high == pytest.approx(high, abs=1e-3)
    assert trend.gap_slope_low < -0.5 < trend.gap_slope_high
    assert trend.gap_slope_high < 0  # clearly closing: 9.8 → 5.1
    assert trend.direction == "närmar sig"


def test_flat_noisy_gap_is_no_sure_change(tmp_path):
    years = np.arange(2015, 2021)
    gaps = np.array([10.0, 13.0, 8.0, 12.5, 9.0, 12.0])  # flat around 10.75, noisy
    w = build_marts(tmp_path, gap_inputs(years, gaps), AREA)
    trend = w.query("SELECT * FROM marts.focus_area_trend").iloc[0]
    b, low, high = slope_interval(years.astype(float), gaps)
    assert low < 0 < high  # the construction: the slope is within noise
    assert trend.gap_slope_low == pytest.approx(low, abs=1e-3)
    assert trend.gap_slope_high == pytest.approx(high, abs=1e-3)
    # first → latest grew by 2 points, past the threshold of 1: without the interval this
    # would read "fjärmar sig"
    assert trend.direction == "ingen säker förändring"
    assert pd.isna(trend.parity_year_at_current_pace)
