"""The co-creation depth report's rollup (DepthRollup), rebuilt from events, profiles, segment
memberships and orders (recomputed, never incremented).

Who counts, and on which day (the cohort day):
- a (shopper, product) pair on the first day the shopper designed the product (a click, text,
  save or remix of it: personalization.depth.DESIGN), among the events kept: a pair whose earlier
  design events the retention purge removed starts again;
- each shopper once more, in the rows without a product, on the first day they designed anything;
- in a segment's rows, membership at the time of the event (as DailyRollup): the cohort day is the
  first day the shopper designed as a member, and a member who designed before joining and never
  after does not count in it.

What they did: orders (not cancelled) of the product (of any product, in the rows without one)
placed in the conversion window, CONVERSION_DAYS days from the start of the cohort day, and
shares (build_shared events) in the same window. So a refresh recomputes the cohort days a
conversion window back, and a count stops changing once its window has closed.

Band and motivation are those the profile holds when the day is recomputed: the band of the
product (of the deepest product the shopper designed in the days recomputed, in the rows without
one), and each motivation's probability (renormalized; a shopper without a profile counts wholly
toward ""). Every count is an expected count; summed over the motivations they are whole shoppers.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils import timezone

from configurator.models import Order
from configurator.models.orders import OrderStatus
from personalization.depth import DESIGN, deepest, probabilities, product_band
from personalization.models import DepthRollup, Event, EventType, Profile, SegmentMembership

CONVERSION_DAYS = 30
_CHUNK = 5000  # shoppers per lookup of their earlier events (an index probe each)

Unit = tuple[uuid.UUID, int | None]  # (shopper, product), or (shopper, None): the shopper across products
Key = tuple[date, int | None, int | None, str, str]  # day, product, segment, band, motivation


@dataclass
class History:
    """What the rollup of some days is made of, as plain data."""

    designs: dict[Unit, list[tuple[date, datetime]]] = field(default_factory=lambda: defaultdict(list))  # per day: last event
    earlier: dict[Unit, datetime] = field(default_factory=dict)  # the latest design event before the days
    profiles: dict[uuid.UUID, tuple] = field(default_factory=dict)  # scores, depth_detail
    memberships: dict[uuid.UUID, list[tuple[int, datetime]]] = field(default_factory=lambda: defaultdict(list))
    orders: dict[uuid.UUID, list[tuple[int, float, datetime]]] = field(default_factory=lambda: defaultdict(list))
    shares: dict[uuid.UUID, list[tuple[int, datetime]]] = field(default_factory=lambda: defaultdict(list))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _cohort_day(days: list[tuple[date, datetime]], since: datetime | None) -> date | None:
    """The first day with a design event at or after `since` (the first day at all without one)."""
    return next((day for day, last in days if since is None or last >= since), None)


def _cohorts(unit: Unit, h: History) -> Iterator[tuple[date, int | None]]:
    """The unit's (cohort day, segment or None for everyone) within the days."""
    days, earlier = h.designs[unit], h.earlier.get(unit)
    if earlier is None:
        yield days[0][0], None
    for segment, joined in h.memberships.get(unit[0], ()):
        day = None if earlier is not None and earlier >= joined else _cohort_day(days, joined)
        if day is not None:
            yield day, segment


def _outcome(unit: Unit, window: tuple[datetime, datetime], h: History) -> tuple[bool, bool, int, float]:
    """Ordered, shared, orders and revenue of the unit in the conversion window."""
    start, end = window
    shopper, product = unit
    totals = [t for p, t, at in h.orders.get(shopper, ()) if (product is None or p == product) and start <= at < end]
    shared = any((product is None or p == product) and start <= at < end for p, at in h.shares.get(shopper, ()))
    return bool(totals), shared, len(totals), sum(totals)


