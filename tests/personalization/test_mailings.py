"""#13 §5: a campaign by e-mail. Only to members with marketing consent and a known address, in
their language, each with their arm (the control gets none), one-click unsubscribe, UTM-tagged
links, no tracking pixel, a send log, retries, and attribution of the click."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from personalization.models import (
    Assignment,
    Campaign,
    DeliveryStatus,
    Event,
    EventType,
    MailDelivery,
    Mailing,
    MailingStatus,
    Segment,
    Shopper,
    Variant,
)
from personalization.services import consent_set
from personalization.services.mailings import (
    MAX_ATTEMPTS,
    mailing_create,
    mailing_send_batch,
    unsubscribe_token,
)
from personalization.services.segments import segment_materialize
from personalization.tasks.mailings import mailing_send, mailings_resume

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"


def person(*, marketing=True, email="ann@example.com", language="en", analytics=True, gpc=False) -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=analytics, personalization=True, marketing=marketing, gpc=gpc,
                source="banner", language=language)
    Shopper.objects.filter(pk=shopper_id).update(email=email)
    return shopper_id


def campaign(*, holdout=0, weights=(1,)) -> Campaign:
    segment = Segment.objects.create(name="everyone", purpose="marketing", rules={})
    found = Campaign.objects.create(name="Spring drop", segment=segment, placement="home_hero",
                                    holdout_percent=holdout)
    for index, weight in enumerate(weights):
        code = "AB"[index]
        Variant.objects.create(campaign=found, code=code, weight=weight, headline_en=f"Spring {code}",
                               headline_nl=f"Lente {code}", body_en="New colours <b>now</b>", body_nl="Nieuwe kleuren",
                               cta_en="Design yours", cta_nl="Ontwerp de jouwe", link="/en/configure/car/")
    return found


def send(found: Campaign) -> Mailing:
    segment_materialize(segment=found.segment)
    mailing = mailing_create(campaign=found, origin=ORIGIN)
    mailing_send.run(mailing.pk)
    mailing.refresh_from_db()
    return mailing


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_only_members_with_marketing_consent_and_a_known_address_get_it_in_their_language():
    dutch = person(language="nl", email="bram@example.nl")
    english = person(email="ann@example.com")
    person(marketing=False, email="no@example.com")
    person(email="")
    person(gpc=True, email="gpc@example.com")
    mailing = send(campaign())
    assert mailing.status == MailingStatus.DONE
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bram@example.nl"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["bram@example.nl"].subject == "Lente A" and "Ontwerp de jouwe" in by_address["bram@example.nl"].body
    assert by_address["ann@example.com"].subject == "Spring A"
    log = dict(MailDelivery.objects.values_list("shopper_id", "status"))
    assert log == {dutch: DeliveryStatus.SENT, english: DeliveryStatus.SENT}


def test_each_mail_has_one_click_unsubscribe_tagged_links_and_no_pixel():
    person()
    send(campaign())
    (message,) = mail.outbox
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{ORIGIN}/en/u/") and unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.alternatives[0][0]
    assert "<img" not in html  # no tracking pixel
    assert "&lt;b&gt;now&lt;/b&gt;" in html  # staff text is text
    link = next(part for part in message.body.split() if "/c/" in part)
    query = parse_qs(urlsplit(link).query)
    assert query["utm_source"] == ["atelier"] and query["utm_medium"] == ["email"]
    assert query["utm_content"] == ["A"] and query["utm_campaign"][0].endswith("spring-drop")


def test_the_control_gets_no_mail_and_is_logged_and_exposed_as_control():
    ids = [person(email=f"p{i}@example.com") for i in range(40)]
    found = campaign(holdout=50)
    mailing = send(found)
    arms = dict(Assignment.objects.filter(campaign=found).values_list("shopper_id", "variant"))
    control = {s for s in ids if arms[s] is None}
    assert 5 < len(control) < 35
    assert {m.to[0] for m in mail.outbox} == {f"p{i}@example.com" for i, s in enumerate(ids) if s not in control}
    skipped = set(mailing.deliveries.filter(status=DeliveryStatus.SKIPPED).values_list("shopper_id", flat=True))
    assert skipped == control
    shown = {e.shopper_id: e.properties for e in Event.objects.filter(campaign=found, type=EventType.CAMPAIGN_SHOWN)}
    assert set(shown) == set(ids)
    assert all(shown[s]["variant"] == ("control" if s in control else "A") for s in ids)
    assert all(p["channel"] == "email" for p in shown.values())


def test_a_shopper_in_the_experiment_keeps_their_arm_in_the_mail():
    shopper_id = person()
    found = campaign(weights=(1, 1))
    b = found.variants.get(code="B")
    Assignment.objects.create(campaign=found, shopper_id=shopper_id, variant=b)
    send(found)
    assert mail.outbox[0].subject == "Spring B"


def test_one_click_unsubscribe_withdraws_marketing_consent_only():
    shopper_id = person()
    client = Client()
    url = reverse("personalization:unsubscribe", args=[unsubscribe_token(shopper_id)])
    page = client.get(url)
    assert page.status_code == 200 and Shopper.objects.get(pk=shopper_id).marketing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    shopper = Shopper.objects.get(pk=shopper_id)
    assert not shopper.marketing and shopper.analytics and shopper.personalization
    assert shopper.consent_changes.first().source == "unsubscribe"
    # A later mailing skips them.
    send(campaign())
    assert mail.outbox == []


def test_a_forged_unsubscribe_link_is_a_clear_400():
    response = Client().post("/en/u/not-a-token/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_consent_withdrawn_after_the_mailing_was_made_is_respected_at_send_time():
    shopper_id = person()
    found = campaign()
    segment_materialize(segment=found.segment)
    mailing = mailing_create(campaign=found, origin=ORIGIN)
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="privacy")
    mailing_send.run(mailing.pk)
    assert mail.outbox == []
    assert mailing.deliveries.get().status == DeliveryStatus.SKIPPED


class Flaky:
    """A mail backend that fails the first `failures` sends."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if Flaky.failures > 0:
            Flaky.failures -= 1
            raise OSError("connection refused")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_failed_send_is_retried_later_and_given_up_after_max_attempts(settings):
    settings.EMAIL_BACKEND = f"{__name__}.Flaky"
    mail.outbox = []
    person()
    found = campaign()
    segment_materialize(segment=found.segment)
    mailing = mailing_create(campaign=found, origin=ORIGIN)
    Flaky.failures = 1
    assert mailing_send_batch(mailing=mailing) == 1  # failed once, waits
    line = mailing.deliveries.get()
    assert line.attempts == 1 and line.next_attempt_at > timezone.now() and "refused" in line.error
    assert mailing_send_batch(mailing=mailing) == 1  # not due yet: nothing tried
    assert mailing.deliveries.get().attempts == 1
    mailing.deliveries.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    mailings_resume.run()  # the sweep sends what is due
    line.refresh_from_db()
    assert line.status == DeliveryStatus.SENT and len(mail.outbox) == 1
    # Always failing: failed after MAX_ATTEMPTS, the mailing finishes.
    person(email="bo@example.com")
    segment_materialize(segment=found.segment)
    mailing = mailing_create(campaign=found, origin=ORIGIN)
    Flaky.failures = 100
    for _ in range(MAX_ATTEMPTS):
        mailing.deliveries.filter(status="pending").update(next_attempt_at=None)
        mailing_send_batch(mailing=mailing)
    assert sorted(mailing.deliveries.values_list("status", flat=True)) == [DeliveryStatus.FAILED] * 2
    assert mailing.deliveries.filter(attempts=MAX_ATTEMPTS).count() == 2
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
    Flaky.failures = 0


