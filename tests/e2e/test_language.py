"""The header's language switch in Chromium, for a browser whose own language differs from the
page's: it opens the same page (and the same build) in the chosen language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import htmx_clicked, open_step


def switch_to(page, language: str) -> None:
    page.locator("#language-select").select_option(language)
    with page.expect_navigation():
        page.locator("form.language button[type=submit]").click()


@pytest.mark.browser
@pytest.mark.parametrize(("browser_locale", "start", "chosen", "step_name"), [
    ("nl-NL", "en", "nl", "Uitvoering"),  # a Dutch browser on the English page chooses Nederlands
    ("en-GB", "nl", "en", "Trim"),  # an English browser on the Dutch page chooses English
])
def test_the_switch_opens_the_page_in_the_chosen_language(
    demo_catalog, new_context, browser_problems, browser_locale, start, chosen, step_name
):
    page = new_context(locale=browser_locale).new_page()
    page.goto(f"/{start}/configure/city-car/")
    open_step(page, "wheels")
    with page.expect_response(htmx_clicked):
        page.locator('label[for="o:wheels:r17_aero"]').click()
    expect(page).to_have_url(re.compile(r"wheels=r17_aero"))

    switch_to(page, chosen)

    expect(page).to_have_url(re.compile(rf"/{chosen}/configure/city-car/\?.*wheels=r17_aero"))
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    expect(page.locator("#step-trim legend")).to_contain_text(step_name)
    expect(page.locator("#o\\:wheels\\:r17_aero")).to_be_checked()  # the build came along
    assert browser_problems == []


@pytest.mark.browser
def test_other_pages_switch_too(demo_catalog, new_context):
    page = new_context(locale="en-GB").new_page()
    page.goto("/en/")
    switch_to(page, "nl")
    expect(page).to_have_url(re.compile(r"/nl/$"))
    page.goto("/en/my-designs/")
    switch_to(page, "nl")
    expect(page).to_have_url(re.compile(r"/nl/my-designs/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
