"""Reach of shared designs, per channel: the reach rollup (recomputed, never incremented) and the
counts a sharer sees on their own design's page.

A visit is a visitor's first view of a share page on a day (several that day count once, under the
channel of the first), recorded as a share_viewed event of a shopper who allows analytics. A
remix is a copy someone else made of the shared design with "Remix this design" (not the edits
that fork it later, nor a copy e-mailed to another device); it is credited to the remixer's
latest visit to that design's page at or before the remix, within ATTRIBUTION_DAYS (last touch).
Its maker saved it when they saved it (or an edit of it) in the studio. An order is an order (not
cancelled) of that remix, an edit or a copy of it, placed within ATTRIBUTION_DAYS of the visit.
A remix with no recorded visit (its maker did not allow analytics, or came another way) counts
under no channel, on the day it was made; its orders within ATTRIBUTION_DAYS of it with it.

Rows of a day can change until ATTRIBUTION_DAYS after it, so the refresh recomputes that many
days back (personalization.services.rollups.rollups_refresh calls reach_refresh).

Credit down the chains of remixes (personalization.reach.chain_credit) is linear in the counts,
so the refresh also writes each day's remixes and orders already spread up the chains, per
credited design (ReachCredit): the report sums and ranks those in SQL. The chains are those the
builds hold at the refresh; a day no longer recomputed keeps its credit, like its counts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.db.models import F, Manager, Q
from django.utils import timezone

from configurator.models import Build, Order
from configurator.models.orders import OrderStatus
from personalization.models import Event, EventType, Profile, ReachCredit, ReachRollup
from personalization.reach import MAX_CHAIN, NOT_RECORDED, Credit, channel_of, clean_channel, spread

ATTRIBUTION_DAYS = 30


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day(at: datetime) -> date:
    return timezone.localtime(at).date()


def visit_channel(properties: object) -> str:
    """The channel a share_viewed event stored, or worked out from its utm_source and referrer
    (events recorded before channels were)."""
    if not isinstance(properties, dict):
        return channel_of(None, None)
    stored = clean_channel(properties.get("channel"))
    if stored:
        return stored
    source, referrer = properties.get("utm_source"), properties.get("referrer")
    return channel_of(source if isinstance(source, str) else None, referrer if isinstance(referrer, str) else None)


@dataclass
class _Visit:
    at: datetime
    channel: str
    remixes: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class _Remix:
    id: uuid.UUID
    owner: uuid.UUID
    share: uuid.UUID
    at: datetime
    saved: bool


def _visits(first: date, last: date) -> dict[tuple[uuid.UUID, uuid.UUID], list[_Visit]]:
    """(visitor, share) -> their visits from `first` to `last`, oldest first: one a day."""
    events = (Event.objects.filter(type=EventType.SHARE_VIEWED, build__isnull=False, occurred_at__gte=_start(first),
                                   occurred_at__lt=_start(last + timedelta(days=1)),
                                   shopper_id__in=_analytics_shoppers())
              .order_by("occurred_at", "id").values_list("shopper_id", "build_id", "occurred_at", "properties"))
    visits: dict[tuple, list[_Visit]] = defaultdict(list)
    for shopper, share, at, properties in events.iterator(chunk_size=5000):
        days = visits[(shopper, share)]
        if not days or _day(days[-1].at) != _day(at):
            days.append(_Visit(at, visit_channel(properties)))
    return visits


def _analytics_shoppers():
    from personalization.models import Shopper

    return Shopper.objects.filter(analytics=True).values("pk")


def _remixes(since: datetime, until: datetime) -> list[_Remix]:
    roots = (Build.objects.filter(remixed_from__isnull=False, forked_from__isnull=True, copied_from__isnull=True,
                                  created_at__gte=since, created_at__lt=until)
             .exclude(owner_key=F("remixed_from__owner_key")))
    found = list(roots.values_list("pk", "owner_key", "remixed_from_id", "created_at", "saved_at"))
    edited = set(Build.objects.filter(forked_from_id__in=[r[0] for r in found], saved_at__isnull=False)
                 .values_list("forked_from_id", flat=True))
    return [_Remix(pk, owner, share, at, saved_at is not None or pk in edited)
            for pk, owner, share, at, saved_at in found]


def _root_of(builds: dict[uuid.UUID, tuple], build_id: uuid.UUID) -> uuid.UUID:
    """The remix an edit or a copy descends from (forked_from / copied_from, upwards)."""
    seen = set()
    while build_id in builds and builds[build_id][0] and build_id not in seen:
        seen.add(build_id)
        build_id = builds[build_id][0]
    return build_id


def _orders(remixes: set[uuid.UUID], since: datetime, until: datetime) -> dict[uuid.UUID, list[tuple]]:
    """Remix -> its orders (time, total) placed in [since, until), also of its edits and copies."""
    found = list(Order.objects.exclude(status=OrderStatus.CANCELLED)
                 .filter(created_at__gte=since, created_at__lt=until, build__remixed_from__isnull=False)
                 .values_list("build_id", "created_at", "total"))
    builds: dict[uuid.UUID, tuple] = {}
    wanted = {b for b, _a, _t in found}
    for _ in range(MAX_CHAIN):  # walk edits and copies up to the remix they came from
        wanted -= set(builds)
        if not wanted:
            break
        rows = Build.objects.filter(pk__in=wanted).values_list("pk", "forked_from_id", "copied_from_id")
        builds.update({pk: (forked or copied,) for pk, forked, copied in rows})
        wanted = {parent for (parent,) in builds.values() if parent}
    by_remix: dict[uuid.UUID, list[tuple]] = defaultdict(list)
    for build_id, at, total in found:
        root = _root_of(builds, build_id)
        if root in remixes:
            by_remix[root].append((at, total))
    return by_remix


def _sharers(shares: set[uuid.UUID]) -> dict[uuid.UUID, tuple[int, str]]:
    """Share -> (product, the sharer's dominant motivation today, or "")."""
    rows = list(Build.objects.filter(pk__in=shares).values_list("pk", "product_id", "owner_key"))
    dominant = dict(Profile.objects.filter(shopper_id__in={owner for _pk, _p, owner in rows}, dominant__isnull=False)
                    .values_list("shopper_id", "dominant__code"))
    return {pk: (product, dominant.get(owner, "")) for pk, product, owner in rows}


@dataclass
class _Tally:
    visits: int = 0
    remixed: int = 0
    saved: int = 0
    ordered: int = 0
    remixes: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)

    def add(self, remixes: list[_Remix], orders: list[tuple]) -> None:
        self.remixed += bool(remixes)
        self.saved += any(r.saved for r in remixes)
        self.ordered += bool(orders)
        self.remixes += len(remixes)
        self.orders += len(orders)
        self.revenue += sum((total for _at, total in orders), Decimal(0))


