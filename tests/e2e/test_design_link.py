""""E-mail me this design" in Chromium: the link from the mail, opened in another browser (a
phone, in Dutch), asks for the address and puts the design in that browser's My designs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_the_mailed_link_opens_the_design_in_another_browser(demo_catalog, new_context, mailoutbox,
                                                             browser_problems):
    first = new_context().new_page()
    first.goto("/en/configure/city-car/")
    first.locator("#consent-banner form button[value=necessary]").click()
    expect(first.locator("#consent-banner form")).to_have_count(0)
    first.locator("#build-name").fill("Weekend car")
    first.locator("#save-form button[type=submit]").click()
    expect(first).to_have_url(re.compile(r"/en/designs/[0-9a-f-]{36}/$"))
    first.get_by_label("Your e-mail address").fill("ann@example.com")
    first.get_by_role("button", name="Send me the link").click()
    expect(first.locator(".messages")).to_contain_text("We are sending the link to")
    link = re.search(r"https?://\S+/designs/open/\S+/", mailoutbox[-1].body).group(0)

    # The mail's link is in the design's language; another browser opens it (its own cookies).
    phone = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                        locale="nl-NL").new_page()
    phone.goto(link.replace("/en/", "/nl/", 1))
    phone.get_by_role("textbox").fill("ann@example.com")
    phone.get_by_role("button", name="Ontwerp openen").click()
    expect(phone).to_have_url(re.compile(r"/nl/designs/[0-9a-f-]{36}/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Weekend car")
    phone.goto("/nl/my-designs/")
    expect(phone.locator("main")).to_contain_text("Weekend car")
    assert browser_problems == []
