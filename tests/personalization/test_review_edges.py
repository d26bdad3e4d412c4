"""Edges found in review: bad staff input never 500s, consent is honoured in every corner,
erasure and withdrawal leave nothing behind."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from configurator import services as configurator_services
from configurator.identity import Owner
from configurator.models import Order
from personalization.models import Event, EventType, Profile, Segment, SegmentMembership, Shopper
from personalization.services import consent_set
from personalization.services.privacy import shopper_erase, shoppers_erase_by_email
from tests.personalization.conftest import shopper_client
from tests.personalization.test_campaigns import make_campaign
from tests.personalization.test_events import click
from tests.personalization.test_reports import data  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

W16_TO_W17 = ("trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")


@pytest.mark.parametrize("query", [
    f"start={(date.today() - timedelta(days=10)).isoformat()}&end={date.today().isoformat()}",  # a short range
    "start=0001-01-01", "start=9999-12-31&end=9999-12-31", "product=abc&start=notadate&segment=-1",
    "product=%C2%B2", "segment=999999999999999999999",
])
@pytest.mark.parametrize("slug", ["mix", "funnel", "kpis", "options", "lineage", "lift"])
def test_report_filters_never_500(admin_client, data, slug, query):  # noqa: F811
    for suffix in ("", "csv/"):
        response = admin_client.get(f"/admin/personalization/reports/{slug}/{suffix}?{query}")
        assert response.status_code == 200, (slug, suffix, query)


def test_the_map_grid_ignores_a_non_ascii_digit(admin_client, car):
    from personalization.services.motivations import motivation_map_seed

    motivation_map_seed()
    from personalization.models import MotivationMap

    current = MotivationMap.objects.get(is_current=True)
    assert admin_client.get(f"/admin/personalization/motivationmap/{current.pk}/change/?product=²").status_code == 200


def test_segment_rules_nested_too_deeply_are_a_form_error(admin_client, db):
    deep = '{"op": "and", "items": [' * 5000 + "]}" * 5000
    preview = admin_client.post("/admin/personalization/segment/preview/", {"rules": deep, "purpose": "personalization"})
    assert preview.status_code == 400
    add = admin_client.post("/admin/personalization/segment/add/", {"name": "deep", "purpose": "personalization",
                                                                   "rules": deep, "active": "on"})
    assert add.status_code == 200 and not Segment.objects.exists()


def test_campaign_exposure_is_not_recorded_for_a_marketing_only_shopper(car):
    campaign = make_campaign(purpose="marketing")
    client, shopper_id = shopper_client(analytics=False, personalization=False, marketing=True)
    segment_members = SegmentMembership.objects.filter(segment=campaign.segment, shopper_id=shopper_id)
    if not segment_members.exists():
        SegmentMembership.objects.create(segment=campaign.segment, shopper_id=shopper_id)
    assert client.get("/en/").status_code == 200
    client.get(f"/en/c/{campaign.pk}/")
    assert not Event.objects.filter(shopper_id=shopper_id).exists()


def test_a_share_view_keeps_no_id_of_the_sharer(car):
    _owner_client, sharer = shopper_client()
    build = configurator_services.build_save(product=car, selections={"wheels": "w17"}, owner=Owner(sharer), name="x")
    configurator_services.build_share(build=build, owner=Owner(sharer))
    viewer, viewer_id = shopper_client()
    viewer.get(f"/s/{build.share_code}/?utm_source=x", HTTP_REFERER="https://social.example/post/1")
    view = Event.objects.get(shopper_id=viewer_id, type=EventType.SHARE_VIEWED)
    assert str(sharer) not in str(view.properties) and view.properties["referrer"] == "social.example"
    assert view.build_id == build.pk


def test_a_browser_whose_shopper_staff_erased_is_not_collected_any_more(car, django_capture_on_commit_callbacks):
    client, shopper_id = shopper_client()
    click(client, *W16_TO_W17)
    assert Event.objects.filter(shopper_id=shopper_id).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        shopper_erase(shopper_id=shopper_id)
    click(client, *W16_TO_W17)  # the same cookies, still saying "consented"
    assert not Event.objects.filter(shopper_id=shopper_id).exists()


def test_withdrawing_analytics_and_personalization_deletes_what_was_collected(car):
    client, shopper_id = shopper_client()
    click(client, *W16_TO_W17)
    Profile.objects.create(shopper_id=shopper_id, scores={"value": 1.0})
    segment = Segment.objects.create(name="s")
    SegmentMembership.objects.create(segment=segment, shopper_id=shopper_id)
    consent_set(shopper_id=shopper_id, analytics=False, personalization=False, marketing=True, source="privacy")
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    assert not Profile.objects.filter(shopper_id=shopper_id).exists()
    assert not SegmentMembership.objects.filter(shopper_id=shopper_id).exists()
    assert Shopper.objects.get(pk=shopper_id).marketing  # the choice itself is kept


def _order(car, shopper_id, email="ann@example.com"):
    owner = Owner(shopper_id)
    build = configurator_services.build_save(product=car, selections={"trim": "classic", "wheels": "w16"},
                                             owner=owner, name="mine")
    return configurator_services.order_place(build=build, owner=owner, name="Ann", email=email, country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")


def test_an_order_links_no_e_mail_to_a_shopper_who_withdrew_everything(car):
    _client, shopper_id = shopper_client()
    consent_set(shopper_id=shopper_id, analytics=False, personalization=False, marketing=False, source="privacy")
    _order(car, shopper_id)
    assert Shopper.objects.get(pk=shopper_id).email == ""


def test_erase_by_e_mail_also_unlinks_orders_of_shoppers_who_never_consented(car):
    shopper_id = uuid.uuid4()  # no consent, so no Shopper row and no e-mail on one
    _order(car, shopper_id, email="Bo@Example.com")
    assert Order.objects.filter(owner_key=shopper_id).exists() and not Shopper.objects.exists()
    erased = shoppers_erase_by_email(email="bo@example.com")
    assert len(erased) == 1 and erased[0].orders_unlinked == 1
    assert not Order.objects.filter(owner_key=shopper_id).exists()
