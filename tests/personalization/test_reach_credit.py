"""The reach report's credit down chains of remixes, read from the credit rollup (ReachCredit):
the same figures as the credit walked live up the chains from the reach rows of the days (the
report's definition before the rollup), with date, product and segment filters."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from configurator.models import Build
from personalization.models import EventType, Profile, ReachCredit, ReachRollup, Segment, SegmentMembership
from personalization.reach_report import chains
from personalization.reports import Filters, report_build
from personalization.services.reach import credit_rows, reach_refresh
from tests.factories import ProductFactory
from tests.personalization.test_reach import order_of, refresh, remix_of, table
from tests.personalization.test_rollups import at, event, member, motivations, shared_build, shopper

pytestmark = pytest.mark.django_db


def shared_remix(source: Build, owner, *, days_ago: int, name: str) -> Build:
    """A visit to `source`'s page, a remix of it that day, shared (so the chain goes on)."""
    event(owner, EventType.SHARE_VIEWED, at(days_ago, 9), source.product, build=source, channel="x")
    remix = remix_of(source, owner.pk, days_ago=days_ago, saved=True)
    Build.objects.filter(pk=remix.pk).update(name=name, status="shared", shared_at=at(days_ago, 18))
    return Build.objects.get(pk=remix.pk)


def visited_remix(source: Build, *, days_ago: int, channel: str | None = "pinterest") -> Build:
    """Someone's remix of `source` (after a visit that day, unless channel is None), not shared."""
    who = shopper()
    if channel:
        event(who, EventType.SHARE_VIEWED, at(days_ago, 9), source.product, build=source, channel=channel)
    return remix_of(source, who.pk, days_ago=days_ago)


@pytest.fixture
def chain_world(car):
    """Car: A <- B <- C <- D, each remixed and shared in turn, over 40 days, with orders down the
    chain; another remix of A and one of C without a recorded visit. Bike: P <- Q <- a remix.
    A design with visits only. A segment holds the sharers of B and D."""
    m = motivations()
    bike = ProductFactory(slug="bike", name_en="Bike", name_nl="Fiets")
    alice, bob, carol, dave = shopper(m["status"]), shopper(m["sustainability"]), shopper(m["practical"]), shopper()
    a = shared_build(car, alice, name="A")
    b = shared_remix(a, bob, days_ago=40, name="B")
    c = shared_remix(b, carol, days_ago=20, name="C")
    order_of(c, days_ago=19)
    d = shared_remix(c, dave, days_ago=10, name="D")
    order_of(d, days_ago=9)
    e = visited_remix(d, days_ago=3)
    order_of(e, days_ago=2)
    order_of(e, days_ago=2, total="80.00")
    order_of(visited_remix(c, days_ago=5, channel=None), days_ago=4)
    order_of(visited_remix(a, days_ago=15), days_ago=14)
    p = shared_build(bike, alice, name="P")
    q = shared_remix(p, shopper(m["status"]), days_ago=8, name="Q")
    order_of(visited_remix(q, days_ago=4), days_ago=3)
    quiet = shared_build(car, shopper(m["practical"]), name="Quiet")
    event(shopper(), EventType.SHARE_VIEWED, at(6, 9), car, build=quiet, channel="x")
    segment = Segment.objects.create(name="Sharers of remixes")
    for who in (bob, dave):
        member(segment, who, since=at(50))
    refresh()
    return {"bike": bike, "segment": segment, "car": car}


def old_definition(f: Filters) -> tuple[list[tuple], dict[str, tuple[float, float]]]:
    """The top designs and the credit per sharer's motivation as the report computed them before
    the credit rollup: the reach rows of the days summed per share, walked up the chains live,
    then the designs the filters show (shared, of the product, by a sharer in the segment)."""
    rows = ReachRollup.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.product:
        rows = rows.filter(product_id=f.product)
    own: dict = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for name in ("visits", "remixes", "orders"):
            own[r.share_id][name] += getattr(r, name)
    credit = chains({share: (c["remixes"], c["orders"]) for share, c in own.items()})
    shown = Build.objects.filter(pk__in=list(credit), shared_at__isnull=False)
    if f.product:
        shown = shown.filter(product_id=f.product)
    if f.segment:
        shown = shown.filter(owner_key__in=SegmentMembership.objects.filter(segment_id=f.segment).values("shopper_id"))
    shown = {b.pk: b for b in shown}
    dominant = dict(Profile.objects.filter(dominant__isnull=False).values_list("shopper_id", "dominant__code"))
    ranked = sorted((s for s in shown if credit[s].orders or credit[s].remixes),
                    key=lambda s: (-credit[s].orders, -credit[s].remixes, str(s)))
    top = [(shown[s].name, own.get(s, {}).get("visits", 0), own.get(s, {}).get("remixes", 0),
            own.get(s, {}).get("orders", 0), credit[s].chain_orders, round(credit[s].orders, 2),
            round(credit[s].remixes, 2)) for s in ranked[:25]]
    per_motivation: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s, build in shown.items():
        sums = per_motivation[dominant.get(build.owner_key, "").title() or "Undetermined"]
        sums[0] += credit[s].remixes
        sums[1] += credit[s].orders
    return top, {name: (round(r, 2), round(o, 2)) for name, (r, o) in per_motivation.items()}