def reach_rows(first: date, last: date) -> list[ReachRollup]:
    """The reach rollup rows of the days from `first` to `last`."""
    window = timedelta(days=ATTRIBUTION_DAYS)
    visits = _visits(first - window, last + window)
    remixes = _remixes(_start(first), _start(last + timedelta(days=1)) + window)
    by_id = {r.id: r for r in remixes}
    orders = _orders(set(by_id), _start(first), _start(last + timedelta(days=1)) + window)
    tallies: dict[tuple[date, uuid.UUID, str], _Tally] = defaultdict(_Tally)
    unattributed = []
    for remix in remixes:  # each to the remixer's latest visit at or before it, within the window
        candidates = [v for v in visits.get((remix.owner, remix.share), ()) if v.at <= remix.at <= v.at + window]
        if candidates:
            candidates[-1].remixes.append(remix.id)
        else:
            unattributed.append(remix)
    for (_visitor, share), days in visits.items():
        for visit in days:
            day = _day(visit.at)
            if not first <= day <= last:
                continue
            limit = _start(day) + window + timedelta(days=1)
            made = [by_id[r] for r in visit.remixes]
            tally = tallies[(day, share, visit.channel)]
            tally.visits += 1
            tally.add(made, [o for r in made for o in orders.get(r.id, ()) if o[0] < limit])
    for remix in unattributed:
        day = _day(remix.at)
        if first <= day <= last:
            limit = _start(day) + window + timedelta(days=1)
            tallies[(day, remix.share, NOT_RECORDED)].add([remix], [o for o in orders.get(remix.id, ()) if o[0] < limit])
    sharers = _sharers({share for _day_, share, _channel in tallies})
    return [
        ReachRollup(day=day, share_id=share, product_id=sharers[share][0], channel=channel,
                    sharer_motivation=sharers[share][1], visits=t.visits, remixed=t.remixed, saved=t.saved,
                    ordered=t.ordered, remixes=t.remixes, orders=t.orders, revenue=t.revenue)
        for (day, share, channel), t in tallies.items() if share in sharers
    ]


def reach_refresh(first: date, last: date) -> int:
    """Recompute the reach rollup of the days from `first` to `last`, and their credit up the
    chains of remixes, in the caller's transaction. Returns how many reach rows it wrote."""
    rows = reach_rows(first, last)
    ReachRollup.objects.filter(day__gte=first, day__lte=last).delete()
    ReachRollup.objects.bulk_create(rows, batch_size=2000)
    credit = credit_rows((r.day, r.share_id, r.product_id, r.remixes, r.orders) for r in rows)
    ReachCredit.objects.filter(day__gte=first, day__lte=last).delete()
    ReachCredit.objects.bulk_create([ReachCredit(**c) for c in credit], batch_size=2000)
    return len(rows)


