"""CSRF: every URL pattern of the site, walked from the resolver, refuses every state-changing
method without a valid CSRF token (403) and writes nothing: plain form posts, htmx posts and JSON
with the shopper cookie, and staff with an admin session (admin included). The exemptions are
few and on purpose, and asserted as such:

- the API with the X-Atelier-Shopper header: it carries no ambient authority (a browser never
  sends it by itself, and a cross-site page cannot add it without a CORS preflight, which this
  site never answers), so it needs no token;
- the API without any identity: it can only act for a brand-new shopper, and takes only JSON
  (a cross-site form gets 415 and creates nothing);
- api_not_found, the JSON 404 for any other path under /api/;
- the e-mail unsubscribe link (RFC 8058: a mail provider's one-click POST carries no cookie).
  It acts only on a signed token that names the shopper, and only ever withdraws consent; a
  forged token gets 400 and changes nothing, any other method 405.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.views import APIView

from configurator.api.errors import api_not_found
from configurator.identity import Owner, sign_shopper
from configurator.models import Build
from configurator.services import build_save, build_share, order_place
from personalization.consent import COOKIE as CONSENT_COOKIE
from personalization.consent import Consents, consent_cookie_value
from personalization.services import consent_set
from personalization.views_campaigns import unsubscribe
from tests.configurator.conftest import make_car
from tests.factories import CampaignFactory, UserFactory
from tests.security.conftest import db_snapshot

pytestmark = pytest.mark.django_db

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
SECRET = "a" * 32  # a well-formed CSRF secret: the cookie a real browser of the site would hold
# The deliberate exemptions and what they answer to a request without a token (see the docstring).
DELIBERATELY_EXEMPT = {api_not_found: {404}, unsubscribe: {400, 405}}
# Paths for the patterns without a name that cannot be filled in from their route.
UNNAMED_REGEX_SAMPLES = {r"^api/(?:.*/)?$": "api/no-such-endpoint/", r"(?P<url>.*)$": "no-such-page/"}


def walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix, entry, name


@pytest.fixture
def world(settings):
    """An owner with a draft, a shared and an ordered build, consent, a campaign and a superuser."""
    settings.ATELIER_RATELIMIT_ENABLED = False  # thousands of refused requests from one client
    car = make_car()
    owner = Owner(shopper_id=uuid.uuid4())
    consent_set(shopper_id=owner.shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    draft = build_save(product=car, selections={"wheels": "w17"}, owner=owner, name="Draft")
    shared = build_share(build=build_save(product=car, selections={}, owner=owner, name="Shared"), owner=owner)
    ordered = build_save(product=car, selections={}, owner=owner, name="Ordered")
    placed = order_place(build=ordered, owner=owner, name="Ann de Vries", email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    return {
        "car": car, "owner": owner, "draft": draft, "shared": shared, "order": placed,
        "campaign": CampaignFactory(), "staff": UserFactory(is_staff=True, is_superuser=True),
    }


def sample_kwargs(pattern: URLPattern, name: str | None, world) -> dict[str, str]:
    draft = world["draft"]
    known = {
        "build_id": str(draft.pk), "slug": "car", "code": world["shared"].share_code,
        "number": world["order"].number, "campaign_id": str(world["campaign"].pk),
        "version_id": str(draft.catalog_version_id), "fingerprint": draft.fingerprint,
        "app_label": "configurator", "content_type_id": str(ContentType.objects.get_for_model(Build).pk),
    }
    kwargs = {}
    for group in pattern.pattern.regex.groupindex:
        if group in known:
            kwargs[group] = known[group]
        elif group in ("object_id", "pk", "id"):
            kwargs[group] = admin_object_id(name, world)
        else:
            kwargs[group] = "x"
    return kwargs


def admin_object_id(name: str | None, world) -> str:
    """The pk of a real row of the admin's model (admin:<app>_<model>_<view>), where there is one."""
    if name and name.startswith("admin:"):
        for model in apps.get_models():
            label = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
            if name.startswith(label):
                row = model._default_manager.order_by("pk").first()
                return str(row.pk) if row is not None else "1"
    return str(world["draft"].pk)


def every_url(world) -> list[tuple[str, object]]:
    """(path, view) for every URL pattern of the site, with its parameters filled in."""
    urls = []
    for prefix, pattern, name in walk(get_resolver().url_patterns):
        kwargs = sample_kwargs(pattern, name, world)
        if name:
            path = reverse(name, kwargs=kwargs)
        elif hasattr(pattern.pattern, "_route"):
            route = str(pattern.pattern)
            for group, value in kwargs.items():
                route = route.replace(f"<{group}>", value)
                for converter in ("int", "str", "slug", "uuid", "path"):
                    route = route.replace(f"<{converter}:{group}>", value)
            path = "/" + prefix + route
        else:
            path = "/" + prefix + UNNAMED_REGEX_SAMPLES[str(pattern.pattern)]
        match = resolve(path.split("?")[0])
        assert match.func == pattern.callback, f"{path} resolves to {match.func}, not {pattern.callback}"
        urls.append((path, pattern.callback))
    assert len(urls) > 100  # the admin's too
    return urls


snapshot = db_snapshot


def shopper_browser(world) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(world["owner"].shopper_id)
    client.cookies[CONSENT_COOKIE] = consent_cookie_value(
        Consents(analytics=True, personalization=True, marketing=False, decided=True)
    )
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET
    return client


def staff_browser(world) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["staff"])
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET
    return client


