"""A campaign's experiment read from its events: per arm (the control and each variant) the
shoppers exposed, and what they did after their first exposure; each variant against the control
with the always-valid statistics of personalization.experiment_stats; the sample-ratio check and
a plan.

Metrics, per shopper exposed (first exposure onwards, every order and click after it counts):
- conversion: ordered at least once;
- click-through: clicked the campaign at least once;
- revenue per visitor: the sum of their order totals (0 without an order);
- average order value index: per order, its total over the average order of its product (all
  orders of that product, any arm), times 100, so a car and a sneaker compare.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, Min
from django.utils import timezone

from personalization.experiment_stats import (
    Mean,
    Plan,
    SampleRatio,
    VariantLift,
    plan_experiment,
    sample_ratio_check,
    variants_vs_control,
)
from personalization.models import CONTROL, Assignment, Campaign, CampaignGroup, Event, EventType, Variant
from personalization.services.campaigns import campaign_split
from personalization.stats import Rate

CHUNK = 1000
METRICS = ("conversion", "click_through", "revenue_per_visitor", "order_value_index")
# What the planner assumes until the control has a conversion rate of its own.
PLAN_BASELINE = 0.05
PLAN_LIFT = 0.10
UNDETERMINED = ""  # the motivation of shoppers whose profile is not determined


@dataclass
class Arm:
    code: str  # "control" or the variant's code
    variant: Variant | None
    share: float  # of new shoppers today
    exposed: int = 0
    converted: int = 0
    clicked: int = 0
    revenue: float = 0.0
    revenue_squares: float = 0.0
    orders: int = 0
    index_total: float = 0.0
    index_squares: float = 0.0

    @property
    def revenue_per_visitor(self) -> float | None:
        return self.revenue / self.exposed if self.exposed else None

    @property
    def order_value_index(self) -> float | None:
        return self.index_total / self.orders if self.orders else None

    def metric(self, name: str) -> Rate | Mean:
        return {
            "conversion": Rate(self.exposed, self.converted),
            "click_through": Rate(self.exposed, self.clicked),
            "revenue_per_visitor": Mean(self.exposed, self.revenue, self.revenue_squares),
            "order_value_index": Mean(self.orders, self.index_total, self.index_squares),
        }[name]


@dataclass
class Results:
    arms: list[Arm]
    comparisons: dict[str, tuple[VariantLift, ...]]  # metric -> one per variant arm, in order
    sample_ratio: SampleRatio | None
    plan: Plan | None
    days: int

    @property
    def variants(self) -> list[Arm]:
        return self.arms[1:]


def first_exposures(campaign: Campaign) -> dict[uuid.UUID, tuple[datetime, str]]:
    """Each exposed shopper's first exposure and arm (the variant code, or "control"). An exposure
    recorded before campaigns had variants names only its group: the treatment then was variant A."""
    rows = (Event.objects.filter(campaign=campaign, type=EventType.CAMPAIGN_SHOWN)
            .values("shopper_id", "properties__variant", "properties__group")
            .annotate(first=Min("occurred_at")).order_by())
    first: dict[uuid.UUID, tuple[datetime, str]] = {}
    for row in rows:
        arm = row["properties__variant"]
        if not isinstance(arm, str) or not arm:
            group = row["properties__group"]
            arm = CONTROL if group == CampaignGroup.HOLDOUT else "A" if group == CampaignGroup.TREATMENT else ""
        if not arm:
            continue
        known = first.get(row["shopper_id"])
        if known is None or row["first"] < known[0]:
            first[row["shopper_id"]] = (row["first"], arm)
    return first


def _product_averages() -> dict[int, float]:
    from configurator.models import Order

    return {row["product_id"]: float(row["average"] or 0) for row in
            Order.objects.values("product_id").annotate(average=Avg("total")).order_by()}


@dataclass
class Outcome:
    """What one exposed shopper did after their first exposure."""

    revenue: float = 0.0
    clicked: bool = False
    order_indexes: list[float] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        return bool(self.order_indexes)


def outcomes(campaign: Campaign, first: dict[uuid.UUID, tuple[datetime, str]]) -> dict[uuid.UUID, Outcome]:
    """Each exposed shopper's orders and clicks after their first exposure."""
    from configurator.models import Order

    averages = _product_averages()
    out = {shopper: Outcome() for shopper in first}
    ids = list(first)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for owner, product_id, total, at in Order.objects.filter(owner_key__in=chunk).values_list(
                "owner_key", "product_id", "total", "created_at"):
            if at < first[owner][0]:
                continue
            outcome = out[owner]
            outcome.revenue += float(total)
            average = averages.get(product_id) or 0.0
            outcome.order_indexes.append(100 * float(total) / average if average > 0 else 100.0)
        for shopper, at in Event.objects.filter(shopper_id__in=chunk, campaign=campaign,
                                                type=EventType.CAMPAIGN_CLICKED).values_list("shopper_id", "occurred_at"):
            if at >= first[shopper][0]:
                out[shopper].clicked = True
    return out


