"""The first conflict on a fresh studio page, in Chromium: the option says what it really costs,
the repair offer states the new total and the difference, and Cancel is there and works."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import htmx_clicked, open_step


@pytest.mark.browser
def test_the_first_conflict_on_a_fresh_page_can_be_cancelled(demo_catalog, page, browser_problems):
    page.goto("/en/configure/city-car/")  # a fresh page: its address holds no build
    total = page.locator("#price .total")
    before = total.inner_text()
    yellow = page.locator('label[for="o:mirrors:yellow"]')
    # Yellow caps (+€30 over the default white ones) come only with the Electric trim (+€7,500).
    expect(yellow).to_contain_text("+€30.00")
    # Only the open step is priced after a repair: opening this one asks for it (views.studio_step).
    expect(yellow).not_to_contain_text("in total")
    with page.expect_response(lambda r: "/configure/city-car/step/" in r.url and r.status == 200):
        open_step(page, "mirrors")
    expect(yellow).to_contain_text("changes other choices: +€7,530.00 in total")
    after = Decimal(before.strip("€").replace(",", "")) + Decimal("7530")

    with page.expect_response(htmx_clicked):
        yellow.click()
    repair = page.locator("#repair")
    expect(repair).to_be_visible()
    expect(repair).to_contain_text(re.compile(r"Choosing Energetic Yellow will change your trim from Classic to Electric"))
    expect(repair).to_contain_text(f"New total: €{after:,.2f} (+€7,530.00).")
    expect(repair.get_by_role("link", name="Apply")).to_be_focused()
    cancel = repair.get_by_role("link", name="Cancel")
    expect(cancel).to_be_visible()

    with page.expect_response(htmx_clicked):
        cancel.click()
    expect(repair).to_be_hidden()
    expect(page.locator("#o\\:mirrors\\:yellow")).not_to_be_checked()
    expect(page.locator("#o\\:trim\\:classic")).to_be_checked()
    expect(total).to_have_text(before)
    assert browser_problems == []
