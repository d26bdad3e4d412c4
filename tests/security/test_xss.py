"""A corpus of hostile strings goes wherever a shopper or staff member can type: personal text,
build names, order fields and campaign content. On every page that shows it, it must be text:
parsed with the standard library's HTML parser, the page shows the saved value literally (not
double-escaped, not interpreted) and no element or attribute came from it. In images it is drawn
literally: where the text rules allow the characters, the preview and the social card equal the
pure renderer's picture of that literal text; where they refuse it, the shopper gets a 400 with
the reason and nothing is saved.

Every payload carries the marker `xssmark` where an injection would create a tag or attribute
name (and in script bodies), so an injection anywhere on a page is found by looking for it.
"""

from __future__ import annotations

import html
import io
import json
import re
import uuid
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from configurator.engine import normalize
from configurator.identity import Owner, sign_shopper
from configurator.models import Build, GroupKind, Option, OptionGroup, Order, Product, ProductView, TextPlacement
from configurator.personal_text import text_problems
from configurator.previews import encode_preview
from configurator.render import compose, layers_for
from configurator.render.compose import canvas_size
from configurator.render.social import social_card
from configurator.services import build_save, build_share, order_place, product_publish
from configurator.snapshot import catalog_for
from personalization.consent import COOKIE as CONSENT_COOKIE
from personalization.consent import Consents, consent_cookie_value
from personalization.models import Campaign, Segment
from personalization.services.segments import segment_materialize
from personalization.services.shoppers import consent_set
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

