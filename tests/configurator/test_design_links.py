""""E-mail me this design": a signed, expiring link that adds the design to another device's My
designs, for the address it was sent to only; rate limited; bad links are clear 400/404 pages."""

import re

import pytest
from django.core import signing
from django.test import Client

from configurator.identity import sign_shopper
from configurator.models import Build
from configurator.services.design_links import SALT, design_link_token
from configurator.tasks import design_link_email


@pytest.fixture(autouse=True)
def _in_process_tasks(settings):
    """The mail is read from Django's outbox, so its task runs in this process even when the
    suite runs beside a real worker (.ci/run)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

pytestmark = pytest.mark.django_db

ADDRESS = "ann@example.com"


def saved(client: Client, language: str = "en", name: str = "Mine") -> Build:
    client.post(f"/{language}/configure/car/save/", {"state": "wheels=w17", "name": name})
    return Build.objects.latest("created_at")


def mail_link(client: Client, build: Build, capture, email: str = ADDRESS, language: str = "en"):
    with capture(execute=True):
        return client.post(f"/{language}/designs/{build.pk}/email/", {"email": email})


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+/designs/open/\S+/)", message.body).group(1)


@pytest.fixture
def sent(car, mailoutbox, django_capture_on_commit_callbacks):
    """A design saved on the first device, and the link mailed from it."""
    first = Client()
    build = saved(first)
    response = mail_link(first, build, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == f"/en/designs/{build.pk}/"
    return build, link_in(mailoutbox[0])


def test_the_mail_goes_to_the_address_with_a_link_that_does_not_show_it(sent, mailoutbox):
    _build, link = sent
    [message] = mailoutbox
    assert message.to == [ADDRESS] and message.subject == "Your Atelier design: Car"
    assert "ann" not in link.lower() and "example" not in link
    assert "Mine" not in message.body  # the shopper's own words are not mailed to an address anyone can type


def test_the_link_adds_a_copy_to_another_devices_my_designs(sent):
    build, link = sent
    phone = Client()
    assert phone.get(link).status_code == 200 and Build.objects.count() == 1  # a GET changes nothing
    response = phone.post(link, {"email": "  Ann@Example.COM "})
    copy = Build.objects.exclude(pk=build.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/en/designs/{copy.pk}/"
    assert copy.copied_from == build and copy.owner_key != build.owner_key and copy.selections == build.selections
    assert copy.status == "draft"
    assert phone.get(response["Location"]).status_code == 200
    assert str(copy.pk) in phone.get("/en/my-designs/").content.decode()


def test_opening_it_again_on_that_device_shows_the_same_copy(sent):
    _build, link = sent
    phone = Client()
    first = phone.post(link, {"email": ADDRESS})
    again = phone.post(link, {"email": ADDRESS})
    assert first["Location"] == again["Location"] and Build.objects.count() == 2


def test_opened_on_the_device_it_was_sent_from_it_is_the_design_itself(car, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    first = Client()
    build = saved(first)
    mail_link(first, build, django_capture_on_commit_callbacks)
    response = first.post(link_in(mailoutbox[0]), {"email": ADDRESS})
    assert response["Location"] == f"/en/designs/{build.pk}/" and Build.objects.count() == 1


def test_another_address_opens_nothing(sent):
    _build, link = sent
    response = Client().post(link, {"email": "mallory@example.com"})
    assert response.status_code == 400
    assert "This link was sent to another e-mail address." in response.content.decode()
    assert Build.objects.count() == 1


def test_guessing_the_address_is_rate_limited(sent, settings):
    settings.ATELIER_RATELIMITS = {**settings.ATELIER_RATELIMITS, "design_link": "2/h"}
    _build, link = sent
    guesser = Client()
    assert [guesser.post(link, {"email": f"guess{n}@example.com"}).status_code for n in range(3)] == [400, 400, 429]
    assert guesser.post(link, {"email": ADDRESS}).status_code == 302  # a hit is never refused


def test_an_expired_link_is_a_clear_400(sent, settings):
    settings.ATELIER_DESIGN_LINK_MAX_AGE = -1
    _build, link = sent
    for response in (Client().get(link), Client().post(link, {"email": ADDRESS})):
        assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert Build.objects.count() == 1


def test_a_link_to_a_deleted_design_is_a_404(sent):
    build, link = sent
    Build.objects.filter(pk=build.pk).delete()
    response = Client().post(link, {"email": ADDRESS})
    assert response.status_code == 404 and "This design no longer exists" in response.content.decode()


def _tampered(link: str) -> str:
    token = link.rsplit("/", 2)[1]
    return link.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))


@pytest.mark.parametrize("make", [
    _tampered,
    lambda link: "/en/designs/open/garbage/",
    lambda link: "/en/designs/open/" + "x" * 5000 + "/",
    lambda link: "/en/designs/open/%00%ff%fe/",
    lambda link: f"/en/designs/open/{sign_shopper(Build.objects.get().owner_key)}/",  # another kind of token
    lambda link: f"/en/designs/open/{signing.dumps({'b': 'not-a-uuid', 'h': 'x'}, salt=SALT)}/",
    lambda link: f"/en/designs/open/{signing.dumps(['b'], salt=SALT)}/",
    lambda link: f"/en/designs/open/{signing.dumps({'b': '1', 'h': 'x'}, salt=SALT, key='another-key')}/",
])
def test_bad_or_tampered_links_are_a_clear_400_never_a_500(sent, make):
    bad = make(sent[1])
    for response in (Client().get(bad), Client().post(bad, {"email": ADDRESS})):
        assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert Build.objects.count() == 1


@pytest.mark.parametrize("email", ["", "not-an-address", "a" * 300 + "@example.com", "ann@example.com\r\nBcc: x@y.z"])
def test_a_bad_address_to_send_to_is_a_400_and_sends_nothing(car, mailoutbox, django_capture_on_commit_callbacks, email):
    client = Client()
    build = saved(client)
    assert mail_link(client, build, django_capture_on_commit_callbacks, email=email).status_code == 400
    assert mailoutbox == []


def test_only_the_owner_can_mail_a_design(car, mailoutbox, django_capture_on_commit_callbacks):
    build = saved(Client())
    assert mail_link(Client(), build, django_capture_on_commit_callbacks).status_code == 404
    assert mailoutbox == []


def test_sending_is_rate_limited_per_shopper_and_per_address(car, settings, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    settings.ATELIER_RATELIMITS = {**settings.ATELIER_RATELIMITS, "design_email": "3/h", "design_email_to": "2/h"}
    client = Client()
    build = saved(client)
    codes = [mail_link(client, build, django_capture_on_commit_callbacks, email="bob@example.com").status_code
             for _ in range(3)]
    assert codes == [302, 302, 429] and len(mailoutbox) == 2
    refused = mail_link(client, build, django_capture_on_commit_callbacks, email="carol@example.com")
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert refused["Retry-After"]


def test_the_mail_and_link_are_in_the_shoppers_language(car, mailoutbox, django_capture_on_commit_callbacks):
    client = Client()
    build = saved(client, language="nl")
    mail_link(client, build, django_capture_on_commit_callbacks, language="nl")
    [message] = mailoutbox
    assert link_in(message).startswith("/nl/designs/open/")
    months = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december")
    assert any(month in message.body for month in months)  # the expiry date, written the Dutch way
    assert "Auto" in message.subject  # the product's Dutch name


def test_the_task_skips_a_design_deleted_before_it_ran(car, mailoutbox):
    build = saved(Client())
    build_id = str(build.pk)
    build.delete()
    assert design_link_email(build_id, ADDRESS, "en", "http://testserver") is False and mailoutbox == []


def test_a_token_made_for_one_address_does_not_open_for_another(car, owner):
    build = saved(Client())
    token = design_link_token(build_id=build.pk, email="bob@example.com")
    assert Client().post(f"/en/designs/open/{token}/", {"email": ADDRESS}).status_code == 400
    assert Client().post(f"/en/designs/open/{token}/", {"email": "BOB@example.com"}).status_code == 302


def test_a_wrong_address_gives_the_device_no_shopper_id(sent):
    response = Client().post(sent[1], {"email": "mallory@example.com"})
    assert response.status_code == 400 and "atelier_shopper" not in response.cookies