def _add(arm: Arm, outcome: Outcome) -> None:
    arm.exposed += 1
    arm.clicked += outcome.clicked
    if outcome.converted:
        arm.converted += 1
        arm.revenue += outcome.revenue
        arm.revenue_squares += outcome.revenue ** 2
    for index in outcome.order_indexes:
        arm.orders += 1
        arm.index_total += index
        arm.index_squares += index * index


def _arms(campaign: Campaign) -> list[Arm]:
    variants = list(campaign.variants.order_by("code"))
    shares = {(v.code if v else CONTROL): share for v, share in campaign_split(campaign, variants)}
    return [Arm(CONTROL, None, shares.get(CONTROL, 0.0))] + [Arm(v.code, v, shares.get(v.code, 0.0)) for v in variants]


def _compare(arms: list[Arm]) -> dict[str, tuple[VariantLift, ...]]:
    return {metric: variants_vs_control(control=arms[0].metric(metric), variants=[a.metric(metric) for a in arms[1:]])
            for metric in METRICS}


def experiment_results(*, campaign: Campaign, target_lift: float = PLAN_LIFT) -> Results:
    arms = _arms(campaign)
    by_code = {arm.code: arm for arm in arms}
    first = {s: v for s, v in first_exposures(campaign).items() if v[1] in by_code}
    for shopper, outcome in outcomes(campaign, first).items():
        _add(by_code[first[shopper][1]], outcome)
    started = min((at for at, _code in first.values()), default=None)
    days = max((timezone.now() - started).days, 1) if started else 0
    return Results(arms, _compare(arms), _sample_ratio(campaign, arms), _plan(arms, len(first), days, target_lift),
                   days)


# Campaign KPIs ---------------------------------------------------------------------------------

@dataclass
class Kpis:
    """What a campaign's shown shoppers (every variant, not the control) did after their first
    exposure, and what it cost. `control_rate` is the control's conversion, for the orders the
    campaign added beyond it."""

    shown: Arm
    cost: float
    control_rate: float | None

    @property
    def orders_added(self) -> float | None:
        if self.control_rate is None:
            return None
        return self.shown.converted - self.control_rate * self.shown.exposed

    @property
    def cost_per_order(self) -> float | None:
        return self.cost / self.shown.converted if self.cost and self.shown.converted else None

    @property
    def cost_per_added_order(self) -> float | None:
        added = self.orders_added
        return self.cost / added if self.cost and added and added > 0 else None

    @property
    def return_on_spend(self) -> float | None:
        """(revenue of the shown shoppers' orders − cost) / cost: attributed, not incremental."""
        return (self.shown.revenue - self.cost) / self.cost if self.cost else None


def campaign_kpis(*, campaign: Campaign) -> tuple[Kpis, dict[str, Arm]]:
    """The campaign's KPIs, and the same per motivation its shown shoppers are read as today
    (UNDETERMINED for the rest)."""
    from personalization.models import Profile

    first = first_exposures(campaign)
    done = outcomes(campaign, first)
    reading = dict(Profile.objects.filter(shopper_id__in=list(first), determined=True)
                   .values_list("shopper_id", "dominant__code"))
    shown, control = Arm("shown", None, 0.0), Arm(CONTROL, None, 0.0)
    per_motivation: dict[str, Arm] = {}
    for shopper, outcome in done.items():
        if first[shopper][1] == CONTROL:
            _add(control, outcome)
            continue
        _add(shown, outcome)
        code = reading.get(shopper) or UNDETERMINED
        _add(per_motivation.setdefault(code, Arm(code, None, 0.0)), outcome)
    control_rate = control.converted / control.exposed if control.exposed else None
    return Kpis(shown, float(campaign.cost), control_rate), per_motivation


# The motivation-by-message test ------------------------------------------------------------------

