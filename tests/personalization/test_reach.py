"""Reach and credit (#16 §2): the channel of each visit to a share page, within consent, once per
visitor and day; what visits led to per channel; credit down chains of remixes; the report and
its CSV; what a sharer sees on their own design's page."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from configurator.identity import Owner, sign_shopper
from configurator.models import Build, Order
from configurator.services import build_remix, build_save, build_share, build_update
from personalization.models import Event, EventType, ReachRollup
from personalization.reach import chain_credit, channel_of
from personalization.reach_report import chains
from personalization.reports import Filters, report_build
from personalization.services.reach import reach_refresh, share_reach
from personalization.stats import wilson_interval
from tests.factories import BuildFactory, OrderFactory
from tests.personalization.conftest import shopper_client
from tests.personalization.test_rollups import at, event, motivations, shared_build, shopper

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- channels (pure)


@pytest.mark.parametrize(("utm", "referrer", "channel"), [
    ("pinterest", "t.co", "pinterest"),  # the UTM source wins over the referrer
    ("Twitter", None, "x"), ("IG", "", "instagram"), ("native", None, "native"), ("embed", None, "embed"),
    (None, "t.co", "x"), (None, "l.facebook.com", "facebook"), (None, "lm.facebook.com", "facebook"),
    (None, "m.facebook.com", "facebook"), (None, "www.pinterest.com", "pinterest"), (None, "nl.pinterest.com", "pinterest"),
    (None, "pinterest.co.uk", "pinterest"), (None, "pin.it", "pinterest"), (None, "wa.me", "whatsapp"),
    (None, "web.whatsapp.com", "whatsapp"), (None, "www.myblog.example", "myblog.example"),
    (None, "", "direct"), (None, None, "direct"), ("", "", "direct"),
    ('"><script>', None, "script"), ("  ", "WWW.Blog.Example", "blog.example"),
])
def test_the_channel_of_a_visit(utm, referrer, channel):
    assert channel_of(utm, referrer) == channel


def test_a_link_on_this_site_is_its_own_channel():
    assert channel_of(None, "atelier.example", "atelier.example") == "site"
    assert channel_of("x", "atelier.example", "atelier.example") == "x"


# ---------------------------------------------------------------- visits, consent


def visit(client: Client, build: Build, query: str = "", referrer: str | None = None) -> None:
    extra = {"HTTP_REFERER": referrer} if referrer else {}
    assert client.get(f"/s/{build.share_code}/{query}", **extra).status_code == 200


def views_of(shopper_id) -> list[dict]:
    return [e.properties for e in Event.objects.filter(shopper_id=shopper_id, type=EventType.SHARE_VIEWED)
            .order_by("id")]


def refresh() -> None:
    today = timezone.localdate()
    reach_refresh(today - timedelta(days=60), today)


def channels(**filters) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in ReachRollup.objects.filter(**filters):
        found[row.channel] = found.get(row.channel, 0) + row.visits
    return found


def test_a_visit_records_its_channel_utm_first_then_referrer_then_direct(car):
    build = shared_build(car, shopper())
    client, visitor = shopper_client()
    visit(client, build, "?utm_source=pinterest&utm_medium=social", referrer="https://t.co/abc")
    visit(client, build, referrer="https://l.facebook.com/l.php?u=secret")
    visit(client, build)
    assert [(v["channel"], v["referrer"]) for v in views_of(visitor)] == [
        ("pinterest", "t.co"), ("facebook", "l.facebook.com"), ("direct", "")]
    assert "secret" not in str(views_of(visitor))  # the site, never the full address


def test_a_visitor_counts_once_a_day_under_the_channel_of_the_first_visit(car):
    build = shared_build(car, shopper())
    someone = shopper()
    for hour, channel in ((9, "x"), (12, "facebook"), (18, "direct")):
        event(someone, EventType.SHARE_VIEWED, at(2, hour), car, build=build, channel=channel)
    event(someone, EventType.SHARE_VIEWED, at(1, 10), car, build=build, channel="whatsapp")
    event(shopper(), EventType.SHARE_VIEWED, at(1, 11), car, build=build, referrer="wa.me")  # no stored channel
    refresh()
    assert channels() == {"x": 1, "whatsapp": 2}
    assert channels(day=timezone.localdate() - timedelta(days=2)) == {"x": 1}


def test_declined_and_personalization_only_visits_carry_no_channel(car):
    build = shared_build(car, shopper())
    declined, declined_id = shopper_client(analytics=False, personalization=False)
    visit(declined, build, "?utm_source=x")
    assert views_of(declined_id) == []
    personal, personal_id = shopper_client(analytics=False, personalization=True)
    visit(personal, build, "?utm_source=x", referrer="https://t.co/")
    assert views_of(personal_id) == [{}]  # a view for the profile; where it came from is analytics
    refresh()
    assert not ReachRollup.objects.exists()


def test_an_undecided_visit_waits_in_the_browser_and_counts_once_analytics_is_allowed(car):
    build = shared_build(car, shopper())
    for analytics, expected in ((True, {"x": 1}), (False, {"x": 1})):  # the second visitor adds nothing
        client = Client()
        visitor = uuid.uuid4()
        client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(visitor)
        visit(client, build, "?utm_source=twitter")
        assert not Event.objects.filter(shopper_id=visitor).exists()  # nothing stored before a decision
        choice = {"choice": "custom", "source": "banner", "personalization": "on"}
        response = client.post("/en/consent/", {**choice, **({"analytics": "on"} if analytics else {})})
        assert response.status_code in (200, 302)
        stored = views_of(visitor)
        assert len(stored) == 1
        assert ("channel" in stored[0]) is analytics and ("referrer" in stored[0]) is analytics
        refresh()
        assert channels() == expected


def test_a_visitor_who_withdrew_analytics_no_longer_counts(car):
    build = shared_build(car, shopper())
    someone = shopper()
    event(someone, EventType.SHARE_VIEWED, at(1), car, build=build, channel="x")
    refresh()
    assert channels() == {"x": 1}
    type(someone).objects.filter(pk=someone.pk).update(analytics=False)
    refresh()
    assert channels() == {}


# ---------------------------------------------------------------- what visits lead to


def remix_of(source: Build, owner_id, *, days_ago: int, hour: int = 14, saved: bool = False) -> Build:
    remix = BuildFactory(product=source.product, catalog_version=source.catalog_version, owner_key=owner_id,
                         remixed_from=source, name="")
    Build.objects.filter(pk=remix.pk).update(created_at=at(days_ago, hour),
                                             saved_at=at(days_ago, hour + 1) if saved else None)
    return Build.objects.get(pk=remix.pk)


def order_of(build: Build, *, days_ago: int, total: str = "250.00", status: str = "received") -> Order:
    order = OrderFactory(build=build, total=Decimal(total), owner_key=build.owner_key, status=status)
    Order.objects.filter(pk=order.pk).update(created_at=at(days_ago, 20))
    return order


def row(channel: str) -> dict:
    rows = ReachRollup.objects.filter(channel=channel)
    return {name: sum(getattr(r, name) for r in rows) for name in
            ("visits", "remixed", "saved", "ordered", "remixes", "orders", "revenue")}


def test_remixes_saves_and_orders_count_for_the_last_visit_before_them(car):
    sharer = shopper()
    build = shared_build(car, sharer)
    fan, casual, shy = shopper(), shopper(), shopper()
    event(fan, EventType.SHARE_VIEWED, at(5, 9), car, build=build, channel="x")
    event(fan, EventType.SHARE_VIEWED, at(3, 9), car, build=build, channel="pinterest")  # the last touch
    remix = remix_of(build, fan.pk, days_ago=3, saved=True)
    order_of(remix, days_ago=2)
    order_of(remix, days_ago=2, total="99.00", status="cancelled")
    edit = BuildFactory(product=car, catalog_version=build.catalog_version, owner_key=fan.pk, remixed_from=build,
                        forked_from=remix)
    order_of(edit, days_ago=1, total="300.00")  # an edit of the remix, ordered: the same visit's
    event(casual, EventType.SHARE_VIEWED, at(4, 9), car, build=build, channel="x")
    remix_of(build, casual.pk, days_ago=4)  # remixed, never saved, never ordered
    remix_of(build, shy.pk, days_ago=2, saved=True)  # no recorded visit (no analytics consent)
    remix_of(build, sharer.pk, days_ago=2)  # the sharer's own remix is no reach
    refresh()
    assert row("pinterest") == {"visits": 1, "remixed": 1, "saved": 1, "ordered": 1, "remixes": 1, "orders": 2,
                                "revenue": Decimal("550.00")}
    assert row("x") == {"visits": 2, "remixed": 1, "saved": 0, "ordered": 0, "remixes": 1, "orders": 0,
                        "revenue": Decimal("0")}
    assert row("") == {"visits": 0, "remixed": 1, "saved": 1, "ordered": 0, "remixes": 1, "orders": 0,
                       "revenue": Decimal("0")}


def test_the_attribution_window_closes_after_30_days(car):
    build = shared_build(car, shopper())
    late = shopper()
    event(late, EventType.SHARE_VIEWED, at(50, 9), car, build=build, channel="x")
    remix = remix_of(build, late.pk, days_ago=10)  # 40 days after the visit
    order_of(remix, days_ago=1)
    refresh()
    assert row("x")["remixed"] == 0 and row("")["remixes"] == 1


def test_refreshing_twice_gives_the_same_rows(car):
    build = shared_build(car, shopper())
    fan = shopper()
    event(fan, EventType.SHARE_VIEWED, at(1, 9), car, build=build, channel="x")
    remix_of(build, fan.pk, days_ago=1)
    refresh()
    first = list(ReachRollup.objects.values("day", "share", "channel", "visits", "remixed"))
    refresh()
    assert list(ReachRollup.objects.values("day", "share", "channel", "visits", "remixed")) == first


# ---------------------------------------------------------------- credit down a chain


def test_chain_credit_is_full_for_the_source_and_halves_up_the_chain():
    assert chain_credit(["b", "a"]) == [("b", 1.0), ("a", 0.5)]
    assert chain_credit(["d", "c", "b", "a"]) == [("d", 1.0), ("c", 0.5), ("b", 0.25), ("a", 0.125)]
    assert chain_credit(["b", "a", "b", "a"]) == [("b", 1.0), ("a", 0.5)]  # a loop stops where it repeats
    assert len(chain_credit(range(100))) == 20


def test_orders_of_remixes_of_remixes_credit_the_whole_chain(car):
    original = shared_build(car, shopper(), name="Original")
    second = shared_build(car, shopper(), name="Second", remixed_from=original)
    third = shared_build(car, shopper(), name="Third", remixed_from=second)
    credit = chains({third.pk: (2, 1), second.pk: (1, 0), original.pk: (0, 0)})
    assert credit[third.pk].orders == 1 and credit[third.pk].remixes == 2
    assert credit[second.pk].orders == 0.5 and credit[second.pk].remixes == 1 + 1.0
    assert credit[original.pk].orders == 0.25 and credit[original.pk].remixes == 0.5 + 0.5
    assert credit[original.pk].chain_orders == 1 and credit[third.pk].chain_orders == 0


# ---------------------------------------------------------------- the report


@pytest.fixture
def reach_world(car):
    """A sharer of each of two motivations; visits from X and Pinterest; a remix of a remix."""
    m = motivations()
    proud, green = shopper(m["status"]), shopper(m["sustainability"])
    original = shared_build(car, proud, name="=Original")  # a name a spreadsheet would run
    visitors = [green, *[shopper() for _ in range(5)]]  # the first remixes and shares her remix
    for i, v in enumerate(visitors[:4]):
        event(v, EventType.SHARE_VIEWED, at(3, 9), car, build=original, channel="x" if i < 3 else "pinterest")
    bob = remix_of(original, visitors[0].pk, days_ago=3, saved=True)
    order_of(bob, days_ago=2, total="100.00")
    remix_of(original, visitors[3].pk, days_ago=3)
    Build.objects.filter(pk=bob.pk).update(status="shared", shared_at=at(2, 8))
    bob.refresh_from_db()
    event(visitors[4], EventType.SHARE_VIEWED, at(2, 9), car, build=bob, channel="x")
    carol = remix_of(bob, visitors[4].pk, days_ago=2, saved=True)
    order_of(carol, days_ago=1, total="400.00")
    refresh()
    return {"original": original, "bob": bob, "carol": carol, "m": m}


def table(report, slug: str) -> list[dict]:
    found = next(t for t in report.tables if t.slug == slug)
    return [dict(zip(found.headers, r, strict=True)) for r in found.rows]


def test_the_report_per_channel_with_rates_and_intervals(reach_world, english):
    report = report_build(slug="reach", filters=Filters.default())
    x = next(r for r in table(report, "by-channel") if r["Channel"] == "X")
    assert (x["Visits"], x["Visits with a remix"], x["… and the remix saved"], x["Visits with an order"]) == (4, 2, 2, 2)
    low, high = wilson_interval(2, 4)
    assert (x["Order rate (%)"], x["Order rate 95% low (%)"], x["Order rate 95% high (%)"]) == (
        50.0, round(100 * low, 2), round(100 * high, 2))
    assert x["Orders"] == 2 and x["Revenue (EUR)"] == Decimal("500.00")
    pin = next(r for r in table(report, "by-channel") if r["Channel"] == "Pinterest")
    assert (pin["Visits"], pin["Visits with a remix"], pin["… and the remix saved"], pin["Visits with an order"]) == (
        1, 1, 0, 0)
    per_product = table(report, "by-channel-product")
    assert {(r["Channel"], r["Product"], r["Visits"]) for r in per_product} == {("X", "Car", 4), ("Pinterest", "Car", 1)}


def test_the_report_per_motivation_and_top_designs_credit_the_chain(reach_world, english):
    report = report_build(slug="reach", filters=Filters.default())
    motivation = {r["Sharer's motivation"]: r for r in table(report, "by-motivation")}
    assert motivation["Status"]["Credited orders (whole chain)"] == 1.5  # its remix's order, half of the next
    assert motivation["Sustainability"]["Credited orders (whole chain)"] == 1.0
    top = table(report, "top-designs")
    assert [r["Design"] for r in top] == ["=Original", str(reach_world["bob"].pk)[:8]]
    first = top[0]
    assert (first["Orders of its remixes"], first["Orders further down the chain"],
            first["Credited orders (whole chain)"]) == (1, 1, 1.5)
    assert any("half" not in note and "0.5" in note for note in report.notes)  # the split is written out


def test_the_report_exports_csv_like_the_others(reach_world, admin_client, english):
    response = admin_client.get("/admin/personalization/reports/reach/csv/?table=top-designs")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="atelier-reach-top-designs.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Design", "Share code", "Product"]
    assert rows[1][0] == "'=Original"  # not a formula
    page = admin_client.get("/admin/personalization/reports/reach/")
    assert page.status_code == 200 and b"Reach per channel" in page.content


def test_the_report_is_in_dutch_too(reach_world):
    from django.utils import translation

    with translation.override("nl"):
        report = report_build(slug="reach", filters=Filters.default())
    assert report.title == "Bereik en toekenning"
    assert "Kanaal" in next(t for t in report.tables if t.slug == "by-channel").headers


# ---------------------------------------------------------------- the sharer's own counts


def test_the_sharer_sees_how_many_opened_remixed_and_ordered(car):
    owner_client, owner_id = shopper_client()
    owner = Owner(owner_id, None)
    build = build_share(build=build_save(product=car, selections={}, owner=owner, name="Mine"), owner=owner)
    fans = [shopper_client() for _ in range(3)]
    for client, _id in fans:
        visit(client, build)
        visit(client, build)  # people, not views
    shy, _shy_id = shopper_client(analytics=False, personalization=False)
    visit(shy, build)
    remix = build_remix(source=build, owner=Owner(fans[0][1], None))
    remix = build_share(build=build_update(build=remix, owner=Owner(fans[0][1], None), name="Theirs"),
                        owner=Owner(fans[0][1], None))
    OrderFactory(build=remix, owner_key=fans[0][1])
    further = build_remix(source=remix, owner=Owner(fans[1][1], None))
    OrderFactory(build=further, owner_key=fans[1][1])
    assert share_reach(build=build) == type(share_reach(build=build))(3, 1, 1, 1, 1)
    html = owner_client.get(f"/en/designs/{build.pk}/").content.decode()
    assert "Opened by" in html and "3 people" in html and "Remixed by" in html and "1 person" in html
    assert "1 order" in html and "1 more remixes and 1 more orders" in html
    for _client, visitor in fans:
        assert str(visitor) not in html
    assert fans[0][0].get(f"/en/designs/{build.pk}/").status_code == 404  # only the sharer


def test_an_unshared_design_shows_no_counts(car):
    client, owner_id = shopper_client()
    build = build_save(product=car, selections={}, owner=Owner(owner_id, None))
    assert "What your share did" not in client.get(f"/en/designs/{build.pk}/").content.decode()
