"""Report rollups, rebuilt from events, profiles, builds and orders (recomputed, never incremented).

DailyRollup holds one row per day x product x dominant motivation (segment empty: everyone), and
the same per segment (segment set: that segment's members). Counts are distinct shoppers per day,
so summed over several days they are shopper-days. Shoppers without a dominant motivation (no
profile, or an undetermined one) are counted in the "" motivation row.

Two columns do not follow the dominant motivation:
- `weight`: the summed weight toward the row's motivation of that day's scored choices (the "what
  the choices say" mix);
- `probability`: the summed probability of the row's motivation (Profile.scores) over the distinct
  shoppers who configured the product that day, whatever their dominant motivation. The
  motivation mix sums these: a shopper who is 0.6 status and 0.4 value counts 0.6 and 0.4, not 1
  and 0. Shoppers without a profile add nothing to it.
So every motivation has a row for a day and product anyone configured, possibly with no shopper
of that dominant motivation (configured 0, probability above 0).

Segment rows take membership at the time of the event: a member's events count only from when
they joined the segment (SegmentMembership.added_at; segment_materialize keeps it for members who
stay). A segment defined by what its members did ("has ordered") therefore does not count the
very orders that brought them in as its conversions. A shopper who has left a segment no longer
counts in it on recomputed days (the membership history is not kept).

LineageRollup holds one row per shared build: views of its share page, remixes made from it,
orders of those remixes and their revenue, credited to the sharer's dominant motivation.

OptionRollup holds the shoppers' own option clicks per day, product, step, option and dominant
motivation (and per segment, membership at the time of the event like DailyRollup): the top
options report. DepthRollup holds the co-creation depth report's cohorts
(personalization.services.depth_rollups); its days are recomputed a conversion window back.

ReachRollup holds what visits to share pages led to, per day, shared build and channel
(personalization.services.reach); its days are recomputed an attribution window back, and with
them ReachCredit, their remixes and orders credited up the chains of remixes.

The dominant motivation and the probabilities are those a shopper's profile holds when the rollup
is refreshed. Days that the retention purge may have thinned are never recomputed, so their counts
outlive the events they were counted from.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from configurator.models import Build, Order
from configurator.models.orders import OrderStatus
from personalization.models import (
    DailyRollup,
    DepthRollup,
    Event,
    EventType,
    LineageRollup,
    Motivation,
    OptionRollup,
    Profile,
    ReachCredit,
    ReachRollup,
)
from personalization.services.depth_rollups import CONVERSION_DAYS, depth_rollups_refresh
from personalization.services.reach import ATTRIBUTION_DAYS, reach_refresh

# Late events (a client batch may be up to a week old) and the day boundary: the periodic
# refresh recomputes from the start of this many days ago.
# Events may arrive up to a week late (the API accepts them 7 days back, choices made before
# consent keep their time), so the default refresh looks 8 days back.
DEFAULT_LOOKBACK_DAYS = 8
# One PostgreSQL advisory lock id for the refresh: two refreshes at once would each delete the
# days, then both insert them.
_LOCK_ID = 0x41_54_52_4F_4C_4C  # "ATROLL"

_COUNTED = {
    "configured": EventType.OPTION_SELECTED,
    "saved": EventType.BUILD_SAVED,
    "shared": EventType.BUILD_SHARED,
    "remixed": EventType.BUILD_REMIXED,
    "ordered": EventType.ORDER_PLACED,
}
_MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class RollupResult:
    first_day: date | None
    last_day: date | None
    daily_rows: int
    lineage_rows: int
    reach_rows: int = 0
    option_rows: int = 0
    depth_rows: int = 0


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _wanted_day(since: datetime | date | None) -> date:
    if since is None:
        return timezone.localdate() - timedelta(days=DEFAULT_LOOKBACK_DAYS)
    if isinstance(since, datetime):
        return timezone.localtime(since).date() if timezone.is_aware(since) else since.date()
    return since


def _purge_floor() -> date:
    """The first day the retention purge has certainly not thinned: earlier days keep their
    rollups, which are all that is left of them."""
    cutoff = timezone.now() - timedelta(days=settings.ATELIER_EVENT_RETENTION_DAYS)
    return timezone.localtime(cutoff).date() + timedelta(days=1)


def _day_events(first: date, last: date) -> QuerySet:
    return (
        Event.objects.filter(occurred_at__gte=_start_of(first), occurred_at__lt=_start_of(last + timedelta(days=1)),
                             product__isnull=False)
        .annotate(day=TruncDate("occurred_at"))
    )


def _member_events(events: QuerySet) -> QuerySet:
    """The events once per segment the shopper belongs to, from when they joined it. Both
    annotations (one call) read the same membership join; a second filter() over the relation
    would join it again and pair a segment with another membership's time."""
    return events.annotate(segment=F("shopper__memberships__segment_id"),
                           joined=F("shopper__memberships__added_at")).filter(
        segment__isnull=False, occurred_at__gte=F("joined"))


