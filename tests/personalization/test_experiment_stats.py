"""The experiment stats engine: checked against independent computations, and by simulated traffic with
fixed seeds (no true lift: few false positives however often one peeks; a real lift: found as planned)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from personalization.experiment_stats import (
    DEFAULT_PLANNED_N,
    MIN_PER_ARM,
    Mean,
    mean_lift,
    msprt,
    plan_experiment,
    proportion_lift,
    sample_ratio_check,
    variants_vs_control,
)
from personalization.stats import Rate, newcombe_interval

RUNS = 400
# With a true rate of 5%, more false positives than this in 400 runs happen less than 1% of the time:
# a count above it means the rate is above 5%, not bad luck.
FALSE_POSITIVE_LIMIT = int(stats.binom.ppf(0.99, RUNS, 0.05))


def _floats(result) -> list[float]:
    return [value for value in result.as_dict().values() if isinstance(value, float)]


# Independent checks -------------------------------------------------------------------------------------------

def _mixture_likelihood_ratio(estimate: float, theta0: float, variance: float, tau2: float) -> float:
    """∫ N(estimate; θ, V) / N(estimate; θ0, V) dN(θ; θ0, τ²), by numerical integration."""
    sd, tau = math.sqrt(variance), math.sqrt(tau2)

    def integrand(theta: float) -> float:
        log_ratio = stats.norm.logpdf(estimate, theta, sd) - stats.norm.logpdf(estimate, theta0, sd)
        return math.exp(log_ratio) * stats.norm.pdf(theta, theta0, tau)

    return integrate.quad(integrand, theta0 - 12 * tau, theta0 + 12 * tau, points=[estimate], limit=200)[0]


@pytest.mark.parametrize(("estimate", "variance", "n", "planned_n"), [
    (0.01, 2e-5, 8_000, 10_000),
    (0.004, 1e-5, 30_000, 10_000),
    (-2.5, 0.9, 500, 4_000),
])
def test_msprt_is_the_normal_mixture_likelihood_ratio_of_johari_pekelis_walsh(estimate, variance, n, planned_n):
    result = msprt(estimate=estimate, variance=variance, n=n, planned_n=planned_n, alpha=0.05)
    log_inv_alpha = -math.log(0.05)
    tau2 = (2 * log_inv_alpha + math.log(2 * log_inv_alpha + 1)) * n * variance / planned_n
    assert result.p_value == pytest.approx(min(1.0, 1 / _mixture_likelihood_ratio(estimate, 0.0, variance, tau2)), rel=1e-6)
    # The interval's ends are where the mixture likelihood ratio reaches 1 / alpha.
    for end in (result.low, result.high):
        assert _mixture_likelihood_ratio(estimate, end, variance, tau2) == pytest.approx(20.0, rel=1e-6)


def test_confidence_sequence_matches_growthbooks_formula_worked_by_hand():
    # control 500 / 10,000, variant 580 / 10,000, GrowthBook's sequential_tuning_parameter = 5,000:
    # V = .05 × .95 / 10⁴ + .058 × .942 / 10⁴ = 1.02136e-5; N = 20,000; ρ² = (−2 ln .05 + ln(1 − 2 ln .05)) / 5,000
    # = (5.99146 + 1.94469) / 5,000 = 1.58723e-3; Nρ² = 31.7446. Eq. 9 of Waudby-Smith et al.:
    # half width = sqrt(V N) · sqrt(2 (Nρ² + 1) ln(sqrt(Nρ² + 1) / α) / (Nρ)²)
    #            = sqrt(V) · sqrt(2 × 32.7446 × ln(5.72229 / .05) / 31.7446) = sqrt(V) × 3.12711 = .0099939.
    result = proportion_lift(control=Rate(10_000, 500), variant=Rate(10_000, 580), planned_n=5_000)
    assert result.absolute == pytest.approx(0.008)
    assert result.high - result.absolute == pytest.approx(0.0099939, abs=2e-7)
    assert result.low == pytest.approx(0.008 - 0.0099939, abs=2e-7)
    assert not result.significant  # the fixed-horizon interval would have called it
    assert result.fixed_low > 0


def test_fixed_horizon_interval_is_newcombes_published_one():
    # Newcombe (1998), Table II, method 10: 56/70 against 48/80 gives (0.0524, 0.3339).
    result = proportion_lift(control=Rate(80, 48), variant=Rate(70, 56))
    assert result.fixed_low == pytest.approx(0.0524, abs=1e-4)
    assert result.fixed_high == pytest.approx(0.3339, abs=1e-4)
    assert not result.enough_data  # fewer than MIN_PER_ARM shoppers per arm


@pytest.mark.parametrize(("control", "variant"), [(Rate(1_000, 50), Rate(1_000, 62)), (Rate(3_000, 300), Rate(2_000, 190))])
def test_chance_to_beat_control_matches_the_exact_beta_posteriors(control, variant):
    post_c = stats.beta(1 + control.converted, 1 + control.exposed - control.converted)
    post_v = stats.beta(1 + variant.converted, 1 + variant.exposed - variant.converted)
    exact = integrate.quad(lambda x: post_c.pdf(x) * post_v.sf(x), 0, 1, points=[control.rate], limit=200)[0]
    draws = np.random.default_rng(7)
    c, v = post_c.rvs(400_000, random_state=draws), post_v.rvs(400_000, random_state=draws)
    result = proportion_lift(control=control, variant=variant)
    assert result.chance_to_beat_control == pytest.approx(exact, abs=0.01)
    assert result.expected_loss == pytest.approx(np.maximum(c - v, 0).mean(), abs=3e-4)
    assert result.expected_loss_control == pytest.approx(np.maximum(v - c, 0).mean(), abs=3e-4)


def test_mean_metric_uses_sufficient_statistics_like_the_raw_values():
    rng = np.random.default_rng(3)
    values = [rng.lognormal(4, 1, size) * (rng.random(size) < 0.1) for size in (2_000, 2_500)]
    control, variant = (Mean(len(x), float(x.sum()), float((x**2).sum())) for x in values)
    result = mean_lift(control=control, variant=variant)
    assert control.variance == pytest.approx(values[0].var(ddof=1))
    se = math.sqrt(values[0].var(ddof=1) / 2_000 + values[1].var(ddof=1) / 2_500)
    welch = stats.ttest_ind(values[1], values[0], equal_var=False)
    assert result.absolute == pytest.approx(values[1].mean() - values[0].mean())
    assert result.fixed_high - result.absolute == pytest.approx(1.959964 * se, rel=1e-5)
    assert result.chance_to_beat_control == pytest.approx(1 - stats.norm.sf(welch.statistic), abs=1e-3)


def test_relative_lift_uses_the_delta_method_variance():
    control, variant = Rate(20_000, 1_000), Rate(20_000, 1_150)
    result = proportion_lift(control=control, variant=variant, planned_n=40_000)
    c, v = 0.05, 0.0575
    variance = v * (1 - v) / 20_000 / c**2 + v**2 * c * (1 - c) / 20_000 / c**4
    expected = msprt(estimate=v / c - 1, variance=variance, n=40_000, planned_n=40_000)
    assert result.relative == pytest.approx(0.15)
    assert (result.relative_low, result.relative_high) == pytest.approx((expected.low, expected.high))
    assert result.relative_low > 0 and result.significant


def test_interval_is_narrowest_around_the_planned_size():
    def width_in_standard_errors(n: int) -> float:
        result = msprt(estimate=0.0, variance=1.0 / n, n=n, planned_n=10_000)
        return (result.high - result.low) * math.sqrt(n)

    assert width_in_standard_errors(10_000) < width_in_standard_errors(3_000)
    assert width_in_standard_errors(10_000) < width_in_standard_errors(30_000)


# Sample ratio mismatch ----------------------------------------------------------------------------------------

def test_srm_flags_a_52_48_split_of_a_50_50_experiment():
    check = sample_ratio_check(observed=[10_400, 9_600], weights=[1, 1])
    assert check.chi_square == pytest.approx(32.0)  # 2 × 400² / 10,000
    assert check.mismatch


def test_srm_does_not_flag_a_50_3_49_7_split():
    check = sample_ratio_check(observed=[10_060, 9_940], weights=[0.5, 0.5])
    assert check.chi_square == pytest.approx(0.72)
    assert not check.mismatch


def test_srm_matches_scipy_for_uneven_weights_and_three_arms():
    check = sample_ratio_check(observed=[5_100, 2_400, 2_500], weights=[2, 1, 1])
    expected = stats.chisquare([5_100, 2_400, 2_500], [5_000, 2_500, 2_500])
    assert check.p_value == pytest.approx(expected.pvalue)
    assert not check.mismatch
    assert sample_ratio_check(observed=[0, 0], weights=[1, 1]).p_value == 1.0


# Planner ------------------------------------------------------------------------------------------------------

def test_planner_fixed_size_matches_the_textbook_formula_worked_by_hand():
    # 10% → 12%, 50/50, two-sided α = .05, power .8: per arm (1.95996 + .84162)² (.1 × .9 + .12 × .88) / .02²
    # = 7.84887 × .1956 / .0004 = 3,838.1, so 2 × 3,838.1 = 7,676.2 → 7,677 shoppers for one read at the end.
    plan = plan_experiment(baseline_rate=0.10, relative_lift=0.20, weights=[1, 1], daily_shoppers=500)
    assert plan.fixed_shoppers == 7_677
    assert plan.fixed_days == 16
    # Reading every day costs more shoppers (the sequential test's lower power), and so more days.
    assert 1.4 < plan.inflation < 2.0
    assert plan.shoppers >= plan.fixed_shoppers * plan.inflation
    assert plan.days == math.ceil(plan.shoppers / 500) > plan.fixed_days
    assert plan.comparison_shoppers == (plan.shoppers,)


def test_planner_applies_bonferroni_and_sizes_for_the_smallest_arm():
    two = plan_experiment(baseline_rate=0.10, relative_lift=0.20, weights=[1, 1], daily_shoppers=500)
    four = plan_experiment(baseline_rate=0.10, relative_lift=0.20, weights=[1, 1, 1, 1], daily_shoppers=500)
    uneven = plan_experiment(baseline_rate=0.10, relative_lift=0.20, weights=[9, 1], daily_shoppers=500)
    assert four.alpha_per_comparison == pytest.approx(0.05 / 3)
    assert four.shoppers_per_arm[1] > two.shoppers_per_arm[1]  # each comparison is tested at a stricter level
    assert uneven.shoppers > two.shoppers  # a 10% arm needs a bigger experiment
    assert uneven.shoppers_per_arm[0] == pytest.approx(9 * uneven.shoppers_per_arm[1], abs=9)


@pytest.mark.parametrize("kwargs", [
    {"baseline_rate": 0.0}, {"baseline_rate": 0.9, "relative_lift": 0.2}, {"relative_lift": 0.0},
    {"weights": [1]}, {"weights": [1, 0]}, {"daily_shoppers": 0},
])
def test_planner_refuses_impossible_inputs(kwargs):
    with pytest.raises(ValueError):
        plan_experiment(**{"baseline_rate": 0.05, "relative_lift": 0.1, "weights": [1, 1], "daily_shoppers": 100,
                           **kwargs})


# Simulated traffic --------------------------------------------------------------------------------------------

def _daily_conversions(rng, runs: int, days: int, per_day: int, rate: float) -> np.ndarray:
    """Cumulative conversions after each day: shape (runs, days)."""
    return rng.binomial(per_day, rate, size=(runs, days)).cumsum(axis=1)


def test_peeking_every_day_for_30_days_keeps_false_positives_at_5_percent():
    rng = np.random.default_rng(2024)
    days, per_arm = 30, 500
    control, variant = (_daily_conversions(rng, RUNS, days, per_arm, 0.05) for _ in range(2))
    sequential = naive = 0
    for run in range(RUNS):
        results = [proportion_lift(control=Rate(per_arm * (d + 1), int(control[run, d])),
                                   variant=Rate(per_arm * (d + 1), int(variant[run, d])), planned_n=2 * per_arm * days)
                   for d in range(days)]
        sequential += any(r.significant for r in results)
        naive += any(r.enough_data and (r.fixed_low > 0 or r.fixed_high < 0) for r in results)
    assert sequential <= FALSE_POSITIVE_LIMIT
    # The simulation can tell: the ordinary interval, read every day, is wrong far more often than 5%.
    assert naive > 2 * FALSE_POSITIVE_LIMIT


def test_peeking_at_revenue_per_visitor_keeps_false_positives_at_5_percent():
    # Skewed revenue: 5% of visitors order, order values log-normal (median €55, long tail).
    rng = np.random.default_rng(11)
    runs, days, per_arm = 300, 30, 500
    found = 0
    arms = []
    for _ in range(2):
        orders = rng.binomial(per_arm, 0.05, size=(runs, days))
        values = rng.lognormal(4.0, 0.8, size=(runs, days, int(orders.max())))
        values[np.arange(values.shape[2]) >= orders[..., None]] = 0.0
        arms.append(((values.sum(axis=2).cumsum(axis=1)), (values**2).sum(axis=2).cumsum(axis=1)))
    for run in range(runs):
        for d in range(days):
            n = per_arm * (d + 1)
            result = mean_lift(control=Mean(n, arms[0][0][run, d], arms[0][1][run, d]),
                               variant=Mean(n, arms[1][0][run, d], arms[1][1][run, d]), planned_n=2 * per_arm * days)
            if result.significant:
                found += 1
                break
    assert found <= stats.binom.ppf(0.99, runs, 0.05)


def test_a_b_n_with_bonferroni_keeps_the_chance_of_any_false_winner_at_5_percent():
    rng = np.random.default_rng(77)
    days, per_arm, arms = 30, 500, 4
    conversions = [_daily_conversions(rng, RUNS, days, per_arm, 0.05) for _ in range(arms)]
    any_false_winner = 0
    for run in range(RUNS):
        for d in range(days):
            groups = [Rate(per_arm * (d + 1), int(arm[run, d])) for arm in conversions]
            results = variants_vs_control(control=groups[0], variants=groups[1:], planned_n=2 * per_arm * days)
            if any(r.significant for r in results):
                any_false_winner += 1
                break
    assert results[0].alpha == pytest.approx(0.05 / 3)
    assert any_false_winner <= FALSE_POSITIVE_LIMIT


def test_a_real_10_percent_lift_is_found_with_the_planned_power():
    plan = plan_experiment(baseline_rate=0.05, relative_lift=0.10, weights=[1, 1], daily_shoppers=4_000, power=0.8)
    rng = np.random.default_rng(99)
    per_day = plan.shoppers_per_arm[0] // plan.days
    control = _daily_conversions(rng, RUNS, plan.days, per_day, 0.05)
    variant = _daily_conversions(rng, RUNS, plan.days, per_day, 0.055)
    found = 0
    for run in range(RUNS):
        for d in range(plan.days):
            n = per_day * (d + 1)
            result = proportion_lift(control=Rate(n, int(control[run, d])), variant=Rate(n, int(variant[run, d])),
                                     planned_n=plan.comparison_shoppers[0])
            if result.significant:
                found += result.low > 0  # a lift, not a loss
                break
    # 400 runs estimate the power to ± 2 points (one standard error); allow three.
    assert abs(found / RUNS - 0.8) <= 0.06


# Edge cases ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("control", "variant"), [
    (Rate(0, 0), Rate(0, 0)),
    (Rate(0, 0), Rate(500, 20)),
    (Rate(1_000, 0), Rate(1_000, 0)),
    (Rate(1_000, 1_000), Rate(1_000, 1_000)),
    (Rate(1_000, 0), Rate(1_000, 9)),
    (Rate(3, 1), Rate(2, 2)),
])
def test_degenerate_rates_say_not_enough_data_without_nan(control, variant):
    result = proportion_lift(control=control, variant=variant)
    assert not result.enough_data and not result.significant
    assert all(math.isfinite(x) for x in _floats(result))
    assert 0 <= result.p_value <= 1


@pytest.mark.parametrize(("control", "variant"), [
    (Mean(0, 0, 0), Mean(0, 0, 0)),
    (Mean(1, 50, 2_500), Mean(1, 80, 6_400)),
    (Mean(500, 0, 0), Mean(500, 0, 0)),
    (Mean(200, 2_000, 20_000), Mean(200, 2_000, 20_000)),  # every value 10: no variance
])
def test_degenerate_means_say_not_enough_data_without_nan(control, variant):
    result = mean_lift(control=control, variant=variant)
    assert not result.enough_data
    assert all(math.isfinite(x) for x in _floats(result))


def test_zero_conversions_in_the_control_still_compares_but_has_no_relative_lift():
    result = proportion_lift(control=Rate(2_000, 0), variant=Rate(2_000, 40))
    assert result.enough_data and result.significant
    assert result.relative is None and result.relative_low is None
    assert result.chance_to_beat_control > 0.99


def test_invalid_counts_are_refused():
    with pytest.raises(ValueError):
        proportion_lift(control=Rate(10, 11), variant=Rate(10, 1))
    with pytest.raises(ValueError):
        mean_lift(control=Mean(10, 5, -1), variant=Mean(10, 5, 5))
    with pytest.raises(ValueError):
        sample_ratio_check(observed=[10, 10], weights=[1, 0])


def test_variants_vs_control_needs_one_planned_size_per_variant():
    with pytest.raises(ValueError):
        variants_vs_control(control=Rate(100, 5), variants=[Rate(100, 6), Rate(100, 7)], planned_n=[1_000])
    assert variants_vs_control(control=Rate(100, 5), variants=[]) == ()


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6),
       st.sampled_from([0.05, 0.01, 0.05 / 3]))
def test_any_counts_give_finite_consistent_results(n_c, s_c, n_v, s_v, alpha):
    result = proportion_lift(control=Rate(n_c, min(s_c, n_c)), variant=Rate(n_v, min(s_v, n_v)), alpha=alpha)
    assert all(math.isfinite(x) for x in _floats(result))
    if result.low is not None:
        assert -1 <= result.low <= result.absolute <= result.high <= 1  # a difference of two rates
        excludes_zero = result.low > 0 or result.high < 0
        if abs(result.p_value - alpha) > 1e-9:  # away from the boundary, the interval and p-value agree
            assert excludes_zero == (result.p_value < alpha)
    if result.significant:
        assert min(n_c, n_v) >= MIN_PER_ARM


def test_a_small_samples_interval_stays_within_what_a_difference_of_rates_can_be():
    """1 of 2 against 0 of 4: the normal approximation spans about ±12; the lift can only be in [-1, 1]."""
    result = proportion_lift(control=Rate(4, 0), variant=Rate(2, 1), min_per_arm=1)
    uncut = msprt(estimate=0.5, variance=0.5 * 0.5 / 2, n=6, planned_n=DEFAULT_PLANNED_N)
    assert uncut.low < -1 and uncut.high > 1
    assert (result.low, result.high) == (-1.0, 1.0)
    assert result.p_value == uncut.p_value and not result.significant


@given(st.lists(st.floats(0, 1e4), min_size=0, max_size=40), st.lists(st.floats(0, 1e4), min_size=0, max_size=40))
def test_any_values_give_finite_mean_results(control_values, variant_values):
    control, variant = (Mean(len(x), sum(x), sum(v * v for v in x)) for x in (control_values, variant_values))
    result = mean_lift(control=control, variant=variant, min_per_arm=2)
    assert all(math.isfinite(x) for x in _floats(result))
    if control_values and variant_values:
        assert result.absolute == pytest.approx(np.mean(variant_values) - np.mean(control_values), abs=1e-6)


def test_each_of_three_variants_is_compared_at_a_third_of_alpha():
    control, variant = Rate(5_000, 250), Rate(5_000, 300)
    each = variants_vs_control(control=control, variants=[variant, variant, variant])[0]
    z = stats.norm.ppf(1 - 0.05 / 6)
    assert (each.fixed_low, each.fixed_high) == pytest.approx(newcombe_interval(300, 5_000, 250, 5_000, z))
    single = proportion_lift(control=control, variant=variant)
    assert each.high - each.low > single.high - single.low  # stricter per comparison
