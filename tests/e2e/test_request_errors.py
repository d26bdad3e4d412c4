"""A click the server refuses (429 over a limit, 503 while the database restarts) or that never
reaches it: htmx swaps nothing then, so the studio says why, and the message goes once a click
works again."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

CAR = "/en/configure/city-car/"


def is_click(request) -> bool:
    return "/configure/" in request.url and request.headers.get("hx-request") == "true"


@pytest.mark.browser
def test_a_refused_or_lost_click_is_explained_and_the_next_one_clears_it(demo_catalog, page, assert_accessible):
    page.goto(CAR)
    box = page.locator("#request-error")
    expect(box).to_be_hidden()
    total = page.locator("#price .total")
    before = total.inner_text()
    detail = "Too many requests. Please wait 7 seconds and try again."

    def refuse(route):
        route.fulfill(status=429, headers={"Retry-After": "7"}, content_type="application/json",
                      body=json.dumps({"detail": detail}))

    page.route("**/configure/**", lambda route: refuse(route) if is_click(route.request) else route.continue_())
    page.locator('label[for="o:trim:electric"]').click()
    expect(box).to_be_visible()
    expect(box).to_have_text(detail)
    expect(box).to_have_attribute("role", "alert")
    assert total.inner_text() == before  # nothing was swapped
    assert_accessible(page, "the studio explaining a refused click")

    page.unroute("**/configure/**")
    page.route("**/configure/**", lambda route: route.abort() if is_click(route.request) else route.continue_())
    page.locator('label[for="o:trim:classic"]').click()
    expect(box).to_have_text("The shop could not be reached. Check your connection and try again.")

    page.unroute("**/configure/**")
    page.locator('label[for="o:trim:electric"]').click()
    expect(box).to_be_hidden()
    expect(total).not_to_have_text(before)
