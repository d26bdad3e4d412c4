"""Staff preview a draft in Chromium and publish it (issue #14 §2): from the product's admin page to
the draft in the real studio (htmx clicks priced and drawn with the draft, the check's findings
beside it, no save or order), to the confirmation with the diff, to the published studio."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from configurator.models import Option, Product
from tests.e2e.conftest import htmx_answered, open_step

DRAFT = "/en/configure/city-car/draft/"
SHOP = "/en/configure/city-car/"


def euros(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def choose(page: Page, step: str, code: str) -> None:
    open_step(page, step)
    htmx_answered(page, page.locator(f'label[for="o:{step}:{code}"]').click)


@pytest.mark.browser
def test_staff_preview_a_draft_and_publish_it(demo_catalog, new_context, django_user_model, screenshot,
                                              assert_accessible, browser_problems):
    car = Product.objects.get(slug="city-car")
    Option.objects.filter(group__product=car, group__code="trim", code="electric").update(price_delta=Decimal("7900"))
    django_user_model.objects.create_superuser("merchandiser", "m@example.com", "merchandiser-password-1")
    page = new_context().new_page()
    page.goto(f"/admin/login/?next=/admin/configurator/product/{car.pk}/change/")
    page.get_by_label("Username").fill("merchandiser")
    page.get_by_label("Password").fill("merchandiser-password-1")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Preview the draft in the studio").click()
    expect(page).to_have_url(re.compile(re.escape(DRAFT)))
    page.locator("#consent-banner form button[value=necessary]").click()
    expect(page.locator(".draft-banner")).to_contain_text("Draft preview — not published")
    expect(page.locator(".draft-findings")).to_be_visible()
    expect(page.locator("#save-form")).to_have_count(0)
    page.wait_for_function("() => { const i = document.querySelector('#preview img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert_accessible(page, "the draft preview")

    shopper = new_context().new_page()
    shopper.goto(SHOP)
    shopper.locator("#consent-banner form button[value=necessary]").click()
    open_step(shopper, "trim")
    choose(shopper, "trim", "electric")
    published_total = euros(shopper.locator("#summary .total").inner_text())

    choose(page, "trim", "electric")
    expect(page).to_have_url(re.compile(re.escape(DRAFT) + r".*trim=electric"))
    assert euros(page.locator("#summary .total").inner_text()) == published_total + 400
    page.wait_for_function("() => { const i = document.querySelector('#preview img');"
                           " return i && i.complete && i.naturalWidth > 0 && i.src.includes('/draft/'); }")
    with page.expect_response(lambda r: "/summary/" in r.url) as summary:  # the summary is fetched when opened
        open_step(page, "summary")
    assert "/draft/summary/" in summary.value.url
    expect(page.locator("#overview .breakdown")).to_contain_text("€7,900.00")
    expect(page.locator("#panel-summary")).to_contain_text("ordering is off in a draft preview")
    expect(page.locator(".order-button")).to_have_count(0)
    screenshot(page, "draft preview electric")

    page.get_by_role("link", name="Review and publish…").click()
    expect(page.locator(".publish-confirm")).to_contain_text("What version 2 changes")
    expect(page.locator(".publish-confirm")).to_contain_text("€7,900.00")
    assert_accessible(page, "the publish confirmation")
    screenshot(page, "publish confirmation")
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.locator(".messagelist")).to_contain_text("published as version 2")

    shopper.reload()  # the same build, now priced with version 2
    assert euros(shopper.locator("#summary .total").inner_text()) == published_total + 400
    assert browser_problems == []
