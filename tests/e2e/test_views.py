"""Views and zoom in Chromium (#12 §1): the thumbnails show another view large, a click keeps
that view and redraws it, and the zoom dialog opens and closes with the keyboard, focus going
back to where it was. Without JavaScript a thumbnail is a link that still works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import htmx_clicked

CAR = "/en/configure/city-car/"


def loaded(page, selector: str) -> bool:
    return page.evaluate("(s) => { const i = document.querySelector(s); return i.complete && i.naturalWidth > 0; }",
                         selector)


@pytest.mark.browser
def test_thumbnails_show_another_view_and_a_click_redraws_it(demo_catalog, page, browser_problems):
    page.goto(CAR)
    large = page.locator("#view-large")
    expect(large).to_have_attribute("src", re.compile(r"/preview/\d+/[0-9a-f]+\.jpg\?"))
    thumbs = page.locator("#view-bar .view-thumb")
    expect(thumbs).to_have_count(2)
    expect(thumbs.nth(0)).to_have_attribute("aria-current", "true")

    address = page.url
    thumbs.nth(1).click()
    expect(large).to_have_attribute("src", re.compile(r"/front\.jpg\?"))
    expect(thumbs.nth(1)).to_have_attribute("aria-current", "true")
    expect(thumbs.nth(0)).not_to_have_attribute("aria-current", "true")
    assert page.url == address  # no page load
    page.wait_for_function("() => document.getElementById('view-large').naturalWidth > 0")

    option = page.locator('label[for="o:trim:electric"]')
    with page.expect_response(htmx_clicked):
        option.click()
    expect(large).to_have_attribute("src", re.compile(r"/front\.jpg\?.*trim=electric"))
    expect(page.locator("#view-bar .view-thumb").nth(1)).to_have_attribute("aria-current", "true")
    # The redrawn picture loads (a wait that fails the test when it never does)
    page.wait_for_function("() => { const i = document.getElementById('view-large');"
                           " return i.complete && i.naturalWidth > 0 && /trim=electric/.test(i.currentSrc); }")
    assert not browser_problems


@pytest.mark.browser
def test_the_zoom_opens_and_closes_with_the_keyboard(demo_catalog, page, browser_problems, assert_accessible):
    page.goto(CAR)
    zoom_link = page.get_by_role("link", name="Zoom in")
    dialog = page.locator("#zoom")
    expect(dialog).to_be_hidden()

    zoom_link.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    image = page.locator("#zoom-image")
    expect(image).to_have_attribute("src", re.compile(r"/preview/\d+/[0-9a-f]+/side/zoom\.jpg\?"))
    page.wait_for_function("() => document.getElementById('zoom-image').naturalWidth == 1600")  # twice the size
    # Pinch zoom stays on for the enlarged picture ("manipulation" is pan-x pan-y pinch-zoom).
    touch = page.evaluate("() => getComputedStyle(document.querySelector('.zoom-frame')).touchAction")
    assert touch == "manipulation" or "pinch-zoom" in touch
    assert_accessible(page, "the zoom dialog")
    page.keyboard.press("Shift+Tab")  # to the picture's frame: Enter doubles the picture
    expect(page.locator(".zoom-frame")).to_be_focused()
    page.keyboard.press("Enter")
    expect(image).to_have_class(re.compile("zoomed"))

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(zoom_link).to_be_focused()

    page.locator("#view-large").click()  # a click on the picture opens it too; Close shuts it
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert not browser_problems


@pytest.mark.browser
def test_the_zoom_shows_the_view_chosen(demo_catalog, page):
    page.goto("/en/configure/trench-coat/")
    page.locator("#view-bar .view-thumb", has_text="Lining and label").click()
    page.get_by_role("link", name="Zoom in").click()
    expect(page.locator("#zoom-image")).to_have_attribute("src", re.compile(r"/detail/zoom\.jpg\?"))
    page.wait_for_function("() => document.getElementById('zoom-image').naturalWidth > 0")
    shown = page.evaluate("() => [document.getElementById('view-large').naturalWidth,"
                          " document.getElementById('zoom-image').naturalWidth]")
    assert shown[1] == 2 * shown[0]  # the enlarged picture is drawn at twice the size
    page.locator("#zoom-image").click()  # a click on the enlarged picture doubles it
    expect(page.locator("#zoom-image")).to_have_class(re.compile("zoomed"))


@pytest.mark.browser
def test_without_javascript_a_thumbnail_is_a_link_to_that_view(demo_catalog, new_context, browser_problems):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{CAR}?body=island_blue")
    page.locator("#view-bar .view-thumb", has_text="Front").click()
    expect(page).to_have_url(re.compile(r"view=front"))
    expect(page.locator("#view-large")).to_have_attribute("src", re.compile(r"/front\.jpg\?.*body=island_blue"))
    # The design in that view is drawn when it is opened (the thumbnail showed the starting build):
    # a wait that fails the test when the picture never loads.
    page.wait_for_load_state("load")  # the page's load event waits for its pictures (no script runs here)
    assert loaded(page, "#view-large")
    assert not browser_problems


@pytest.mark.browser
def test_the_zoom_shows_the_build_on_screen_after_a_click(demo_catalog, page, browser_problems):
    """The dialog is not part of a click's answer: opened after a click it shows the new build."""
    page.goto(CAR + "?step=body")
    with page.expect_response(htmx_clicked):
        page.locator('label[for="o:body:island_blue"]').click()
    expect(page.locator("#view-large")).to_have_attribute("src", re.compile(r"body=island_blue"))
    page.get_by_role("link", name="Zoom in").click()
    image = page.locator("#zoom-image")
    expect(image).to_have_attribute("src", re.compile(r"/side/zoom\.jpg\?.*body=island_blue"))
    assert "Island Blue" in image.get_attribute("alt")
    page.wait_for_function("() => document.getElementById('zoom-image').naturalWidth == 1600")
    assert not browser_problems
