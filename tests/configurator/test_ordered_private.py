"""Ordering a private draft freezes it but does not publish it: its share code opens nothing
(page, card, API, remix) until its owner shares it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from configurator.models import Build, BuildStatus

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


@pytest.fixture
def ordered(car) -> tuple[Client, Build]:
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Private"})
    build = Build.objects.get()
    assert client.post(f"/en/designs/{build.pk}/order/", CONTACT).status_code == 302
    build.refresh_from_db()
    return client, build


def public_answers(code: str) -> list[int]:
    stranger = Client()
    return [
        stranger.get(f"/s/{code}/").status_code,
        stranger.get(f"/s/{code}/card.png").status_code,
        stranger.get(f"/api/shared/{code}/").status_code,
        stranger.post(f"/api/shared/{code}/remix/", json.dumps({}), content_type="application/json").status_code,
        stranger.post(f"/s/{code}/remix/").status_code,
    ]


def test_an_ordered_draft_stays_private(ordered):
    _client, build = ordered
    assert build.status == BuildStatus.ORDERED and build.shared_at is None
    assert public_answers(build.share_code) == [404] * 5
    assert Build.objects.count() == 1  # no remix was made


def test_the_owner_sees_no_share_code_or_link_until_sharing(ordered):
    client, build = ordered
    data = client.get(f"/api/builds/{build.pk}/").json()
    assert "share_code" not in data and "share_url" not in data
    page = client.get(f"/en/designs/{build.pk}/").content.decode()
    assert f"/s/{build.share_code}/" not in page
    assert f'action="/en/designs/{build.pk}/share/"' in page  # it can still be shared


def test_sharing_an_ordered_build_opens_it_and_keeps_it_ordered(ordered):
    client, build = ordered
    response = client.post(f"/en/designs/{build.pk}/share/")
    assert response.status_code == 302
    build.refresh_from_db()
    assert build.status == BuildStatus.ORDERED and build.shared_at is not None
    answers = public_answers(build.share_code)
    assert answers[:3] == [200, 200, 200] and answers[3:] == [201, 302]


def test_a_shared_build_that_is_then_ordered_stays_public(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Shown"})
    build = Build.objects.get()
    client.post(f"/en/designs/{build.pk}/share/")
    client.post(f"/en/designs/{build.pk}/order/", CONTACT)
    assert Client().get(f"/s/{build.share_code}/").status_code == 200
