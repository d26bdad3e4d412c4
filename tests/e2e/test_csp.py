"""The Content Security Policy in Chromium: the shopper pages (htmx included), the admin's own
pages and the Swagger UI work under the real header without a single violation. Every
`securitypolicyviolation` event and every console "Refused to …" message of every page is
recorded; a deliberate inline style proves that the recorder sees them."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import htmx_answered, htmx_clicked, open_step

CAR = "/en/configure/city-car/"
# Runs before any script of each page: reports violations to the test (and counts them in the page).
RECORD_VIOLATIONS = """
window.__cspSeen = 0;
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspSeen += 1;
  window.__cspViolation(`${location.pathname}: ${e.effectiveDirective} refused ${e.blockedURI || "(inline)"}`
                        + ` at ${e.sourceFile || "?"}:${e.lineNumber} ${e.sample || ""}`.trim());
}, true);
"""
CONSOLE_SIGNS = ("Refused to", "Content Security Policy", "evalDisallowed", "Permissions-Policy")


@pytest.fixture
def violations() -> list[str]:
    return []


@pytest.fixture
def csp_context(new_context, violations):
    """Opens browser contexts that record CSP violations and CSP console messages in `violations`."""

    def open_context(**options):
        context = new_context(**options)
        context.expose_function("__cspViolation", lambda text: violations.append(text))
        context.add_init_script(RECORD_VIOLATIONS)

        def on_console(message) -> None:
            if any(sign in message.text for sign in CONSOLE_SIGNS):
                violations.append(f"console {message.type}: {message.text}")

        context.on("console", on_console)
        return context

    return open_context


def settle(page: Page) -> None:
    """No request in flight (the live server shares the test's database connection), and the
    page's queued violation reports delivered."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 50))")


def clicked(page: Page, step: str, code: str) -> None:
    open_step(page, step)
    htmx_answered(page, page.locator(f'label[for="o:{step}:{code}"]').click)


def assert_policy(response) -> None:
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.browser
def test_the_recorder_sees_a_violation(transactional_db, csp_context, violations):
    """The control: an inline style attribute and a string of code to evaluate are refused and
    reported, so the empty lists of the other test mean something."""
    page = csp_context().new_page()
    assert_policy(page.goto("/en/"))
    settle(page)
    assert violations == [], "\n".join(violations)
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p id=\"probe\" style=\"color: rgb(255, 0, 0)\">x</p>')")
    page.evaluate("setTimeout('window.__evaluated = true', 0)")  # compiled by the page: eval
    page.wait_for_function("window.__cspSeen >= 2")
    assert page.evaluate("getComputedStyle(document.getElementById('probe')).color") != "rgb(255, 0, 0)"
    assert page.evaluate("window.__evaluated") is None
    deadline = time.monotonic() + 5
    while len(violations) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert any("style-src-attr" in v for v in violations), violations
    assert any("script-src" in v and "eval" in v for v in violations), violations