def send(client: Client, method: str, path: str, variant: str, token: str | None = None):
    extra = {}
    if variant == "json":
        body, content_type = '{"name": "changed", "selections": {}, "events": []}', "application/json"
    else:
        fields = {"name": "changed", "state": "", "confirm": "on", "choice": "all"}
        if token is not None:
            fields["csrfmiddlewaretoken"] = token
        body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
    if variant == "htmx":
        extra["HTTP_HX_REQUEST"] = "true"
    if token is not None and variant != "form":
        extra["HTTP_X_CSRFTOKEN"] = token
    return client.generic(method, path, body, content_type=content_type, **extra)


def refused_with(view, variant: str) -> set[int]:
    if view in DELIBERATELY_EXEMPT:
        return DELIBERATELY_EXEMPT[view]
    if variant != "json" and issubclass(getattr(view, "cls", object), APIView):
        # Staff's session check (SessionAuthentication) reads the body for a token, and the API
        # parses only JSON: a form body is refused as such (415) before anything is done.
        return {403, 415}
    return {403}


def refusals(client: Client, world, variant: str, token: str | None = None) -> list[str]:
    """What was not refused: 403 (or 415, see refused_with; the deliberate exemptions' own answers)."""
    wrong = []
    for path, view in every_url(world):
        for method in UNSAFE:
            response = send(client, method, path, variant, token)
            if response.status_code not in refused_with(view, variant):
                wrong.append(f"{method} {path} ({variant}): {response.status_code}")
    return wrong


@pytest.mark.parametrize("variant", ["form", "htmx", "json"])
def test_no_token_no_change_for_a_shopper(world, variant):
    before = snapshot()
    assert refusals(shopper_browser(world), world, variant) == []
    assert snapshot() == before


@pytest.mark.parametrize("variant", ["form", "htmx", "json"])
def test_no_token_no_change_for_staff(world, variant):
    browser = staff_browser(world)  # (logging in writes the session and last_login)
    before = snapshot()
    assert refusals(browser, world, variant) == []
    assert snapshot() == before


def test_a_wrong_token_is_no_token(world):
    before = snapshot()
    assert refusals(shopper_browser(world), world, "htmx", token="b" * 32) == []
    assert snapshot() == before


def test_the_only_views_exempt_from_the_middleware_are_the_api_its_404_and_unsubscribe():
    exempt = set()
    for _prefix, pattern, _name in walk(get_resolver().url_patterns):
        callback = pattern.callback
        if getattr(callback, "csrf_exempt", False):
            view_class = getattr(callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                # DRF's own check instead: ShopperCookieCsrf for the shopper cookie, and
                # SessionAuthentication for staff (proven above).
                assert "configurator.api.auth.ShopperCookieCsrf" in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
                continue
            exempt.add(callback)
    assert exempt == set(DELIBERATELY_EXEMPT)


# Controls: the same requests with the token go through, so the 403s above are CSRF's ------------

def test_with_the_token_a_form_post_goes_through(world):
    client = shopper_browser(world)
    response = send(client, "POST", "/en/configure/car/save/", "form", token=SECRET)
    assert response.status_code == 302
    assert Build.objects.filter(name="changed").count() == 1


def test_with_the_token_an_htmx_post_goes_through(world):
    response = send(shopper_browser(world), "POST", "/en/consent/", "htmx", token=SECRET)
    assert response.status_code == 200


def test_with_the_token_the_api_with_the_cookie_goes_through(world):
    draft = world["draft"]
    response = send(shopper_browser(world), "PATCH", f"/api/builds/{draft.pk}/", "json", token=SECRET)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.name == "changed"


def test_with_the_token_staff_reach_the_api(world):
    response = send(staff_browser(world), "POST", "/api/builds/", "json", token=SECRET)
    assert response.status_code == 400  # past CSRF: the body names no product


# The deliberate exemptions -----------------------------------------------------------------------

def test_the_api_with_the_shopper_header_needs_no_token(world):
    draft = world["draft"]
    api = Client(enforce_csrf_checks=True, HTTP_X_ATELIER_SHOPPER=sign_shopper(world["owner"].shopper_id))
    assert api.patch(f"/api/builds/{draft.pk}/", {"name": "Renamed"}, content_type="application/json").status_code == 200
    assert api.post(f"/api/builds/{draft.pk}/share/").status_code == 200
    draft.refresh_from_db()
    assert (draft.name, draft.status) == ("Renamed", "shared")


def test_no_cross_site_page_may_send_the_header(world):
    """A cross-site fetch with a custom header needs a CORS preflight; the site never allows one."""
    response = Client().options(
        "/api/builds/", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-atelier-shopper",
    )
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response


def test_a_bad_header_never_falls_back_to_the_cookie(world):
    """With the header the API waives CSRF, so a request sending a forged header next to the
    shopper's cookie must not act as that shopper."""
    draft = world["draft"]
    client = shopper_browser(world)
    response = client.post(f"/api/builds/{draft.pk}/share/", HTTP_X_ATELIER_SHOPPER="forged")
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_cross_site_form_cannot_create_through_the_api(world):
    """Without any identity the API needs no token, but takes only JSON, which a cross-site form
    cannot send: nothing is created and no identity is handed out."""
    before = snapshot()
    browser = Client(enforce_csrf_checks=True)
    for path in ("/api/builds/", f"/api/shared/{world['shared'].share_code}/remix/", "/api/events/"):
        for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"):
            response = browser.generic("POST", path, '{"product": "car"}', content_type=content_type)
            assert response.status_code in (403, 415), (path, content_type, response.status_code)
            assert settings.ATELIER_SHOPPER_COOKIE not in response.cookies
    assert snapshot() == before
