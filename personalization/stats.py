"""Lift statistics for a campaign against its holdout. Pure: counts in, numbers out.

Conversion rate per group = converted / exposed. The absolute lift is the difference of the two
rates (treatment − holdout); its 95% interval is Newcombe's hybrid score interval (method 10 of
Newcombe, "Interval estimation for the difference between independent proportions", Statistics
in Medicine 1998), built from each group's Wilson score interval. We chose it over the plain
normal (Wald) approximation because conversion rates are small and groups uneven (a 10% holdout):
Wald then gives intervals that are too narrow, can leave [-1, 1], and collapse to a point when a
group has no conversions, while the Wilson-based interval keeps close to its nominal coverage.

The relative lift is (treatment − holdout) / holdout, a point estimate only (none while the
holdout has no conversions). With fewer than MIN_EXPOSED shoppers in a group, or fewer than
MIN_CONVERSIONS conversions in all, the result says "not enough data"; the numbers are still
given but should not be read as an answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the two-sided 95% quantile of the standard normal
MIN_EXPOSED = 30
MIN_CONVERSIONS = 5


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion; (0, 1) when there are no trials."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError("need 0 <= successes <= trials")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # The exact ends at 0 and 1 (rounding would otherwise leave them a hair off).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def newcombe_interval(s1: int, n1: int, s2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p2 (method 10)."""
    p1 = s1 / n1 if n1 else 0.0
    p2 = s2 / n2 if n2 else 0.0
    l1, u1 = wilson_interval(s1, n1, z)
    l2, u2 = wilson_interval(s2, n2, z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(-1.0, low), min(1.0, high)


@dataclass(frozen=True)
class Rate:
    exposed: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.exposed if self.exposed else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.converted, self.exposed)


@dataclass(frozen=True)
class Lift:
    treatment: Rate
    holdout: Rate
    absolute: float | None  # treatment rate − holdout rate
    low: float | None  # the 95% interval of the absolute lift
    high: float | None
    relative: float | None  # absolute / holdout rate
    enough_data: bool

    @property
    def significant(self) -> bool:
        """The interval leaves out zero (and there is enough data to say so)."""
        return self.enough_data and self.low is not None and (self.low > 0 or self.high < 0)

    def as_dict(self) -> dict:
        return {
            "treatment": {"exposed": self.treatment.exposed, "converted": self.treatment.converted,
                          "rate": self.treatment.rate},
            "holdout": {"exposed": self.holdout.exposed, "converted": self.holdout.converted,
                        "rate": self.holdout.rate},
            "absolute": self.absolute, "low": self.low, "high": self.high, "relative": self.relative,
            "enough_data": self.enough_data, "significant": self.significant,
        }


def lift(*, treatment_exposed: int, treatment_converted: int, holdout_exposed: int, holdout_converted: int) -> Lift:
    """Conversion lift of the treatment group over the holdout, with its 95% interval."""
    treatment = Rate(treatment_exposed, treatment_converted)
    holdout = Rate(holdout_exposed, holdout_converted)
    for group in (treatment, holdout):
        if group.exposed < 0 or not 0 <= group.converted <= group.exposed:
            raise ValueError("need 0 <= converted <= exposed")
    enough = (min(treatment.exposed, holdout.exposed) >= MIN_EXPOSED
              and treatment.converted + holdout.converted >= MIN_CONVERSIONS)
    if not treatment.exposed or not holdout.exposed:
        return Lift(treatment, holdout, None, None, None, None, False)
    absolute = treatment.rate - holdout.rate
    low, high = newcombe_interval(treatment.converted, treatment.exposed, holdout.converted, holdout.exposed)
    relative = absolute / holdout.rate if holdout.rate else None
    return Lift(treatment, holdout, absolute, low, high, relative, enough)
