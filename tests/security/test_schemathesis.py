"""Schemathesis against the API's own OpenAPI schema (/api/schema/), in process through the WSGI
application: every operation, all built-in checks (no server error; status code, content type,
headers and body as documented; schema-valid data accepted, schema-invalid data refused).

The fuzzer reaches past the 404s: half of its examples use real ids from the seeded demo catalog
(the shopper's draft, shared and ordered builds, another shopper's draft, real share codes and
product slugs), and two thirds act as that shopper through the X-Atelier-Shopper header (the
shopper consented, so events are stored). A schema cannot say which option codes a catalog
has, so schema-valid (positive) examples get catalog references that exist: a real product and
one of its valid builds. Negative examples go out exactly as generated.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from atelier.wsgi import application
from configurator.identity import Owner, sign_shopper
from configurator.models import Build
from configurator.services import build_save, build_share, order_place
from personalization.services.shoppers import consent_set
from tests.security.conftest import valid_selections

# Loaded from the app's /api/schema/ endpoint, as a client sees it.
api_schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers={"Accept": "application/json"})

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_app(settings):
    """Requests keep the test's database connection (as with Django's test client), so all they
    write rolls back with the test. Rate limits are raised so that deep paths stay reachable
    (test_rate_limited_answers_are_documented covers the 429s)."""
    settings.ATELIER_RATELIMITS = {scope: "100000/m" for scope in settings.ATELIER_RATELIMITS}
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(demo, shopper):
    """What the fuzzer can reach: the shopper's draft, shared and ordered builds and another
    shopper's draft (which must look missing), share codes, slugs and valid builds."""
    consent_set(shopper_id=shopper.shopper_id, analytics=True, personalization=True, marketing=False,
                source="test")
    car, sneaker, coat = demo["city-car"], demo["sneaker"], demo["trench-coat"]
    draft = build_save(product=car, selections={}, owner=shopper, name="Draft")
    shared = build_share(build=build_save(product=sneaker, selections={}, owner=shopper, name="Shared"), owner=shopper)
    ordered = build_save(product=coat, selections={"size": "m"}, owner=shopper, name="Ordered")
    order_place(build=ordered, owner=shopper, name="Ann", email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    stranger = build_save(product=car, selections={}, owner=Owner(shopper_id=uuid.uuid4()))
    builds = [draft, shared, ordered, stranger]
    return {
        "token": sign_shopper(shopper.shopper_id),
        "build_ids": [str(b.pk) for b in builds],
        "build_products": {str(b.pk): b.product.slug for b in builds},
        "codes": [shared.share_code, ordered.share_code, stranger.share_code],
        "slugs": list(demo),
        "product_ids": [p.pk for p in demo.values()],
        "valid": {slug: valid_selections(product) for slug, product in demo.items()},
    }


@pytest.fixture
def turns():
    """Counts the examples of one operation: which real id and identity the next one uses."""
    return itertools.count()


def _pick(choices: list, turn: int):
    return choices[turn % len(choices)]


def _ground_event(event, world, turn: int) -> None:
    if not isinstance(event, dict):
        return
    if event.get("product") is not None:
        event["product"] = _pick(world["product_ids"], turn)
    event.pop("at", None)  # within the last 7 days: a window a schema cannot state
    for field in ("group", "option"):
        if isinstance(event.get(field), str):
            event[field] = event[field].replace("\x00", "")
    if "properties" in event:
        event["properties"] = {"source": "fuzz"}  # at most 2 KB of JSON without NULs


def _ground(case, world, turn: int) -> None:
    """Schema-valid examples refer to things that exist: a product of the catalog and one of its
    valid builds (a build being edited keeps its own product), real products in events."""
    meta = case.meta
    body = case.body
    if meta is None or not meta.generation.mode.is_positive:
        return
    if case.headers and "Idempotency-Key" in case.headers:  # a schema cannot say "not used before"
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    if not isinstance(body, dict):
        return
    slug = _pick(world["slugs"], turn)
    if "product" in body:
        body["product"] = slug
    build_id = (case.path_parameters or {}).get("build_id")
    slug = world["build_products"].get(build_id, slug)
    if "selections" in body:
        body["selections"] = _pick(world["valid"][slug], turn // 3)
    if body.get("action") is not None:
        body["action"] = None
    if isinstance(body.get("events"), list):
        for index, event in enumerate(body["events"]):
            _ground_event(event, world, turn + index)


@api_schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, world, wsgi_app, turns):
    turn = next(turns)
    params = case.path_parameters or {}
    if turn % 2:  # every other example uses real ids; the rest keep what was generated
        for name, key in (("build_id", "build_ids"), ("code", "codes"), ("slug", "slugs")):
            if name in params:
                params[name] = _pick(world[key], turn // 2)
    _ground(case, world, turn)
    headers = {"X-Atelier-Shopper": world["token"]} if turn % 3 else {}
    case.call_and_validate(headers=headers)


def _requests(world) -> dict[tuple[str, str], dict]:
    """One valid request per operation (the same one is sent repeatedly)."""
    draft, shared = world["build_ids"][0], world["codes"][0]
    event = {"key": str(uuid.uuid4()), "type": "option_selected", "product": world["product_ids"][0]}
    return {
        ("GET", "/api/products/"): {},
        ("GET", "/api/products/{slug}/"): {"path_parameters": {"slug": "sneaker"}},
        ("POST", "/api/quote/"): {"body": {"product": "sneaker", "selections": {}}},
        ("GET", "/api/builds/"): {},
        ("POST", "/api/builds/"): {"body": {"product": "sneaker", "selections": {}}},
        ("GET", "/api/builds/{build_id}/"): {"path_parameters": {"build_id": draft}},
        ("PATCH", "/api/builds/{build_id}/"): {"path_parameters": {"build_id": draft}, "body": {"name": "Mine"}},
        ("DELETE", "/api/builds/{build_id}/"): {"path_parameters": {"build_id": draft}},
        ("POST", "/api/builds/{build_id}/share/"): {"path_parameters": {"build_id": draft}},
        ("POST", "/api/builds/{build_id}/remix/"): {"path_parameters": {"build_id": draft}, "body": {}},
        ("GET", "/api/builds/{build_id}/rebase/"): {"path_parameters": {"build_id": draft}},
        ("POST", "/api/builds/{build_id}/rebase/"): {"path_parameters": {"build_id": draft}},
        ("GET", "/api/shared/{code}/"): {"path_parameters": {"code": "no-such-code"}},  # misses count
        ("POST", "/api/shared/{code}/remix/"): {"path_parameters": {"code": shared}, "body": {}},
        ("POST", "/api/events/"): {"body": {"events": [event]}},
    }


def test_rate_limited_answers_are_documented(world, wsgi_app, settings):
    """With every limit at one request a minute, each operation is sent three times: every answer
    (429s included, with Retry-After) agrees with the schema, and the operations that answered 429
    are exactly those whose schema documents it."""
    settings.ATELIER_RATELIMITS = {scope: "1/m" for scope in settings.ATELIER_RATELIMITS}
    requests = _requests(world)
    operations = {(op.method.upper(), op.path): op for op in (r.ok() for r in api_schema.get_all_operations())}
    assert set(operations) == set(requests), "give every operation of the schema a valid request here"
    headers = {"X-Atelier-Shopper": world["token"]}
    limited, documented = set(), set()
    for key, kwargs in requests.items():
        operation = operations[key]
        if "429" in operation.definition.raw.get("responses", {}):
            documented.add(key)
        for _ in range(3):
            case = operation.Case(headers=dict(headers), **kwargs)
            response = case.call()
            case.validate_response(response)
            if response.status_code == 429:
                limited.add(key)
                retry_after = {name.lower(): value for name, value in response.headers.items()}["retry-after"]
                assert int(retry_after[0]) >= 1
                assert response.json()["detail"]
    assert limited == documented


# What the fuzzer found, pinned -------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/builds/not-a-uuid/", "/api/products/a%2Fb/", "/api/nope/", "/api/"])
def test_unknown_api_paths_are_json_404(client, path):
    response = client.post(path) if path == "/api/nope/" else client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_deleting_an_ordered_build_is_a_409_and_it_stays(world, client):
    ordered = world["build_ids"][2]
    response = client.delete(f"/api/builds/{ordered}/", HTTP_X_ATELIER_SHOPPER=world["token"])
    assert response.status_code == 409
    assert response.json()["detail"] == "An ordered build cannot be deleted."
    assert Build.objects.filter(pk=ordered).exists()


def test_names_must_be_text_of_at_most_80_characters(world, client):
    draft = world["build_ids"][0]
    for name in (12, 1e300, True, ["x"], "x" * 81):
        response = client.patch(f"/api/builds/{draft}/", json.dumps({"name": name}), content_type="application/json",
                                HTTP_X_ATELIER_SHOPPER=world["token"])
        assert response.status_code == 400
        assert response.json()["errors"]["name"]
    assert Build.objects.get(pk=draft).name == "Draft"


def test_previewing_a_rebase_shows_no_build_and_applying_an_up_to_date_one_shows_the_saved_build(world, client):
    headers = {"HTTP_X_ATELIER_SHOPPER": world["token"]}
    shared = world["build_ids"][1]
    preview = client.get(f"/api/builds/{shared}/rebase/", **headers).json()
    assert preview["build"] is None
    applied = client.post(f"/api/builds/{shared}/rebase/", **headers).json()
    assert applied["build"]["id"] == shared  # already current: not forked, not a phantom copy
    assert applied["build"]["created_at"]
    assert Build.objects.filter(forked_from_id=shared).count() == 0