MARK = "xssmark"
PAYLOADS = [
    f"<script>{MARK}()</script>",
    f'"><img src=x {MARK} onerror=alert(1)>',
    f"'><svg {MARK} onload=alert(1)>",
    f"<svg><script>{MARK}()</script></svg>",
    f'<math><mi {MARK} xlink:href="javascript:alert(1)">x</mi></math>',
    f"javascript:{MARK}()",
    f'<a {MARK} href="javascript:alert(1)">x</a>',
    f'" {MARK} onmouseover="alert(1)',
    f"' {MARK} onfocus='alert(1)' autofocus='",
    f"</title><{MARK}>",
    f"</textarea><{MARK}>",
    f"</script><{MARK}>",
    f"<!--<{MARK}>-->",
    f"<![CDATA[<{MARK}>]]>",
    f"{{{{ request.META }}}}{{% debug %}}{{{{ 7*7 }}}} {MARK}",
    f"${{7*7}} #{{7*7}} {MARK}",
    f"\u202e{MARK}\u202c gnp.exe",
    f"xss\u200bmark\u200d\ufeff {MARK}",
    f"nul\x00{MARK}",
    f'<iframe {MARK} srcdoc="<script>alert(1)</script>">',
    f"<style>*{{background:url(javascript:{MARK})}}</style>",
    f"\"'><`=& {MARK}",
    f"&lt;{MARK}&gt; &amp; &#60;",
    f"<body {MARK} onload=alert(1)>",
    f"<img src=x:{MARK} onerror=alert(1)//",
]
LONG = f"<{MARK}>" + "A" * 5000
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Page(HTMLParser):
    """Start tags with their attributes, and the text of the page (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        self._script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        (self.scripts if self._script else self.texts).append(data)

    def handle_comment(self, data):
        self.texts.append(data)


def check_page(response, shown: list[str] = (), raw: list[str] = ()) -> None:
    """No element or attribute came from user input, no dangerous URL, no user text in a script;
    each `shown` value appears literally as text or an attribute value; no `raw` payload appears
    unescaped in the source."""
    assert response.status_code in (200, 400), response.status_code
    source = response.content.decode()
    page = _Page()
    page.feed(source)
    page.close()
    values = []
    for tag, attrs in page.elements:
        assert MARK not in tag, f"injected element <{tag}>"
        for name, value in attrs:
            assert MARK not in name, f"injected attribute {name} on <{tag}>"
            assert not name.startswith("on"), f"event-handler attribute {name} on <{tag}>"
            if name in URL_ATTRIBUTES and value:
                assert not re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(DANGEROUS_SCHEMES), (tag, name, value)
            values.append(value or "")
    assert not any(MARK in script for script in page.scripts), "user text inside a script"
    text = "".join(page.texts)
    for value in shown:
        assert value in text or any(value in v for v in values), f"{value!r} is not shown literally"
    for payload in raw:
        if set(payload) & set("<>\"'"):
            assert payload not in source, f"{payload!r} appears unescaped"


# Scene -------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _limits_out_of_reach(settings):
    """The corpus sends dozens of orders and saves; the rate limits are tested on their own."""
    settings.ATELIER_RATELIMITS = {scope: "100000/m" for scope in settings.ATELIER_RATELIMITS}


@pytest.fixture
def engraved(db) -> Product:
    """A product whose personal text allows any character but a line break (staff may be that
    generous), on a canvas wide enough for 200 characters, and no layer art."""
    product = Product.objects.create(slug="engraved", name_en="Engraved", name_nl="Gegraveerd", base_price=50,
                                     canvas_width=4000, canvas_height=200)
    colour = OptionGroup.objects.create(product=product, code="colour", name_en="Colour", name_nl="Kleur")
    plain = Option.objects.create(group=colour, code="plain", name_en="Plain", name_nl="Effen")
    colour.default_option = plain
    colour.save()
    engraving = OptionGroup.objects.create(
        product=product, code="engraving", name_en="Engraving", name_nl="Gravure", kind=GroupKind.TEXT,
        required=False, max_length=200, allowed_pattern=".", text_colour="#1d1d1f", position=1,
    )
    view = ProductView.objects.create(product=product, code="front", name_en="Front", name_nl="Voorkant")
    TextPlacement.objects.create(group=engraving, view=view, x=0, y=80, width=4000, height=40)
    product_publish(product=product)
    product.refresh_from_db()
    return product


def browser(shopper_id: uuid.UUID, *, consent: bool = True) -> Client:
    client = Client()
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(shopper_id)
    if consent:
        client.cookies[CONSENT_COOKIE] = consent_cookie_value(
            Consents(analytics=True, personalization=True, marketing=False, decided=True))
        consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    return client


@pytest.fixture
def staff(db) -> Client:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def allowed(product: Product, step: str, text: str) -> bool:
    """Whether the text rules take this text (the engine's and personal_text's checks)."""
    cat = catalog_for(product.current_version_id)
    state, errors = normalize(cat, {step: text})
    from configurator.engine import evaluate

    return not errors and evaluate(cat, state).valid and not text_problems(cat, state)


def pure_preview(product: Product, selections: dict) -> bytes:
    """The pure renderer's picture of these selections, encoded like a served preview."""
    from configurator.previews import layer_cache

    cat = catalog_for(product.current_version_id)
    state, _ = normalize(cat, selections)
    size = canvas_size(cat)
    image = compose(layers_for(cat, state), size, lambda name, tint: layer_cache.get(name, tint, size),
                    settings.FONT_DIR)
    return encode_preview(image)