def test_a_click_in_the_mail_is_attributed_to_its_shopper_on_any_device_and_keeps_the_tags():
    shopper_id = person()
    found = campaign()
    send(found)
    link = next(part for part in mail.outbox[0].body.split() if "/c/" in part)
    parts = urlsplit(link)
    response = Client().get(f"{parts.path}?{parts.query}")  # another browser: no cookie
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/en/configure/car/"
    assert parse_qs(target.query)["utm_medium"] == ["email"]
    click = Event.objects.get(type=EventType.CAMPAIGN_CLICKED)
    assert click.shopper_id == shopper_id and click.properties["variant"] == "A"
    assert click.properties["channel"] == "email"


def test_the_admin_confirms_then_sends(admin_client, django_capture_on_commit_callbacks):
    person()
    found = campaign()
    segment_materialize(segment=found.segment)
    url = reverse("admin:personalization_campaign_send", args=[found.pk])
    page = admin_client.get(url).content.decode()
    assert "This goes to 1 member" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    mailing = Mailing.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/mailing/{mailing.pk}/change/")
    assert len(mail.outbox) == 1
    log = admin_client.get(response["Location"]).content.decode()
    assert "ann@example.com" in log
    assert "Send by e-mail" in admin_client.get(
        reverse("admin:personalization_campaign_change", args=[found.pk])).content.decode()


def test_the_admin_refuses_to_send_to_nobody(admin_client):
    found = campaign()
    response = admin_client.post(reverse("admin:personalization_campaign_send", args=[found.pk]), follow=True)
    assert "Nobody to send to" in response.content.decode()
    assert not Mailing.objects.exists()


def test_an_address_from_e_mail_me_this_design_is_kept_only_with_marketing_consent(car):
    from configurator.identity import Owner
    from configurator.services import build_save
    from configurator.services.design_links import design_link_request

    keen, shy = person(email=""), person(marketing=False, email="")
    for shopper_id in (keen, shy):
        owner = Owner(shopper_id=shopper_id)
        build = build_save(product=car, selections={}, owner=owner, name="mine")
        design_link_request(build=build, owner=owner, email=f"{shopper_id.hex[:6]}@example.com", language="en",
                            origin=ORIGIN)
    assert Shopper.objects.get(pk=keen).email == f"{keen.hex[:6]}@example.com"
    assert Shopper.objects.get(pk=shy).email == ""
