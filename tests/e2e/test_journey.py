"""A shopper's journey through the real site in Chromium: browse, configure (htmx), repair a
conflict, personal text, save, share, remix in a fresh browser, order, and staff find the order in
the admin. Each step leaves a screenshot in <ATELIER_ARTIFACTS>/screenshots/, and axe-core checks
the shopper pages for serious or critical accessibility violations."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import htmx_answered, htmx_clicked, open_step

CAR = "/en/configure/city-car/"


def option(page: Page, step: str, code: str):
    return page.locator(f'[id="o:{step}:{code}"]')


def choose(page: Page, step: str, code: str) -> None:
    """Opens its step and clicks an option's label, the way a shopper does, and waits for the htmx
    answer."""
    open_step(page, step)
    htmx_answered(page, page.locator(f'label[for="o:{step}:{code}"]').click)


def total(page: Page):
    return page.locator("#summary .total")


def preview_src(page: Page) -> str:
    return page.locator("#preview img").get_attribute("src")


def meta(page: Page, selector: str) -> str:
    return page.locator(f"meta[{selector}]").get_attribute("content")


@pytest.mark.browser
def test_shopper_journey(
    demo_catalog, live_server, new_context, screenshot, assert_accessible, browser_problems, django_user_model
):
    from PIL import Image

    from configurator.models import BlockedWord, Build, Order

    BlockedWord.objects.create(word="idiot")
    shopper = new_context()
    page = shopper.new_page()

    # 1. Home: a card with a loaded preview for each product; our CSS and htmx are served.
    page.goto("/en/")
    cards = page.locator(".product-card")
    expect(cards).to_have_count(3)
    for card in cards.all():
        image = card.locator("img")
        image.scroll_into_view_if_needed()
        expect(image).to_be_visible()
        expect(image).to_have_attribute("src", re.compile(r"^/preview/"))
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    css = page.request.get("/static/css/atelier.css")
    assert css.ok and "text/css" in css.headers["content-type"]
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(251, 250, 247)"
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, "home")
    assert_accessible(page, "the home page")

    # 2. The city car configurator: a click swaps in the new price and preview, and the URL
    #    keeps the build, so a reload shows the same choice.
    page.get_by_role("link", name=re.compile("City car")).click()
    expect(page).to_have_url(re.compile(r"/en/configure/city-car/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("City car")
    expect(page.locator("#step-packs legend")).not_to_contain_text("at most")  # the packs step has no limit of its own
    assert_accessible(page, "the configurator")
    price, src = total(page).inner_text(), preview_src(page)
    choose(page, "body", "island_blue")
    expect(total(page)).not_to_have_text(price)
    expect(page.locator("#preview img")).not_to_have_attribute("src", src)
    expect(option(page, "body", "island_blue")).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]body=island_blue(&|$)"))
    blue_price = total(page).inner_text()
    page.reload()
    expect(option(page, "body", "island_blue")).to_be_checked()
    expect(total(page)).to_have_text(blue_price)
    screenshot(page, "configurator island blue")

    # 3. A conflict: Electric does not take 18-inch Sport wheels. The build stays as it was and a
    #    repair is offered; applying it gives Electric on 17-inch Aero wheels.
    choose(page, "wheels", "r18_sport")
    expect(option(page, "wheels", "r18_sport")).to_be_checked()
    open_step(page, "trim")  # opening a step puts it in the address
    url_before = page.url
    choose(page, "trim", "electric")
    repair = page.locator("#repair")
    expect(repair).to_be_visible()
    expect(repair).to_contain_text(re.compile(r"Electric.*17-inch Aero"))
    expect(option(page, "trim", "classic")).to_be_checked()
    expect(option(page, "wheels", "r18_sport")).to_be_checked()
    assert page.url == url_before
    screenshot(page, "conflict repair offered")
    assert_accessible(page, "the configurator with the repair dialog open")
    with page.expect_response(htmx_clicked):
        repair.get_by_role("link", name="Apply").click()
    expect(option(page, "trim", "electric")).to_be_checked()
    expect(option(page, "wheels", "r17_aero")).to_be_checked()
    expect(option(page, "wheels", "r18_sport")).not_to_be_checked()
    expect(repair).to_be_hidden()
    expect(page).to_have_url(re.compile(r"trim=electric.*wheels=r17_aero|wheels=r17_aero.*trim=electric"))
    screenshot(page, "conflict repaired")

    # 4. Personal text: markup and blocked words are refused live and never drawn; valid text
    #    is accepted and appears in the preview.
    dialogs = []

    def on_dialog(dialog) -> None:  # an alert() would mean the text ran as script
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    badge, error = page.locator('[id="t:badge"]'), page.locator("#err-badge")
    src = preview_src(page)
    open_step(page, "badge")
    badge.fill("<script>")
    expect(error).to_contain_text("not allowed")
    expect(badge).to_have_attribute("aria-invalid", "true")
    expect(badge).to_have_value("<script>")
    expect(page.locator("#save-state button[type=submit]")).to_be_disabled()
    screenshot(page, "badge markup refused")
    badge.fill("1D10T")
    expect(error).to_contain_text("a word we cannot print")
    screenshot(page, "badge blocked word refused")
    assert preview_src(page) == src  # refused text is never sent to the renderer
    badge.fill("MAX")
    expect(error).to_have_text("")
    expect(badge).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#preview img")).to_have_attribute("src", re.compile(r"badge=MAX"))
    page.wait_for_function("() => { const i = document.querySelector('#preview img'); return i.complete && i.naturalWidth > 0; }")
    assert dialogs == []
    screenshot(page, "badge accepted")

    # 5. Save with a name.
    page.get_by_label("Name your design").fill("Weekend car")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/en/designs/[0-9a-f-]{36}/$"))
    build_url = page.url
    expect(page.locator(".messages")).to_contain_text("Saved “Weekend car”.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekend car")
    build = Build.objects.get()
    assert build.selections["trim"] == "electric" and build.selections["badge"] == "MAX"
    screenshot(page, "saved design")
    assert_accessible(page, "the saved design page")

    # 6. Share it, then open the share page as someone else: link-preview tags and a 1200×630 card.
    page.get_by_role("button", name="Share").click()
    # The share page has no language prefix: the owner goes on in the language they were using.
    expect(page).to_have_url(re.compile(r"/s/[A-Za-z0-9_-]+/\?lang=en$"))
    code = page.url.split("/s/", 1)[1].split("/", 1)[0]
    share_url = f"{live_server.url}/s/{code}/"
    screenshot(page, "shared by owner")
    friend = new_context()
    friend_page = friend.new_page()
    friend_page.goto(share_url)
    expect(friend_page.get_by_role("heading", level=1)).to_have_text("Weekend car")
    assert meta(friend_page, 'property="og:title"') == "Weekend car"
    assert meta(friend_page, 'name="twitter:card"') == "summary_large_image"
    card_url = meta(friend_page, 'property="og:image"')
    assert card_url == f"{live_server.url}/s/{code}/card.png?lang=en"  # the page's own language
    assert meta(friend_page, 'name="twitter:image"') == card_url
    card = friend.request.get(card_url)
    assert card.ok and card.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(card.body()))
    assert image.format == "PNG" and image.size == (1200, 630)
    screenshot(friend_page, "share page for a friend")
    assert_accessible(friend_page, "the share page")

    # 7. The friend remixes it and lands in the configurator with the same build, as their own copy.
    friend_page.get_by_role("button", name="Remix this design").click()
    expect(friend_page).to_have_url(re.compile(r"/en/configure/city-car/\?.*b=[0-9a-f-]{36}"))
    expect(friend_page.locator(".messages")).to_contain_text("This is your own copy now")
    expect(option(friend_page, "trim", "electric")).to_be_checked()
    expect(option(friend_page, "wheels", "r17_aero")).to_be_checked()
    expect(option(friend_page, "body", "island_blue")).to_be_checked()
    expect(friend_page.locator('[id="t:badge"]')).to_have_value("MAX")
    remix = Build.objects.exclude(pk=build.pk).get()
    assert remix.remixed_from_id == build.pk and f"b={remix.pk}" in friend_page.url
    screenshot(friend_page, "remix in configurator")

    # 8. The owner orders the design.
    page.goto(build_url)
    page.get_by_role("link", name="Order").click()
    expect(page).to_have_url(re.compile(r"/order/$"))
    assert_accessible(page, "the order page")
    page.get_by_label("Full name").fill("Ann de Vries")
    page.get_by_role("textbox", name="E-mail").fill("ann@example.com")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Street and number").fill("Keizersgracht 1")
    page.get_by_label("Postal code").fill("1015 CJ")
    page.get_by_label("City").fill("Amsterdam")
    screenshot(page, "order form")
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/en/orders/[^/]+/$"))
    confirmation = page.locator("main [role=status]")
    expect(confirmation).to_contain_text("Your order number is")
    number = re.search(r"Your order number is (\S+?)\.", confirmation.inner_text()).group(1)
    placed = Order.objects.get(number=number)
    assert placed.build_id == build.pk and placed.country == "NL" and placed.email == "ann@example.com"
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your order")
    screenshot(page, "order confirmation")
    assert_accessible(page, "the order confirmation")

    # 9. Staff log in to the admin and find the order, with its preview.
    django_user_model.objects.create_superuser("staff", "staff@example.com", "staff-password-1")
    staff = new_context().new_page()
    staff.goto("/admin/login/?next=/admin/configurator/order/")
    staff.get_by_label("Username").fill("staff")
    staff.get_by_label("Password").fill("staff-password-1")
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(re.compile(r"/admin/configurator/order/$"))
    expect(staff.locator("#result_list")).to_contain_text(number)
    screenshot(staff, "admin order list")
    staff.locator("#result_list").get_by_role("link", name=number).click()
    expect(staff).to_have_url(re.compile(rf"/admin/configurator/order/{placed.pk}/change/$"))
    expect(staff.locator(".field-number")).to_contain_text(number)
    thumbnail = staff.locator(".field-thumbnail img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^/preview/"))
    staff.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    screenshot(staff, "admin order detail")

    assert browser_problems == []


@pytest.mark.browser
def test_options_work_from_the_keyboard_and_keep_visible_focus(demo_catalog, page, screenshot, browser_problems):
    page.goto(CAR + "?step=packs")
    family = option(page, "packs", "family")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "o:packs:family":
            break
    else:
        pytest.fail("Tab never reached the Family pack checkbox")
    price = total(page).inner_text()
    page.evaluate("document.activeElement.dataset.beforeSwap = 'yes'")
    with page.expect_response(htmx_clicked):
        page.keyboard.press("Space")
    expect(family).to_be_checked()
    expect(total(page)).not_to_have_text(price)
    expect(page).to_have_url(re.compile(r"packs=family"))
    # The packs step was swapped in anew (the marked element is gone); focus must have moved to
    # the new checkbox, and be visible.
    expect(page.locator("[data-before-swap]")).to_have_count(0)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'o:packs:family'", timeout=2_000)
    focus = page.evaluate(
        """() => { const el = document.activeElement, style = getComputedStyle(el);
                   return {visible: el.matches(':focus-visible'), outline: style.outlineStyle, width: style.outlineWidth}; }"""
    )
    assert focus == {"visible": True, "outline": "solid", "width": "3px"}
    screenshot(page, "keyboard family pack")

    # A radio group: Shift+Tab back up to the tabs, Home opens the trim step, Tab goes into it
    # (its panel, then the chosen trim); the arrow key picks the next trim.
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "tab":
            break
    else:
        pytest.fail("Shift+Tab never reached the stepper's tabs")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "o:trim:classic"
    price = total(page).inner_text()
    page.evaluate("document.activeElement.dataset.beforeSwap = 'yes'")
    with page.expect_response(htmx_clicked):
        page.keyboard.press("ArrowDown")
    expect(option(page, "trim", "electric")).to_be_checked()
    expect(total(page)).not_to_have_text(price)
    expect(page.locator("[data-before-swap]")).to_have_count(0)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'o:trim:electric'", timeout=2_000)
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    screenshot(page, "keyboard electric trim")
    assert browser_problems == []


@pytest.mark.browser
def test_a_repair_offer_takes_keyboard_focus_and_gives_it_back(demo_catalog, page, screenshot, browser_problems):
    page.goto(CAR + "?wheels=r18_sport")
    open_step(page, "trim")
    option(page, "trim", "classic").focus()
    with page.expect_response(htmx_clicked):
        page.keyboard.press("ArrowDown")  # Electric: conflicts with the 18-inch wheels
    page.wait_for_function("document.activeElement && document.activeElement.matches('#repair .button--primary')",
                           timeout=2_000)
    screenshot(page, "keyboard repair offer focused")
    with page.expect_response(htmx_clicked):
        page.keyboard.press("Enter")
    expect(option(page, "trim", "electric")).to_be_checked()
    expect(option(page, "wheels", "r17_aero")).to_be_checked()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'o:trim:electric'", timeout=2_000)
    assert browser_problems == []


@pytest.mark.browser
def test_back_button_returns_to_the_previous_build(demo_catalog, page, browser_problems):
    page.goto(CAR)
    open_step(page, "body")
    for code in ("island_blue", "racing_green"):
        with page.expect_response(htmx_clicked):
            page.locator(f"label[for='o:body:{code}']").click()
        expect(page).to_have_url(re.compile(f"body={code}"))
    page.go_back()
    expect(page).to_have_url(re.compile("body=island_blue"))
    expect(option(page, "body", "island_blue")).to_be_checked()
    assert browser_problems == []


@pytest.mark.browser
def test_configurator_works_without_javascript(demo_catalog, new_context, screenshot, browser_problems):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(CAR)
    price = total(page).inner_text()
    # Each step is a link to the page with that step open; Update sends the whole build.
    open_step(page, "body")
    page.locator('label[for="o:body:island_blue"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name="Update").click()
    open_step(page, "wheels")
    expect(page).to_have_url(re.compile(r"body=island_blue.*step=wheels"))
    page.locator('label[for="o:wheels:r17_aero"]').click()
    with page.expect_navigation():
        page.get_by_role("button", name="Update").click()
    expect(page).to_have_url(re.compile(r"body=island_blue"))
    expect(page).to_have_url(re.compile(r"wheels=r17_aero"))
    expect(page.get_by_role("heading", level=1)).to_have_text("City car")  # a full page, not a fragment
    expect(option(page, "body", "island_blue")).to_be_checked()
    expect(option(page, "wheels", "r17_aero")).to_be_checked()
    expect(total(page)).not_to_have_text(price)
    expect(page.locator("#preview img")).to_have_attribute("src", re.compile(r"r17_aero"))
    screenshot(page, "no javascript update")
    assert browser_problems == []
