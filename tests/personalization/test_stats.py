"""Lift statistics: Wilson and Newcombe intervals against published values, and their properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalization.stats import MIN_EXPOSED, lift, newcombe_interval, wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I (Wilson score).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_published_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


@pytest.mark.parametrize(("s1", "n1", "s2", "n2", "low", "high"), [
    # Newcombe (1998), "Interval estimation for the difference between independent proportions",
    # Table II, method 10 (hybrid score).
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (6, 7, 2, 7, 0.0582, 0.8062),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
])
def test_newcombe_interval_matches_published_values(s1, n1, s2, n2, low, high):
    lo, hi = newcombe_interval(s1, n1, s2, n2)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_lift_reports_absolute_and_relative_lift_with_the_interval():
    result = lift(treatment_exposed=80, treatment_converted=48, holdout_exposed=70, holdout_converted=35)
    assert result.absolute == pytest.approx(0.6 - 0.5)
    assert result.relative == pytest.approx(0.2)
    assert result.low == pytest.approx(newcombe_interval(48, 80, 35, 70)[0])
    assert result.enough_data


def test_a_clear_lift_is_significant_and_a_flat_one_is_not():
    clear = lift(treatment_exposed=1000, treatment_converted=150, holdout_exposed=1000, holdout_converted=80)
    flat = lift(treatment_exposed=1000, treatment_converted=100, holdout_exposed=1000, holdout_converted=98)
    assert clear.significant and clear.low > 0
    assert not flat.significant and flat.low < 0 < flat.high


def test_small_samples_say_not_enough_data():
    result = lift(treatment_exposed=MIN_EXPOSED - 1, treatment_converted=20, holdout_exposed=200, holdout_converted=1)
    assert not result.enough_data
    assert not result.significant  # however wide the gap looks
    assert result.absolute is not None


def test_no_exposure_in_a_group_gives_no_estimate():
    result = lift(treatment_exposed=50, treatment_converted=5, holdout_exposed=0, holdout_converted=0)
    assert result.absolute is None and result.low is None and not result.enough_data


def test_relative_lift_is_undefined_without_holdout_conversions():
    result = lift(treatment_exposed=100, treatment_converted=5, holdout_exposed=100, holdout_converted=0)
    assert result.relative is None
    assert result.absolute == pytest.approx(0.05)


@pytest.mark.parametrize("args", [(-1, 0, 10, 1), (5, 6, 10, 1), (10, 1, 10, -1)])
def test_impossible_counts_are_refused(args):
    with pytest.raises(ValueError):
        lift(treatment_exposed=args[0], treatment_converted=args[1], holdout_exposed=args[2], holdout_converted=args[3])


@st.composite
def proportion(draw, max_n=5000):
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


@given(proportion())
def test_wilson_interval_contains_the_estimate_within_zero_and_one(p):
    k, n = p
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


@given(proportion(), proportion())
def test_newcombe_interval_contains_the_difference_within_minus_one_and_one(a, b):
    lo, hi = newcombe_interval(a[0], a[1], b[0], b[1])
    d = a[0] / a[1] - b[0] / b[1]
    assert -1.0 <= lo <= d + 1e-12
    assert d - 1e-12 <= hi <= 1.0


@given(proportion(500), proportion(500), st.integers(2, 20))
def test_intervals_narrow_as_samples_grow(a, b, factor):
    (k1, n1), (k2, n2) = a, b
    wl, wh = wilson_interval(k1, n1)
    wl2, wh2 = wilson_interval(k1 * factor, n1 * factor)
    assert wh2 - wl2 <= wh - wl + 1e-12
    lo, hi = newcombe_interval(k1, n1, k2, n2)
    lo2, hi2 = newcombe_interval(k1 * factor, n1 * factor, k2 * factor, n2 * factor)
    assert hi2 - lo2 <= hi - lo + 1e-12