AGREES, CONTRADICTS, UNCLEAR = "agrees", "contradicts", "unclear"


@dataclass
class MessageCell:
    """A variant's lift over the control among the shoppers read as one motivation."""

    arm: Arm
    lifts: dict[str, VariantLift]  # conversion and click-through
    matched: bool  # the variant is framed for this row's motivation
    verdict: str = ""  # for a matched cell: AGREES, CONTRADICTS or UNCLEAR


@dataclass
class MessageRow:
    motivation: str  # UNDETERMINED for shoppers whose motivation is not determined
    control: Arm
    cells: list[MessageCell]


def _verdict(cell: MessageCell, others: list[MessageCell], metric: str) -> str:
    """Does the message framed for this motivation lift these shoppers most? It agrees when its
    own lift is significant and no other message did better here; it contradicts when its lift
    is significantly negative or another message's interval lies wholly above its own."""
    mine = cell.lifts[metric]
    if mine.absolute is None:
        return UNCLEAR
    if mine.enough_data and mine.high is not None and mine.high < 0:
        return CONTRADICTS
    for other in others:
        theirs = other.lifts[metric]
        if theirs.enough_data and mine.high is not None and theirs.low is not None and theirs.low > mine.high:
            return CONTRADICTS
    if mine.significant and mine.absolute > 0 and all(
            o.lifts[metric].absolute is None or o.lifts[metric].absolute <= mine.absolute for o in others):
        return AGREES
    return UNCLEAR


def message_test(*, campaign: Campaign, metric: str = "conversion") -> list[MessageRow]:
    """Per motivation the shoppers are read as today (their profile's determined motivation), each
    variant against the control: the table of the motivation-by-message test. A cell whose
    variant is framed for the row's motivation says whether the reading agrees."""
    from personalization.models import Profile

    first = first_exposures(campaign)
    reading = dict(Profile.objects.filter(shopper_id__in=list(first), determined=True)
                   .values_list("shopper_id", "dominant__code"))
    rows: dict[str, list[Arm]] = {}
    for shopper, outcome in outcomes(campaign, first).items():
        motivation = reading.get(shopper) or UNDETERMINED
        arms = rows.setdefault(motivation, _arms(campaign))
        arm = next((a for a in arms if a.code == first[shopper][1]), None)
        if arm is not None:
            _add(arm, outcome)
    out = []
    for motivation in sorted(rows, key=lambda m: (m == UNDETERMINED, m)):
        arms = rows[motivation]
        lifts = {name: variants_vs_control(control=arms[0].metric(name), variants=[a.metric(name) for a in arms[1:]])
                 for name in ("conversion", "click_through")}
        cells = [MessageCell(arm, {name: lifts[name][i] for name in lifts},
                             matched=bool(motivation) and arm.variant.motivation == motivation)
                 for i, arm in enumerate(arms[1:])]
        for cell in cells:
            if cell.matched:
                cell.verdict = _verdict(cell, [c for c in cells if c is not cell], metric)
        out.append(MessageRow(motivation, arms[0], cells))
    return out


def _sample_ratio(campaign: Campaign, arms: list[Arm]) -> SampleRatio | None:
    """Shoppers per arm assigned under today's split against that split (an earlier split, before
    staff changed a weight, is not mixed in)."""
    live = [arm for arm in arms if arm.share > 0]
    if len(live) < 2:
        return None
    counts = dict(Assignment.objects.filter(campaign=campaign, allocation=campaign.allocation)
                  .values_list("variant__code").annotate(n=Count("id")).order_by())
    observed = [counts.get(None if arm.code == CONTROL else arm.code, 0) for arm in live]
    return sample_ratio_check(observed=observed, weights=[arm.share for arm in live])


def _plan(arms: list[Arm], exposed: int, days: int, target_lift: float) -> Plan | None:
    live = [arm for arm in arms if arm.share > 0]
    if len(live) < 2 or live[0].code != CONTROL:
        return None
    control = arms[0]
    baseline = control.converted / control.exposed if control.exposed and control.converted else PLAN_BASELINE
    baseline = min(max(baseline, 0.001), 0.9 / (1 + target_lift))
    daily = exposed / days if days and exposed else 100.0
    try:
        return plan_experiment(baseline_rate=baseline, relative_lift=target_lift,
                               weights=[arm.share for arm in live], daily_shoppers=daily)
    except ValueError:
        return None
