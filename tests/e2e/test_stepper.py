"""The studio's stepper in Chromium (issue #12 §2): WAI-ARIA tabs from the keyboard, axe clean on
every step in English and Dutch, Previous/Next, links that work without JavaScript, and ordering
from the summary in one post."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import htmx_clicked

CAR = "/{lang}/configure/city-car/"



def dismiss_consent(page: Page) -> None:
    page.locator("#consent-banner form button[value=necessary]").click()
    expect(page.locator("#consent-banner form")).to_have_count(0)


def selected(page: Page) -> str:
    return page.locator("#tabs [role=tab][aria-selected=true]").get_attribute("data-step")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_step_is_axe_clean(demo_catalog, page, assert_accessible, lang, browser_problems):
    page.goto(CAR.format(lang=lang))
    dismiss_consent(page)
    steps = page.locator("#tabs [role=tab]").evaluate_all("tabs => tabs.map(t => t.dataset.step)")
    assert steps[-1] == "summary"
    for step in steps:
        page.locator(f"#tab-{step}").click()
        expect(page.locator(f"#panel-{step}")).to_be_visible()
        assert page.locator(".panel:not([hidden])").count() == 1
        assert_accessible(page, f"the {step} step ({lang})")
    assert browser_problems == []


@pytest.mark.browser
def test_tabs_follow_the_wai_aria_keyboard_pattern(demo_catalog, page, browser_problems):
    page.goto(CAR.format(lang="en"))
    dismiss_consent(page)
    tablist = page.locator("#tabs [role=tablist]")
    expect(tablist).to_have_count(1)
    first = page.locator("#tabs [role=tab]").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("tabindex", "0")
    expect(page.locator("#tabs [role=tab][tabindex='-1']")).to_have_count(page.locator("#tabs [role=tab]").count() - 1)
    panel = page.locator("#panel-trim")
    expect(panel).to_have_attribute("role", "tabpanel")
    expect(panel).to_have_attribute("aria-labelledby", "tab-trim")
    first.focus()
    page.keyboard.press("ArrowRight")
    assert selected(page) == "body" and page.evaluate("document.activeElement.id") == "tab-body"
    expect(page.locator("#panel-body")).to_be_visible()
    expect(page.locator("#panel-trim")).to_be_hidden()
    expect(page.locator("#panel-body .progress")).to_have_text("Step 2 of 10")
    # Previous and Next follow the open tab: its neighbours, links with the build in the address.
    expect(page.locator("#pager [rel=prev]")).to_have_attribute("data-step", "trim")
    expect(page.locator("#pager [rel=next]")).to_have_attribute("data-step", "roof")
    expect(page.locator("#pager [rel=next]")).to_have_text("Next: Contrast roof")
    expect(page.locator("#pager [rel=next]")).to_have_attribute("href", re.compile(r"\?.*body=.*&step=roof"))
    page.keyboard.press("End")
    assert selected(page) == "summary"
    expect(page.locator("#pager [rel=next]")).to_be_hidden()
    page.keyboard.press("ArrowRight")  # wraps round
    assert selected(page) == "trim"
    page.keyboard.press("ArrowLeft")
    assert selected(page) == "summary"
    page.keyboard.press("Home")
    assert selected(page) == "trim"
    expect(page).to_have_url(re.compile(r"step=trim"))
    # Tab leaves the tablist for the open panel; its options work as before.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "panel-trim"
    assert browser_problems == []


@pytest.mark.browser
def test_previous_next_and_a_click_keep_the_open_step(demo_catalog, page, browser_problems):
    page.goto(CAR.format(lang="en"))
    dismiss_consent(page)
    page.locator("#pager").get_by_role("link", name=re.compile("^Next")).click()
    assert selected(page) == "body"
    with page.expect_response(htmx_clicked):
        page.locator('label[for="o:body:island_blue"]').click()
    expect(page).to_have_url(re.compile(r"body=island_blue.*step=body|step=body.*body=island_blue"))
    assert selected(page) == "body"
    expect(page.locator("#panel-body")).to_be_visible()
    # The click did not send the tabs and the pager again (no flag changed); their links now
    # lead to the new build all the same, for a new browser tab or a reload.
    expect(page.locator("#tab-wheels")).to_have_attribute("href", re.compile(r"body=island_blue.*step=wheels"))
    expect(page.locator("#pager [rel=next]")).to_have_attribute("href", re.compile(r"body=island_blue.*step=roof"))
    page.locator("#pager").get_by_role("link", name=re.compile("^Previous")).click()
    assert selected(page) == "trim"
    with page.expect_response(htmx_clicked):
        page.locator('label[for="o:trim:electric"]').click()
    # The summary was not sent with the clicks; opening it asks for it, with the choices made.
    with page.expect_response(lambda r: "/summary/" in r.url and r.status == 200):
        page.locator("#tab-summary").click()
    expect(page.locator("#overview")).to_contain_text("Island Blue")
    expect(page.locator("#overview")).to_contain_text("Electric")
    page.reload()  # the address holds the open step
    assert selected(page) == "summary"
    # The summary lists the choice just made, and its Change link opens that step.
    page.locator("#overview").get_by_role("link", name=re.compile("Change Body colour")).click()
    assert selected(page) == "body"
    assert browser_problems == []


@pytest.mark.browser
def test_without_javascript_each_step_is_a_link(demo_catalog, new_context, browser_problems):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(CAR.format(lang="en") + "?body=island_blue")
    expect(page.locator("#panel-trim")).to_be_visible()
    expect(page.locator("#panel-wheels")).to_be_hidden()
    page.locator("#tab-wheels").click()
    expect(page).to_have_url(re.compile(r"body=island_blue.*step=wheels"))
    expect(page.locator("#panel-wheels")).to_be_visible()
    page.locator('label[for="o:wheels:r17_aero"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name="Update").click()
    expect(page).to_have_url(re.compile(r"wheels=r17_aero"))
    expect(page.locator("#panel-wheels")).to_be_visible()  # the same step stays open
    after = page.locator("#pager [rel=next]")
    step = after.get_attribute("data-step")
    after.click()
    expect(page).to_have_url(re.compile(rf"step={step}"))
    expect(page.locator(f"#panel-{step}")).to_be_visible()
    page.locator("#tab-summary").click()
    expect(page.locator("#overview")).to_contain_text("17-inch")
    assert browser_problems == []


@pytest.mark.browser
def test_order_from_the_summary_saves_and_opens_the_order_form(demo_catalog, page, browser_problems):
    from configurator.models import Build

    page.goto(CAR.format(lang="en") + "?step=summary")
    dismiss_consent(page)
    page.locator("#overview").get_by_role("button", name="Order").click()
    expect(page).to_have_url(re.compile(r"/en/designs/[0-9a-f-]+/order/$"))
    expect(page.get_by_role("button", name="Place order")).to_be_visible()
    assert Build.objects.count() == 1
    assert browser_problems == []


@pytest.mark.browser
def test_the_summary_cannot_order_until_it_is_fetched_anew(demo_catalog, page, browser_problems):
    """Clicks on other steps leave the summary out, so opening it fetches it: until the answer is
    in, the Order button is off (a slow network must not order what the summary showed before)."""
    page.goto(CAR.format(lang="en"))
    dismiss_consent(page)
    held = []
    page.route(re.compile(r"/configure/city-car/summary/"), lambda route: held.append(route))
    page.locator("#tab-summary").click()
    order = page.locator("#overview").get_by_role("button", name="Order")
    expect(order).to_be_disabled()
    page.wait_for_function("() => document.querySelector('#panel-summary').classList.contains('htmx-request')")
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#overview").get_by_role("button", name="Order")).to_be_enabled()
    assert browser_problems == []


@pytest.mark.browser
def test_a_click_while_a_step_asks_for_its_prices_is_kept(demo_catalog, page, browser_problems):
    """Opening a step with options in conflict asks the server for that step anew. A shopper who
    clicks an option before that answer arrives keeps the click: the late answer, drawn from the
    choices before the click, must not put the step back as it was."""
    page.goto("/en/configure/trench-coat/")
    dismiss_consent(page)
    steps = page.locator("#tabs [role=tab]").evaluate_all("tabs => tabs.map(t => t.dataset.step)")
    step = next(s for s in steps[:-1] if page.locator(f"#panel-{s} .option--conflict").count()
                and page.locator(f"#panel-{s} .option--available input:not(:checked)").count())
    slow = []

    def late(route):  # the step's own answer arrives 1.5 s late
        slow.append(route.request.url)
        page.wait_for_timeout(1500)
        route.continue_()

    page.route("**/configure/trench-coat/step/**", late)
    page.locator(f"#tab-{step}").click()
    choice = page.locator(f"#panel-{step} .option--available input:not(:checked)").first
    code = choice.get_attribute("id")
    with page.expect_response(htmx_clicked):
        page.locator(f'label[for="{code}"]').click()
    page.wait_for_timeout(2000)  # past the late answer, if it was still to come
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert slow, "opening the step did not ask for it anew"
    expect(page.locator(f'[id="{code}"]')).to_be_checked()
    assert browser_problems == []


@pytest.mark.browser
def test_the_summary_of_a_design_still_to_complete_opens_cleanly(demo_catalog, page, browser_problems):
    """The sneaker's size is still to choose: its summary has no Order button, and fetching it
    must not make htmx complain (a selector of what to turn off that matched nothing was logged as
    a console error on every opening)."""
    page.goto("/en/configure/sneaker/")
    dismiss_consent(page)
    page.locator("#tab-summary").click()
    page.wait_for_function("() => !document.querySelector('#panel-summary').classList.contains('htmx-request')")
    expect(page.locator("#overview")).to_contain_text("To order, first choose:")
    expect(page.locator("#overview").get_by_role("button", name="Order")).to_have_count(0)
    assert browser_problems == []
