"""Security headers on every kind of response (HTML, JSON, htmx), and markup that the Content
Security Policy lets work: no inline <script> or <style>, no style="" or on…="" attributes and no
htmx feature that needs eval, on the shopper pages, in every admin page and in the API docs.
(tests/e2e/test_csp.py checks the same pages in Chromium; tests/test_deploy_check.py the
production settings.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from configurator.models import Option
from configurator.services import product_publish
from personalization.models import MotivationMap, Profile
from personalization.reports import REPORTS
from personalization.services.motivations import motivation_map_seed
from tests.configurator.test_admin import NO_ADD_PAGE, REGISTERED_MODELS, admin_url, make
from tests.factories import MapLearningJobFactory, MotivationWeightFactory, ProfileFactory, RescoreJobFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
STUDIO = "/en/configure/car/"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_security_headers(response) -> None:
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    features = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


class _InlineFinder(HTMLParser):
    """Collects what the policy would refuse (or what would need 'unsafe-eval' in htmx)."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in values.items())[:160]}>"
        if tag == "style":
            self.problems.append(f"inline <style>: {where}")
        if tag == "script" and "src" not in values and values.get("type") != "application/json":
            self.problems.append(f"inline <script>: {where}")
        for name, value in values.items():
            if name == "style":
                self.problems.append(f"style attribute: {where}")
            elif name.startswith("on"):
                self.problems.append(f"event handler attribute {name}: {where}")
            elif value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name}: {where}")
            elif name.startswith(("hx-on", "data-hx-on")) or (name in ("hx-vals", "hx-vars") and "js:" in value):
                self.problems.append(f"htmx attribute that needs eval, {name}: {where}")
            elif name == "hx-trigger" and "[" in value:
                self.problems.append(f"htmx trigger filter (eval): {where}")

    handle_startendtag = handle_starttag


def inline_problems(response) -> list[str]:
    finder = _InlineFinder()
    finder.feed(response.content.decode())
    return finder.problems


def htmx_config(response) -> dict:
    html = response.content.decode()
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert found, "no htmx-config"
    return json.loads(found.group(1))



@pytest.fixture
def car_with_swatch(car):
    """The test car, with a colour swatch on an option (drawn as SVG, not with style="")."""
    Option.objects.filter(group__product=car, code="w17").update(swatch="#1a2b3c")
    product_publish(product=car)
    return car


def htmx_click(client: Client, query: str, before: str):
    return client.get(f"{STUDIO}?{query}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="o:wheels:w17",
                      HTTP_HX_CURRENT_URL=f"http://testserver{STUDIO}?{before}")


def test_html_responses_carry_the_headers_and_the_strict_policy(car):
    response = Client().get("/en/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert_security_headers(response)


def test_json_responses_carry_the_headers(car):
    response = Client().get("/api/products/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert_security_headers(response)


def test_htmx_responses_carry_the_headers(car):
    response = htmx_click(Client(), "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=")
    assert response.status_code == 200 and 'id="price"' in response.content.decode()
    assert_security_headers(response)


def test_error_pages_carry_the_headers(db):
    response = Client().get("/en/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)


def test_the_swagger_ui_loads_its_script_from_its_own_url(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    assert_security_headers(page)
    assert inline_problems(page) == []
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)">', page.content.decode())
    assert script, "no set-up script URL"
    js = Client().get(script.group(1).replace("&amp;", "&"))
    assert js.status_code == 200 and js["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in js.content.decode()
    assert js["X-Content-Type-Options"] == "nosniff"


def test_htmx_is_configured_for_the_policy_on_every_kind_of_page(car_with_swatch):
    for path in ("/en/", STUDIO, "/en/privacy/"):
        config = htmx_config(Client().get(path))
        assert config["includeIndicatorStyles"] is False, path
        assert config["allowEval"] is False, path
        assert config["allowScriptTags"] is False, path
    assert htmx_config(Client().get(STUDIO))["historyCacheSize"] == 0  # the studio's own settings kept


def test_the_shopper_pages_have_nothing_inline(car_with_swatch):
    client = Client()
    pages = {"home with the consent banner": client.get("/en/")}
    studio = client.get(f"{STUDIO}?trim=classic&wheels=w17&packs=")
    assert 'fill="#1a2b3c"' in studio.content.decode()  # the swatch is there, as an SVG fill
    pages["studio"] = studio
    pages["htmx update"] = htmx_click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=")
    pages["htmx repair offer"] = htmx_click(client, "trim=electric&wheels=w18&packs=", "trim=classic&wheels=w18&packs=")
    saved = client.post(f"{STUDIO}save/", {"state": "trim=classic&wheels=w17&packs=", "name": "Mine"})
    assert saved.status_code == 302
    build_url = saved["Location"]
    pages["design"] = client.get(build_url)
    pages["my designs"] = client.get("/en/my-designs/")
    shared = client.post(f"{build_url}share/")
    assert shared.status_code == 302
    pages["share page"] = client.get(shared["Location"])
    pages["share page for a friend"] = Client().get(shared["Location"])
    pages["order"] = client.get(f"{build_url}order/")
    ordered = client.post(f"{build_url}order/", {
        "name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
        "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam",
    })
    assert ordered.status_code == 302, ordered.content.decode()[:2000]
    pages["order confirmation"] = client.get(ordered["Location"])
    pages["consent banner, answered (htmx)"] = client.post("/en/consent/", {"choice": "all", "source": "banner"},
                                                           HTTP_HX_REQUEST="true")
    pages["privacy"] = client.get("/en/privacy/")
    pages["my data"] = client.get("/en/my-data/")
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_security_headers(response)
        assert inline_problems(response) == [], name


def test_every_admin_page_has_nothing_inline(admin_client, car_with_swatch):
    ProfileFactory(scores={"status": 1.2, "value": 0.4})
    RescoreJobFactory(map=MotivationWeightFactory(map=motivation_map_seed()).map)  # their factories' map is v1
    MapLearningJobFactory(base=motivation_map_seed())
    urls = ["/admin/", "/admin/personalization/reports/"]
    urls += [f"/admin/personalization/reports/{slug}/" for slug in REPORTS]
    for model in REGISTERED_MODELS:
        urls.append(admin_url(model, "changelist"))
        if model not in NO_ADD_PAGE:
            urls.append(admin_url(model, "add"))
        obj = model._default_manager.first() or make(model)
        urls.append(admin_url(model, "change", obj.pk))
    assert admin_url(MotivationMap, "change", MotivationMap.objects.get(is_current=True).pk) in urls
    assert Profile.objects.exists()
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert inline_problems(response) == [], url


def test_the_finder_sees_what_the_policy_refuses():
    """The control for the scans above."""

    class Page:
        content = (b'<p style="color:red" onclick="x()">a</p><style>p{}</style><script>x()</script>'
                   b'<script type="application/json">{}</script><script src="/s.js"></script>'
                   b'<a href="javascript:x()">b</a><button hx-on:click="x()" hx-trigger="click[ctrlKey]">c</button>')

    problems = inline_problems(Page())
    assert len(problems) == 7, problems