def fetch(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def img_src(response, alt_contains: str = "") -> str:
    page = _Page()
    page.feed(response.content.decode())
    for tag, attrs in page.elements:
        found = dict(attrs)
        if tag == "img" and "/preview/" in (found.get("src") or ""):
            return html.unescape(found["src"])
    raise AssertionError("no preview image on the page")


# Personal text and build names -------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_personal_text_and_names_are_text_on_every_page_and_drawn_literally(payload, engraved, staff):
    shopper = Owner(shopper_id=uuid.uuid4())
    client = browser(shopper.shopper_id)
    if not allowed(engraved, "engraving", payload):  # a NUL, for instance
        check_refused_text(engraved, "engraving", payload)
        return
    build = build_save(product=engraved, selections={"engraving": payload}, owner=shopper, name=payload[:80])
    text, name = build.selections["engraving"], build.name
    assert text and name  # what is stored, cleaned (NFC, trimmed; names lose control characters)
    pages = {
        "studio": f"/en/configure/engraved/?b={build.pk}",
        "design": f"/en/designs/{build.pk}/",
        "my designs": "/en/my-designs/",
    }
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, label
        check_page(response, shown=[name] if label != "studio" else [], raw=[payload])
    studio = client.get(f"/en/configure/engraved/?{query_for(engraved, build)}&b={build.pk}")
    check_page(studio, shown=[text], raw=[payload])
    # The preview draws the literal text: the pure renderer's picture, not that of its escaped form.
    preview = fetch(client, img_src(studio))
    assert preview == pure_preview(engraved, build.selections)
    if html.escape(text) != text:
        assert preview != pure_preview(engraved, {"engraving": html.escape(text)})

    shared = build_share(build=build, owner=shopper)
    page = Client().get(f"/s/{shared.share_code}/")
    check_page(page, shown=[name, text], raw=[payload])
    assert_meta_tags_hold_the_literal_name(page, name)
    card = fetch(Client(), f"/s/{shared.share_code}/card.png")
    assert card == pure_card(engraved, shared, title=name)

    order = order_place(build=shared, owner=shopper, name=payload[:120], email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    check_page(client.get(f"/en/orders/{order.number}/"), shown=[order.name], raw=[payload])
    check_page(staff.get(f"/admin/configurator/order/{order.pk}/change/"), shown=[order.name], raw=[payload])
    check_page(staff.get("/admin/configurator/order/"), shown=[order.name], raw=[payload])
    check_page(staff.get("/admin/configurator/build/"), shown=[name], raw=[payload])
    check_page(client.get("/en/my-data/"), raw=[payload])
    export = client.get("/en/my-data/export.json")
    assert export["Content-Type"] == "application/json" and export["Content-Disposition"].startswith("attachment")
    assert name in strings(json.loads(export.content))  # data, as it was saved


def strings(data) -> list[str]:
    if isinstance(data, dict):
        return [*data, *(s for v in data.values() for s in strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in strings(v)]
    return [data] if isinstance(data, str) else []


def query_for(product: Product, build: Build) -> str:
    from configurator.querystate import query_from_plain

    return query_from_plain(catalog_for(build.catalog_version_id), build.selections)


def pure_card(product: Product, build: Build, *, title: str) -> bytes:
    from configurator.templatetags.atelier import eur

    cat = catalog_for(build.catalog_version_id)
    state, _ = normalize(cat, build.selections)
    size = canvas_size(cat)
    from configurator.previews import layer_cache

    preview = compose(layers_for(cat, state), size, lambda n, t: layer_cache.get(n, t, size), settings.FONT_DIR)
    from django.utils import translation

    with translation.override("en"):
        image = social_card(preview, title, "Engraved", eur(build.total), settings.FONT_DIR)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def assert_meta_tags_hold_the_literal_name(response, name: str) -> None:
    page = _Page()
    page.feed(response.content.decode())
    meta = {dict(a).get("property") or dict(a).get("name"): dict(a).get("content") for t, a in page.elements
            if t == "meta"}
    assert meta["og:title"] == meta["twitter:title"] == name
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert html.unescape(title).startswith(name)


def check_refused_text(product: Product, step: str, payload: str) -> None:
    """A text the rules refuse: 400 with the reason (naming the step), nothing saved, also
    through the studio's save form."""
    shopper = uuid.uuid4()
    client = Client(HTTP_X_ATELIER_SHOPPER=sign_shopper(shopper))
    builds = Build.objects.count()
    response = client.post("/api/builds/", json.dumps({"product": product.slug, "selections": {step: payload}}),
                           content_type="application/json")
    assert response.status_code == 400
    reasons = response.json()["errors"]["selections"]  # by step, or the rules the text breaks
    assert all(isinstance(m, str) and m for m in (reasons.get(step) or reasons["violations"]))
    form = browser(uuid.uuid4(), consent=False).post(
        f"/en/configure/{product.slug}/save/", {"state": urlencode({step: payload}), "name": "x"})
    assert form.status_code == 400
    check_page(form, raw=[payload])
    assert Build.objects.count() == builds


@pytest.mark.parametrize("payload", [*PAYLOADS, "xssmark", "XSS MARK 1", "ABC"], ids=range(len(PAYLOADS) + 3))
def test_the_demo_text_rules_either_draw_the_text_literally_or_refuse_it_with_a_reason(payload, demo):
    """Badge, heel text and monogram: what the rules allow is drawn as it is; the rest is a 400
    with the reason and nothing saved."""
    for slug, step in (("city-car", "badge"), ("sneaker", "heel_text"), ("trench-coat", "monogram")):
        product = demo[slug]
        if not allowed(product, step, payload):
            check_refused_text(product, step, payload)
            continue
        shopper = uuid.uuid4()
        client = Client(HTTP_X_ATELIER_SHOPPER=sign_shopper(shopper))
        response = client.post("/api/builds/", json.dumps({"product": slug, "selections": {step: payload}}),
                               content_type="application/json")
        assert response.status_code == 201
        build = Build.objects.get(pk=response.json()["id"])
        assert build.selections[step] == payload.strip()
        studio = browser(shopper).get(f"/en/configure/{slug}/?{query_for(product, build)}&b={build.pk}")
        check_page(studio, shown=[payload.strip()], raw=[payload])
        assert fetch(Client(), img_src(studio)) == pure_preview(product, build.selections)


def test_the_corpus_meets_both_outcomes_of_the_demo_rules(demo):
    """So the test above exercises refusals and literal drawing alike."""
    outcomes = {allowed(demo["city-car"], "badge", p) for p in [*PAYLOADS, "xssmark", "XSS MARK 1"]}
    assert outcomes == {True, False}


def test_long_names_and_texts_are_refused_with_a_reason(engraved):
    client = Client(HTTP_X_ATELIER_SHOPPER=sign_shopper(uuid.uuid4()))
    for body in ({"product": "engraved", "name": LONG}, {"product": "engraved", "selections": {"engraving": LONG}}):
        response = client.post("/api/builds/", json.dumps(body), content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"]
    assert not Build.objects.exists()


# Order fields ------------------------------------------------------------------------------------

def test_hostile_order_fields_are_refused_or_shown_as_text(engraved, staff):
    shopper = Owner(shopper_id=uuid.uuid4())
    client = browser(shopper.shopper_id)
    build = build_save(product=engraved, selections={}, owner=shopper)
    url = f"/en/designs/{build.pk}/order/"
    for payload in PAYLOADS:
        refused = client.post(url, {"name": "Ann", "email": payload, "country": payload, "address_line1": payload,
                                    "postal_code": payload, "city": payload})
        assert refused.status_code == 400
        check_page(refused, raw=[payload])
        assert not Order.objects.exists()
    email = f'"<script>{MARK}</script>"@example.com'  # a valid address, quoted local part
    name = PAYLOADS[1]
    placed = client.post(url, {"name": name, "email": email, "country": "NL", "address_line1": name,
                               "postal_code": "1015 CJ", "city": "Amsterdam"})
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.name, order.email, order.address_line1) == (name, email, name)
    check_page(client.get(placed["Location"]), shown=[name], raw=[name, email])
    for page in (f"/admin/configurator/order/{order.pk}/change/", "/admin/configurator/order/",
                 f"/admin/configurator/order/?q={MARK}"):
        check_page(staff.get(page), shown=[name], raw=[name, email])


# Campaign content --------------------------------------------------------------------------------

PLACEMENTS = (("home_hero", "/en/"), ("product_banner", "/en/configure/engraved/"),
              ("starting_build", "/en/configure/engraved/"))


@pytest.mark.parametrize(("placement", "url"), PLACEMENTS)
def test_campaign_content_is_text_in_every_placement(placement, url, engraved):
    segment = Segment.objects.create(name="everyone", purpose="personalization", rules={})
    owner = Owner(shopper_id=uuid.uuid4())
    start = build_share(build=build_save(product=engraved, selections={}, owner=owner, name=PAYLOADS[2]), owner=owner)
    campaigns = []
    for index, payload in enumerate(PAYLOADS):
        payload = payload.replace("\x00", "")  # staff forms refuse NUL characters (Django's own validator)
        campaigns.append(dict(
            name=payload[:120], segment=segment, placement=placement, holdout_percent=0, product=engraved,
            starting_build=start if placement == "starting_build" else None, priority=index,
            headline_en=payload[:120], headline_nl=payload[:120], body_en=f"{payload}\n{LONG}", body_nl=payload,
            cta_en=payload[:60], cta_nl=payload[:60], link=f"javascript:{MARK}()" if index % 2 else payload[:300],
        ))
    shopper = uuid.uuid4()
    client = browser(shopper)
    segment_materialize(segment=segment)
    for fields in campaigns:  # one at a time: each is the only one that can show
        Campaign.objects.all().delete()
        campaign = CampaignFactory(**fields)
        response = client.get(url)
        shown = [fields["headline_en"], fields["cta_en"]] + ([start.name] if placement == "starting_build" else [])
        check_page(response, shown=shown, raw=[fields["headline_en"], fields["body_en"]])
        click = client.get(f"/en/c/{campaign.pk}/")
        assert click.status_code == 302
        assert click["Location"].startswith("/") and not click["Location"].startswith("//")


# Admin reports -----------------------------------------------------------------------------------

def test_shopper_and_staff_text_is_text_in_every_admin_report(demo, staff):
    """Client events carry step and option codes the shopper chose (the top-options report shows
    unknown ones as they came); shared builds carry their names (lineage); segments and campaigns
    carry staff text."""
    from datetime import timedelta

    from django.utils import timezone

    from personalization.reports import REPORTS
    from personalization.services.rollups import rollups_refresh

    car = demo["city-car"]
    codes = [p.replace("\x00", "")[:64] for p in PAYLOADS]
    sharer = Owner(shopper_id=uuid.uuid4())
    sharer_client = browser(sharer.shopper_id)
    original = build_share(build=build_save(product=car, selections={}, owner=sharer, name=PAYLOADS[1]), owner=sharer)
    viewer = uuid.uuid4()
    events = [{"key": str(uuid.uuid4()), "type": "option_selected", "product": car.pk, "group": code, "option": code}
              for code in codes]
    events.append({"key": str(uuid.uuid4()), "type": "share_viewed", "product": car.pk, "build": str(original.pk)})
    for client in (sharer_client, Client(HTTP_X_ATELIER_SHOPPER=sign_shopper(viewer))):
        if client is not sharer_client:
            consent_set(shopper_id=viewer, analytics=True, personalization=True, marketing=False, source="banner")
        response = client.post("/api/events/", json.dumps({"events": events}), content_type="application/json")
        assert response.status_code == 201, response.content
        events = [{**e, "key": str(uuid.uuid4())} for e in events]
    segment = Segment.objects.create(name=PAYLOADS[3][:120], purpose="personalization", rules={})
    segment_materialize(segment=segment)
    CampaignFactory(name=PAYLOADS[7][:120], segment=segment, placement="home_hero", holdout_percent=50,
                    headline_en=PAYLOADS[0], headline_nl=PAYLOADS[0])
    rollups_refresh(since=timezone.localdate() - timedelta(days=60))
    raw = [*codes, original.name, segment.name, PAYLOADS[7]]
    for slug in REPORTS:
        response = staff.get(f"/admin/personalization/reports/{slug}/")
        assert response.status_code == 200, slug
        check_page(response, shown=[codes[0], codes[1]] if slug == "options" else [], raw=raw)
    for page in ("/admin/personalization/segment/", "/admin/personalization/campaign/",
                 f"/admin/personalization/segment/{segment.pk}/change/"):
        check_page(staff.get(page), shown=[segment.name], raw=raw)


def test_the_save_state_markup_is_not_escaped_twice(demo):
    """The studio's save form is assembled with format_html: its own attributes stay attributes
    while the build in it is escaped (`"true"`, not `&quot;true&quot;`)."""
    from configurator.templatetags.atelier import save_state

    query = urlencode({"badge": f'"><{MARK}>'})
    page = _Page()
    page.feed(save_state(query, valid=False, oob=True))
    attributes = {tag: dict(attrs) for tag, attrs in page.elements}
    assert attributes["div"]["hx-swap-oob"] == "true"
    assert attributes["button"]["aria-disabled"] == "true" and "disabled" in attributes["button"]
    assert attributes["input"]["value"] == query
    studio = Client().get(f"/en/configure/city-car/?{query}")
    check_page(studio, raw=[f'"><{MARK}>'])
    buttons = [dict(a) for t, a in _parsed(studio).elements if t == "button" and dict(a).get("type") == "submit"]
    assert any(b.get("aria-disabled") == "true" for b in buttons)


def _parsed(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page
