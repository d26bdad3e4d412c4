"""Co-creation depth: the pure core (a build, a shopper's events, the simulator's boost) and the
depth report over shoppers made through the ORM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_catalog
from configurator.engine.synthetic import synthetic_snapshot
from personalization.depth import (
    BuildDepth,
    band_of,
    build_depth,
    depth_score,
    order_boost,
    shopper_depth,
)
from personalization.depth_report import cocreation, probabilities
from personalization.models import ConsentChange, EventType, Profile, Segment, SegmentMembership
from personalization.reports import Filters
from personalization.services.rollups import rollups_refresh
from personalization.stats import wilson_interval
from tests.factories import BuildFactory, OrderFactory
from tests.personalization.test_rollups import at, event, motivations, shopper, version_of

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)
T0 = datetime(2025, 6, 1, 12, tzinfo=UTC)


# ---------------------------------------------------------------- a build


@pytest.fixture(scope="module")
def cat():
    """Four single-choice steps (default o0), one multiple-choice step (no default) and a badge."""
    snapshot = synthetic_snapshot(groups=5, options=3, rules=0)
    snapshot["groups"].append({
        "code": "badge", "name": {"en": "Badge"}, "kind": "text", "required": False, "default": None, "min": 0,
        "max": None, "options": [], "text": {"max_length": 8, "pattern": "[A-Z ]", "price_per_char": "0",
                                             "flat_price": "0", "font": "", "box": [0, 0, 10, 10],
                                             "colour": "#000", "z": 1}})
    return compile_catalog(snapshot)


def test_a_default_build_has_no_depth(cat):
    assert build_depth(cat, {}) == BuildDepth(0, 0, 0.0, 0, 0, 0.0, "low")


def test_a_build_counts_the_steps_that_differ_from_the_defaults(cat):
    assert build_depth(cat, {"g0": "o1", "g1": "o2", "g4": ["o1"]}).steps == 3


def test_choosing_the_default_explicitly_is_no_change(cat):
    assert build_depth(cat, {"g0": "o0", "g1": "o0", "g4": []}).steps == 0


def test_personal_text_is_worth_two_steps(cat):
    with_text = build_depth(cat, {"badge": "ANN"})
    assert (with_text.texts, with_text.depth) == (1, 2.0)


def test_a_remix_with_time_and_repairs_adds_their_points(cat):
    built = build_depth(cat, {"g0": "o1"}, remix=True, minutes=8, repairs=2)
    assert built.depth == 1 + 8 / 4 + 1 + 2 * 0.5


def test_design_time_counts_up_to_twenty_minutes(cat):
    assert build_depth(cat, {}, minutes=60).depth == build_depth(cat, {}, minutes=20).depth == 5.0


@pytest.mark.parametrize("selections", [None, 7, "g0", [], {"g0": 5}, {"nope": "o1"}, {"g4": "o1"}])
def test_unreadable_selections_count_as_the_defaults(cat, selections):
    assert build_depth(cat, selections).steps == 0


def test_a_build_without_a_catalog_still_gets_a_depth():
    assert build_depth(None, {"g0": "o1"}, remix=True).depth == 1.0


@pytest.mark.parametrize(("depth", "band"), [(0, "low"), (2.99, "low"), (3, "medium"), (7.99, "medium"),
                                             (8, "high"), (40, "high"), (float("nan"), "low"), ("x", "low")])
def test_bands_have_fixed_cut_points(depth, band):
    assert band_of(depth) == band


def test_the_score_ignores_negative_and_unreadable_parts():
    assert depth_score(steps=-3, texts="two", minutes=float("inf"), remixes=None, repairs=2) == 1.0


# ---------------------------------------------------------------- a shopper's events


def click(id_, group="trim", option="sport", *, minutes=0.0, product=1, auto=False, type_="option_selected"):
    properties = {"previous": [], "delta": "0", "price": "0", "cheapest": False, "version": 1}
    if auto:
        properties["auto"] = True
    return {"id": id_, "type": type_, "occurred_at": T0 + timedelta(minutes=minutes), "product": product,
            "group": group, "option": option, "properties": properties}


def text(id_, *, cleared=False, minutes=0.0, product=1, group="badge"):
    return {"id": id_, "type": "text_personalized", "occurred_at": T0 + timedelta(minutes=minutes),
            "product": product, "group": group, "option": "", "properties": {"length": 0 if cleared else 3,
                                                                            "cleared": cleared}}


def other(id_, type_, *, minutes=0.0, product=1, build=None):
    return {"id": id_, "type": type_, "occurred_at": T0 + timedelta(minutes=minutes), "product": product,
            "group": "", "option": "", "build": build, "properties": {}}


def test_steps_are_the_distinct_steps_the_shopper_clicked():
    events = [click(1, "trim", "sport"), click(2, "trim", "electric"), click(3, "packs", "tech", type_="option_removed")]
    assert shopper_depth(events).per_product[1]["steps"] == 2


def test_a_repair_is_not_a_step_but_an_accepted_repair():
    events = [click(1, "trim", "sport"), click(2, "wheels", "w17", auto=True), click(3, "packs", "x", auto=True)]
    detail = shopper_depth(events).per_product[1]
    assert (detail["steps"], detail["repairs"]) == (1, 1)  # two auto events at one moment: one repair


def test_repairs_at_different_moments_count_apart():
    events = [click(1, "wheels", "w17", auto=True), click(2, "wheels", "w16", auto=True, minutes=1)]
    assert shopper_depth(events).per_product[1]["repairs"] == 2


def test_personal_text_counts_when_it_is_left_filled():
    assert shopper_depth([text(1), text(2, minutes=1)]).per_product[1]["texts"] == 1


def test_personal_text_cleared_at_the_end_does_not_count():
    assert shopper_depth([text(1), text(2, cleared=True, minutes=1)]).per_product[1]["texts"] == 0


def test_the_last_text_is_the_latest_in_time_not_in_the_list():
    assert shopper_depth([text(2, cleared=True, minutes=1), text(1)]).per_product[1]["texts"] == 0


def test_design_time_caps_each_gap_at_five_minutes():
    events = [click(1, minutes=0), click(2, "wheels", minutes=2), click(3, "packs", minutes=62)]
    assert shopper_depth(events).per_product[1]["minutes"] == 7.0


def test_events_that_are_not_design_do_not_time_the_design():
    events = [click(1, minutes=0), other(2, "order_placed", minutes=4), other(3, "build_shared", minutes=8)]
    assert shopper_depth(events).per_product[1]["minutes"] == 0.0


def test_remixes_made_count_once_per_build():
    events = [other(1, "build_remixed", build="a"), other(2, "build_remixed", build="a"),
              other(3, "build_remixed", build="b")]
    assert shopper_depth(events).per_product[1]["remixes"] == 2


def test_the_shoppers_depth_is_their_deepest_products():
    events = [click(1, product=1), click(2, "trim", product=2), click(3, "wheels", product=2), text(4, product=2)]
    found = shopper_depth(events)
    assert (found.per_product[1]["depth"], found.per_product[2]["depth"]) == (1.0, 4.0)
    assert (found.depth, found.band) == (4.0, "medium")


def test_a_shopper_who_designed_nothing_has_no_band():
    assert shopper_depth([other(1, "share_viewed"), other(2, "order_placed")]) == shopper_depth([])
    assert shopper_depth([]).band == ""


def test_a_replayed_event_counts_once():
    assert shopper_depth([text(1), text(1)]).per_product[1]["texts"] == 1


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
ODD_EVENT = st.fixed_dictionaries({}, optional={
    "id": st.integers(-2, 5) | JUNK, "type": st.sampled_from(["option_selected", "option_removed",
                                                              "text_personalized", "build_remixed", "x"]) | JUNK,
    "occurred_at": st.datetimes(timezones=st.just(UTC)) | st.datetimes() | st.text(max_size=20) | JUNK,
    "product": st.integers(-1, 3) | JUNK, "group": st.text(max_size=3) | JUNK, "option": JUNK,
    "build": JUNK, "properties": st.dictionaries(st.sampled_from(["auto", "cleared", "previous"]), JUNK) | JUNK,
})


@SETTINGS
@given(st.lists(ODD_EVENT | JUNK, max_size=12) | JUNK)
def test_odd_input_never_raises(events):
    found = shopper_depth(events)
    assert found.depth >= 0 and found.band in ("", "low", "medium", "high")


def well_formed():
    return st.builds(
        lambda kind, group, minutes, product, auto, cleared: (kind, group, minutes, product, auto, cleared),
        st.sampled_from(["option_selected", "option_removed", "text_personalized", "build_remixed", "build_saved",
                         "build_shared"]),
        st.sampled_from(["trim", "wheels", "packs", "badge"]), st.integers(0, 90), st.integers(1, 3),
        st.booleans(), st.booleans())


def materialize(specs) -> list[dict]:
    events = []
    for id_, (kind, group, minutes, product, auto, cleared) in enumerate(specs, start=1):
        if kind == "text_personalized":
            events.append(text(id_, cleared=cleared, minutes=minutes, product=product, group=group))
        elif kind.startswith("option_"):
            events.append(click(id_, group, "x", minutes=minutes, product=product, auto=auto, type_=kind))
        else:
            events.append(other(id_, kind, minutes=minutes, product=product, build=str(id_ % 3)))
    return events


@SETTINGS
@given(st.lists(well_formed(), max_size=15), st.randoms(use_true_random=False))
def test_the_order_of_the_events_does_not_matter(specs, rng):
    events = materialize(specs)
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert shopper_depth(shuffled) == shopper_depth(events)


@SETTINGS
@given(st.lists(well_formed(), max_size=15), st.integers(0, 90), st.integers(1, 3), st.text(min_size=1, max_size=4))
def test_changing_one_more_step_never_lowers_depth(specs, minutes, product, step):
    events = materialize(specs)
    before = shopper_depth(events)
    after = shopper_depth([*events, click(10_000, f"new-{step}", minutes=minutes, product=product)])
    assert after.depth >= before.depth
    assert after.per_product[product]["depth"] >= before.per_product.get(product, {"depth": 0.0})["depth"]


# ---------------------------------------------------------------- the simulator's boost


@pytest.mark.parametrize(("depth", "boost"), [(0, 0.6), (3, 0.9), (8, 1.4), (10, 1.6), (50, 1.6),
                                              (-4, 0.6), (float("nan"), 0.6), (None, 0.6)])
def test_order_boost_rises_with_depth_within_bounds(depth, boost):
    assert order_boost(depth) == pytest.approx(boost)


@SETTINGS
@given(st.floats(0, 100), st.floats(0, 100))
def test_order_boost_never_falls_as_depth_grows(a, b):
    low, high = sorted((a, b))
    assert order_boost(low) <= order_boost(high)


def test_probabilities_are_renormalized_and_default_to_undetermined():
    assert probabilities({"status": 3, "value": 1, "odd": "x", "neg": -1}) == {"status": 0.75, "value": 0.25}
    assert probabilities(None) == {"": 1.0}


# ---------------------------------------------------------------- the report


def builder(car, band: str | None, *, scores: dict | None = None, days_ago: int = 1, shares: bool = False,
            order: str | None = None, status: str = "placed"):
    """A shopper who designed the car `days_ago` days ago, with that depth band in their profile."""
    who = shopper()
    detail = {} if band is None else {str(car.pk): {"steps": 1, "depth": 1.0, "band": band}}
    Profile.objects.create(shopper=who, scores=scores or {}, depth_detail=detail, depth_band=band or "")
    event(who, EventType.OPTION_SELECTED, at(days_ago), car, option="sport")
    if shares:
        event(who, EventType.BUILD_SHARED, at(days_ago), car)
    if order is not None:
        build = BuildFactory(product=car, catalog_version=version_of(car), owner_key=who.pk, status="ordered")
        OrderFactory(build=build, total=Decimal(order), owner_key=who.pk, status=status)
    return who


def last_week(**kwargs) -> Filters:
    today = at(0).date()
    return Filters(start=today - timedelta(days=7), end=today, **kwargs)


def report(f: Filters):
    """The report after a rollup refresh of the weeks the tests write (it reads the rollup)."""
    rollups_refresh(since=at(40).date())
    return cocreation(f)


def rows(report, slug: str) -> dict[tuple[str, str], dict]:
    table = next(t for t in report.tables if t.slug == slug)
    return {(r[0], r[1]): dict(zip(table.headers, r, strict=True)) for r in table.rows}


def test_conversion_per_band_has_a_wilson_interval(car):
    builder(car, "high", order="300.00")
    builder(car, "high")
    row = rows(report(last_week()), "by-product")[("Car", "High depth")]
    low, high = wilson_interval(1, 2)
    assert (row["Shoppers"], row["Ordered"], row["Conversion rate (%)"]) == (2, 1, 50.0)
    assert (row["Conversion 95% low (%)"], row["Conversion 95% high (%)"]) == (round(100 * low, 1), round(100 * high, 1))


def test_the_order_value_index_compares_a_band_with_all_the_products_orders(car):
    builder(car, "high", order="300.00")
    builder(car, "low", order="100.00")
    found = rows(report(last_week()), "by-product")
    assert found[("Car", "High depth")]["Order value index"] == 150.0
    assert found[("Car", "Low depth")]["Order value index"] == 50.0
    assert found[("Car", "High depth")]["Average order value (EUR)"] == Decimal("300.00")


def test_cancelled_orders_are_not_conversions(car):
    builder(car, "medium", order="200.00", status="cancelled")
    row = rows(report(last_week()), "by-product")[("Car", "Medium depth")]
    assert (row["Ordered"], row["Average order value (EUR)"]) == (0, "")


def test_share_rate_counts_the_shoppers_who_shared(car):
    builder(car, "low", shares=True)
    builder(car, "low")
    builder(car, "low")
    row = rows(report(last_week()), "by-product")[("Car", "Low depth")]
    assert (row["Shared"], row["Share rate (%)"]) == (1, 33.3)


def test_a_product_without_depth_in_the_profile_is_not_measured(car):
    builder(car, None)
    assert ("Car", "Not measured") in rows(report(last_week()), "by-product")


def test_shoppers_outside_the_date_range_do_not_count(car):
    builder(car, "high", days_ago=30)
    assert rows(report(last_week()), "by-product") == {}


def test_the_segment_filter_keeps_its_members_only(car):
    member = builder(car, "high")
    builder(car, "low")
    segment = Segment.objects.create(name="Deep")
    # Membership at the time of the event: a member since before they designed.
    SegmentMembership.objects.filter(pk=SegmentMembership.objects.create(segment=segment, shopper=member).pk).update(
        added_at=at(10))
    assert set(rows(report(last_week(segment=segment.pk)), "by-product")) == {("Car", "High depth")}


def test_per_motivation_each_shopper_counts_with_their_probability(car):
    motivations()
    builder(car, "high", scores={"status": 0.75, "practical": 0.25}, order="300.00")
    builder(car, "high", scores={"status": 1.0})
    found = rows(report(last_week()), "by-motivation")
    status, practical = found[("Status", "High depth")], found[("Practical", "High depth")]
    assert (status["Shoppers (expected)"], status["Ordered (expected)"]) == (1.75, 0.75)
    assert (practical["Shoppers (expected)"], practical["Ordered (expected)"]) == (0.25, 0.25)
    assert status["Conversion rate (%)"] == round(100 * 0.75 / 1.75, 1)


def test_the_conversion_chart_has_a_bar_per_band(car):
    builder(car, "high", order="300.00")
    builder(car, "low")
    chart = report(last_week()).charts[0]
    assert chart.kind == "bar" and chart.categories == ["Car"]
    assert {s.name: s.values for s in chart.series} == {"Low depth": [0.0], "High depth": [100.0]}


def test_the_report_says_when_its_depth_effect_is_simulated(car):
    who = builder(car, "high")
    assert not any("simulated" in note for note in report(last_week()).notes)
    ConsentChange.objects.create(shopper=who, analytics=True, personalization=True, source="simulated")
    assert any("simulated" in note for note in report(last_week()).notes)


def test_the_report_says_motivation_counts_are_expected_counts(car):
    assert any("expected counts" in note for note in report(last_week()).notes)


def test_the_report_renders_in_the_admin_with_its_charts(admin_client, car, monkeypatch):
    from personalization.reports import REPORTS

    monkeypatch.setitem(REPORTS, "depth", ("Co-creation depth", cocreation))
    builder(car, "high", order="300.00")
    rollups_refresh(since=at(40).date())  # the report reads the rollup
    page = admin_client.get("/admin/personalization/reports/depth/").content.decode()
    assert "Co-creation depth per product" in page and "High depth" in page
    assert page.count('class="report-chart" role="img"') == 2
