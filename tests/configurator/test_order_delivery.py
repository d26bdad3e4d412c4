"""The order form's delivery address (checked per country) and the estimated delivery date."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from configurator.delivery import add_business_days
from configurator.demo.catalog import PRODUCTS
from configurator.models import Build, Order
from configurator.services import BuildInvalid, build_save, order_place


@pytest.fixture(autouse=True)
def _in_process_tasks(settings):
    """The mail is read from Django's outbox, so its task runs in this process even when the
    suite runs beside a real worker (.ci/run)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

pytestmark = pytest.mark.django_db

ADDRESS = {"address_line1": "Keizersgracht 1", "postal_code": "1015cj", "city": "Amsterdam"}
CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL", **ADDRESS}


def saved(client: Client, language: str = "en") -> Build:
    client.post(f"/{language}/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    return Build.objects.latest("created_at")


def test_the_order_keeps_the_address_as_the_country_writes_it_and_the_estimate(car, owner):
    car.lead_time_days = 5
    car.save()
    order = order_place(build=build_save(product=car, selections={}, owner=owner), owner=owner, **CONTACT)
    order.refresh_from_db()
    assert (order.address_line1, order.postal_code, order.city, order.country) == (
        "Keizersgracht 1", "1015 CJ", "Amsterdam", "NL")
    assert order.estimated_delivery == add_business_days(timezone.localdate(), 5)


def test_an_order_without_an_address_is_refused(car, owner):
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildInvalid) as invalid:
        order_place(build=build, owner=owner, name="Ann", email="ann@example.com", country="NL")
    assert {"address_line1", "postal_code", "city"} <= set(invalid.value.errors)
    assert not Order.objects.exists()


def test_the_order_form_asks_for_the_address_and_shows_the_estimate(car):
    car.lead_time_days = 3
    car.save()
    client = Client()
    page = client.get(f"/en/designs/{saved(client).pk}/order/").content.decode()
    for name in ("address_line1", "address_line2", "postal_code", "city", "region", "country"):
        assert f'name="{name}"' in page
    expected = add_business_days(timezone.localdate(), 3)
    assert f"Estimated delivery: {date_format(expected)} (3 business days)" in page
    assert "No payment is taken now" in page


def test_the_form_offers_only_the_countries_delivered_to(car):
    client = Client()
    page = client.get(f"/en/designs/{saved(client).pk}/order/").content.decode()
    assert 'value="NL"' in page and 'value="US"' in page and 'value="JP"' not in page


def test_a_bad_postal_code_is_a_400_naming_the_format_and_orders_nothing(car):
    client = Client()
    build = saved(client)
    response = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "postal_code": "12345"})
    assert response.status_code == 400
    assert response.context["form"].errors["postal_code"] == ["Enter a postal code like 1234 AB."]
    assert not Order.objects.exists()
    build.refresh_from_db()
    assert build.status == "draft"


def test_a_us_order_needs_a_state(car):
    client = Client()
    build = saved(client)
    us = {**CONTACT, "country": "US", "postal_code": "94105", "city": "San Francisco"}
    assert client.post(f"/en/designs/{build.pk}/order/", us).context["form"].errors["region"] == ["Choose a state."]
    assert client.post(f"/en/designs/{build.pk}/order/", {**us, "region": "CA"}).status_code == 302
    assert Order.objects.get().region == "CA"


@pytest.mark.parametrize("field,value", [
    ("country", "JP"), ("postal_code", "x" * 500), ("city", ""), ("address_line1", "a" * 121),
])
def test_hostile_or_missing_address_fields_are_400(car, field, value):
    client = Client()
    build = saved(client)
    response = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Order.objects.exists()


def test_the_confirmation_page_and_email_show_the_address_and_the_estimate(car, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    client = Client()
    build = saved(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/designs/{build.pk}/order/", CONTACT)
    page = client.get(response["Location"]).content.decode()
    assert "Keizersgracht 1" in page and "1015 CJ Amsterdam" in page and "Estimated delivery:" in page
    assert "Estimated delivery:" in mailoutbox[0].body


def test_staff_set_the_lead_time_in_admin(car, admin_client):
    response = admin_client.get(f"/admin/configurator/product/{car.pk}/change/")
    assert response.status_code == 200 and 'name="lead_time_days"' in response.content.decode()


def test_the_demo_products_have_lead_times():
    leads = {product["slug"]: product["lead_time_days"] for product in PRODUCTS}
    assert all(5 <= days <= 60 for days in leads.values()) and len(leads) == 3


def test_a_weekend_order_is_counted_from_monday():
    assert add_business_days(date(2026, 12, 5), 1) == date(2026, 12, 7)
