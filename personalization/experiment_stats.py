"""Statistics for A/B/n experiments, safe to read every day. Pure: counts and sums in, frozen dataclasses out.

Method: the mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh ("Always
valid inference", 2017/2022) with a normal mixing distribution, written out here (`msprt`, ~15 lines).
- gbstats (GrowthBook) computes this very test: its sequential interval, eq. 9 of Waudby-Smith et al.
  2023, is the same normal mixture. But its newest release (0.8.0, 2024) pins numpy<2 and pandas<2, so
  it cannot install beside this project's numpy 2, and it brings pandas, pydantic and nbformat for a few
  lines of arithmetic. statsmodels is well kept but has only fixed-horizon tests, no always-valid method.
- Written out, the formula reads in one screen and the tests check it against an independent numerical
  integration of the mixture likelihood ratio and against GrowthBook's formula worked by hand.
τ² is tuned as GrowthBook does: the interval is tightest when a comparison reaches `planned_n` shoppers,
the size the planner below asks for.

Each variant is compared with the control on a proportion (orders / exposed, clicks / exposed) or on a
mean from sufficient statistics (n, sum, sum of squares: revenue per visitor; average order value, whose
index is 1 + the relative lift). The absolute lift (variant − control) and the relative lift (absolute /
control, by the delta method) each get an always-valid interval. `p_value` holds for this look; the lowest
p-value seen so far is just as valid, so a report may keep the first day an experiment turned significant.
For the one final read at the planned end, `fixed_low`/`fixed_high` is the ordinary interval (Newcombe's
for proportions, from personalization.stats). A Bayesian summary (flat priors, normal approximation to the
posterior of the difference) gives the chance to beat control and the expected loss of either choice.

A/B/n: each of m variants is compared with the control at alpha / m (Bonferroni), so the chance that any
variant is wrongly called a winner stays at or below alpha. The Bayesian summary is not corrected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from scipy.stats import chi2

from personalization.stats import Rate, newcombe_interval

ALPHA = 0.05
# The plug-in variances the normal approximations rest on are too noisy below this, and a daily report
# would flip between answers; the result then says "not enough data" (it still carries the numbers).
MIN_PER_ARM = 100
MIN_CONVERSIONS = 10  # control and variant together, for a proportion metric
DEFAULT_PLANNED_N = 10_000  # shoppers in one comparison (control + variant) when no plan was made
SRM_P_VALUE = 0.001  # GrowthBook's threshold: a split this unlikely means assignment or exposure is broken
PLANNER_PATHS = 20_000  # simulated experiments behind the planner's sequential inflation factor
PLANNER_SEED = 20_220_601  # fixed, so that a plan is reproducible
MAX_LOOKS = 365  # past a year of daily looks the factor barely moves (1.67 at 100 looks, 1.64 at 365)

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Mean:
    """Sufficient statistics of a per-shopper (or per-order) value: count, sum and sum of squares."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float | None:
        return float(self.total) / self.n if self.n else None

    @property
    def variance(self) -> float:
        """The sample variance (0 with fewer than two values; never negative from rounding)."""
        if self.n < 2:
            return 0.0
        total = float(self.total)
        return max(0.0, (float(self.total_squares) - total * total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class AlwaysValid:
    low: float
    high: float
    p_value: float


@dataclass(frozen=True)
class VariantLift:
    """One variant against the control on one metric. Every float is finite; None means "cannot say"."""

    control: Rate | Mean
    variant: Rate | Mean
    alpha: float  # per comparison, after the Bonferroni correction
    control_value: float | None  # rate or mean
    variant_value: float | None
    absolute: float | None  # variant − control
    low: float | None  # always-valid interval of the absolute lift
    high: float | None
    relative: float | None  # absolute / control
    relative_low: float | None  # always-valid interval of the relative lift
    relative_high: float | None
    p_value: float  # always-valid; 1.0 when there is nothing to test
    fixed_low: float | None  # fixed-horizon interval: right only when read once, at the planned end
    fixed_high: float | None
    chance_to_beat_control: float | None
    expected_loss: float | None  # expected shortfall if the variant is chosen, in the metric's units
    expected_loss_control: float | None  # the same, if the control is kept
    enough_data: bool

    @property
    def significant(self) -> bool:
        return self.enough_data and self.p_value < self.alpha

    def as_dict(self) -> dict:
        return {**asdict(self), "significant": self.significant}


def msprt(*, estimate: float, variance: float, n: int, planned_n: int, alpha: float = ALPHA) -> AlwaysValid | None:
    """Always-valid interval and p-value for a difference `estimate` whose variance is `variance`.

    The mixture likelihood ratio of N(estimate; θ, V) against θ0 with θ ~ N(θ0, τ²) is
    Λ = sqrt(V / (V + τ²)) · exp(τ² (estimate − θ0)² / (2 V (V + τ²))). With r = τ² / V:
    p = min(1, 1/Λ at θ0 = 0), and the interval is every θ0 with Λ < 1/alpha.
    τ² = r* · (n V) / planned_n, where n V estimates the variance per shopper and r* minimises the
    width at n = planned_n (eq. 161 of Waudby-Smith et al., as GrowthBook uses).
    None when the variance is not positive: there is nothing to test yet.
    """
    if not (variance > 0 and n > 0 and planned_n > 0 and 0 < alpha < 1
            and math.isfinite(estimate) and math.isfinite(variance)):
        return None
    log_inv_alpha = -math.log(alpha)
    r_star = 2 * log_inv_alpha + math.log(2 * log_inv_alpha + 1)
    r = r_star * n / planned_n
    half = math.sqrt(variance * (1 + r) / r * (2 * log_inv_alpha + math.log1p(r)))
    log_lambda = 0.5 * r / (1 + r) * estimate * estimate / variance - 0.5 * math.log1p(r)
    p_value = 1.0 if log_lambda <= 0 else math.exp(-log_lambda)
    return AlwaysValid(estimate - half, estimate + half, p_value)


def _bayes(difference: float, sd: float) -> tuple[float, float, float]:
    """(P(variant > control), E[loss choosing variant], E[loss keeping control]) for a N(difference, sd²) posterior."""
    if sd <= 0:
        return (1.0 if difference > 0 else 0.0 if difference < 0 else 0.5), max(0.0, -difference), max(0.0, difference)
    z = difference / sd
    chance = _NORMAL.cdf(z)
    loss_variant = sd * _NORMAL.pdf(z) - difference * (1 - chance)  # E[max(0, control − variant)]
    return chance, max(0.0, loss_variant), max(0.0, loss_variant + difference)


def _relative(difference: float, control: float, var_control: float, var_variant: float) -> tuple[float, float] | None:
    """(variant/control − 1, its delta-method variance), given the two estimates' variances."""
    if not control > 0 or control * control == 0:
        return None
    ratio = (control + difference) / control
    variance = (var_variant + ratio * ratio * var_control) / (control * control)
    return (ratio - 1, variance) if math.isfinite(ratio) and math.isfinite(variance) else None


def _lift(control: Rate | Mean, variant: Rate | Mean, *, c: float, v: float, var_c: float, var_v: float,
          posterior: tuple[float, float], fixed: tuple[float | None, float | None], enough: bool, alpha: float,
          planned_n: int, bounds: tuple[float, float] = (-math.inf, math.inf)) -> VariantLift:
    """Assemble a result from the two estimates (c, v) and their variances (var_c, var_v). The
    interval of the absolute lift is cut to `bounds`, the values the lift can take (a difference
    of two rates lies in [-1, 1]): the truth is always in there, so the cut costs no coverage,
    and a small sample's normal approximation no longer reads "-1,248 pp"."""
    n = _count(control) + _count(variant)
    difference = v - c
    absolute = msprt(estimate=difference, variance=var_c + var_v, n=n, planned_n=planned_n, alpha=alpha)
    if absolute is not None:
        absolute = replace(absolute, low=max(bounds[0], absolute.low), high=min(bounds[1], absolute.high))
    relative = _relative(difference, c, var_c, var_v)
    relative_cs = None
    if relative:
        relative_cs = msprt(estimate=relative[0], variance=relative[1], n=n, planned_n=planned_n, alpha=alpha)
    chance, loss, loss_control = _bayes(*posterior)
    return VariantLift(
        control=control, variant=variant, alpha=alpha, control_value=c, variant_value=v, absolute=difference,
        low=absolute.low if absolute else None, high=absolute.high if absolute else None,
        relative=relative[0] if relative else None,
        relative_low=relative_cs.low if relative_cs else None, relative_high=relative_cs.high if relative_cs else None,
        p_value=absolute.p_value if absolute else 1.0, fixed_low=fixed[0], fixed_high=fixed[1],
        chance_to_beat_control=chance, expected_loss=loss, expected_loss_control=loss_control,
        enough_data=enough and absolute is not None,
    )


def _count(group: Rate | Mean) -> int:
    return group.exposed if isinstance(group, Rate) else group.n


def _empty(control: Rate | Mean, variant: Rate | Mean, alpha: float) -> VariantLift:
    return VariantLift(control, variant, alpha, None, None, None, None, None, None, None, None, 1.0, None, None,
                       None, None, None, False)


def proportion_lift(*, control: Rate, variant: Rate, alpha: float = ALPHA, planned_n: int = DEFAULT_PLANNED_N,
                    min_per_arm: int = MIN_PER_ARM) -> VariantLift:
    """A rate (conversions or clicks per exposed shopper) of one variant against the control."""
    for group in (control, variant):
        if group.exposed < 0 or not 0 <= group.converted <= group.exposed:
            raise ValueError("need 0 <= converted <= exposed")
    if not control.exposed or not variant.exposed:
        return _empty(control, variant, alpha)
    c, v = control.rate, variant.rate
    # The posterior under a flat Beta(1, 1) prior, by its mean and variance: defined even with no conversions.
    post_c = (control.converted + 1) / (control.exposed + 2)
    post_v = (variant.converted + 1) / (variant.exposed + 2)
    post_var = post_c * (1 - post_c) / (control.exposed + 3) + post_v * (1 - post_v) / (variant.exposed + 3)
    z = _NORMAL.inv_cdf(1 - alpha / 2)
    enough = (min(control.exposed, variant.exposed) >= min_per_arm
              and control.converted + variant.converted >= MIN_CONVERSIONS)
    return _lift(control, variant, c=c, v=v, var_c=c * (1 - c) / control.exposed, var_v=v * (1 - v) / variant.exposed,
                 posterior=(post_v - post_c, math.sqrt(post_var)),
                 fixed=newcombe_interval(variant.converted, variant.exposed, control.converted, control.exposed, z),
                 enough=enough, alpha=alpha, planned_n=planned_n, bounds=(-1.0, 1.0))


def mean_lift(*, control: Mean, variant: Mean, alpha: float = ALPHA, planned_n: int = DEFAULT_PLANNED_N,
              min_per_arm: int = MIN_PER_ARM) -> VariantLift:
    """A mean (revenue per visitor, order value) of one variant against the control.

    For average order value n counts orders, so the comparison is among shoppers who ordered: a variant
    that wins extra small orders shows a lower AOV. Read it beside conversion, never alone.
    """
    for group in (control, variant):
        if group.n < 0 or float(group.total_squares) < 0 or not all(
                math.isfinite(float(x)) for x in (group.total, group.total_squares)):
            raise ValueError("need n >= 0, a finite total and a finite, non-negative sum of squares")
    if not control.n or not variant.n:
        return _empty(control, variant, alpha)
    c, v = control.mean, variant.mean
    var_c, var_v = control.variance / control.n, variant.variance / variant.n
    half = _NORMAL.inv_cdf(1 - alpha / 2) * math.sqrt(var_c + var_v)
    enough = min(control.n, variant.n) >= min_per_arm
    # With a flat prior the posterior of each mean is N(mean, variance / n).
    return _lift(control, variant, c=c, v=v, var_c=var_c, var_v=var_v, posterior=(v - c, math.sqrt(var_c + var_v)),
                 fixed=(v - c - half, v - c + half) if half > 0 else (None, None),
                 enough=enough, alpha=alpha, planned_n=planned_n)


def variants_vs_control(*, control: Rate | Mean, variants: Sequence[Rate | Mean], alpha: float = ALPHA,
                        planned_n: int | Sequence[int] = DEFAULT_PLANNED_N) -> tuple[VariantLift, ...]:
    """Every variant against the control, each at alpha / len(variants) (Bonferroni).

    `planned_n` is one number for all comparisons or one per variant (Plan.comparison_shoppers).
    """
    if not variants:
        return ()
    sizes = list(planned_n) if isinstance(planned_n, Sequence) else [planned_n] * len(variants)
    if len(sizes) != len(variants):
        raise ValueError("need one planned_n per variant")
    compare = proportion_lift if isinstance(control, Rate) else mean_lift
    each = alpha / len(variants)
    return tuple(compare(control=control, variant=variant, alpha=each, planned_n=size)
                 for variant, size in zip(variants, sizes, strict=True))


@dataclass(frozen=True)
class SampleRatio:
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi_square: float
    p_value: float

    @property
    def mismatch(self) -> bool:
        """The split is too unlikely under the configured weights: do not trust the results."""
        return self.p_value < SRM_P_VALUE


def sample_ratio_check(*, observed: Sequence[int], weights: Sequence[float]) -> SampleRatio:
    """Chi-square goodness of fit of the shoppers per arm against the configured weights."""
    if len(observed) != len(weights) or len(observed) < 2:
        raise ValueError("need one weight per arm and at least two arms")
    if any(count < 0 for count in observed) or any(not weight > 0 for weight in weights):
        raise ValueError("need counts >= 0 and weights > 0")
    total, weight_sum = sum(observed), float(sum(weights))
    expected = tuple(total * weight / weight_sum for weight in weights)
    if not total:
        return SampleRatio(tuple(observed), expected, 0.0, 1.0)
    statistic = sum((count - e) ** 2 / e for count, e in zip(observed, expected, strict=True))
    return SampleRatio(tuple(observed), expected, statistic, float(chi2.sf(statistic, len(observed) - 1)))


@dataclass(frozen=True)
class Plan:
    shoppers_per_arm: tuple[int, ...]  # control first, in the order of the weights
    shoppers: int
    days: int
    comparison_shoppers: tuple[int, ...]  # control + each variant: the planned_n of each comparison
    alpha_per_comparison: float
    inflation: float  # shoppers the sequential test needs / shoppers one look at the end would need
    fixed_shoppers: int  # what a single read at the end (no peeking) would need
    fixed_days: int


def plan_experiment(*, baseline_rate: float, relative_lift: float, weights: Sequence[float], daily_shoppers: float,
                    power: float = 0.8, alpha: float = ALPHA) -> Plan:
    """Shoppers and days for every variant to show `relative_lift` on a rate, read daily.

    The fixed-horizon size per comparison is (z(1 − a/2) + z(power))² (p_c q_c / w_c + p_v q_v / w_v) / δ²
    per shopper in the experiment, with a = alpha / variants. The sequential test needs more: its inflation
    factor comes from simulating the standardised test statistic with one look a day (`_inflation`); it is
    about 1.7 for 30 daily looks at alpha .05 and power .8.
    """
    if not 0 < baseline_rate < 1 or not 0 < baseline_rate * (1 + relative_lift) < 1 or relative_lift == 0:
        raise ValueError("need a baseline rate and a lifted rate strictly between 0 and 1")
    if len(weights) < 2 or any(not weight > 0 for weight in weights):
        raise ValueError("need a control and at least one variant, with positive weights")
    if not daily_shoppers > 0 or not 0 < power < 1 or not 0 < alpha < 1:
        raise ValueError("need daily_shoppers > 0, and power and alpha between 0 and 1")
    shares = [weight / sum(weights) for weight in weights]
    a = alpha / (len(shares) - 1)
    p_c, p_v = baseline_rate, baseline_rate * (1 + relative_lift)
    delta = p_v - p_c
    z_sum = _NORMAL.inv_cdf(1 - a / 2) + _NORMAL.inv_cdf(power)
    per_unit = max(p_c * (1 - p_c) / shares[0] + p_v * (1 - p_v) / share for share in shares[1:])
    fixed = math.ceil(z_sum**2 * per_unit / delta**2)
    days = math.ceil(2 * fixed / daily_shoppers)
    for _ in range(8):  # the factor depends (weakly) on the number of looks, which depends on it
        inflation = _inflation(a, power, min(days, MAX_LOOKS))
        total = math.ceil(fixed * inflation)
        if math.ceil(total / daily_shoppers) == days:
            break
        days = math.ceil(total / daily_shoppers)
    per_arm = tuple(math.ceil(total * share) for share in shares)
    return Plan(shoppers_per_arm=per_arm, shoppers=sum(per_arm), days=math.ceil(sum(per_arm) / daily_shoppers),
                comparison_shoppers=tuple(per_arm[0] + arm for arm in per_arm[1:]), alpha_per_comparison=a,
                inflation=inflation, fixed_shoppers=fixed, fixed_days=math.ceil(fixed / daily_shoppers))


@lru_cache(maxsize=256)
def _inflation(alpha: float, power: float, looks: int) -> float:
    """How many more shoppers the daily-read mSPRT needs than one fixed-horizon read, for the same power.

    With equal traffic a day, at look k (t = k / looks) the z-statistic is μ√t + W(t)/√t, W a Brownian
    motion and μ the drift at the planned end; the mSPRT (tuned to the end) rejects upwards when it passes
    c(t) = sqrt((1 + 1/r)(2 log(1/alpha) + log(1 + r))), r = r* t. Each simulated path has a smallest μ
    that makes it reject at some look; the `power` quantile of that over the paths is the μ needed, and
    (μ / (z(1 − alpha/2) + z(power)))² is the inflation. Monte Carlo error of the factor: about ±1%.
    """
    rng = np.random.default_rng(PLANNER_SEED)
    t = np.arange(1, looks + 1) / looks
    log_inv_alpha = -math.log(alpha)
    r = (2 * log_inv_alpha + math.log(2 * log_inv_alpha + 1)) * t
    boundary = np.sqrt((1 + 1 / r) * (2 * log_inv_alpha + np.log1p(r)))
    brownian = np.zeros(PLANNER_PATHS)
    smallest = np.full(PLANNER_PATHS, np.inf)
    step = math.sqrt(1 / looks)
    for k in range(looks):
        brownian += rng.standard_normal(PLANNER_PATHS) * step
        np.minimum(smallest, (boundary[k] - brownian / math.sqrt(t[k])) / math.sqrt(t[k]), out=smallest)
    needed = float(np.quantile(smallest, power))
    return (needed / (_NORMAL.inv_cdf(1 - alpha / 2) + _NORMAL.inv_cdf(power))) ** 2
