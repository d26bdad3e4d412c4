"""The top options and co-creation depth reports read rollups (OptionRollup, DepthRollup): on data
built here they give what a computation straight from the events gives under the definitions
the reports state, filters included, and the refresh is incremental and idempotent."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from configurator.models import Order
from configurator.models.orders import OrderStatus
from personalization.depth import DESIGN, deepest, probabilities, product_band
from personalization.depth_report import cocreation
from personalization.models import (
    DepthRollup,
    Event,
    EventType,
    OptionRollup,
    Profile,
    Segment,
    SegmentMembership,
)
from personalization.reports import Filters, _days, _option_names, top_options
from personalization.services.depth_rollups import CONVERSION_DAYS
from personalization.services.rollups import rollups_refresh
from tests.factories import BuildFactory, OrderFactory, ProductFactory
from tests.personalization.test_rollups import at, event, member, motivations, shopper, version_of

SINCE_DAYS = 80


def refresh() -> None:
    rollups_refresh(since=at(SINCE_DAYS).date())


def span(days: int = 60, **kwargs) -> Filters:
    today = at(0).date()
    return Filters(start=today - timedelta(days=days), end=today, **kwargs)


def click(who, when, product, option: str, group: str = "trim", **properties) -> None:
    event(who, EventType.OPTION_SELECTED, when, product, option=option, group=group, **properties)


def order(who, product, total: str, *, status: str = OrderStatus.PLACED, days_ago: int = 0) -> None:
    build = BuildFactory(product=product, catalog_version=version_of(product), owner_key=who.pk, status="ordered")
    placed = OrderFactory(build=build, total=Decimal(total), owner_key=who.pk, status=status)
    Order.objects.filter(pk=placed.pk).update(created_at=at(days_ago, hour=18))


def profile(who, scores: dict, band: dict | None = None) -> None:
    Profile.objects.update_or_create(shopper=who, defaults={"scores": scores, "depth_detail": band or {}})


@pytest.fixture
def world(car):
    """Shoppers of three motivations over two months, two products, a repair's click, a
    segment joined in the middle, orders inside and outside the conversion window."""
    m = motivations()
    other = ProductFactory(name_en="Bike")
    proud, green, keen, anon = shopper(m["status"]), shopper(m["sustainability"]), shopper(m["status"]), shopper()
    profile(proud, {"status": 1.0}, {str(car.pk): {"band": "high"}, str(other.pk): {"band": "low"}})
    profile(green, {"sustainability": 0.75, "status": 0.25}, {str(car.pk): {"band": "medium"}})
    profile(keen, {"status": 0.5, "practical": 0.5}, {str(car.pk): {"depth": 9.5}})
    for days in (50, 20, 3):
        click(proud, at(days), car, "electric")
    click(proud, at(3), car, "w18", group="wheels")
    click(proud, at(3, hour=13), car, "w18", group="wheels")  # twice on one day: one shopper-day
    click(proud, at(2), other, "red", group="colour")
    click(proud, at(2), car, "w17", group="wheels", auto=True)  # a repair's change, not the shopper's
    click(green, at(40), car, "sport")
    click(green, at(5), car, "electric")
    event(green, EventType.BUILD_SHARED, at(35), car)
    event(green, EventType.BUILD_SHARED, at(5), car)
    click(keen, at(10), car, "sport")
    event(keen, EventType.TEXT_PERSONALIZED, at(10), car)
    click(anon, at(1), other, "red", group="colour")
    order(proud, car, "300.00", days_ago=1)  # within 30 days of day 20 and of day 3, not of day 50
    order(green, car, "200.00", days_ago=1)
    order(keen, car, "500.00", status=OrderStatus.CANCELLED)
    order(anon, other, "80.00")
    segment = Segment.objects.create(name="Green")
    member(segment, green, since=at(30))  # after their first design, before the second
    member(segment, proud, since=at(90))
    refresh()
    return {"car": car, "other": other, "segment": segment, "keen": keen}


# ---------------------------------------------------------------- top options


def options_from_events(f: Filters) -> dict[tuple, tuple[int, int]]:
    """Per (motivation, product, step, option): selections and shopper-days, straight from the
    events: own clicks, a segment's members from when they joined, today's dominant motivation."""
    start, end = _days(f)
    events = Event.objects.filter(type=EventType.OPTION_SELECTED, occurred_at__gte=start, occurred_at__lt=end,
                                  product__isnull=False, properties__auto__isnull=True)
    if f.product:
        events = events.filter(product_id=f.product)
    joined = dict(SegmentMembership.objects.filter(segment_id=f.segment).values_list("shopper_id", "added_at"))
    selections, days = defaultdict(int), defaultdict(set)
    for e in events.values("shopper_id", "product_id", "group", "option", "occurred_at",
                           "shopper__profile__dominant__code"):
        if f.segment and not (e["shopper_id"] in joined and e["occurred_at"] >= joined[e["shopper_id"]]):
            continue
        key = (e["shopper__profile__dominant__code"] or "", e["product_id"], e["group"], e["option"])
        selections[key] += 1
        days[key].add((e["shopper_id"], e["occurred_at"].date()))
    return {key: (n, len(days[key])) for key, n in selections.items()}


def options_in_report(f: Filters) -> dict[tuple, tuple[int, int]]:
    table = top_options(f).tables[0]
    assert table.headers[5:7] == ["Selections", "Shoppers (shopper-days)"]
    return {tuple(r[0:1] + r[2:5]): (r[5], r[6]) for r in table.rows}


def named(found: dict[tuple, tuple[int, int]]) -> dict[tuple, tuple[int, int]]:
    from personalization.reports import _motivations, _product_names

    m, products = _motivations(), _product_names()
    names = _option_names({key[1] for key in found})
    return {(m.name(code), products[p], *names.get((p, g, o), (g, o))): value
            for (code, p, g, o), value in found.items()}


@pytest.mark.parametrize("filters", ["everything", "last week", "product", "segment", "segment and product"])
def test_top_options_equal_the_events(world, filters):
    car, segment = world["car"], world["segment"].pk
    f = {"everything": span(), "last week": span(7), "product": span(product=car.pk),
         "segment": span(segment=segment), "segment and product": span(product=car.pk, segment=segment)}[filters]
    expected = options_from_events(f)
    assert expected  # the filters leave something to compare
    assert options_in_report(f) == named(expected)


def test_top_options_count_shopper_days_and_leave_repairs_out(world):
    found = options_in_report(span())
    assert found[("Status", "Car", "Trim", "Electric")] == (3, 3)  # one shopper on three days
    assert found[("Status", "Car", "Wheels", "18-inch Sport")] == (2, 1)  # twice on one day
    assert Event.objects.filter(option="w17").exists()
    assert not OptionRollup.objects.filter(option="w17").exists()


def test_top_options_follow_the_motivation_of_the_last_refresh(world):
    proud = Event.objects.filter(option="w18").first().shopper
    Profile.objects.filter(shopper=proud).update(dominant=motivations()["sustainability"])
    assert ("Status", "Car", "Wheels", "18-inch Sport") in options_in_report(span())
    refresh()
    assert ("Sustainability", "Car", "Wheels", "18-inch Sport") in options_in_report(span())


# ---------------------------------------------------------------- co-creation depth


def depth_from_events(f: Filters) -> tuple[dict, dict]:
    """The depth report's tallies per (product, band) and per (motivation, band), straight from
    the events, profiles, memberships and orders under the report's definitions: a pair counts on
    its first design day (the shopper, on their first design day of any product), a segment's
    members from when they joined, conversion within the window."""
    designs = defaultdict(list)
    for who, product, when in Event.objects.filter(type__in=DESIGN, product__isnull=False).values_list(
            "shopper_id", "product_id", "occurred_at"):
        designs[(who, product)].append(when)
        designs[(who, None)].append(when)
    joined = dict(SegmentMembership.objects.filter(segment_id=f.segment).values_list("shopper_id", "added_at"))
    profiles = {s: (scores, detail) for s, scores, detail in Profile.objects.values_list(
        "shopper_id", "scores", "depth_detail")}
    orders = list(Order.objects.exclude(status=OrderStatus.CANCELLED).values_list(
        "owner_key", "product_id", "total", "created_at"))
    shares = list(Event.objects.filter(type=EventType.BUILD_SHARED).values_list("shopper_id", "product_id",
                                                                                "occurred_at"))
    by_product, by_motivation = defaultdict(lambda: [0.0] * 5), defaultdict(lambda: [0.0] * 5)
    for (who, product), times in designs.items():
        if f.segment:
            times = [t for t in times if who in joined and t >= joined[who]]
        if not times:
            continue
        day = min(times).date()
        if not f.start <= day <= f.end or (f.product and product not in (f.product, None)):
            continue
        start = _days(Filters(day, day))[0]
        end = start + timedelta(days=CONVERSION_DAYS)
        mine = [float(t) for o, p, t, when in orders if o == who and product in (p, None) and start <= when < end]
        shared = any(s == who and product in (p, None) and start <= when < end for s, p, when in shares)
        scores, detail = profiles.get(who, (None, None))
        outcome = (1.0, float(bool(mine)), float(shared), float(len(mine)), sum(mine))
        if product is not None:
            band = product_band(detail, product)
            if not f.product or product == f.product:
                add(by_product[(product, band)], outcome, 1.0)
            if f.product == product:
                for code, p in probabilities(scores).items():
                    add(by_motivation[(code, band)], outcome, p)
        elif not f.product:
            band = deepest(product_band(detail, p) for s, p in designs if s == who and p is not None)
            for code, p in probabilities(scores).items():
                add(by_motivation[(code, band)], outcome, p)
    return by_product, by_motivation


def add(tally: list[float], outcome: tuple, weight: float) -> None:
    for i, value in enumerate(outcome):
        tally[i] += weight * value


def depth_in_report(f: Filters) -> tuple[dict, dict]:
    """Per table, (name, band): shoppers, ordered, shared and average order value."""
    tables = {t.slug: t for t in cocreation(f).tables}
    return tuple({tuple(r[:2]): (r[2], r[3], r[9], r[7]) for r in tables[slug].rows}
                 for slug in ("by-product", "by-motivation"))


def as_rows(tallies: dict, expected: bool, name) -> dict:
    from personalization.depth_report import BAND_LABELS

    def count(v: float):
        return round(v, 2) if expected else round(v)

    return {(name(key[0]), str(BAND_LABELS[key[1]])): (
        count(t[0]), count(t[1]), count(t[2]), Decimal(f"{t[4] / t[3]:.2f}") if t[3] > 0 else "")
        for key, t in tallies.items() if t[0] > 0}


@pytest.mark.parametrize("filters", ["everything", "last week", "product", "segment", "segment and product"])
def test_the_depth_report_equals_the_events(world, filters):
    from personalization.reports import _motivations, _product_names

    car, segment = world["car"], world["segment"].pk
    f = {"everything": span(), "last week": span(7), "product": span(product=car.pk),
         "segment": span(segment=segment), "segment and product": span(product=car.pk, segment=segment)}[filters]
    by_product, by_motivation = depth_from_events(f)
    assert by_product and by_motivation
    products, m = _product_names(), _motivations()
    found_products, found_motivations = depth_in_report(f)
    assert found_products == as_rows(by_product, False, products.__getitem__)
    assert found_motivations == as_rows(by_motivation, True, m.name)


def test_the_depth_cohorts_and_the_conversion_window(world):
    products, _m = depth_in_report(span())
    # proud first designed the car 50 days ago: their order a day ago is past that day's window;
    # keen's order was cancelled.
    assert products[("Car", "High depth")] == (2, 0, 0, "")
    # green first designed it 40 days ago: shared within the window, ordered after it.
    assert products[("Car", "Medium depth")] == (1, 0, 1, "")
    assert products[("Bike", "Not measured")] == (1, 1, 0, Decimal("80.00"))
    recent = depth_in_report(span(30, product=world["car"].pk))[0]
    assert set(recent) == {("Car", "High depth")}  # keen (day 10); green's cohort day is out of range


def test_a_segment_counts_its_members_from_when_they_joined(world):
    products, _m = depth_in_report(span(segment=world["segment"].pk))
    # green joined 30 days ago: counted from day 5, their first design as a member; proud from day 50.
    assert products[("Car", "Medium depth")] == (1, 1, 1, Decimal("200.00"))
    assert products[("Car", "High depth")] == (1, 0, 0, "")


# ---------------------------------------------------------------- the refresh


def snapshot() -> tuple[list, list]:
    options = sorted(OptionRollup.objects.values_list("day", "product_id", "group", "option", "motivation",
                                                      "segment_id", "selections", "shoppers"), key=str)
    rows = DepthRollup.objects.values_list("day", "product_id", "segment_id", "band", "motivation", "shoppers",
                                           "ordered", "shared", "orders", "revenue")
    depth = sorted((r[:5] + tuple(round(v, 6) for v in r[5:]) for r in rows), key=str)
    return options, depth


def test_the_refresh_is_idempotent(world):
    before = snapshot()
    assert before[0] and before[1]
    refresh()
    refresh()
    assert snapshot() == before


def test_the_periodic_refresh_catches_up_with_what_a_full_refresh_finds(world):
    car = world["car"]
    late = shopper(motivations()["practical"])
    click(late, at(0), car, "sport")
    order(world["keen"], car, "90.00")  # keen first designed 10 days ago: before the periodic refresh's days
    rollups_refresh()  # the periodic one: the last days (and the depth's conversion window) only
    incremental = snapshot()
    OptionRollup.objects.all().delete()
    DepthRollup.objects.all().delete()
    refresh()
    assert snapshot() == incremental


def test_days_outside_the_refresh_keep_their_rows(world):
    old = [row for row in snapshot()[1] if row[0] < at(SINCE_DAYS // 2).date()]
    assert old
    Event.objects.filter(occurred_at__lt=at(SINCE_DAYS // 2)).delete()  # as the retention purge would
    rollups_refresh()
    assert [row for row in snapshot()[1] if row[0] < at(SINCE_DAYS // 2).date()] == old


def test_the_refresh_makes_the_same_queries_for_more_shoppers(car):
    motivations()

    def queries(n: int) -> int:
        for _ in range(n):
            who = shopper(motivations()["status"])
            click(who, at(2), car, "sport")
            order(who, car, "10.00")
        with CaptureQueriesContext(connection) as captured:
            refresh()
        return len(captured)

    assert queries(2) == queries(20)  # no query per shopper, pair or day


@pytest.mark.parametrize(("slug", "table"), [("options", "top-options"), ("depth", "by-product"),
                                             ("depth", "by-motivation")])
def test_the_csv_exports_hold_the_rollup_tables(admin_client, world, slug, table):
    from tests.personalization.test_reports import read_csv

    f = span(segment=world["segment"].pk)
    query = {"table": table, "start": f.start.isoformat(), "end": f.end.isoformat(), "segment": f.segment}
    rows = read_csv(admin_client.get(f"/admin/personalization/reports/{slug}/csv/", query))
    report = top_options(f) if slug == "options" else cocreation(f)
    expected = next(t for t in report.tables if t.slug == table)
    assert rows[0] == expected.headers
    assert rows[1:] == [[str(cell) for cell in row] for row in expected.rows] != []