def depth_tallies(h: History) -> dict[Key, list[float]]:
    """Per (day, product, segment, band, motivation): expected shoppers, ordered, shared, orders
    and revenue (see the module docstring). Pure."""
    rows: dict[Key, list[float]] = defaultdict(lambda: [0.0] * 5)
    products: dict[uuid.UUID, set[int]] = defaultdict(set)
    for shopper, product in h.designs:
        if product is not None:
            products[shopper].add(product)
    windows: dict[date, tuple[datetime, datetime]] = {}
    chances: dict[uuid.UUID, dict[str, float]] = {}
    for unit in h.designs:
        shopper, product = unit
        scores, detail = h.profiles.get(shopper, (None, None))
        band = product_band(detail, product) if product is not None else deepest(
            product_band(detail, p) for p in products[shopper])
        if shopper not in chances:
            chances[shopper] = probabilities(scores)
        active = shopper in h.orders or shopper in h.shares
        for day, segment in _cohorts(unit, h):
            if day not in windows:
                start = _start_of(day)
                windows[day] = (start, start + timedelta(days=CONVERSION_DAYS))
            outcome = _outcome(unit, windows[day], h) if active else None
            for code, p in chances[shopper].items():
                row = rows[(day, product, segment, band, code)]
                row[0] += p
                if outcome is not None:  # most shoppers neither order nor share: nothing more to add
                    ordered, shared, orders, revenue = outcome
                    row[1] += p * ordered
                    row[2] += p * shared
                    row[3] += p * orders
                    row[4] += p * revenue
    return rows


# ---------------------------------------------------------------- reading the database


def _chunks(items: list, size: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _history(first: date, last: date) -> History:
    start, end = _start_of(first), _start_of(last + timedelta(days=1))
    design = Event.objects.filter(type__in=DESIGN, product__isnull=False)
    h = History()
    found = design.filter(occurred_at__gte=start, occurred_at__lt=end).annotate(day=TruncDate("occurred_at")).values_list(
        "shopper_id", "product_id", "day").annotate(last=Max("occurred_at")).order_by("day")
    for shopper, product, day, latest in found:
        for unit in ((shopper, product), (shopper, None)):
            days = h.designs[unit]
            if days and days[-1][0] == day:  # the same day through another product
                days[-1] = (day, max(days[-1][1], latest))
            else:
                days.append((day, latest))
    shoppers = list({shopper for shopper, _p in h.designs})
    for chunk in _chunks(shoppers):
        # Through (shopper_id, occurred_at): a probe per shopper, not a scan of the history.
        for shopper, product, latest in design.filter(shopper_id__in=chunk, occurred_at__lt=start).values_list(
                "shopper_id", "product_id").annotate(latest=Max("occurred_at")).order_by():
            h.earlier[(shopper, product)] = latest
            h.earlier[(shopper, None)] = max(latest, h.earlier.get((shopper, None), latest))
    designers = design.filter(occurred_at__gte=start, occurred_at__lt=end).order_by().values("shopper_id")
    for shopper, scores, detail in Profile.objects.filter(shopper_id__in=designers).values_list(
            "shopper_id", "scores", "depth_detail"):
        h.profiles[shopper] = (scores, detail)
    for shopper, segment, joined in SegmentMembership.objects.filter(shopper_id__in=designers).values_list(
            "shopper_id", "segment_id", "added_at"):
        h.memberships[shopper].append((segment, joined))
    known = set(shoppers)
    paid = Order.objects.exclude(status=OrderStatus.CANCELLED).filter(created_at__gte=start)
    for owner, product, total, at in paid.values_list("owner_key", "product_id", "total", "created_at"):
        if owner in known:
            h.orders[owner].append((product, float(total), at))
    shares = Event.objects.filter(type=EventType.BUILD_SHARED, occurred_at__gte=start, product__isnull=False)
    for shopper, product, at in shares.values_list("shopper_id", "product_id", "occurred_at"):
        if shopper in known:
            h.shares[shopper].append((product, at))
    return h


def depth_rollups_refresh(first: date, last: date) -> int:
    """Recompute the depth rollup of the cohort days `first` to `last` (inside the caller's
    transaction and lock); returns the rows written."""
    rows = [DepthRollup(day=day, product_id=product, segment_id=segment, band=band, motivation=code,
                        shoppers=v[0], ordered=v[1], shared=v[2], orders=v[3], revenue=v[4])
            for (day, product, segment, band, code), v in depth_tallies(_history(first, last)).items()]
    DepthRollup.objects.filter(day__gte=first, day__lte=last).delete()
    DepthRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