# ---------------------------------------------------------------- credit down the chains


def _parents(shares: set[uuid.UUID], builds: Manager | None = None) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each design's source (the design it was remixed from), up every chain: a query a level."""
    builds = Build.objects if builds is None else builds
    parents: dict[uuid.UUID, uuid.UUID | None] = {}
    wanted = set(shares)
    for _level in range(MAX_CHAIN):
        wanted -= set(parents)
        if not wanted:
            break
        found = dict(builds.filter(pk__in=wanted).values_list("pk", "remixed_from_id"))
        parents.update({pk: found.get(pk) for pk in wanted})
        wanted = {p for p in found.values() if p}
    return parents


def chains(direct: dict[uuid.UUID, tuple[int, int]]) -> dict[uuid.UUID, Credit]:
    """spread() along the chains as the builds hold them now."""
    return spread(direct, _parents({share for share, (remixes, orders) in direct.items() if remixes or orders}))


def credit_rows(reach: Iterable[tuple[date, uuid.UUID, int, int, int]], apps: Apps = django_apps) -> list[dict]:
    """The ReachCredit rows (as field values) of reach rows given as (day, share, product,
    remixes, orders): per day and product, each share's remixes and orders spread up its chain,
    with the credited design's sharer's dominant motivation now; only shared designs (those the
    report shows). Rows without remixes or orders credit nothing and give none. Linear: one walk
    up the chains for all the shares, a lookup of the credited designs and their sharers, then a
    pass over the rows. (`apps`: a migration's models.)"""
    builds = apps.get_model("configurator", "Build").objects
    profiles = apps.get_model("personalization", "Profile").objects
    direct: dict[tuple[date, int], dict[uuid.UUID, tuple[int, int]]] = defaultdict(dict)
    for day, share, product, remixes, orders in reach:
        if remixes or orders:
            before = direct[(day, product)].get(share, (0, 0))
            direct[(day, product)][share] = (before[0] + remixes, before[1] + orders)
    parents = _parents({share for shares in direct.values() for share in shares}, builds)
    credited = [(day, product, design, c) for (day, product), shares in direct.items()
                for design, c in spread(shares, parents).items()]
    shared = builds.filter(pk__in={design for _d, _p, design, _c in credited}, shared_at__isnull=False)
    owners = dict(shared.values_list("pk", "owner_key"))
    dominant = dict(profiles.filter(shopper_id__in=set(owners.values()), dominant__isnull=False)
                    .values_list("shopper_id", "dominant__code"))
    return [{"day": day, "design_id": design, "product_id": product, "sharer_motivation": dominant.get(owners.get(design), ""),
             "remixes": c.remixes, "orders": c.orders, "chain_orders": c.chain_orders}
            for day, product, design, c in credited if design in owners]


# ---------------------------------------------------------------- what a sharer sees


@dataclass(frozen=True)
class ShareReach:
    opened: int  # people (who allow analytics) who opened the share page
    remixed: int  # people who remixed it
    ordered: int  # orders of those remixes
    chain_remixes: int  # remixes of those remixes, and further down
    chain_orders: int  # orders further down the chain


def share_reach(*, build: Build) -> ShareReach:
    """Counts for the sharer of `build`, live: nothing about who."""
    opened = (Event.objects.filter(type=EventType.SHARE_VIEWED, build_id=build.pk, shopper_id__in=_analytics_shoppers())
              .exclude(shopper_id=build.owner_key).values("shopper_id").distinct().count())
    others = ~Q(owner_key=build.owner_key)
    roots = Q(forked_from__isnull=True, copied_from__isnull=True)
    direct = Build.objects.filter(others, roots, remixed_from=build)
    remixed = direct.values("owner_key").distinct().count()
    paid = Order.objects.exclude(status=OrderStatus.CANCELLED)
    ordered = paid.filter(build__remixed_from=build).exclude(owner_key=build.owner_key).count()
    # Further down: builds remixed from anything remixed from it (edits keep their source).
    chain_remixes = chain_orders = 0
    seen = {build.pk}
    frontier = set(Build.objects.filter(others, remixed_from=build).values_list("pk", flat=True))
    for _ in range(MAX_CHAIN - 1):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        below = Build.objects.filter(remixed_from_id__in=frontier)
        chain_remixes += below.filter(roots).exclude(owner_key=F("remixed_from__owner_key")).count()
        chain_orders += paid.filter(build__remixed_from_id__in=frontier).count()
        frontier = set(below.values_list("pk", flat=True))
    return ShareReach(opened, remixed, ordered, chain_remixes, chain_orders)
