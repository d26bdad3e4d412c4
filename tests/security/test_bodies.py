"""Bodies: an oversized body gets 413 (with a Content-Length, and without one: chunked), a bad
Content-Length 400, and text that is too long 400 with the field's message, over the web form,
htmx and the API. Nothing is saved in any of these cases."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.conf import settings
from django.test import Client

from configurator.identity import sign_shopper
from configurator.models import Build, Order
from personalization.models import Event, Shopper
from tests.configurator.conftest import make_car
from tests.factories import ShopperFactory

pytestmark = pytest.mark.django_db

LIMIT = 2000


@pytest.fixture
def car(db, settings):
    settings.ATELIER_MAX_BODY_BYTES = LIMIT
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    return make_car()


@pytest.fixture
def shopper_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def browser(shopper_id) -> Client:
    client = Client()
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(shopper_id)
    return client


def chunked(client: Client, path: str, body: bytes, content_type: str = "application/json", **extra):
    """A request the way gunicorn hands on a chunked one: no Content-Length, the decoded body."""
    return client.generic("POST", path, b"", CONTENT_TYPE=content_type, HTTP_TRANSFER_ENCODING="chunked",
                          **{"wsgi.input": io.BytesIO(body)}, **extra)


def assert_413(response) -> None:
    assert response.status_code == 413
    assert json.loads(response.content)["detail"] == f"The request body is too large (at most {LIMIT} bytes)."


def nothing_saved() -> bool:
    return not Build.objects.exists() and not Order.objects.exists() and not Event.objects.exists()


# Size ------------------------------------------------------------------------------------------------

def test_an_oversized_form_post_gets_413(car, browser):
    assert_413(browser.post("/en/configure/car/save/", {"state": "", "name": "x" * LIMIT}))
    assert_413(browser.post("/en/configure/car/save/", {"state": "", "name": "x" * LIMIT}, HTTP_HX_REQUEST="true"))
    assert nothing_saved()


def test_an_oversized_api_body_gets_413(car, browser, shopper_id):
    body = json.dumps({"product": "car", "name": "x" * LIMIT})
    assert_413(browser.post("/api/builds/", body, content_type="application/json"))
    ShopperFactory(id=shopper_id)
    events = json.dumps({"events": [{"key": str(uuid.uuid4()), "type": "option_selected"}] * 40})
    assert len(events) > LIMIT
    assert_413(browser.post("/api/events/", events, content_type="application/json"))
    assert nothing_saved()


def test_an_oversized_chunked_body_gets_413(car, browser):
    assert_413(chunked(browser, "/api/builds/", json.dumps({"product": "car", "name": "x" * LIMIT}).encode()))
    form = f"state=&name={'x' * LIMIT}".encode()
    assert_413(chunked(browser, "/en/configure/car/save/", form, "application/x-www-form-urlencoded"))
    assert nothing_saved()


def test_a_small_chunked_body_is_read_not_dropped(car, browser):
    """Django on WSGI reads a body without a Content-Length as empty; the middleware hands it on."""
    response = chunked(browser, "/api/builds/", json.dumps({"product": "car", "name": "Chunked"}).encode())
    assert response.status_code == 201
    assert Build.objects.get().name == "Chunked"


def test_a_body_of_exactly_the_limit_is_accepted(car, browser):
    name = "Exact"
    body = json.dumps({"product": "car", "name": name, "selections": {}})
    body = body[:-1] + " " * (LIMIT - len(body)) + "}"
    assert len(body) == LIMIT
    assert browser.post("/api/builds/", body, content_type="application/json").status_code == 201
    assert_413(browser.post("/api/builds/", body + " ", content_type="application/json"))


@pytest.mark.parametrize("length", ["abc", "-5", "1e3"])
def test_a_bad_content_length_gets_400(car, browser, length):
    response = browser.generic("POST", "/api/builds/", b"{}", content_type="application/json", CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert json.loads(response.content)["detail"] == "Invalid Content-Length header."
    assert nothing_saved()


# Too-long text: the web form and htmx -------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_a_too_long_design_name_is_400_on_the_page(car, browser, htmx):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = browser.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "x" * 81}, **extra)
    assert response.status_code == 400
    assert "Not saved: Use at most 80 characters." in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize("htmx", [False, True])
def test_too_long_personal_text_is_400_on_the_page(car, browser, htmx):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = browser.post("/en/configure/car/save/", {"state": "badge=" + "A" * 9, "name": "Mine"}, **extra)
    assert response.status_code == 400
    assert "Not saved:" in response.content.decode()
    assert nothing_saved()


def test_too_long_order_fields_are_400_with_field_messages(car, browser):
    browser.post("/en/configure/car/save/", {"state": "", "name": "Mine"})
    build = Build.objects.get()
    response = browser.post(f"/en/designs/{build.pk}/order/",
                            {"name": "n" * 121, "email": "a" * 250 + "@example.com", "country": "NL"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["Ensure this value has at most 120 characters (it has 121)."]
    assert "email" in errors
    assert not Order.objects.exists()
    build.refresh_from_db()
    assert build.status == "draft"


def test_a_too_long_consent_field_over_htmx_is_400(car, browser, settings):
    settings.ATELIER_MAX_BODY_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = browser.post("/en/consent/", {"choice": "all", "next": "/" + "x" * 2001}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert not Shopper.objects.exists()


# Too-long text: the API ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["x" * 81, "x" * 201])
def test_a_too_long_name_is_400_in_the_api(car, browser, name):
    response = browser.post("/api/builds/", {"product": "car", "name": name}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["name"]
    assert nothing_saved()


def test_too_long_names_change_nothing_on_update_and_remix(car, browser):
    created = browser.post("/api/builds/", {"product": "car", "name": "Mine"}, content_type="application/json").json()
    path = f"/api/builds/{created['id']}/"
    patched = browser.patch(path, {"name": "x" * 81}, content_type="application/json")
    assert patched.status_code == 400 and patched.json()["errors"]["name"]
    remixed = browser.post(path + "remix/", {"name": "x" * 201}, content_type="application/json")
    assert remixed.status_code == 400 and remixed.json()["errors"]["name"]
    assert list(Build.objects.values_list("name", flat=True)) == ["Mine"]


def test_too_long_personal_text_is_400_in_the_api(car, browser):
    response = browser.post("/api/builds/", {"product": "car", "selections": {"badge": "A" * 9}},
                            content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"]["selections"]
    assert nothing_saved()


@pytest.mark.parametrize("field", ["group", "option"])
def test_too_long_event_fields_are_400_with_the_index(car, browser, shopper_id, field):
    ShopperFactory(id=shopper_id)
    events = [{"key": str(uuid.uuid4()), "type": "option_selected", field: "x" * 65}]
    response = browser.post("/api/events/", {"events": events}, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]["events"]["0"]
    assert nothing_saved()
