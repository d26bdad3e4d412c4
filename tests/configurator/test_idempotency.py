"""Saves and orders happen once: an API client that retries with the same Idempotency-Key, or a
browser that posts a form again (the same one-time token), ends with one build or one order and
gets the same answer. (A real retry against gunicorn: tests/faults/test_retry_once.py.)"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from configurator.identity import read_shopper, sign_shopper
from configurator.models import Build, BuildStatus, IdempotencyKey, Order
from configurator.services import idempotency_keys_purge
from personalization.models import Event
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

KEY = "6f1c2a1e-3b7d-4c55-9a0e-2d8f4b6a9c10"
SAVE = {"product": "car", "selections": {"wheels": "w17"}, "name": "Weekend car"}
CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


def post(client, url, data, key=KEY, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, json.dumps(data), content_type="application/json", **headers, **extra)


def patch(client, url, data, key=KEY):
    return client.patch(url, json.dumps(data), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def api_client(shopper_id=None) -> Client:
    shopper_id = shopper_id or uuid.uuid4()
    return Client(HTTP_X_ATELIER_SHOPPER=sign_shopper(shopper_id))


def once_token(html: str) -> str:
    match = re.search(r'name="once" value="([^"]+)"', html)
    assert match, "the form carries no one-time token"
    return match.group(1)


# The API: Idempotency-Key -------------------------------------------------------------------------


def test_a_retried_save_makes_one_build_and_gets_the_same_answer(car):
    client = api_client()
    first, again = post(client, "/api/builds/", SAVE), post(client, "/api/builds/", SAVE)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content  # byte for byte, the same build and the same token
    assert first["Idempotent-Replayed"] == "false" and again["Idempotent-Replayed"] == "true"
    assert Build.objects.count() == 1
    assert first.json()["id"] == str(Build.objects.get().pk)


def test_without_a_key_every_post_saves(car):
    client = api_client()
    post(client, "/api/builds/", SAVE, key=None)
    response = post(client, "/api/builds/", SAVE, key=None)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Build.objects.count() == 2


def test_a_key_sent_again_with_another_body_is_refused(car):
    client = api_client()
    post(client, "/api/builds/", SAVE)
    response = post(client, "/api/builds/", {**SAVE, "name": "Another"})
    assert response.status_code == 422
    assert "already used for a different request" in response.json()["detail"]
    assert list(Build.objects.values_list("name", flat=True)) == ["Weekend car"]


@pytest.mark.parametrize("key", ["short", "x" * 256, "spaces are not allowed here", "ünïcode-is-not-ascii-1234"])
def test_a_malformed_key_is_a_400_with_a_message(car, key):
    response = post(api_client(), "/api/builds/", SAVE, key=key)
    assert response.status_code == 400
    assert "16 to 255 visible ASCII characters" in response.json()["errors"]["Idempotency-Key"][0]
    assert not Build.objects.exists()


def test_the_quoted_form_of_the_header_is_the_same_key(car):
    client = api_client()
    post(client, "/api/builds/", SAVE)
    again = post(client, "/api/builds/", SAVE, key=f'"{KEY}"')
    assert again["Idempotent-Replayed"] == "true" and Build.objects.count() == 1


def test_a_refused_save_is_not_remembered(car):
    """Nothing was saved, so nothing is replayed: the corrected request with the same key saves."""
    client = api_client()
    bad = post(client, "/api/builds/", {**SAVE, "selections": {"wheels": "no-such-wheel"}})
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    assert post(client, "/api/builds/", {**SAVE, "selections": {"wheels": "no-such-wheel"}}).status_code == 400
    assert not Build.objects.exists()


def test_keys_belong_to_one_shopper(car):
    mine, theirs = post(api_client(), "/api/builds/", SAVE), post(api_client(), "/api/builds/", SAVE)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Build.objects.count() == 2


def test_a_first_save_retried_without_an_identity_gets_the_same_shopper_back(car):
    """The first answer (with the new shopper's token and cookie) was lost: the retry, which has
    neither, gets the same build and the same shopper, not a second anonymous one."""
    first = post(Client(), "/api/builds/", SAVE)
    again = post(Client(), "/api/builds/", SAVE)
    assert again.content == first.content and Build.objects.count() == 1
    owner = Build.objects.get().owner_key
    assert read_shopper(again.json()["shopper_token"]) == owner
    assert read_shopper(again.cookies[settings.ATELIER_SHOPPER_COOKIE].value) == owner


def test_a_retried_edit_of_a_shared_build_forks_it_once(car):
    shopper = uuid.uuid4()
    client = api_client(shopper)
    build_id = post(client, "/api/builds/", SAVE, key=None).json()["id"]
    client.post(f"/api/builds/{build_id}/share/")
    first = patch(client, f"/api/builds/{build_id}/", {"selections": {"wheels": "w18"}})
    again = patch(client, f"/api/builds/{build_id}/", {"selections": {"wheels": "w18"}})
    assert first.status_code == again.status_code == 201 and again.content == first.content
    assert Build.objects.count() == 2  # the shared one and one fork


def test_the_schema_documents_the_header_and_the_422(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "Idempotency-Key" in schema
    operation = json.loads(schema)["paths"]["/api/builds/"]["post"]
    assert "422" in operation["responses"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


# The studio's save form: a one-time token ---------------------------------------------------------


def test_the_save_form_carries_a_new_token_on_every_page(car):
    client = Client()
    first = once_token(client.get("/en/configure/car/").content.decode())
    assert once_token(client.get("/en/configure/car/").content.decode()) != first


def test_a_save_form_posted_twice_saves_once(car):
    client, shopper_id = shopper_client()  # consented: the save is also an event
    form = {"state": "wheels=w17", "name": "Mine", "once": once_token(client.get("/en/configure/car/").content.decode())}
    first = client.post("/en/configure/car/save/", form)
    again = client.post("/en/configure/car/save/", form)
    build = Build.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/en/designs/{build.pk}/"
    assert Event.objects.filter(shopper_id=shopper_id, type="build_saved").count() == 1


def test_the_same_page_saving_another_design_saves_it(car):
    """Back to the studio (the same token), another choice, Save: that is a new request."""
    client = Client()
    token = once_token(client.get("/en/configure/car/").content.decode())
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine", "once": token})
    client.post("/en/configure/car/save/", {"state": "wheels=w18", "name": "Mine", "once": token})
    assert sorted(b.selections["wheels"] for b in Build.objects.all()) == ["w17", "w18"]


def test_a_token_the_server_did_not_sign_is_a_400_and_saves_nothing(car):
    client = Client()
    response = client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine", "once": "made-up"},
                           follow=True)
    assert response.status_code == 400
    assert "This form is out of date. Reload the page and try again." in response.content.decode()
    assert not Build.objects.exists()


def test_a_first_save_retried_without_the_cookie_finds_the_build(car):
    token = once_token(Client().get("/en/configure/car/").content.decode())
    form = {"state": "wheels=w17", "name": "Mine", "once": token}
    Client().post("/en/configure/car/save/", form)  # the answer (and its cookie) never arrived
    retry = Client()
    response = retry.post("/en/configure/car/save/", form)
    build = Build.objects.get()
    assert response["Location"] == f"/en/designs/{build.pk}/"
    assert retry.get(response["Location"]).status_code == 200  # the retrying browser owns it


def test_a_retried_update_of_an_ordered_build_forks_it_once(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    ordered = Build.objects.get()
    client.post(f"/en/designs/{ordered.pk}/order/", CONTACT)
    page = client.get(f"/en/configure/car/?wheels=w18&b={ordered.pk}").content.decode()
    form = {"state": "wheels=w18", "name": "Mine", "build": str(ordered.pk), "once": once_token(page)}
    first, again = client.post("/en/configure/car/save/", form), client.post("/en/configure/car/save/", form)
    assert first["Location"] == again["Location"]
    assert Build.objects.filter(forked_from=ordered).count() == 1


# The order form ---------------------------------------------------------------------------------


def test_an_order_form_posted_twice_orders_once_and_shows_the_same_confirmation(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    build = Build.objects.get()
    page = client.get(f"/en/designs/{build.pk}/order/").content.decode()
    form = {**CONTACT, "once": once_token(page)}
    first = client.post(f"/en/designs/{build.pk}/order/", form)
    again = client.post(f"/en/designs/{build.pk}/order/", form)
    order = Order.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/en/orders/{order.number}/"
    assert client.get(again["Location"]).status_code == 200


def test_ordering_again_from_a_new_page_still_says_it_was_ordered(car):
    """A new page is a new request: the build is ordered already, so it is refused as before."""
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    build = Build.objects.get()
    for _ in range(2):
        page = client.get(f"/en/designs/{build.pk}/order/").content.decode()
        last = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "once": once_token(page)})
    assert last.status_code == 400 and "already been ordered" in last.content.decode()
    assert Order.objects.count() == 1


def test_an_order_form_with_a_forged_token_is_a_400(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    build = Build.objects.get()
    response = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "once": "forged:token"})
    assert response.status_code == 400
    assert "This form is out of date" in response.content.decode()
    assert not Order.objects.exists()
    assert Build.objects.get().status == BuildStatus.DRAFT


# How long keys are kept -------------------------------------------------------------------------


def test_keys_are_forgotten_after_a_day(car, settings):
    client = api_client()
    post(client, "/api/builds/", SAVE)
    post(client, "/api/builds/", {**SAVE}, key="another-key-0123456789")
    IdempotencyKey.objects.filter(key=KEY).update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["another-key-0123456789"]


def test_the_purge_is_scheduled():
    from configurator.tasks import idempotency_keys_purge as task

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == task.name)
    assert entry["schedule"] <= 3600


def test_erasing_a_shopper_forgets_their_keys(car):
    """The remembered answers tie the shopper id to builds and order numbers; erasure unlinks those."""
    from personalization.services.privacy import shopper_erase

    mine, theirs = uuid.uuid4(), uuid.uuid4()
    post(api_client(mine), "/api/builds/", SAVE)
    post(api_client(theirs), "/api/builds/", SAVE)
    anonymous = post(Client(), "/api/builds/", SAVE, key="first-save-of-a-new-shopper")
    shopper_erase(shopper_id=mine)
    shopper_erase(shopper_id=read_shopper(anonymous.json()["shopper_token"]))
    assert list(IdempotencyKey.objects.values_list("namespace", flat=True)) == [str(theirs)]
