"""Consent: nothing stored before it, choices kept in the browser and attached once it is given,
GPC honoured, declining stores nothing, and the banner goes once the shopper decided."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client

from configurator.identity import read_shopper
from personalization.consent import COOKIE as CONSENT_COOKIE
from personalization.consent import SALT as CONSENT_SALT
from personalization.models import ConsentChange, Event, Shopper
from personalization.pending import COOKIE as PENDING_COOKIE
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

STUDIO = "/en/configure/car/"
CONSENT = "/en/consent/"


def click(client: Client, query: str, *, trigger: str, current: str, **headers):
    """A studio option click the way htmx sends it."""
    return client.get(f"{STUDIO}?{query}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                      HTTP_HX_CURRENT_URL=f"http://testserver{STUDIO}?{current}", **headers)


def two_clicks(client: Client) -> None:
    assert click(client, "trim=classic&wheels=w17&packs=", trigger="o:wheels:w17",
                 current="trim=classic&wheels=w16&packs=").status_code == 200
    assert click(client, "trim=classic&wheels=w17&packs=tech", trigger="o:packs:tech",
                 current="trim=classic&wheels=w17&packs=").status_code == 200


def consents_in(cookie: str) -> set[str]:
    value = signing.loads(cookie, salt=CONSENT_SALT)
    return set(value.split(",")) - {""}


def decide(client: Client, choice: str, *, htmx: bool = False, **extra):
    data = {"choice": choice, "source": "banner", "next": STUDIO, **extra}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(CONSENT, data, **headers)


def banner_shown(client: Client, url: str = "/en/") -> bool:
    return 'id="consent-banner"' in client.get(url).content.decode()


def test_no_event_and_no_shopper_before_consent(car):
    client = Client()
    two_clicks(client)
    assert not Event.objects.exists()
    assert not Shopper.objects.exists()
    assert settings.ATELIER_SHOPPER_COOKIE not in client.cookies  # not even a pseudonymous id
    assert client.cookies[PENDING_COOKIE].value  # the choices wait in the browser


def test_accept_all_attaches_the_choices_made_before_consent(car):
    client = Client()
    two_clicks(client)
    response = decide(client, "all")
    assert response.status_code == 302 and response["Location"] == STUDIO
    shopper_id = read_shopper(client.cookies[settings.ATELIER_SHOPPER_COOKIE].value)
    shopper = Shopper.objects.get(pk=shopper_id)
    assert (shopper.analytics, shopper.personalization, shopper.marketing, shopper.gpc) == (True, True, True, False)
    assert ConsentChange.objects.get(shopper=shopper).source == "banner"
    events = Event.objects.filter(shopper_id=shopper_id, type="option_selected")
    assert sorted(events.values_list("option", flat=True)) == ["tech", "w17"]
    assert response.cookies[PENDING_COOKIE]["max-age"] == 0  # the browser copy is gone
    # Later clicks are written at once, under the same id.
    click(client, "trim=classic&wheels=w18&packs=tech", trigger="o:wheels:w18", current="trim=classic&wheels=w17&packs=tech")
    assert Event.objects.filter(shopper_id=shopper_id, option="w18").exists()


def test_attached_choices_are_not_doubled_by_a_second_decision(car):
    client = Client()
    two_clicks(client)
    decide(client, "all")
    decide(client, "all")
    assert Event.objects.count() == 2


def test_gpc_forces_marketing_off_and_is_recorded(car):
    client = Client(HTTP_SEC_GPC="1")
    assert "Global Privacy Control" in client.get("/en/").content.decode()
    decide(client, "custom", analytics="on", personalization="on", marketing="on")
    shopper = Shopper.objects.get()
    assert (shopper.analytics, shopper.personalization, shopper.marketing, shopper.gpc) == (True, True, False, True)
    change = ConsentChange.objects.get()
    assert change.marketing is False
    # The cookie does not carry marketing either: without the header next time it is still off.
    assert consents_in(client.cookies[CONSENT_COOKIE].value) == {"analytics", "personalization"}


def test_gpc_accept_all_keeps_marketing_off(car):
    client = Client(HTTP_SEC_GPC="1")
    response = decide(client, "all", htmx=True)
    assert "Global Privacy Control" in response.content.decode()
    assert consents_in(client.cookies[CONSENT_COOKIE].value) == {"analytics", "personalization"}
    assert Shopper.objects.get().marketing is False


def test_declining_stores_nothing_but_stops_the_banner(car):
    client = Client()
    two_clicks(client)
    assert banner_shown(client)
    response = decide(client, "necessary")
    assert response.status_code == 302
    assert not Shopper.objects.exists() and not ConsentChange.objects.exists() and not Event.objects.exists()
    assert settings.ATELIER_SHOPPER_COOKIE not in response.cookies  # no id minted
    assert response.cookies[PENDING_COOKIE]["max-age"] == 0  # the pre-consent choices are dropped
    assert response.cookies[CONSENT_COOKIE].value
    assert not banner_shown(client)
    two_clicks(client)
    assert not Event.objects.exists()


def test_a_shopper_with_a_record_who_declines_gets_the_withdrawal_recorded(car):
    client, shopper_id = shopper_client(analytics=True, personalization=True, marketing=True)
    decide(client, "necessary")
    shopper = Shopper.objects.get(pk=shopper_id)
    assert (shopper.analytics, shopper.personalization, shopper.marketing) == (False, False, False)
    assert ConsentChange.objects.filter(shopper=shopper).count() == 2
    click(client, "trim=classic&wheels=w17&packs=", trigger="o:wheels:w17", current="trim=classic&wheels=w16&packs=")
    assert not Event.objects.exists()


def test_choose_grants_only_the_ticked_purposes(car):
    client = Client()
    two_clicks(client)
    decide(client, "custom", analytics="on")
    shopper = Shopper.objects.get()
    assert (shopper.analytics, shopper.personalization, shopper.marketing) == (True, False, False)
    assert Event.objects.filter(shopper_id=shopper.pk).count() == 2  # analytics records events


def test_marketing_only_creates_a_record_but_attaches_no_events(car):
    client = Client()
    two_clicks(client)
    decide(client, "custom", marketing="on")
    shopper = Shopper.objects.get()
    assert (shopper.analytics, shopper.personalization, shopper.marketing) == (False, False, True)
    assert not Event.objects.exists()


def test_the_banner_is_on_every_shopper_page_until_the_shopper_decides(car):
    client = Client()
    for url in ("/en/", STUDIO, "/nl/", "/en/my-designs/"):
        assert banner_shown(client, url), url
    html = client.get("/en/").content.decode()
    assert "Accept all" in html and "Only necessary" in html and "Choose" in html
    for purpose in ("analytics", "personalization", "marketing"):
        assert f'name="{purpose}"' in html
    decide(client, "all")
    for url in ("/en/", STUDIO, "/nl/"):
        assert not banner_shown(client, url), url


def test_the_htmx_banner_swaps_in_a_confirmation(car):
    client = Client()
    response = decide(client, "all", htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="consent-banner"' in html and "autofocus" in html
    assert "HX-Request" in response["Vary"]
    assert response.cookies[CONSENT_COOKIE].value
    assert Shopper.objects.count() == 1


@pytest.mark.parametrize("data", [{}, {"choice": "everything"}, {"choice": "all", "source": "elsewhere"}])
def test_an_invalid_decision_is_refused_and_changes_nothing(car, data):
    client = Client()
    response = client.post(CONSENT, data)
    assert response.status_code == 400
    assert CONSENT_COOKIE not in response.cookies
    assert not Shopper.objects.exists()
    response = client.post(CONSENT, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Choose one of the options below." in response.content.decode()


def test_consent_is_post_only(car):
    assert Client().get(CONSENT).status_code == 405


def test_redirect_back_stays_on_this_site(car):
    response = decide(Client(), "necessary", next="https://evil.example/")
    assert response["Location"] == "/en/"


@pytest.mark.parametrize("value", ["home", "1e999", "<script>", "%ff%fe", "\u202e\u200b", "😀", "en/configure/car/"])
def test_a_next_that_is_no_path_goes_home(car, value):
    """A bare word is no address: redirect() took it for a view name (NoReverseMatch, a 500)."""
    response = decide(Client(), "necessary", next=value)
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_the_banner_form_carries_a_csrf_token(car):
    client = Client(enforce_csrf_checks=True)
    html = client.get("/en/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert client.post(CONSENT, {"choice": "all"}).status_code == 403