def from_the_report(f: Filters) -> tuple[list[tuple], dict[str, tuple[float, float]]]:
    report = report_build(slug="reach", filters=f)
    top = [(r["Design"], r["Visits"], r["Remixes"], r["Orders of its remixes"], r["Orders further down the chain"],
            r["Credited orders (whole chain)"], r["Credited remixes (whole chain)"]) for r in table(report, "top-designs")]
    per_motivation = {r["Sharer's motivation"]: (r["Credited remixes (whole chain)"], r["Credited orders (whole chain)"])
                      for r in table(report, "by-motivation")}
    return top, per_motivation


def test_the_credit_of_a_chain_of_four_designs(chain_world, english):
    top, per_motivation = from_the_report(Filters.default())
    # (design, visits, remixes, orders of its remixes, orders further down, credited orders, credited remixes)
    assert top == [
        ("C", 1, 2, 2, 2, 3.0, 2.5),  # its two remixes' orders, and half of D's remix's two
        ("B", 1, 1, 1, 4, 2.5, 2.25),  # C's order, half of C's two, a quarter of D's two
        ("A", 2, 2, 1, 5, 2.25, round(3.125, 2)),  # shown to two decimals
        ("D", 1, 1, 2, 0, 2.0, 1.0),
        ("Q", 1, 1, 1, 0, 1.0, 1.0),
        ("P", 1, 1, 0, 1, 0.5, 1.5),
    ]
    assert per_motivation["Status"] == (round(3.125 + 1.0 + 1.5, 2), 2.25 + 1.0 + 0.5)  # A, Q and P
    assert per_motivation["Sustainability"] == (2.25, 2.5)  # B
    assert per_motivation["Practical"] == (2.5, 3.0)  # C (the quiet design adds nothing)
    assert per_motivation["Undetermined"] == (1.0, 2.0)  # D: its sharer has no profile


@pytest.mark.parametrize(("days", "product", "segment"), [
    ((89, 0), None, False), ((30, 0), None, False), ((12, 4), None, False), ((45, 16), None, False),
    ((89, 0), "car", False), ((89, 0), "bike", False), ((30, 0), "car", False),
    ((89, 0), None, True), ((12, 0), None, True), ((30, 0), "car", True), ((89, 0), "bike", True),
])
def test_the_credit_rollup_gives_the_figures_of_the_chains_walked_live(chain_world, english, days, product, segment):
    today = timezone.localdate()
    f = Filters(start=today - timedelta(days=days[0]), end=today - timedelta(days=days[1]),
                product=chain_world[product].pk if product else None,
                segment=chain_world["segment"].pk if segment else None)
    top, per_motivation = from_the_report(f)
    expected_top, expected_motivation = old_definition(f)
    assert top == expected_top
    for name, credited in per_motivation.items():
        assert credited == expected_motivation.get(name, (0.0, 0.0)), name
    assert {n for n, c in expected_motivation.items() if c != (0.0, 0.0)} <= set(per_motivation)


def test_a_shorter_refresh_keeps_the_credit_of_the_days_before_it(chain_world, english):
    before = from_the_report(Filters.default())
    today = timezone.localdate()
    reach_refresh(today - timedelta(days=7), today)
    assert ReachCredit.objects.filter(day__lt=today - timedelta(days=7)).exists()
    assert from_the_report(Filters.default()) == before


def test_the_credit_rows_are_those_worked_out_from_the_reach_rows(chain_world):
    """What the migration writes for the reach rows already there is what a refresh writes."""
    found = credit_rows(ReachRollup.objects.values_list("day", "share_id", "product_id", "remixes", "orders"))
    written = ReachCredit.objects.values("day", "design_id", "product_id", "sharer_motivation", "remixes", "orders",
                                         "chain_orders")

    def key(c: dict) -> tuple:
        return c["day"], str(c["design_id"]), c["product_id"]

    assert sorted(found, key=key) == sorted(written, key=key)
    assert len(found) > 10


@pytest.mark.django_db(transaction=True)
def test_the_migration_credits_the_reach_rows_already_kept(car):
    """Migration 0011 works the credit out of the reach rows there before it, with its own models."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    sharer, fan = shopper(motivations()["status"]), shopper()
    original = shared_build(car, sharer, name="Original")
    remix = shared_remix(original, fan, days_ago=3, name="Remix")
    order_of(visited_remix(remix, days_ago=2), days_ago=1)
    refresh()
    written = sorted(ReachCredit.objects.values_list("design__name", "sharer_motivation", "remixes", "orders",
                                                     "chain_orders"))
    before, latest = ("personalization", "0011_rescore_cursor"), ("personalization", "0012_reach_credit")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([latest])
    assert written == [("Original", "status", 0.5, 0.5, 1),  # the day of the remix's remix
                       ("Original", "status", 1.0, 0.0, 0),  # the day of its own remix
                       ("Remix", "", 1.0, 1.0, 0)]
    assert sorted(ReachCredit.objects.values_list("design__name", "sharer_motivation", "remixes", "orders",
                                                  "chain_orders")) == written