def _with_dominant(events: QuerySet) -> QuerySet:
    return events.annotate(motivation=Coalesce(F("shopper__profile__dominant__code"), Value("")))


def _counts(events: QuerySet, keys: list[str]) -> list[dict]:
    """Distinct shoppers per step, selections and revenue, grouped by `keys`: one query."""
    counts = {name: Count("shopper_id", distinct=True, filter=Q(type=kind)) for name, kind in _COUNTED.items()}
    revenue = Sum(Cast(KT("properties__total"), _MONEY), filter=Q(type=EventType.ORDER_PLACED))
    return list(_with_dominant(events).values(*keys).annotate(
        **counts, selections=Count("id", filter=Q(type=EventType.OPTION_SELECTED)), revenue=revenue,
    ).order_by())


def _weights(events: QuerySet, keys: list[str], codes: list[str]) -> list[dict]:
    """Summed score per motivation of the scored choices, grouped by `keys`: one query."""
    if not codes:
        return []
    sums = {f"w{i}": Sum(Cast(KT(f"scores__{code}"), FloatField())) for i, code in enumerate(codes)}
    return list(events.filter(type=EventType.OPTION_SELECTED).values(*keys).annotate(**sums).order_by())


def _configuring(events: QuerySet, keys: list[str]) -> list[tuple]:
    """The distinct (day, product, shopper[, segment]) that selected an option: one query."""
    return list(events.filter(type=EventType.OPTION_SELECTED).values_list(*keys).distinct().order_by())


def _profile_scores(events: QuerySet) -> dict:
    """Motivation probabilities of the shoppers who configured in `events`: one query."""
    configuring = events.filter(type=EventType.OPTION_SELECTED).order_by().values("shopper_id")
    return dict(Profile.objects.filter(shopper_id__in=configuring).values_list("shopper_id", "scores"))


def _probability(scores: Any, code: str) -> float:
    value = scores.get(code) if isinstance(scores, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return float(value)


def _daily_rows(first: date, last: date) -> list[DailyRollup]:
    codes = list(Motivation.objects.order_by().values_list("code", flat=True))
    events = _day_events(first, last)
    member_events = _member_events(events)
    scores = _profile_scores(events)
    rows: dict[tuple, DailyRollup] = {}

    def row(day: date, product: int, motivation: str, segment: int | None) -> DailyRollup:
        key = (day, product, motivation, segment)
        if key not in rows:
            rows[key] = DailyRollup(day=day, product_id=product, motivation=motivation, segment_id=segment)
        return rows[key]

    for qs, extra in ((events, []), (member_events, ["segment"])):
        for found in _counts(qs, ["day", "product_id", "motivation", *extra]):
            target = row(found["day"], found["product_id"], found["motivation"], found.get("segment"))
            for name in (*_COUNTED, "selections"):
                setattr(target, name, found[name])
            target.revenue = found["revenue"] or Decimal(0)
        for found in _weights(qs, ["day", "product_id", *extra], codes):
            for i, code in enumerate(codes):
                if found[f"w{i}"]:
                    row(found["day"], found["product_id"], code, found.get("segment")).weight = found[f"w{i}"]
        sums: dict[tuple, float] = defaultdict(float)
        for day, product, shopper, *segment in _configuring(qs, ["day", "product_id", "shopper_id", *extra]):
            profile = scores.get(shopper)  # none: every motivation's row, with nothing added
            for code in codes:
                sums[(day, product, code, segment[0] if segment else None)] += _probability(profile, code)
        for (day, product, code, segment), total in sums.items():
            row(day, product, code, segment).probability = total
    return list(rows.values())


def _option_rows(first: date, last: date) -> list[OptionRollup]:
    """The shoppers' own option clicks (a repair's change says nothing about them) per day,
    product, step, option and dominant motivation; then the same per segment: two queries."""
    events = _day_events(first, last).filter(type=EventType.OPTION_SELECTED, properties__auto__isnull=True)
    rows = []
    for qs, extra in ((events, []), (_member_events(events), ["segment"])):
        found = _with_dominant(qs).values("day", "product_id", "group", "option", "motivation", *extra).annotate(
            selections=Count("id"), shoppers=Count("shopper_id", distinct=True)).order_by()
        rows += [OptionRollup(day=r["day"], product_id=r["product_id"], group=r["group"], option=r["option"],
                              motivation=r["motivation"], segment_id=r.get("segment"), selections=r["selections"],
                              shoppers=r["shoppers"]) for r in found]
    return rows


def _touched_builds(since: datetime) -> Q:
    """Shared builds whose lineage may have changed since `since`."""
    viewed = Event.objects.filter(type=EventType.SHARE_VIEWED, occurred_at__gte=since, build__isnull=False)
    remixed = Build.objects.filter(created_at__gte=since, remixed_from__isnull=False)
    ordered = Order.objects.filter(created_at__gte=since, build__remixed_from__isnull=False)
    return (Q(shared_at__gte=since) | Q(pk__in=viewed.values("build_id")) | Q(pk__in=remixed.values("remixed_from_id"))
            | Q(pk__in=ordered.values("build__remixed_from_id")))


def _count_of(qs: QuerySet, ref: str, value=None, output=None):
    """A correlated subquery: how many rows of `qs` point at the outer build (or the sum of `value`)."""
    aggregate = Count("*") if value is None else Sum(value)
    inner = qs.filter(**{ref: OuterRef("pk")}).order_by().values(ref).annotate(n=aggregate).values("n")
    return Coalesce(Subquery(inner, output_field=output or IntegerField()), Value(0) if value is None else
                    Value(Decimal(0)), output_field=output or IntegerField())


def _lineage_rows(since: datetime | None) -> list[LineageRollup]:
    shared = Build.objects.filter(shared_at__isnull=False)
    if since is not None:
        shared = shared.filter(_touched_builds(since))
    paid = Order.objects.exclude(status=OrderStatus.CANCELLED)
    found = shared.order_by().annotate(
        n_views=_count_of(Event.objects.filter(type=EventType.SHARE_VIEWED), "build_id"),
        n_remixes=_count_of(Build.objects.all(), "remixed_from_id"),
        n_orders=_count_of(paid, "build__remixed_from_id"),
        n_revenue=_count_of(paid, "build__remixed_from_id", value="total", output=_MONEY),
        sharer=Coalesce(Subquery(Profile.objects.filter(shopper_id=OuterRef("owner_key")).values("dominant__code")[:1]),
                        Value("")),
    ).values("pk", "product_id", "n_views", "n_remixes", "n_orders", "n_revenue", "sharer")
    found = list(found)
    # Views come from events, which the retention purge and erasure delete; a count never goes
    # down because its events are gone (the rollup is what keeps it).
    kept = dict(LineageRollup.objects.filter(build_id__in=[f["pk"] for f in found]).values_list("build_id", "views"))
    return [
        LineageRollup(build_id=f["pk"], product_id=f["product_id"], sharer_motivation=f["sharer"] or "",
                      views=max(f["n_views"], kept.get(f["pk"], 0)), remixes=f["n_remixes"], orders=f["n_orders"],
                      revenue=f["n_revenue"] or Decimal(0), updated_at=timezone.now())
        for f in found
    ]


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])