@pytest.mark.browser
def test_no_page_violates_the_policy(demo_catalog, csp_context, violations, browser_problems, django_user_model):
    from personalization.services.motivations import motivation_map_seed
    from personalization.simulate import simulate

    motivation_map_seed()
    simulate(shoppers=12, seed=5, days=20)
    shopper = csp_context()
    page = shopper.new_page()

    # Home, with the consent banner (an htmx form): accept all.
    assert_policy(page.goto("/en/"))
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    with page.expect_response(lambda r: r.url.endswith("/consent/") and r.request.method == "POST"):
        page.locator("#consent-banner").get_by_role("button", name="Accept all").click()
    expect(page.locator("#consent-banner")).to_contain_text("Thank you")
    settle(page)

    # The studio: htmx clicks still swap in a new price and preview; personal text is checked live.
    page.get_by_role("link", name=re.compile("City car")).click()
    expect(page).to_have_url(re.compile(r"/en/configure/city-car/$"))
    total = page.locator("#summary .total")
    busy = page.locator("#busy")
    expect(busy).to_be_hidden()  # the indicator styles come from atelier.css, not from htmx
    swatch = page.locator("svg.swatch").first.bounding_box()  # sized by atelier.css (an SVG alone is 300×150)
    assert swatch and round(swatch["width"]) == 20 and round(swatch["height"]) == 20
    price, src = total.inner_text(), page.locator("#preview img").get_attribute("src")
    clicked(page, "body", "island_blue")
    expect(total).not_to_have_text(price)
    expect(page.locator("#preview img")).not_to_have_attribute("src", src)
    price = total.inner_text()
    clicked(page, "packs", "family")
    expect(total).not_to_have_text(price)
    clicked(page, "wheels", "r18_sport")
    clicked(page, "trim", "electric")
    expect(page.locator("#repair")).to_be_visible()
    with page.expect_response(htmx_clicked):
        page.locator("#repair").get_by_role("link", name="Apply").click()
    expect(page.locator('[id="o:trim:electric"]')).to_be_checked()
    open_step(page, "badge")
    page.locator('[id="t:badge"]').fill("MAX")
    expect(page.locator("#preview img")).to_have_attribute("src", re.compile(r"badge=MAX"))
    settle(page)

    # Save, share, and the share page; then My designs, the order and its confirmation.
    page.get_by_label("Name your design").fill("Strict car")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/en/designs/[0-9a-f-]{36}/$"))
    build_url = page.url
    page.get_by_role("button", name="Share").click()
    expect(page).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]+/\?lang=en$"))
    share_url = page.url
    settle(page)
    friend = csp_context().new_page()
    assert_policy(friend.goto(share_url))
    expect(friend.get_by_role("heading", level=1)).to_have_text("Strict car")
    settle(friend)
    page.goto("/en/my-designs/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(build_url)
    page.get_by_role("link", name="Order").click()
    expect(page).to_have_url(re.compile(r"/order/$"))
    page.get_by_label("Full name").fill("Ann de Vries")
    page.get_by_role("textbox", name="E-mail").fill("ann@example.com")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Street and number").fill("Keizersgracht 1")
    page.get_by_label("Postal code").fill("1015 CJ")
    page.get_by_label("City").fill("Amsterdam")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/en/orders/[^/]+/$"))
    settle(page)
    for path in ("/en/privacy/", "/en/my-data/"):
        assert_policy(page.goto(path))
        settle(page)
    assert violations == [], "\n".join(violations)

    # Staff: the admin's own pages (reports with SVG charts, segment rule builder, motivation
    # map, campaign form, motivations and profiles with colour marks).
    from personalization.models import MotivationMap, Profile
    from personalization.reports import REPORTS

    motivation_map = MotivationMap.objects.order_by("-version").first()
    profile = Profile.objects.first()
    django_user_model.objects.create_superuser("staff", "staff@example.com", "staff-password-1")
    staff = csp_context().new_page()
    staff.goto("/admin/login/?next=/admin/")
    staff.get_by_label("Username").fill("staff")
    staff.get_by_label("Password").fill("staff-password-1")
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(re.compile(r"/admin/$"))
    for slug in ["", *REPORTS]:
        assert_policy(staff.goto(f"/admin/personalization/reports/{slug}{'/' if slug else ''}"))
        if slug:
            expect(staff.locator("svg.report-chart").first).to_be_visible()
            # The charts' styles now come from atelier-admin.css, not an inline <style>.
            assert staff.evaluate("getComputedStyle(document.querySelector('.report-charts figure')).borderTopStyle") \
                == "solid"
        settle(staff)
    staff.goto("/admin/personalization/segment/add/")
    builder = staff.locator(".segment-builder")
    expect(builder).to_be_visible()
    with staff.expect_response(lambda r: "/segment/preview" in r.url):
        builder.locator("select").first.select_option(index=1)
    settle(staff)
    # A profile kind from the server's menu: its inputs, its JSON, and a preview the server accepts.
    builder.get_by_role("button", name="Add condition").click()
    condition = builder.locator(".segment-condition").first
    with staff.expect_response(lambda r: "/segment/preview" in r.url and "probability" in (r.request.post_data or "")
                               ) as previewed:
        condition.locator("select").first.select_option(label="Probability of motivation")
    assert previewed.value.status == 200
    threshold = condition.get_by_role("spinbutton", name="Probability of motivation")
    expect(threshold).to_have_value("0.5")
    assert [threshold.get_attribute(a) for a in ("step", "min", "max")] == ["0.05", "0", "1"]
    expect(condition.get_by_role("combobox", name="Probability of motivation")).to_have_count(2)  # motivation, ≥/≤
    rule = json.loads(staff.locator("#id_rules").input_value())["items"][0]
    assert rule["kind"] == "probability" and rule["motivation"] and (rule["cmp"], rule["value"]) == ("gte", 0.5)
    expect(staff.locator("#segment-preview [data-size]")).to_be_attached()
    settle(staff)
    for path in (f"/admin/personalization/motivationmap/{motivation_map.pk}/change/",
                 "/admin/personalization/campaign/add/", "/admin/personalization/motivation/",
                 f"/admin/personalization/profile/{profile.pk}/change/", "/admin/configurator/product/"):
        assert_policy(staff.goto(path))
        expect(staff.locator("#content")).to_be_visible()
        settle(staff)

    # The API docs: Swagger UI renders the operations from the schema.
    assert_policy(page.goto("/api/docs/"))
    expect(page.locator(".opblock").first).to_be_visible()
    settle(page)

    assert violations == [], "\n".join(violations)
    assert browser_problems == []


@pytest.mark.browser
def test_a_click_after_a_screenshot_sets_no_style(demo_catalog, csp_context, violations, browser_problems):
    """A screenshot hides the text caret with a style attribute on every input and takes it off
    again (style=""). htmx carried the attribute over to the swapped-in inputs by default, which
    the policy refuses; a shopper's tool (or a walk that takes screenshots) saw the refusals."""
    page = csp_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    page.goto(CAR + "?step=body")
    settle(page)
    page.screenshot()
    assert page.locator('[id="o:body:island_blue"]').get_attribute("style") is not None  # what it leaves
    clicked(page, "body", "island_blue")
    clicked(page, "body", "racing_green")
    settle(page)
    assert violations == [], "\n".join(violations)
    assert browser_problems == []
