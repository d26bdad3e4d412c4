"""Motivation reports in the admin: staff only, charts with tables, filters and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from configurator.models import Build
from personalization.models import DailyRollup, EventType, Motivation, Segment
from personalization.reports import REPORTS, Filters, _lift_service, kpis, motivation_mix
from personalization.services.rollups import rollups_refresh
from tests.factories import BuildFactory, CampaignFactory, OrderFactory, ProductFactory, UserFactory
from tests.personalization.test_rollups import (
    at,
    event,
    journey,
    member,
    motivations,
    profiled,
    shared_build,
    shopper,
    version_of,
)

SLUGS = list(REPORTS)
LIFT_AVAILABLE = _lift_service() is not None


def url(slug: str = "", csv_: bool = False) -> str:
    if not slug:
        return "/admin/personalization/reports/"
    return f"/admin/personalization/reports/{slug}/{'csv/' if csv_ else ''}"


@pytest.fixture
def data(car):
    m = motivations()
    green, proud = shopper(m["sustainability"]), shopper(m["status"])
    journey(car, green, 1, order_total="120.50", share=True)
    journey(car, proud, 1, order_total="300.00")
    journey(car, proud, 40)
    original = shared_build(car, proud, name="Proud original")
    event(green, EventType.SHARE_VIEWED, at(0), car, build=original)
    remix = BuildFactory(product=car, catalog_version=version_of(car), owner_key=green.pk, remixed_from=original)
    OrderFactory(build=remix, total=Decimal("410.00"), owner_key=green.pk)
    segment = Segment.objects.create(name="Green")
    member(segment, green, since=at(50))  # a member since before the activity
    rollups_refresh(since=timezone.localdate() - timedelta(days=60))
    return {"m": m, "segment": segment, "original": original}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def test_the_admin_index_links_the_reports(admin_client, data):
    page = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/personalization/reports/"' in page
    index = admin_client.get(url())
    assert index.status_code == 200
    for slug in SLUGS:
        assert url(slug) in index.content.decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_report_renders_charts_and_tables_for_staff(admin_client, data, slug):
    response = admin_client.get(url(slug))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<table" in page and "<caption>" in page
    if slug == "lift" and not LIFT_AVAILABLE:
        assert "not available" in page
        return
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img"') >= 1
    assert "<title id=\"chart-0-t\">" in page and "<desc id=\"chart-0-d\">" in page
    assert "No data for these filters." not in page.split("<table", 1)[1].split("</table>", 1)[0] or slug == "lift"


@pytest.mark.parametrize("slug", ["", *SLUGS])
def test_anonymous_visitors_are_sent_to_the_login(client, db, slug):
    response = client.get(url(slug))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("slug", SLUGS)
def test_non_staff_users_get_no_report(client, db, slug):
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url(slug)).status_code == 302
    assert client.get(url(slug, csv_=True)).status_code == 302


def test_staff_without_the_permission_are_refused(client, data):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url("mix")).status_code == 403
    assert client.get(url("mix", csv_=True)).status_code == 403
    assert 'href="/admin/personalization/reports/"' not in client.get("/admin/").content.decode()
    staff.user_permissions.add(Permission.objects.get(codename="view_dailyrollup"))
    client.force_login(staff)
    assert client.get(url("mix")).status_code == 200


def test_unknown_report_is_404(admin_client, db):
    assert admin_client.get(url("nope")).status_code == 404


def test_motivation_mix_csv_has_the_headers_and_rows(admin_client, data, car):
    response = admin_client.get(url("mix", csv_=True), {"table": "by-product"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:6] == ["Product", "Motivation", "Expected shoppers (summed probability, shopper-days)",
                           "Share of shoppers (%)", "95% interval low (%)", "95% interval high (%)"]
    by_motivation = {r[1]: r for r in rows[1:]}
    assert set(by_motivation) == {"Status", "Sustainability"}
    assert by_motivation["Status"][2:4] == ["2.0", "66.7"]  # two days with choices, of three shopper-days
    assert by_motivation["Sustainability"][2:4] == ["1.0", "33.3"]
    assert by_motivation["Status"][0] == str(car)


def test_the_date_range_filter(admin_client, data):
    today = timezone.localdate()
    recent = read_csv(admin_client.get(url("funnel", csv_=True), {"start": (today - timedelta(days=7)).isoformat(),
                                                                     "end": today.isoformat()}))
    everything = read_csv(admin_client.get(url("funnel", csv_=True), {"start": (today - timedelta(days=60)).isoformat()}))
    status = {r[0]: r for r in recent[1:]}["Status"]
    assert status[1:5] == ["1", "1", "0", "1"]
    assert {r[0]: r for r in everything[1:]}["Status"][1] == "2"


def test_the_product_filter(admin_client, data):
    other = ProductFactory()
    rows = read_csv(admin_client.get(url("mix", csv_=True), {"product": other.pk, "table": "by-product"}))
    assert rows[1:] == []
    page = admin_client.get(url("mix"), {"product": other.pk}).content.decode()
    assert "No data for these filters." in page


def test_the_segment_filter(admin_client, data):
    rows = read_csv(admin_client.get(url("kpis", csv_=True), {"segment": data["segment"].pk, "table": "per-motivation"}))
    assert [r[0] for r in rows[1:]] == ["Sustainability"]
    assert rows[1][2:4] == ["1", "120.50"]  # one order, its revenue
    segments = read_csv(admin_client.get(url("kpis", csv_=True), {"table": "per-segment"}))
    assert segments[0][0] == "Segment"
    assert [r[0] for r in segments[1:]] == ["Green"]


def test_invalid_filters_fall_back_to_the_defaults(admin_client, data):
    response = admin_client.get(url("mix"), {"start": "not a date", "product": "999999"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_kpis_per_motivation(admin_client, data):
    rows = {r[0]: r for r in read_csv(admin_client.get(url("kpis", csv_=True)))[1:]}
    status = rows["Status"]
    # configured 2 shopper-days, 1 ordered: 50% conversion, AOV 300.00, no shares
    assert status[1:8] == ["2", "1", "300.00", "50.0", "300.00", "0.0", "0.0"]
    assert rows["Sustainability"][6] == "100.0"  # shared on the one day they configured


def test_top_options_per_motivation(admin_client, data):
    rows = read_csv(admin_client.get(url("options", csv_=True)))
    assert rows[0][:5] == ["Motivation", "Rank", "Product", "Step", "Option"]
    status = [r for r in rows[1:] if r[0] == "Status"]
    assert {r[4] for r in status} == {"Electric", "18-inch Sport"}  # the catalog's names, not codes
    assert status[0][5] == "2"


def test_lineage_credits_the_sharer(admin_client, data):
    rows = read_csv(admin_client.get(url("lineage", csv_=True), {"table": "builds"}))
    assert rows[0][:8] == ["Build", "Share code", "Product", "Sharer's motivation", "Views", "Remixes",
                           "Orders of remixes", "Revenue (EUR)"]
    original = data["original"]
    # A random share code may start with "-": the CSV guards it against formulas like any cell.
    code = f"'{original.share_code}" if original.share_code[0] in "=+-@" else original.share_code
    assert rows[1][:8] == ["Proud original", code, str(original.product), "Status", "1", "1", "1", "410.00"]
    spread = read_csv(admin_client.get(url("lineage", csv_=True), {"table": "by-motivation"}))
    assert spread[1][:6] == ["Status", "1", "1", "1", "1", "410.00"]
    assert not Build.objects.filter(pk=original.pk, remixes__isnull=True).exists()


def test_campaign_lift_lists_each_campaign(admin_client, data):
    CampaignFactory(name="Go green", segment=data["segment"], placement="home_hero", headline_en="Green",
                    headline_nl="Groen", holdout_percent=20)
    page = admin_client.get(url("lift")).content.decode()
    rows = read_csv(admin_client.get(url("lift", csv_=True)))
    if not LIFT_AVAILABLE:
        assert "Campaign lift is not available" in page
        return
    assert "not available" not in page
    assert rows[0][:3] == ["Campaign", "Segment", "Shown"]
    assert rows[1][:4] == ["Go green", "Green", "0", "0"]
    other = Segment.objects.create(name="Other")
    assert read_csv(admin_client.get(url("lift", csv_=True), {"segment": other.pk}))[1:] == []


def test_csv_cells_cannot_become_formulas(admin_client, data):
    Build.objects.filter(pk=data["original"].pk).update(name="=HYPERLINK(1)")
    rows = read_csv(admin_client.get(url("lineage", csv_=True), {"table": "builds"}))
    assert rows[1][0] == "'=HYPERLINK(1)"


# The motivation mix sums probabilities --------------------------------------------------------

def table(report, slug: str) -> list[list]:
    return next(t for t in report.tables if t.slug == slug).rows


def last_week() -> Filters:
    return Filters(start=timezone.localdate() - timedelta(days=7), end=timezone.localdate())


def test_the_mix_counts_a_shopper_by_their_probabilities_not_their_winner(car):
    m = motivations()
    Motivation.objects.create(code="value", name_en="Value", name_nl="Waarde", position=5)
    journey(car, profiled({"status": 0.6, "value": 0.4}, m["status"]), 1)
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = {r[1]: r for r in table(motivation_mix(last_week()), "by-product")}
    assert set(rows) == {"Status", "Value"}
    assert rows["Status"][2:4] == [0.6, 60.0]
    assert rows["Value"][2:4] == [0.4, 40.0]


def test_the_mix_share_has_a_95_percent_wilson_interval(car):
    motivations()
    day = timezone.localdate() - timedelta(days=1)
    DailyRollup.objects.create(day=day, product=car, motivation="", configured=10)
    DailyRollup.objects.create(day=day, product=car, motivation="status", probability=5.0)
    status = {r[1]: r for r in table(motivation_mix(last_week()), "by-product")}["Status"]
    # Wilson, p = 0.5, n = 10: 0.5 ± 1.96·√(0.025 + 0.0096)/1.384 = [0.2366, 0.7634]
    assert status[3:6] == [50.0, 23.7, 76.3]


def test_the_mix_interval_uses_the_products_configuring_shopper_days(car):
    motivations()
    day = timezone.localdate() - timedelta(days=1)
    DailyRollup.objects.create(day=day, product=car, motivation="status", configured=80, probability=90.0)
    DailyRollup.objects.create(day=day, product=car, motivation="practical", configured=20, probability=10.0)
    rows = {r[1]: r for r in table(motivation_mix(last_week()), "by-product")}
    assert rows["Practical"][3:6] == [10.0, 5.5, 17.4]  # Wilson(10, 100)
    assert rows["Status"][3:6] == [90.0, 82.6, 94.5]


def test_the_mix_counts_undetermined_shoppers(car):
    m = motivations()
    journey(car, profiled({"status": 0.4, "practical": 0.35, "sustainability": 0.25}, None, determined=False), 1)
    journey(car, profiled({"status": 0.9, "practical": 0.1}, m["status"]), 1)
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    report = motivation_mix(last_week())
    assert table(report, "undetermined") == [[str(car), 2, 1, 50.0]]
    assert {r[1]: r[2] for r in table(report, "by-product")}["Status"] == 1.3  # the undetermined one counts too


def test_the_mix_chart_draws_the_probability_sums(car):
    m = motivations()
    journey(car, profiled({"status": 0.6, "practical": 0.4}, m["status"]), 1)
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    chart = motivation_mix(last_week()).charts[0]
    assert {s.name: s.values for s in chart.series} == {"Practical": [0.4], "Status": [0.6]}


# The AOV index --------------------------------------------------------------------------------

def orders(product, motivation: str, n: int, revenue: str) -> None:
    DailyRollup.objects.create(day=timezone.localdate() - timedelta(days=1), product=product, motivation=motivation,
                               configured=n, ordered=n, revenue=Decimal(revenue))


def kpi_rows(slug: str) -> dict[str, list]:
    return {r[0]: r for r in table(kpis(last_week()), slug)}


def test_a_motivation_paying_the_product_average_has_an_aov_index_of_100_whatever_it_buys(car):
    motivations()
    sneaker = ProductFactory()
    orders(car, "status", 1, "30000.00")  # only buys cars, at the car's average
    orders(car, "sustainability", 1, "30000.00")
    orders(sneaker, "sustainability", 3, "300.00")  # and cheap sneakers, at theirs
    rows = kpi_rows("per-motivation")
    assert rows["Status"][5] == Decimal("30000.00") and rows["Sustainability"][5] == Decimal("7575.00")
    assert rows["Status"][8] == 100.0
    assert rows["Sustainability"][8] == 100.0


def test_the_aov_index_weights_each_product_by_the_motivations_orders(car):
    motivations()
    sneaker = ProductFactory()
    orders(car, "status", 1, "300.00")
    orders(car, "sustainability", 1, "100.00")  # car average 200: status 150, sustainability 50
    orders(sneaker, "sustainability", 3, "60.00")  # the only sneaker buyers: 100
    rows = kpi_rows("per-motivation")
    assert rows["Status"][8] == 150.0
    assert rows["Sustainability"][8] == 87.5  # (1 × 50 + 3 × 100) / 4


def test_the_aov_table_per_product_and_motivation(car):
    motivations()
    orders(car, "status", 1, "300.00")
    orders(car, "sustainability", 1, "100.00")
    rows = table(kpis(last_week()), "aov-per-product")
    assert rows == [["Status", str(car), 1, Decimal("300.00"), Decimal("200.00"), 150.0],
                    ["Sustainability", str(car), 1, Decimal("100.00"), Decimal("200.00"), 50.0]]


# Segments take membership at the time of the event ---------------------------------------------

def test_segment_kpis_count_a_members_events_from_when_they_joined(car):
    from personalization.services.segments import segment_materialize

    m = motivations()
    buyer = profiled({"status": 1.0}, m["status"])
    journey(car, buyer, 2, order_total="500.00")
    OrderFactory(build=BuildFactory(product=car, catalog_version=version_of(car), owner_key=buyer.pk),
                 total=Decimal("500.00"), owner_key=buyer.pk)
    segment = Segment.objects.create(name="Has ordered", rules={"op": "and", "items": [{"kind": "ordered",
                                                                                         "value": True}]})
    segment_materialize(segment=segment)
    event(buyer, EventType.OPTION_SELECTED, timezone.now(), car, option="electric")  # after joining, no order
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    report = kpis(last_week())
    # 0 of 1 configuring shopper-day: each rate's 95% Wilson interval is 0 to 79.3%.
    assert table(report, "per-segment") == [["Has ordered", 1, 0, Decimal("0.00"), 0.0, Decimal("0.00"), 0.0, 0.0,
                                              "0.0 – 79.3", "0.0 – 79.3", "0.0 – 79.3"]]
    assert any("at the time of the event" in note for note in report.notes)
