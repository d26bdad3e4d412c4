"""Owner-only: another shopper (by cookie or by the API header, or a logged-in stranger) gets 404
for someone's builds and orders, exactly like for a missing one, and changes nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.test import Client

from configurator.identity import Owner, sign_shopper
from configurator.services import build_save, build_share, order_place
from personalization.services import consent_set
from personalization.services.events import events_ingest
from tests.configurator.conftest import make_car
from tests.factories import UserFactory
from tests.security.conftest import db_snapshot

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list]:
    return db_snapshot(("configurator", "personalization"))


@pytest.fixture
def victim(db):
    """A shopper with a draft, a shared and an ordered build, consent and events."""
    car = make_car()
    owner = Owner(shopper_id=uuid.uuid4())
    consent_set(shopper_id=owner.shopper_id, analytics=True, personalization=True, marketing=True, source="banner")
    events_ingest(shopper_id=owner.shopper_id, items=[
        {"key": str(uuid.uuid4()), "type": "option_selected", "product": car.pk, "group": "wheels", "option": "w17"},
    ])
    draft = build_save(product=car, selections={"wheels": "w17"}, owner=owner, name="Victim draft")
    shared = build_share(build=build_save(product=car, selections={}, owner=owner, name="Victim shared"), owner=owner)
    ordered = build_save(product=car, selections={}, owner=owner, name="Victim ordered")
    placed = order_place(build=ordered, owner=owner, name="Ann de Vries", email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    ordered.refresh_from_db()
    return {"owner": owner, "builds": [draft, shared, ordered], "order": placed}


def stranger_browser() -> Client:
    client = Client()
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(uuid.uuid4())
    return client


def strangers() -> dict[str, tuple[Client, dict]]:
    """Another shopper by cookie, by header, a logged-in stranger, and a visitor with no identity."""
    logged_in = stranger_browser()
    logged_in.force_login(UserFactory(is_staff=True))
    return {
        "cookie": (stranger_browser(), {}),
        "header": (Client(), {"HTTP_X_ATELIER_SHOPPER": sign_shopper(uuid.uuid4())}),
        "logged-in": (logged_in, {}),
        "nobody": (Client(), {}),
    }


ORDER = {"name": "Mallory", "email": "mallory@example.com", "country": "NL"}


def page_requests(build, number: str) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"/en/designs/{build.pk}/", {}),
        ("post", f"/en/designs/{build.pk}/delete/", {}),
        ("get", f"/en/designs/{build.pk}/order/", {}),
        ("post", f"/en/designs/{build.pk}/order/", ORDER),
        ("post", f"/en/designs/{build.pk}/share/", {}),
        ("post", "/en/configure/car/save/", {"build": str(build.pk), "state": "wheels=w18", "name": "Mine now"}),
        ("get", f"/en/orders/{number}/", {}),
    ]


def api_requests(build) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", f"/api/builds/{build.pk}/", None),
        ("patch", f"/api/builds/{build.pk}/", {"name": "Mine now"}),
        ("delete", f"/api/builds/{build.pk}/", None),
        ("post", f"/api/builds/{build.pk}/share/", None),
        ("post", f"/api/builds/{build.pk}/remix/", {}),
        ("get", f"/api/builds/{build.pk}/rebase/", None),
        ("post", f"/api/builds/{build.pk}/rebase/", None),
    ]


@pytest.mark.parametrize("who", ["cookie", "logged-in", "nobody"])
def test_someone_elses_pages_are_404_and_nothing_changes(victim, who):
    client, extra = strangers()[who]
    before = snapshot()
    for build in victim["builds"]:
        for method, path, data in page_requests(build, victim["order"].number):
            response = getattr(client, method)(path, data, **extra)
            assert response.status_code == 404, (who, method, path, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["cookie", "header", "logged-in", "nobody"])
def test_someone_elses_builds_in_the_api_are_404_and_nothing_changes(victim, who):
    client, extra = strangers()[who]
    before = snapshot()
    for build in victim["builds"]:
        for method, path, data in api_requests(build):
            body = json.dumps(data) if data is not None else None
            response = getattr(client, method)(path, body, content_type="application/json", **extra)
            assert response.status_code == 404, (who, method, path, response.status_code)
            assert response.json() == {"detail": "Not found."}
        # PUT is no method of the API: refused for everyone alike, and nothing changes.
        put = client.put(f"/api/builds/{build.pk}/", "{}", content_type="application/json", **extra)
        assert put.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("build_id", ["not-a-uuid", "0" * 36, "../../", "\x00", "1e999", "😀" * 36])
def test_a_save_form_whose_build_is_no_uuid_is_404_and_saves_nothing(victim, build_id):
    """The studio's save form carries the build id in a hidden field: anything else is a missing
    build (it was a ValidationError from the UUID field: a 500)."""
    client, _extra = strangers()["cookie"]
    before = snapshot()
    for then in ("", "order"):
        response = client.post("/en/configure/car/save/", {"build": build_id, "state": "wheels=w18", "then": then})
        assert response.status_code == 404, (build_id, then)
    assert snapshot() == before


def test_a_missing_build_looks_exactly_like_someone_elses(victim):
    client, extra = strangers()["header"]
    theirs = client.get(f"/api/builds/{victim['builds'][0].pk}/", **extra)
    missing = client.get(f"/api/builds/{uuid.uuid4()}/", **extra)
    assert (theirs.status_code, theirs.content) == (missing.status_code, missing.content)


@pytest.mark.parametrize("who", ["cookie", "header", "logged-in"])
def test_listings_show_only_your_own(victim, who):
    client, extra = strangers()[who]
    assert client.get("/api/builds/", **extra).json() == []
    assert "Victim" not in client.get("/en/my-designs/", **extra).content.decode()


def test_my_data_is_only_ever_your_own(victim):
    client = stranger_browser()
    before = snapshot()
    export = client.get("/en/my-data/export.json").content.decode()
    victim_id = str(victim["owner"].shopper_id)
    assert victim_id not in export and "Victim" not in export and "ann@example.com" not in export
    assert client.post("/en/my-data/erase/", {"confirm": "on"}).status_code == 302
    # The export and erasure take no shopper id from the request, so nothing of the victim's moved.
    assert snapshot() == before


def test_the_owner_does_reach_all_of_it(victim):
    """The control: the same requests as the owner are not 404."""
    owner = Client()
    owner.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(victim["owner"].shopper_id)
    draft = victim["builds"][0]
    assert owner.get(f"/en/designs/{draft.pk}/").status_code == 200
    assert owner.get(f"/en/orders/{victim['order'].number}/").status_code == 200
    assert owner.get(f"/api/builds/{draft.pk}/").status_code == 200
    assert owner.get(f"/api/builds/{draft.pk}/rebase/").status_code == 200
    assert owner.post(f"/en/designs/{draft.pk}/share/").status_code == 302
