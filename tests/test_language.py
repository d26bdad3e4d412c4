"""The language switch returns to the same page in the chosen language, whatever the browser's
own language (the browser test is tests/e2e/test_language.py)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("browser", "start", "chosen"), [("nl", "en", "nl"), ("en", "nl", "en")])
def test_the_switch_translates_the_address_in_its_own_language(car, browser, start, chosen):
    client = Client(HTTP_ACCEPT_LANGUAGE=browser)
    response = client.post("/i18n/setlang/", {"language": chosen, "next": f"/{start}/configure/car/?wheels=w17"})
    assert response.status_code == 302
    assert response["Location"] == f"/{chosen}/configure/car/?wheels=w17"
    assert client.get(response["Location"])["Content-Language"] == chosen


def test_an_address_without_a_prefix_or_off_site_is_handled_as_django_does(car):
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/s/abc/"})["Location"] == "/s/abc/"
    assert client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})["Location"] == "/"
