"""The configurator page: full page without JavaScript, partial updates for htmx."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client

from configurator.models import BlockedWord, Build, RenderedImage

pytestmark = pytest.mark.django_db

URL = "/en/configure/car/"


def htmx_get(client, query, *, trigger="", current=""):
    headers = {"HTTP_HX_REQUEST": "true"}
    if trigger:
        headers["HTTP_HX_TRIGGER"] = trigger
    if current:
        headers["HTTP_HX_CURRENT_URL"] = f"http://testserver{URL}?{current}"
    return client.get(f"{URL}?{query}", **headers)


def test_full_page_without_javascript(car):
    response = Client().get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="step-trim"' in html and 'id="step-wheels"' in html
    assert "€20,000.00" in html
    assert '<form class="steps" id="studio-form" method="get"' in html


def test_full_page_in_dutch_formats_money_the_dutch_way(car):
    html = Client().get("/nl/configure/car/").content.decode()
    assert "€\xa020.000,00" in html
    assert "Uitvoering" in html


def test_unavailable_option_shows_the_engines_reason(car):
    html = Client().get(f"{URL}?trim=electric").content.decode()
    assert "Not with Electric: 18-inch wheels don&#x27;t fit the battery model" in html


def test_htmx_click_swaps_only_what_changed(car):
    before = "trim=classic&wheels=w16&packs="
    response = htmx_get(Client(), "trim=classic&wheels=w17&packs=", trigger="o:wheels:w17", current=before)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="step-wheels"' in html  # its radios changed
    assert 'id="preview"' in html and 'id="price"' in html and 'id="save-state"' in html
    assert 'id="step-packs"' not in html  # nothing changed there
    assert "csrfmiddlewaretoken" not in html  # the save form stays; only its state is re-sent
    assert "<html" not in html
    assert response["HX-Push-Url"].startswith(URL + "?")
    assert "wheels=w17" in response["HX-Push-Url"]
    assert "HX-Request" in response["Vary"]


def test_conflicting_click_keeps_the_build_and_offers_the_repair(car):
    before = "trim=classic&wheels=w18&packs="
    response = htmx_get(Client(), "trim=electric&wheels=w18&packs=", trigger="o:trim:electric", current=before)
    html = response.content.decode()
    assert "Choosing Electric will change your wheels from 18-inch Sport to 17-inch Aero." in html
    assert response["HX-Push-Url"] == "false"
    # The trim step is sent back with the previous choice still checked.
    trim = re.search(r'id="step-trim".*?</fieldset>', html, re.S).group(0)
    assert re.search(r'id="o:trim:classic"[^>]*checked', trim)
    assert "wheels=w17" in re.search(r'class="button button--primary" href="([^"]+)"', html).group(1)


def test_a_multi_step_without_a_maximum_shows_no_limit(car):
    from configurator.models import OptionGroup
    from configurator.services import product_publish

    OptionGroup.objects.filter(product=car, code="packs").update(max_count=None)
    product_publish(product=car)
    html = Client().get(URL).content.decode()
    packs = re.search(r'id="step-packs".*?</legend>', html, re.S).group(0)
    assert "at most" not in packs


def test_personal_text_is_checked_live(car):
    BlockedWord.objects.create(word="idiot")
    html = htmx_get(Client(), "badge=ID10T", trigger="t:badge").content.decode()
    assert "contains a word we cannot print" in html
    html = htmx_get(Client(), "badge=%3Cb%3E").content.decode()
    assert "These characters are not allowed" in html


def test_hostile_text_is_never_put_in_the_preview_url(car):
    html = Client().get(f"{URL}?badge=%3Cscript%3E").content.decode()
    preview_src = re.search(r'<figure class="preview".*?<img src="([^"]+)"', html, re.S).group(1)
    assert "badge" not in preview_src
    assert "<script>" not in html


def test_preview_is_rendered_once_and_cached_immutable(car):
    html = Client().get(f"{URL}?wheels=w17").content.decode()
    src = re.search(r'<figure class="preview".*?<img src="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    first = Client().get(src)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/jpeg"
    assert "immutable" in first["Cache-Control"]
    assert RenderedImage.objects.count() == 1
    second = Client().get(src)
    assert b"".join(second.streaming_content) == b"".join(first.streaming_content)
    assert RenderedImage.objects.count() == 1
    assert Client().get(src, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_preview_whose_file_went_missing_is_drawn_again(car):
    from django.core.files.storage import default_storage

    html = Client().get(f"{URL}?wheels=w17").content.decode()
    src = re.search(r'<figure class="preview".*?<img src="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")
    first = b"".join(Client().get(src).streaming_content)
    default_storage.delete(RenderedImage.objects.get().file.name)  # e.g. media restored from an older backup
    again = Client().get(src)
    assert again.status_code == 200
    assert b"".join(again.streaming_content) == first
    assert default_storage.exists(RenderedImage.objects.get().file.name)


def test_preview_of_an_invalid_or_mismatched_build_is_refused(car):
    version = car.current_version_id
    assert Client().get(f"/preview/{version}/{'0' * 32}.jpg?wheels=w17").status_code == 404
    assert Client().get(f"/preview/{version}/{'0' * 32}.jpg?trim=electric&wheels=w18").status_code == 404
    assert Client().get(f"/preview/999/{'0' * 32}.jpg").status_code == 404
    assert RenderedImage.objects.count() == 0


def test_save_then_my_designs_and_detail(car):
    client = Client()
    response = client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Weekend car"})
    build = Build.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/designs/{build.pk}/"
    assert build.total == 20400
    listing = client.get("/en/my-designs/").content.decode()
    assert "Weekend car" in listing
    assert client.get(f"/en/designs/{build.pk}/").status_code == 200


def test_save_refuses_hostile_text_and_keeps_nothing(car):
    BlockedWord.objects.create(word="idiot")
    response = Client().post("/en/configure/car/save/", {"state": "badge=IDIOT", "name": "x"}, follow=True)
    assert "Not saved" in response.content.decode()
    assert not Build.objects.exists()


def test_someone_elses_design_is_404_and_cannot_be_deleted(car):
    owner = Client()
    owner.post("/en/configure/car/save/", {"state": "", "name": "Mine"})
    build = Build.objects.get()
    stranger = Client()
    stranger.post("/en/configure/car/save/", {"state": "", "name": "Theirs"})
    assert stranger.get(f"/en/designs/{build.pk}/").status_code == 404
    assert stranger.post(f"/en/designs/{build.pk}/delete/").status_code == 404
    assert Build.objects.filter(pk=build.pk).exists()
    assert owner.post(f"/en/designs/{build.pk}/delete/").status_code == 302
    assert not Build.objects.filter(pk=build.pk).exists()


def test_home_lists_products_with_their_preview(car):
    html = Client().get("/en/").content.decode()
    assert "Car" in html
    assert "/preview/" in html


def test_a_history_restore_gets_the_full_page(car):
    response = Client().get(f"{URL}?wheels=w17", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def _fieldsets(html: str) -> dict[str, str]:
    """The steps of a page or an update, by id, as the browser would hold them after a swap."""
    return {
        m.group(1): m.group(0).replace(' hx-swap-oob="true"', "")
        for m in re.finditer(r'<fieldset[^>]*id="(step-[a-z0-9_-]+)".*?</fieldset>', html, re.S)
    }


CLICKS = [  # (the build before, the form after the click, the clicked input)
    ("trim=classic&wheels=w16&packs=", "trim=classic&wheels=w17&packs=", "o:wheels:w17"),
    ("trim=classic&wheels=w17&packs=", "trim=electric&wheels=w17&packs=", "o:trim:electric"),
    ("trim=electric&wheels=w17&packs=", "trim=electric&wheels=w17&packs=&packs=family", "o:packs:family"),
    ("trim=electric&wheels=w17&packs=family", "trim=electric&wheels=w17&packs=&packs=family&packs=tech", "o:packs:tech"),
    ("trim=electric&wheels=w17&packs=family&packs=tech", "trim=sport&wheels=w17&packs=&packs=family&packs=tech",
     "o:trim:sport"),
    ("trim=sport&wheels=w17&packs=family&packs=tech", "trim=sport&wheels=w17&packs=&packs=tech", "o:packs:family"),
]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_swapping_only_the_changed_parts_gives_the_full_page(car, language):
    """Each update, swapped into the page before it, shows exactly what the full page of the new
    build shows: no step that changed is left out, and none is stale, in either language."""
    url = f"/{language}/configure/car/"
    client = Client()
    page = client.get(f"{url}?{CLICKS[0][0]}").content.decode()
    shown = _fieldsets(page)
    for before, after, trigger in CLICKS:
        response = client.get(f"{url}?{after}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                              HTTP_HX_CURRENT_URL=f"http://testserver{url}?{before}")
        update = response.content.decode()
        shown.update(_fieldsets(update))
        full = client.get(response["HX-Push-Url"]).content.decode()
        assert shown == _fieldsets(full), trigger
        price = re.search(r'<div class="price" id="price".*?</div>', full, re.S).group(0)
        assert price.replace('id="price"', 'id="price" hx-swap-oob="true"') in update
    assert ("(verplicht)" in full) == (language == "nl")


def test_an_update_without_the_page_before_sends_every_part(car):
    """No HX-Current-URL: what the browser shows is unknown, so nothing can be left out."""
    _before, after, trigger = CLICKS[0]
    response = Client().get(f"{URL}?{after}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="step-wheels"' in html and 'id="step-packs"' in html and 'id="status"' in html


def test_a_new_version_is_seen_at_once_by_the_process_that_published_it(car, django_capture_on_commit_callbacks):
    from configurator.selectors import product_ref
    from configurator.services import product_publish

    first = product_ref(slug="car").version_id
    with django_capture_on_commit_callbacks(execute=True):
        car.base_price = 21000
        car.save()
        product_publish(product=car)
    assert product_ref(slug="car").version_id != first
    assert "€21,000.00" in Client().get(URL).content.decode()


@pytest.mark.parametrize("build", ["%0D%0AX-Evil:%201", "not-a-uuid", "<script>"])
def test_a_hostile_build_id_in_the_url_is_ignored(car, build):
    before, after, trigger = CLICKS[0]
    response = Client().get(f"{URL}?{after}&b={build}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                            HTTP_HX_CURRENT_URL=f"http://testserver{URL}?{before}")
    assert response.status_code == 200 and "b=" not in response["HX-Push-Url"]
    assert Client().get(f"{URL}?{after}&b={build}").status_code == 200


def test_a_query_with_too_many_fields_is_a_400(car):
    query = "&".join(f"x{n}=1" for n in range(1200))
    assert Client().get(f"{URL}?{query}").status_code == 400


def _status(html: str) -> str:
    return re.search(r'<section class="status" id="status".*?</section>', html, re.S).group(0).replace(
        ' hx-swap-oob="true"', "")


def test_an_update_resends_the_status_when_only_the_broken_rules_change(car):
    """Both builds are invalid and miss nothing, but for different rules: the status line must
    follow (it once stayed stale when only what was missing and validity were compared)."""
    url = "/en/configure/car/"
    before, after = "trim=electric&wheels=w18&packs=", "trim=sport&wheels=w16&packs="
    client = Client()
    page = client.get(f"{url}?{before}").content.decode()
    update = client.get(f"{url}?{after}", HTTP_HX_REQUEST="true",
                        HTTP_HX_CURRENT_URL=f"http://testserver{url}?{before}").content.decode()
    full = client.get(f"{url}?{after}").content.decode()
    assert _status(page) != _status(full)
    assert 'id="status"' in update and _status(update) == _status(full)


def _element(html: str, element_id: str) -> str | None:
    """The element with `element_id`, as the browser holds it after an out-of-band swap."""
    at = html.find(f'id="{element_id}"')
    if at < 0:
        return None
    start = html.rfind("<", 0, at)
    tag = re.match(r"<([a-z]+)", html[start:]).group(1)
    depth, pos = 0, start
    for m in re.finditer(rf"<(/?){tag}[\s>]", html[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            pos = start + m.end()
            break
    end = html.index(">", pos - 1) + 1
    return html[start:end].replace(' hx-swap-oob="true"', "")


STEPPER_PARTS = ("tabs", "pager", "overview", "price", "status", "save-state")
LINKED_PARTS = ("tabs", "pager", "overview")  # parts whose step links studio.js points at the address


def _pointed(html: str, address: str) -> str:
    """`html` with every step link (`<a … data-step=…>`) leading to `address` with that step
    open, as studio.js leaves them after a click pushed `address`; each address is written as
    its path and sorted query, so that two spellings of one address compare equal."""
    def one(link: re.Match) -> str:
        tag = link.group(0)
        step = re.search(r'data-step="([^"]*)"', tag)
        href = re.search(r'href="([^"]*)"', tag)
        if not step or not href:
            return tag
        base = href.group(1).replace("&amp;", "&") if address is None else address
        parts = urlsplit(base)
        pairs = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "step")
        return tag.replace(href.group(0), f'href="{parts.path}?{urlencode(sorted([*pairs, ("step", step.group(1))]))}"')
    return re.sub(r"<a\b[^>]*>", one, html)


def _held(html: str, address: str | None) -> dict[str, str | None]:
    """The stepper's parts as the browser holds them: step links pointed at `address` (None: at
    where the server rendered them, written the same way)."""
    held = {part: _element(html, part) for part in STEPPER_PARTS}
    return {part: _pointed(value, address) if value and part in LINKED_PARTS else value for part, value in held.items()}


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("step", ["trim", "packs", "summary"])
def test_swapped_stepper_and_summary_equal_the_full_page(car, language, step):
    """After each update the stepper (tabs, Previous/Next, the open step, the step links that
    studio.js points at the new address) and the price, status and save state equal the full
    page of the new build with the same step open, in either language. The summary is sent
    only while it is open; opening it fetches it (views.studio_summary), equal to the page's."""
    url = f"/{language}/configure/car/"
    client = Client()
    page = client.get(f"{url}?{CLICKS[0][0]}&step={step}").content.decode()
    shown = {**_fieldsets(page), **_held(page, None)}
    for before, after, trigger in CLICKS:
        response = client.get(f"{url}?{after}&step={step}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                              HTTP_HX_CURRENT_URL=f"http://testserver{url}?{before}&step={step}")
        update = response.content.decode()
        address = response["HX-Push-Url"]
        assert f"&step={step}" in address
        assert (_element(update, "overview") is not None) == (step == "summary")
        shown.update(_fieldsets(update))
        shown.update({part: value for part, value in _held(update, None).items() if value})
        shown.update({part: _pointed(shown[part], address) for part in LINKED_PARTS})  # studio.js
        full = client.get(address).content.decode()
        expected = {**_fieldsets(full), **_held(full, None)}
        if step != "summary":  # left as it was; opening the summary asks for it
            opened = client.get(f"{url.replace('/configure/car/', '/configure/car/summary/')}?{after}&step=summary")
            assert opened.status_code == 200
            shown["overview"] = _held(opened.content.decode(), address)["overview"]
        assert shown == expected, trigger
        assert 'aria-current="step"' in shown["tabs"].split(f'id="tab-{step}"')[1].split("</a>")[0]


def test_the_open_step_is_the_one_in_the_url_and_the_others_are_hidden(car):
    html = Client().get(f"{URL}?step=wheels").content.decode()
    assert re.search(r'<div class="panel" id="panel-wheels" data-step="wheels">', html)
    assert re.search(r'<div class="panel" id="panel-trim" data-step="trim" hidden>', html)
    assert 'id="panel-summary" data-step="summary" hidden' in html
    assert "Step 2 of 5" in html
    # Each tab, Previous and Next is a link to the same build with its step open.
    assert 'href="/en/configure/car/?trim=classic&amp;wheels=w16&amp;packs=&step=packs"' in html
    assert re.search(r'rel="prev" data-step="trim" href="[^"]*&step=trim"', html)
    # A step the product does not have opens the first one.
    assert 'id="panel-trim" data-step="trim">' in Client().get(f"{URL}?step=nonsense").content.decode()


def test_the_summary_lists_every_choice_the_price_and_what_is_missing(car):
    html = Client().get(f"{URL}?trim=electric&wheels=&packs=tech&step=summary").content.decode()
    overview = _element(html, "overview")
    assert "Electric" in overview and "Tech" in overview
    assert "€6,000.00" in overview and "€1,200.00" in overview  # the breakdown
    assert "Still to choose" in overview and 'data-step="wheels"' in overview
    assert "To order, first choose:" in overview and 'class="order-button"' not in overview
    complete = _element(Client().get(f"{URL}?trim=electric&wheels=w17&packs=&step=summary").content.decode(), "overview")
    assert 'class="order-button"' in complete and "Still to choose" not in complete


def test_a_click_keeps_the_open_step_in_the_pushed_url_and_resends_the_stepper_only_when_a_flag_changes(car):
    """The tabs and the pager go out again only when a step's "still to choose" flag changes
    (their links follow the address in the browser); the summary only while it is open."""
    client = Client()
    before, after, trigger = CLICKS[0]  # wheels w16 -> w17: nothing missing before or after
    response = htmx_get(client, f"{after}&step=wheels", trigger=trigger, current=f"{before}&step=wheels")
    html = response.content.decode()
    assert response["HX-Push-Url"].endswith("&step=wheels")
    assert 'id="tabs"' not in html and 'id="pager"' not in html and 'id="overview"' not in html
    emptied = htmx_get(client, "trim=classic&wheels=&packs=&step=wheels", trigger="o:wheels:",
                       current="trim=classic&wheels=w16&packs=&step=wheels").content.decode()
    assert re.search(r'id="tabs"[^>]*hx-swap-oob="true"', emptied) and "tab--missing" in emptied
    on_summary = htmx_get(client, f"{after}&step=summary", trigger=trigger, current=f"{before}&step=summary")
    assert 'id="overview" hx-swap-oob="true"' in on_summary.content.decode()
    assert 'id="panel-' not in html  # the panels, which hold the open state, stay as they are


def test_the_summary_alone_lists_the_build_in_the_query_and_nothing_else(car):
    """What studio.js fetches when a shopper opens the summary: only the summary, in the
    shopper's language, for the build in the query; a broken or made-up query still answers."""
    client = Client()
    html = client.get("/nl/configure/car/summary/?trim=electric&wheels=&packs=tech&step=summary").content.decode()
    assert html.lstrip().startswith('<div class="overview" id="overview" hx-swap-oob="true">')
    assert 'id="tabs"' not in html and 'id="preview"' not in html
    assert "Nog te kiezen" in html and 'data-step="wheels"' in html
    assert _element(html, "overview") == _element(
        client.get("/nl/configure/car/?trim=electric&wheels=&packs=tech&step=summary").content.decode(), "overview")
    assert client.get("/en/configure/car/summary/?trim=nonsense&wheels=%ff&packs=").status_code == 200
    assert client.get("/en/configure/no-such-product/summary/").status_code == 404
    assert client.post("/en/configure/car/summary/").status_code == 405


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_step_opened_without_a_request_asks_for_its_prices_and_then_swaps_like_the_full_page(car, language):
    """A page prices the conflicts of its open step only. Opening another step with JavaScript
    needs no request, so studio.js asks for a step with conflicts alone (views.studio_step); with
    it swapped in, and after each click in it, the steps equal the full page with that step open."""
    url = f"/{language}/configure/car/"
    build = "trim=electric&wheels=w17&packs="
    client = Client()
    page = client.get(f"{url}?{build}&step=trim").content.decode()
    assert 'id="step-fetch"' in page and f'hx-get="{url}step/"' in page
    shown = _fieldsets(page)
    opened = client.get(f"{url}step/?{build}&step=wheels")
    assert opened.status_code == 200
    assert list(_fieldsets(opened.content.decode())) == ["step-wheels"]  # that step, and nothing else
    assert shown["step-wheels"] != _fieldsets(opened.content.decode())["step-wheels"]  # now with prices
    shown.update(_fieldsets(opened.content.decode()))
    assert shown == _fieldsets(client.get(f"{url}?{build}&step=wheels").content.decode())
    previous = f"{build}&step=wheels"
    for after, trigger in (("trim=electric&wheels=w16&packs=", "o:wheels:w16"),
                           ("trim=classic&wheels=w16&packs=", "o:trim:classic")):
        response = client.get(f"{url}?{after}&step=wheels", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                              HTTP_HX_CURRENT_URL=f"http://testserver{url}?{previous}")
        shown.update(_fieldsets(response.content.decode()))
        assert shown == _fieldsets(client.get(response["HX-Push-Url"]).content.decode()), trigger
        previous = f"{after}&step=wheels"


def test_the_open_step_alone_answers_any_query(car):
    client = Client()
    summary = client.get(f"{URL}step/?trim=electric&wheels=w17&step=summary")
    assert summary.status_code == 200 and "<fieldset" not in summary.content.decode()  # no step is open
    made_up = client.get(f"{URL}step/?trim=nonsense&wheels=%ff&packs=&step=%3Cscript%3E")
    assert made_up.status_code == 200 and list(_fieldsets(made_up.content.decode())) == ["step-trim"]  # the first
    assert client.get("/en/configure/no-such-product/step/").status_code == 404
    assert client.post(f"{URL}step/").status_code == 405
