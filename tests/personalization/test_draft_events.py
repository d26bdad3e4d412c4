"""A staff member trying a draft in the studio (configurator/draft_views.py) is no shopper: their
clicks record no events, and no campaign is shown to them or counted as an exposure."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from personalization.models import Event, EventType
from personalization.pending import COOKIE as PENDING
from personalization.services.segments import segment_materialize
from tests.personalization.conftest import shopper_client
from tests.personalization.test_campaigns import holdout_client, make_campaign

pytestmark = pytest.mark.django_db


def as_staff(client):
    client.force_login(User.objects.create_superuser("staff", password="x"))
    return client


def click(client, path: str):
    return client.get(f"{path}?trim=classic&wheels=w17&packs=&badge=", HTTP_HX_REQUEST="true",
                      HTTP_HX_TRIGGER="o:wheels:w17",
                      HTTP_HX_CURRENT_URL=f"http://testserver{path}?trim=classic&wheels=w16&packs=&badge=")


def test_a_click_in_the_draft_records_no_event_where_the_same_click_in_the_shop_does(car):
    client, shopper_id = shopper_client()
    as_staff(client)
    assert click(client, reverse("configurator:draft", args=["car"])).status_code == 200
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    click(client, reverse("configurator:studio", args=["car"]))
    assert Event.objects.filter(shopper_id=shopper_id, type=EventType.OPTION_SELECTED).exists()


def test_the_draft_shows_no_campaign_and_records_no_exposure(car):
    banner = make_campaign(placement="product_banner", product=car, headline_en="Banner for cars")
    client, shopper_id = holdout_client(banner, "treatment")
    segment_materialize(segment=banner.segment)
    as_staff(client)
    page = client.get(reverse("configurator:draft", args=["car"])).content.decode()
    assert "Banner for cars" not in page
    assert not Event.objects.filter(shopper_id=shopper_id, type=EventType.CAMPAIGN_SHOWN).exists()
    assert "Banner for cars" in client.get(reverse("configurator:studio", args=["car"])).content.decode()
    assert Event.objects.filter(shopper_id=shopper_id, type=EventType.CAMPAIGN_SHOWN).exists()


def test_a_draft_click_leaves_nothing_pending_for_a_visitor_who_has_not_decided(car, client):
    """Before consent a shop click waits in the browser (personalization.pending); a draft click does not."""
    as_staff(client)
    assert PENDING not in click(client, reverse("configurator:draft", args=["car"])).cookies
    assert PENDING in click(client, reverse("configurator:studio", args=["car"])).cookies
