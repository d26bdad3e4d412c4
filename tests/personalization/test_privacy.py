"""Privacy page (change consent, "why you see this") and My data (export, erasure), plus the
staff erasure by e-mail."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.conf import settings
from django.test import Client

from configurator.identity import Owner, read_shopper, sign_shopper
from configurator.models import Build, Order
from configurator.services import build_save, order_place, orders_unlink_owner
from personalization.capture import event_dict
from personalization.consent import COOKIE as CONSENT_COOKIE
from personalization.models import (
    ConsentChange,
    Event,
    Motivation,
    Profile,
    Segment,
    SegmentMembership,
    Shopper,
)
from personalization.pending import COOKIE as PENDING_COOKIE
from personalization.services import events_record
from personalization.services.privacy import shopper_erase
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


def checkbox(html: str, id_: str) -> str:
    match = re.search(rf'<input[^>]*id="{id_}"[^>]*>', html)
    assert match, id_
    return match.group(0)


def history(shopper_id: uuid.UUID, car, *options: str) -> None:
    from django.utils import timezone

    events_record(shopper_id=shopper_id, items=[
        event_dict("option_selected", timezone.now(), product=car.pk, group="wheels", option=o) for o in options
    ], fresh_keys=True, refresh=False)


def a_full_shopper(car) -> tuple[Client, uuid.UUID, Order]:
    """A consented shopper with events, a profile, a segment, a saved design and an order."""
    client, shopper_id = shopper_client()
    history(shopper_id, car, "w17", "w18")
    status = Motivation.objects.get_or_create(code="status", defaults={"name_en": "Status", "name_nl": "Status"})[0]
    Profile.objects.create(shopper_id=shopper_id, scores={"status": 1.5}, dominant=status, confidence=0.8)
    SegmentMembership.objects.create(segment=Segment.objects.create(name="Status seekers"), shopper_id=shopper_id)
    owner = Owner(shopper_id=shopper_id)
    build_save(product=car, selections={"wheels": "w16"}, owner=owner)
    ordered = build_save(product=car, selections={"wheels": "w18"}, owner=owner)
    order = order_place(build=ordered, owner=owner, **CONTACT)
    return client, shopper_id, order


# Privacy page --------------------------------------------------------------------------------


def test_privacy_page_explains_each_purpose_and_shows_the_current_choice(car):
    client, _ = shopper_client(analytics=True, personalization=False, marketing=False)
    html = client.get("/en/privacy/").content.decode()
    assert "What we store:" in html
    assert " checked" in checkbox(html, "privacy-analytics")
    assert " checked" not in checkbox(html, "privacy-personalization")
    assert " checked" not in checkbox(html, "privacy-marketing")
    assert 'id="consent-banner"' not in html  # the page itself is the choice


def test_privacy_page_changes_the_consent(car):
    client, shopper_id = shopper_client(analytics=True, personalization=True, marketing=False)
    response = client.post("/en/consent/", {"choice": "custom", "source": "privacy", "marketing": "on",
                                            "next": "/en/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/en/privacy/"
    shopper = Shopper.objects.get(pk=shopper_id)
    assert (shopper.analytics, shopper.personalization, shopper.marketing) == (False, False, True)
    assert ConsentChange.objects.filter(shopper=shopper).latest("at").source == "privacy"
    html = client.get("/en/privacy/").content.decode()
    assert " checked" in checkbox(html, "privacy-marketing")
    assert " checked" not in checkbox(html, "privacy-analytics")
    assert "Your privacy choices are saved." in html


def test_privacy_page_honours_gpc_and_records_it_on_the_shopper(car):
    client, shopper_id = shopper_client(marketing=True)
    html = client.get("/en/privacy/", HTTP_SEC_GPC="1").content.decode()
    assert 'id="gpc-note"' in html
    assert " disabled" in checkbox(html, "privacy-marketing")
    shopper = Shopper.objects.get(pk=shopper_id)
    assert shopper.gpc is True and shopper.marketing is False
    assert ConsentChange.objects.filter(shopper=shopper, source="gpc").count() == 1
    client.get("/en/privacy/", HTTP_SEC_GPC="1")
    assert ConsentChange.objects.filter(shopper=shopper, source="gpc").count() == 1  # once


def test_privacy_page_shows_why_you_see_this(car):
    client, shopper_id = shopper_client()
    status = Motivation.objects.get_or_create(code="status", defaults={"name_en": "Status", "name_nl": "Status"})[0]
    Motivation.objects.get_or_create(code="value", defaults={"name_en": "Value", "name_nl": "Waarde"})
    Profile.objects.create(
        shopper_id=shopper_id, scores={"status": 3.0, "value": 1.0}, dominant=status, confidence=0.75,
        evidence=[{"type": "option_selected", "product": car.pk, "group": "wheels", "option": "w18",
                   "motivation": "status", "contribution": 1.25, "reason": "choice"}],
    )
    html = client.get("/en/privacy/").content.decode()
    assert "Strongest: <strong>Status</strong>" in html
    assert "0.75" in html
    assert re.search(r"<th scope=\"row\">Status</th><td>75%</td>", html)
    assert "18-inch Sport" in html and "1.25" in html


def test_privacy_page_without_a_profile_or_a_cookie(car):
    html = Client().get("/en/privacy/").content.decode()
    assert "you have not allowed personalization" in html
    client, _ = shopper_client()
    assert "no motivation profile for you yet" in client.get("/en/privacy/").content.decode()


# Export --------------------------------------------------------------------------------------


def test_export_holds_the_shoppers_data_and_nothing_of_another(car):
    client, shopper_id, order = a_full_shopper(car)
    _, other_id = shopper_client()
    history(other_id, car, "w16")
    response = client.get("/en/my-data/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["shopper_id"] == str(shopper_id)
    assert data["shopper"]["consent"]["analytics"] is True
    assert sorted(e["option"] for e in data["events"] if e["type"] == "option_selected") == ["w17", "w18"]
    assert {e["type"] for e in data["events"]} == {"option_selected", "build_saved", "order_placed"}
    assert all(str(other_id) not in json.dumps(e) for e in data["events"])
    assert str(other_id) not in response.content.decode()
    assert len(data["consent_changes"]) == 1
    assert data["profile"]["dominant"] == "status"
    assert data["segments"][0]["segment"] == "Status seekers"
    assert len(data["builds"]) == 2
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert (data["orders"][0]["postal_code"], data["orders"][0]["city"]) == ("1015 CJ", "Amsterdam")  # the address too


@pytest.mark.parametrize("cookie", [None, "forged", sign_shopper(uuid.uuid4())])
def test_export_without_a_valid_cookie_is_empty(car, cookie):
    a_full_shopper(car)
    client = Client()
    if cookie:
        client.cookies[settings.ATELIER_SHOPPER_COOKIE] = cookie
    response = client.get("/en/my-data/export.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["shopper"] is None and data["events"] == [] and data["orders"] == [] and data["builds"] == []


def test_my_data_page_shows_what_is_held(car):
    client, shopper_id, _ = a_full_shopper(car)
    events = Event.objects.filter(shopper_id=shopper_id).count()
    assert events == 5  # two clicks, two saves and the order
    html = client.get("/en/my-data/").content.decode()
    assert "/en/my-data/export.json" in html and "/en/my-data/erase/" in html
    assert f"<dt>Recorded choices (events)</dt><dd>{events}</dd>" in html
    assert "<dt>Saved designs</dt><dd>2</dd>" in html and "<dt>Orders</dt><dd>1</dd>" in html
    assert "This browser has no Atelier id" in Client().get("/en/my-data/").content.decode()


# Erasure -------------------------------------------------------------------------------------


def test_erase_needs_the_confirmation(car):
    client, shopper_id, _ = a_full_shopper(car)
    response = client.post("/en/my-data/erase/", {})
    assert response.status_code == 400
    assert "Tick the box to confirm the erasure." in response.content.decode()
    assert Shopper.objects.filter(pk=shopper_id).exists() and Event.objects.filter(shopper_id=shopper_id).exists()


def test_erase_removes_everything_keeps_orders_unlinked_and_rotates_the_cookie(car):
    client, shopper_id, order = a_full_shopper(car)
    _, other_id = shopper_client()
    history(other_id, car, "w16")
    client.cookies[PENDING_COOKIE] = "something"
    response = client.post("/en/my-data/erase/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/en/my-data/"
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    assert not Profile.objects.filter(shopper_id=shopper_id).exists()
    assert not SegmentMembership.objects.filter(shopper_id=shopper_id).exists()
    assert not ConsentChange.objects.filter(shopper_id=shopper_id).exists()
    assert not Shopper.objects.filter(pk=shopper_id).exists()
    order.refresh_from_db()
    assert order.owner_key != shopper_id and order.email == CONTACT["email"]  # kept, unlinked
    assert Build.objects.get(pk=order.build_id).owner_key == order.owner_key
    # Another shopper is untouched.
    assert Shopper.objects.filter(pk=other_id).exists() and Event.objects.filter(shopper_id=other_id).count() == 1
    # The browser gets a new id; the consent and the pending choices are gone.
    new_id = read_shopper(response.cookies[settings.ATELIER_SHOPPER_COOKIE].value)
    assert new_id is not None and new_id != shopper_id
    assert response.cookies[CONSENT_COOKIE]["max-age"] == 0
    assert response.cookies[PENDING_COOKIE]["max-age"] == 0
    html = client.get("/en/my-data/").content.decode()
    assert "Your data has been erased." in html
    assert 'id="consent-banner"' in html  # asked again, as a new visitor
    data = json.loads(client.get("/en/my-data/export.json").content)
    assert data["events"] == [] and data["orders"] == [] and data["shopper"] is None


@pytest.mark.parametrize("cookie", [None, "forged"])
def test_erase_without_a_valid_cookie_erases_nothing(car, cookie):
    _, shopper_id, order = a_full_shopper(car)
    events = Event.objects.filter(shopper_id=shopper_id).count()
    client = Client()
    if cookie:
        client.cookies[settings.ATELIER_SHOPPER_COOKIE] = cookie
    response = client.post("/en/my-data/erase/", {"confirm": "on"})
    assert response.status_code == 302
    assert Shopper.objects.filter(pk=shopper_id).exists()
    assert Event.objects.filter(shopper_id=shopper_id).count() == events
    assert Order.objects.get(pk=order.pk).owner_key == shopper_id


def test_erase_is_post_only(car):
    client, _ = shopper_client()
    assert client.get("/en/my-data/erase/").status_code == 405


def test_erase_unlinks_orders_of_a_shopper_who_never_consented(car):
    shopper_id = uuid.uuid4()
    owner = Owner(shopper_id=shopper_id)
    order = order_place(build=build_save(product=car, selections={}, owner=owner), owner=owner, **CONTACT)
    result = shopper_erase(shopper_id=shopper_id)
    assert result.shopper == 0 and result.orders_unlinked == 1
    order.refresh_from_db()
    assert order.owner_key != shopper_id


def test_orders_unlink_owner_gives_each_order_its_own_new_key(car):
    shopper_id = uuid.uuid4()
    owner = Owner(shopper_id=shopper_id)
    orders = [order_place(build=build_save(product=car, selections={}, owner=owner), owner=owner, **CONTACT)
              for _ in range(2)]
    assert orders_unlink_owner(owner_key=shopper_id) == 2
    keys = set(Order.objects.values_list("owner_key", flat=True))
    assert len(keys) == 2 and shopper_id not in keys
    for order in orders:  # the build frozen in each order follows its order
        order.refresh_from_db()
        assert Build.objects.get(pk=order.build_id).owner_key == order.owner_key
    assert orders_unlink_owner(owner_key=shopper_id) == 0


# Staff ---------------------------------------------------------------------------------------


@pytest.fixture
def staff(db, django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("staff", "staff@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_staff_erase_by_email_asks_to_confirm_then_erases(car, staff):
    _, shopper_id, order = a_full_shopper(car)
    Shopper.objects.filter(pk=shopper_id).update(email="Ann@Example.com")
    _, other_id = shopper_client()
    url = "/admin/personalization/shopper/erase-by-email/"
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"email": "ann@example.com"})
    assert response.status_code == 200 and str(shopper_id) in response.content.decode()
    assert Shopper.objects.filter(pk=shopper_id).exists()  # nothing happens before confirming
    response = staff.post(url, {"email": "ann@example.com", "confirm": "yes"})
    assert response.status_code == 302
    assert not Shopper.objects.filter(pk=shopper_id).exists()
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    order.refresh_from_db()
    assert order.owner_key != shopper_id
    assert Shopper.objects.filter(pk=other_id).exists()


def test_staff_erase_selected_action_confirms_first(car, staff):
    _, shopper_id, _ = a_full_shopper(car)
    url = "/admin/personalization/shopper/"
    data = {"action": "erase_selected", "_selected_action": [str(shopper_id)], "index": 0}
    response = staff.post(url, data)
    assert response.status_code == 200 and "Yes, erase them" in response.content.decode()
    assert Shopper.objects.filter(pk=shopper_id).exists()
    response = staff.post(url, {"action": "erase_selected", "_selected_action": [str(shopper_id)], "confirm": "yes"})
    assert response.status_code == 302
    assert not Shopper.objects.filter(pk=shopper_id).exists()


def test_shopper_admin_lists_searches_and_is_read_only(car, staff):
    _, shopper_id = shopper_client()
    Shopper.objects.filter(pk=shopper_id).update(email="bob@example.com")
    assert staff.get("/admin/personalization/shopper/").status_code == 200
    assert str(shopper_id)[:8] in staff.get("/admin/personalization/shopper/?q=bob@example").content.decode()
    assert str(shopper_id)[:8] in staff.get(f"/admin/personalization/shopper/?q={str(shopper_id)[:13]}").content.decode()
    assert staff.get("/admin/personalization/shopper/?marketing__exact=0").status_code == 200
    page = staff.get(f"/admin/personalization/shopper/{shopper_id}/change/")
    assert page.status_code == 200 and 'name="analytics"' not in page.content.decode()
    assert staff.get("/admin/personalization/shopper/add/").status_code == 403
    assert staff.get("/admin/personalization/consentchange/").status_code == 200
    assert staff.get("/admin/personalization/consentchange/?q=" + str(shopper_id)[:8]).status_code == 200


def test_staff_without_the_erase_permission_cannot_erase(car, db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", "v@example.com", "pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_shopper"))
    client = Client()
    client.force_login(user)
    _, shopper_id = shopper_client()
    Shopper.objects.filter(pk=shopper_id).update(email="c@example.com")
    client.post("/admin/personalization/shopper/erase-by-email/", {"email": "c@example.com", "confirm": "yes"})
    assert Shopper.objects.filter(pk=shopper_id).exists()
