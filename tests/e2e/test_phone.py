"""The studio on a phone (390x844, issue #12 §3): in every step of every product, a shopper
clicks an option and still sees the preview and the price (pinned); the open step's first option
is above the fold; every control is a tap target of at least 44 px; the header fits.

With ATELIER_SCREENSHOTS=1 it also writes the README's screenshots into docs/screenshots/
(phone and desktop, a step and the summary); CI leaves them alone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import htmx_answered

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PRODUCTS = ("city-car", "sneaker", "trench-coat")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# What a shopper taps: links, buttons, fields, tabs and an option's label (its whole row).
TAPPABLE = ("a, button, select, summary, input[type=text], input[type=email], .option label")


def in_view(page: Page, selector: str) -> dict:
    """Where `selector` is on screen (its transformed box) and whether all of it is in view."""
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
             return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
                     inside: r.height > 0 && r.top >= -1 && r.bottom <= innerHeight + 1 && r.left >= -1
                             && r.right <= innerWidth + 1}; }""",
        selector,
    )


def small_targets(page: Page) -> list[str]:
    """Visible tap targets in the header and the studio smaller than 44x44 px."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll('.site-header, .studio'))
             .flatMap((root) => Array.from(root.querySelectorAll(selector)))
             .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
             .map((el) => [el, el.getBoundingClientRect()])
             .filter(([el, r]) => r.height < 43.5 || r.width < 43.5)
             .map(([el, r]) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
                              + ` "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        TAPPABLE,
    )


def open_panel(page: Page) -> str:
    return page.locator(".panel:not([hidden])").get_attribute("data-step")


def choose_something(page: Page, step: str) -> None:
    """In the open step, clicks an option not chosen yet (or types a personal text)."""
    panel = page.locator(f"#panel-{step}")
    text = panel.locator("input[type=text]")
    if text.count():
        htmx_answered(page, lambda: text.fill("AB"))
        return
    free = panel.locator(".option--available input:not(:checked)")  # no repair needed
    choice = (free if free.count() else panel.locator(".option input:not(:checked):not([disabled])")).first
    htmx_answered(page, panel.locator(f'label[for="{choice.get_attribute("id")}"]').click)
    apply = page.locator("#repair").get_by_role("link", name="Apply")
    if apply.is_visible():  # the choice needs other changes: take them, as offered
        htmx_answered(page, apply.click)
        expect(apply).to_have_count(0)


def save(page: Page, name: str, *, full_page: bool = False) -> None:
    if os.environ.get("ATELIER_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


@pytest.mark.browser
@pytest.mark.parametrize("product", PRODUCTS)
def test_every_step_on_a_phone_keeps_preview_and_price_in_sight(
    demo_catalog, new_context, product, browser_problems
):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/en/configure/{product}/")
    page.locator("#consent-banner").get_by_role("button", name="Only necessary").click()
    expect(page.locator("#consent-banner button")).to_have_count(0)
    page.reload()  # as the shopper's next page: no banner
    page.wait_for_function("() => document.querySelector('#tabs [role=tab]')")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 60, f"the header takes {header['height']} px"  # one line, not crowded
    assert small_targets(page) == []
    steps = page.locator("#tabs [role=tab]").evaluate_all("tabs => tabs.map(t => t.dataset.step)")
    assert steps[-1] == "summary" and len(steps) >= 7
    for step in steps[:-1]:
        page.evaluate("window.scrollTo(0, 0)")
        page.locator(f"#tab-{step}").click()
        assert open_panel(page) == step
        # A step with options in conflict asks for its prices anew when opened: wait for its answer.
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        first = page.locator(f"#panel-{step} .option label, #panel-{step} input[type=text]").first
        assert in_view(page, f"#panel-{step} fieldset")["top"] < PHONE["height"]
        box = first.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], f"{step}: first option below the fold"
        choose_something(page, step)
        expect(page.locator(f"#panel-{step}")).to_be_visible()
        assert in_view(page, "#preview img")["inside"], f"{step}: the preview is out of sight after a click"
        assert in_view(page, "#price .total")["inside"], f"{step}: the price is out of sight after a click"
        assert small_targets(page) == [], step
    # Scrolled to the end of the page the picture is still there, shrunk, and so is the price.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    shrunk = in_view(page, "#preview img")
    assert shrunk["inside"] and shrunk["height"] < 150, shrunk
    assert in_view(page, "#price .total")["inside"]
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#tab-summary").click()
    expect(page.locator("#overview")).to_be_visible()
    assert small_targets(page) == [], "summary"
    if product == "city-car":
        page.locator(f"#tab-{steps[1]}").click()
        page.evaluate("window.scrollTo(0, 0)")
        save(page, "phone-studio.png")
        page.locator("#tab-summary").click()
        page.evaluate("window.scrollTo(0, 420)")  # scrolled: the picture pinned and shrunk
        page.wait_for_timeout(100)
        save(page, "phone-summary.png")
    assert browser_problems == []


def page_overflow(page: Page) -> list[str]:
    """What sticks out sideways: the page's width beyond the screen's, and the elements to blame
    (a phone browser then scrolls sideways or zooms the whole page out)."""
    return page.evaluate(
        """() => { const width = document.documentElement.clientWidth;
             if (document.scrollingElement.scrollWidth <= width) return [];
             return [`page ${document.scrollingElement.scrollWidth} px wide on a ${width} px screen`].concat(
               Array.from(document.querySelectorAll('body *'))
                 .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest('.tablist'))
                 .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`)); }"""
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", (360, 390))
@pytest.mark.parametrize("language", ("en", "nl"))
def test_narrow_phones_never_scroll_sideways(demo_catalog, new_context, width, language, browser_problems):
    """At 360 and 390 px, in English and Dutch (longer words), the home page, every studio as a
    new shopper first sees it (the consent banner up, steps still to choose) and the pages of
    their own (My designs, My data, Privacy) fit the screen's width, and the header keeps one line."""
    context = new_context(viewport={"width": width, "height": 780}, is_mobile=True, has_touch=True,
                          locale="nl-NL" if language == "nl" else "en-GB")
    page = context.new_page()
    for path in ("", *(f"configure/{product}/" for product in PRODUCTS), "my-designs/", "my-data/", "privacy/"):
        page.goto(f"/{language}/{path}")
        if not path:
            expect(page.locator("#consent-banner")).to_be_visible()
        if path == "my-designs/":  # from here on, a shopper who has said yes (My data lists what it holds)
            page.goto(f"/{language}/")
            page.locator("#consent-banner form button[value=all]").click()
            expect(page.locator("#consent-banner form")).to_have_count(0)
            page.goto(f"/{language}/{path}")
        assert page_overflow(page) == [], path
        assert page.locator(".site-header").bounding_box()["height"] <= 60, f"{path}: the header wraps"
    assert browser_problems == []


@pytest.mark.browser
def test_desktop_screenshots_of_a_step_and_the_summary(demo_catalog, new_context, browser_problems):
    """The desktop layout keeps picture and stepper side by side (and, with ATELIER_SCREENSHOTS=1,
    gives the README its screenshots)."""
    page = new_context(viewport=DESKTOP).new_page()
    page.goto("/en/configure/city-car/?body=island_blue&step=body")
    page.locator("#consent-banner").get_by_role("button", name="Only necessary").click()
    expect(page.locator("#consent-banner button")).to_have_count(0)
    page.reload()
    preview, stepper = page.locator("#preview").bounding_box(), page.locator(".stepper").bounding_box()
    assert stepper["x"] >= preview["x"] + preview["width"]  # side by side
    assert in_view(page, "#preview img")["inside"] and in_view(page, "#price .total")["inside"]
    page.wait_for_function("() => { const i = document.querySelector('#preview img'); return i.complete && i.naturalWidth > 0; }")
    save(page, "desktop-studio-stepper.png")
    page.locator("#tab-summary").click()
    expect(page.locator("#overview")).to_be_visible()
    save(page, "desktop-summary.png", full_page=True)
    assert browser_problems == []


@pytest.mark.browser
@pytest.mark.parametrize("language", ("en", "nl"))
def test_a_saved_design_page_on_a_phone_has_fields_and_buttons_to_tap(demo_catalog, new_context, language,
                                                                        browser_problems):
    """The saved design's page on a phone: the "E-mail me this design" address field is a full
    width field of at least 44 px (it was a bare 20 px input), every control is a tap target, and
    nothing sticks out sideways."""
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/{language}/configure/city-car/")
    page.locator("#consent-banner form button[value=necessary]").click()
    expect(page.locator("#consent-banner form")).to_have_count(0)
    page.locator("#build-name").fill("Weekend car")
    page.locator("#save-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/{language}/designs/[0-9a-f-]{{36}}/$"))
    field = page.locator("#id_design_email").bounding_box()
    assert field["height"] >= 43.5 and field["width"] >= PHONE["width"] * 0.6, field
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('main button, main input[type=email], main .button'))
             .map((el) => [el, el.getBoundingClientRect()]).filter(([el, r]) => r.height < 43.5 || r.width < 43.5)
             .map(([el, r]) => `${el.tagName.toLowerCase()} "${el.textContent.trim()}"`
                              + ` ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []
    assert page_overflow(page) == []
    assert browser_problems == []