def _analyze(*models) -> None:
    """Fresh planner statistics for tables a refresh may have rewritten wholesale: without them,
    PostgreSQL plans a report over tens of thousands of new rows as if there were one (a sort
    spilled to disk instead of a hash aggregate in memory: 180 ms instead of 40 at a million
    events). Autovacuum would get there, minutes later."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {model._meta.db_table}")


def rollups_refresh(*, since: datetime | date | None = None) -> RollupResult:
    """Recompute the daily rollups of every day from `since` (default: 8 days ago) to today, and
    the lineage of every shared build touched since then (all of them when `since` is a date
    before any activity). Idempotent: running it twice leaves the same rows."""
    wanted, floor = _wanted_day(since), _purge_floor()
    first, last = max(wanted, floor), timezone.localdate()
    lineage_since = None if wanted <= floor else _start_of(wanted)
    with transaction.atomic():
        _lock()
        if first <= last:
            daily = _daily_rows(first, last)
            DailyRollup.objects.filter(day__gte=first, day__lte=last).delete()
            DailyRollup.objects.bulk_create(daily, batch_size=2000)
            options = _option_rows(first, last)
            OptionRollup.objects.filter(day__gte=first, day__lte=last).delete()
            OptionRollup.objects.bulk_create(options, batch_size=2000)
        else:
            daily = options = []
        # An order or a share may come up to a conversion window after the day its shopper designed.
        depth_first = max(wanted - timedelta(days=CONVERSION_DAYS), floor)
        depth = depth_rollups_refresh(depth_first, last) if depth_first <= last else 0
        lineage = _lineage_rows(lineage_since)
        LineageRollup.objects.bulk_create(
            lineage, batch_size=2000, update_conflicts=True, unique_fields=["build"],
            update_fields=["product", "sharer_motivation", "views", "remixes", "orders", "revenue", "updated_at"],
        )
        # A visit's day changes while its remixes and orders may still come (the attribution window).
        reach_first = max(min(wanted, last - timedelta(days=ATTRIBUTION_DAYS + 1)), floor)
        reach = reach_refresh(reach_first, last) if reach_first <= last else 0
        _analyze(DailyRollup, OptionRollup, DepthRollup, ReachRollup, ReachCredit)
    return RollupResult(first_day=first if first <= last else None, last_day=last if first <= last else None,
                        daily_rows=len(daily), lineage_rows=len(lineage), reach_rows=reach, option_rows=len(options),
                        depth_rows=depth)
