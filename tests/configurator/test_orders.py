import pytest
from django.test import Client

from configurator.models import BlockedWord, Build, BuildStatus, OptionGroup, Order
from configurator.services import BuildInvalid, BuildNotFound, build_save, order_place

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


def test_order_freezes_a_snapshot_of_build_and_price(car, owner):
    build = build_save(product=car, selections={"wheels": "w17"}, owner=owner)
    order = order_place(build=build, owner=owner, marketing_opt_in=True, **CONTACT)
    build.refresh_from_db()
    assert build.status == BuildStatus.ORDERED
    assert order.total == build.total
    assert order.selections == build.selections
    assert order.price == build.price
    assert order.number.startswith("AT-")
    assert order.marketing_opt_in is True


def test_an_incomplete_build_cannot_be_ordered(car, owner):
    OptionGroup.objects.filter(code="wheels").update(default_option=None)
    from configurator.services import product_publish

    product_publish(product=car)
    car.refresh_from_db()
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildInvalid) as error:
        order_place(build=build, owner=owner, **CONTACT)
    assert "Wheels" in str(error.value.errors)
    assert not Order.objects.exists()


def test_text_blocked_after_saving_is_refused_at_order(car, owner, django_capture_on_commit_callbacks):
    build = build_save(product=car, selections={"badge": "IDIOT"}, owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        BlockedWord.objects.create(word="idiot")
    with pytest.raises(BuildInvalid):
        order_place(build=build, owner=owner, **CONTACT)
    build.refresh_from_db()
    assert build.status == BuildStatus.DRAFT


@pytest.mark.parametrize("field,value", [("email", "not-an-email"), ("country", "XX"), ("name", "")])
def test_bad_contact_details_are_refused(car, owner, field, value):
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildInvalid) as error:
        order_place(build=build, owner=owner, **{**CONTACT, field: value})
    assert field in error.value.errors


def test_someone_else_cannot_order_my_build(car, owner, other_owner):
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildNotFound):
        order_place(build=build, owner=other_owner, **CONTACT)


def test_ordering_twice_is_refused(car, owner):
    build = build_save(product=car, selections={}, owner=owner)
    order_place(build=build, owner=owner, **CONTACT)
    with pytest.raises(BuildInvalid):
        order_place(build=build, owner=owner, **CONTACT)
    assert Order.objects.count() == 1


def test_order_page_flow_with_confirmation(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    build = Build.objects.get()
    assert client.get(f"/en/designs/{build.pk}/order/").status_code == 200
    response = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "marketing_opt_in": "on"})
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/orders/{order.number}/"
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "€20,400.00" in page
    assert Client().get(response["Location"]).status_code == 404  # not someone else's to see


def test_order_form_errors_are_shown_and_nothing_is_ordered(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "", "name": "Mine"})
    build = Build.objects.get()
    response = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Order.objects.exists()


def test_confirmation_email_is_enqueued_after_commit(car, owner, django_capture_on_commit_callbacks, monkeypatch):
    from configurator.tasks import order_confirmation_email

    sent = []
    monkeypatch.setattr(order_confirmation_email, "delay", lambda order_id: sent.append(order_id))
    build = build_save(product=car, selections={}, owner=owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = order_place(build=build, owner=owner, language="nl", **CONTACT)
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [str(order.pk)]


def test_confirmation_email_speaks_the_order_language(car, owner, mailoutbox):
    from configurator.tasks import order_confirmation_email

    build = build_save(product=car, selections={}, owner=owner)
    order = order_place(build=build, owner=owner, language="nl", **CONTACT)
    assert order_confirmation_email(str(order.pk)) is True
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ann@example.com"]
    assert order.number in mailoutbox[0].subject
    assert "Totaal" in mailoutbox[0].body and "Basisprijs" in mailoutbox[0].body


def test_each_order_field_error_is_tied_to_its_field(car):
    """A screen reader reads a field's error with the field: the aria-describedby Django puts on
    an invalid field names the element that holds the error (it named an id the page lacked)."""
    import re

    client = Client()
    client.post("/en/configure/car/save/", {"state": "", "name": "Mine"})
    build = Build.objects.get()
    page = client.post(f"/en/designs/{build.pk}/order/", {**CONTACT, "name": "", "email": "nope"}).content.decode()
    page = re.search(r'<form method="post" class="order-form".*?</form>', page, re.S).group(0)
    described = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*aria-describedby="([^"]+)"', page))
    assert set(described) == {"name", "email"}
    for field, error_id in described.items():
        error = re.search(rf'<p class="field-error" id="{error_id}">([^<]+)</p>', page)
        assert error, f"{field}: aria-describedby names {error_id}, which is not on the page"
    assert "Enter a valid email address." in page
