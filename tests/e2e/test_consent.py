"""The consent banner, the Privacy page and My data in Chromium: the banner works from the
keyboard (htmx), the choices made before consent are attached once it is given, GPC keeps
marketing off, and axe-core finds no serious or critical violations on any of these pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import htmx_clicked, open_step

CAR = "/en/configure/city-car/"


def tab_to(page: Page, script: str, *, limit: int = 40) -> None:
    """Presses Tab until `script` (a JS expression over `el`, the focused element) is true."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({script}); }})()"):
            return
    pytest.fail(f"Tab never reached an element where {script}")


def settle(page: Page) -> None:
    """Waits until the browser has no request in flight. The live server shares the test's
    database connection, so the test must not query while the server is answering."""
    page.wait_for_load_state("networkidle")


def consent_posted(response) -> bool:
    return response.url.endswith("/consent/") and response.request.method == "POST"


def cookie(context, name: str) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == name), None)


@pytest.mark.browser
def test_consent_banner_by_keyboard_then_privacy_and_my_data(
    demo_catalog, new_context, screenshot, assert_accessible, browser_problems
):
    from configurator.identity import read_shopper
    from personalization.models import ConsentChange, Event, Shopper

    context = new_context()
    page = context.new_page()

    # 1. A first visit: the banner is there, and a click in the studio stores nothing.
    page.goto(CAR)
    banner = page.locator("#consent-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading", name="Your privacy choices")).to_be_visible()
    open_step(page, "body")
    with page.expect_response(htmx_clicked):
        page.locator('label[for="o:body:island_blue"]').click()
    settle(page)
    assert not Event.objects.exists() and not Shopper.objects.exists()
    assert cookie(context, "atelier_pending")
    assert_accessible(page, "the studio with the consent banner")
    screenshot(page, "consent banner")

    # 2. From the keyboard: open "Choose", tick Analytics, save. htmx swaps in a confirmation,
    #    which takes the focus.
    tab_to(page, "el.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")
    expect(page.locator("#consent-banner details")).to_have_attribute("open", "")
    tab_to(page, "el.id === 'consent-banner-analytics'")
    page.keyboard.press("Space")
    expect(page.locator("#consent-banner-analytics")).to_be_checked()
    assert_accessible(page, "the consent banner with its choices open")
    screenshot(page, "consent banner choose")
    tab_to(page, "el.tagName === 'BUTTON' && el.value === 'custom'")
    with page.expect_response(consent_posted) as posted:
        page.keyboard.press("Enter")
    assert posted.value.status == 200
    expect(banner).to_contain_text("your choices are saved")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'consent-banner'")
    settle(page)
    shopper_id = read_shopper(cookie(context, "atelier_shopper"))
    shopper = Shopper.objects.get(pk=shopper_id)
    assert (shopper.analytics, shopper.personalization, shopper.marketing) == (True, False, False)
    assert ConsentChange.objects.get(shopper=shopper).source == "banner"
    # The click made before consent is now an event of this shopper.
    assert Event.objects.filter(shopper_id=shopper_id, option="island_blue").exists()
    assert cookie(context, "atelier_pending") is None

    # 3. The banner is gone on every page now.
    page.goto("/en/")
    expect(page.locator("#consent-banner")).to_have_count(0)

    # 4. The Privacy page shows the choice and changes it (no JavaScript needed).
    page.get_by_role("link", name="Privacy", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/privacy/$"))
    expect(page.locator("#privacy-analytics")).to_be_checked()
    expect(page.locator("#privacy-personalization")).not_to_be_checked()
    assert_accessible(page, "the Privacy page")
    screenshot(page, "privacy page")
    page.locator("#privacy-personalization").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator(".message--success")).to_contain_text("Your privacy choices are saved.")
    expect(page.locator("#privacy-personalization")).to_be_checked()
    settle(page)
    shopper.refresh_from_db()
    assert shopper.personalization is True
    assert ConsentChange.objects.filter(shopper=shopper).latest("at").source == "privacy"

    # 5. My data: the download is JSON with the shopper's events; erasing needs the box ticked.
    page.get_by_role("link", name="My data", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    assert_accessible(page, "the My data page")
    screenshot(page, "my data page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    assert download.value.suggested_filename == "atelier-my-data.json"
    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Erase my data").click()
    expect(page.locator(".message--success")).to_contain_text("Your data has been erased.")
    settle(page)
    assert not Shopper.objects.filter(pk=shopper_id).exists()
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    assert read_shopper(cookie(context, "atelier_shopper")) not in (None, shopper_id)
    expect(page.locator("#consent-banner")).to_be_visible()  # a new visitor is asked again
    assert_accessible(page, "the My data page after erasure")
    screenshot(page, "my data erased")
    settle(page)
    assert browser_problems == []


@pytest.mark.browser
def test_gpc_keeps_marketing_off_from_the_banner(demo_catalog, new_context, screenshot, browser_problems):
    from configurator.identity import read_shopper
    from personalization.models import Shopper

    context = new_context(extra_http_headers={"Sec-GPC": "1"})
    page = context.new_page()
    page.goto("/en/")
    banner = page.locator("#consent-banner")
    expect(banner).to_contain_text("Global Privacy Control")
    tab_to(page, "el.tagName === 'BUTTON' && el.value === 'all'")
    with page.expect_response(consent_posted):
        page.keyboard.press("Enter")
    expect(banner).to_contain_text("Marketing stays off")
    screenshot(page, "consent banner gpc accepted")
    settle(page)
    shopper = Shopper.objects.get(pk=read_shopper(cookie(context, "atelier_shopper")))
    assert (shopper.analytics, shopper.personalization, shopper.marketing, shopper.gpc) == (True, True, False, True)
    assert browser_problems == []
