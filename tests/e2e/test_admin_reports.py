"""Staff read the motivation reports in Chromium: each report draws its charts (server-rendered
SVG) beside its tables, passes axe-core without serious or critical violations, exports CSV, and
leaves a screenshot in <ATELIER_ARTIFACTS>/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from personalization.models import EventType, Segment
from personalization.reports import REPORTS
from personalization.services.rollups import rollups_refresh
from tests.configurator.conftest import make_car
from tests.factories import BuildFactory, CampaignFactory, OrderFactory
from tests.personalization.test_rollups import (
    at,
    event,
    journey,
    member,
    motivations,
    shared_build,
    shopper,
    version_of,
)


def _activity() -> None:
    """A few weeks of shoppers of three motivations, a shared build that spread, a segment and
    a campaign."""
    car = make_car()
    m = motivations()
    people = [shopper(m[code]) for code in ("status", "status", "sustainability", "practical", "sustainability")]
    for i, person in enumerate(people):
        for days_ago in range(i, 30, 6):
            journey(car, person, days_ago, order_total="900.00" if days_ago % 4 == 0 else None, share=i % 2 == 0)
    original = shared_build(car, people[0], name="Island blue sport")
    for viewer in people[2:]:
        event(viewer, EventType.SHARE_VIEWED, at(1), car, build=original)
    remix = BuildFactory(product=car, catalog_version=version_of(car), owner_key=people[2].pk, remixed_from=original)
    OrderFactory(build=remix, total=Decimal("650.00"), owner_key=people[2].pk)
    segment = Segment.objects.create(name="Green buyers")
    # Segment KPIs count a member's events from the time they joined: members since before the
    # first journey, so the segment-filtered reports show the whole month.
    member(segment, people[2], since=at(35))
    member(segment, people[4], since=at(35))
    CampaignFactory(name="Go green", segment=segment, placement="home_hero", headline_en="Green",
                    headline_nl="Groen")
    rollups_refresh(since=timezone.localdate() - timedelta(days=40))


@pytest.mark.browser
def test_staff_read_every_report(transactional_db, live_server, new_context, screenshot, assert_accessible,
                                 browser_problems, django_user_model):
    _activity()
    django_user_model.objects.create_superuser("analyst", "analyst@example.com", "analyst-password-1")
    page = new_context().new_page()
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("analyst-password-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.locator("#content-main").get_by_role("link", name="Motivation reports").click()
    expect(page).to_have_url(re.compile(r"/admin/personalization/reports/$"))
    assert_accessible(page, "the reports index")

    for slug, (title, _build) in REPORTS.items():
        page.goto(f"/admin/personalization/reports/{slug}/")
        expect(page.locator("#content-main")).to_be_visible()
        charts = page.locator("svg.report-chart")
        assert charts.count() >= 1, f"no chart on the {title} report"
        for chart in charts.all():
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100
            # Drawn: marks (bars, lines or points) inside the plot, not just the frame.
            assert chart.locator("rect, polyline, circle").count() > 0, f"an empty chart on the {title} report"
            assert chart.locator("title").first.text_content()
        tables = page.locator(".report-table table")
        assert tables.count() >= 1
        expect(tables.first.locator("tbody tr").first).to_be_visible()
        assert_accessible(page, f"the {title} report")
        screenshot(page, f"admin report {slug}")

        export = page.locator(".report-table caption a").first.get_attribute("href")
        response = page.request.get(export)
        assert response.ok and response.headers["content-type"].startswith("text/csv")

    # The filters: one product, a short date range, one segment; the page keeps them.
    page.goto("/admin/personalization/reports/funnel/")
    page.get_by_label("Segment").select_option(label="Green buyers")
    page.get_by_label("From").fill((timezone.localdate() - timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"segment=\d+"))
    expect(page.locator(".report-table tbody")).to_contain_text("Sustainability")
    expect(page.locator(".report-table tbody")).not_to_contain_text("Status")
    screenshot(page, "admin report funnel filtered")

    assert browser_problems == []
