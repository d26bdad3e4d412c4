"""Campaigns: the deterministic holdout, exposure and click events, escaping, safe redirects, lift."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from personalization.models import Campaign, Event, EventType, Segment, Variant
from personalization.services.campaigns import campaign_bucket, campaign_group, campaign_lift, safe_path
from personalization.services.segments import segment_materialize
from tests.factories import VARIANT_CONTENT
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def make_campaign(*, purpose="personalization", placement="home_hero", holdout=0, product=None, **fields) -> Campaign:
    segment = Segment.objects.create(name="everyone", purpose=purpose, rules={})
    segment_materialize(segment=segment)
    defaults = {"headline_en": "Made for you", "headline_nl": "Voor jou gemaakt", "body_en": "Try the sport trim",
                "body_nl": "Probeer de sportuitvoering", "cta_en": "Try it", "cta_nl": "Probeer het"}
    content = {k: fields.pop(k) for k in list(fields) if k in VARIANT_CONTENT}
    campaign = Campaign.objects.create(name="c", segment=segment, placement=placement, holdout_percent=holdout,
                                       product=product, **fields)
    Variant.objects.create(campaign=campaign, code="A", **{**defaults, **content})
    return campaign


def variant_forms(*variants: dict) -> dict:
    """The admin's variant inline as POST data."""
    data = {"variants-TOTAL_FORMS": len(variants), "variants-INITIAL_FORMS": 0, "variants-MIN_NUM_FORMS": 1,
            "variants-MAX_NUM_FORMS": 1000}
    for index, fields in enumerate(variants):
        data.update({f"variants-{index}-{name}": value for name, value in fields.items()})
    return data


def shown(shopper_id, campaign) -> list[Event]:
    return list(Event.objects.filter(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_SHOWN))


def holdout_client(campaign: Campaign, group: str):
    """A consented shopper whose bucket puts them in `group` for the campaign."""
    while True:
        client, shopper_id = shopper_client(record=False)
        if campaign_group(campaign, shopper_id) == group:
            shopper_client_record(shopper_id)
            return client, shopper_id


def shopper_client_record(shopper_id):
    from personalization.services import consent_set

    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")


# The holdout split ---------------------------------------------------------------------------

def test_the_bucket_is_deterministic_and_within_0_to_99():
    shopper = uuid.uuid4()
    assert campaign_bucket(7, shopper) == campaign_bucket(7, str(shopper))
    assert all(0 <= campaign_bucket(c, uuid.uuid4()) <= 99 for c in range(200))


@pytest.mark.parametrize("percent", [10, 25, 50])
def test_the_holdout_share_is_close_to_the_percentage(percent):
    campaign = Campaign(pk=42, holdout_percent=percent)
    n = 20_000
    held = sum(campaign_group(campaign, uuid.UUID(int=i * 7919 + 13)) == "holdout" for i in range(n))
    assert abs(held / n - percent / 100) < 0.015  # ~4.5 standard errors at most


def test_campaigns_split_shoppers_independently():
    shoppers = [uuid.UUID(int=i) for i in range(2000)]
    a = {s for s in shoppers if campaign_bucket(1, s) < 50}
    b = {s for s in shoppers if campaign_bucket(2, s) < 50}
    assert 0.4 < len(a & b) / len(a) < 0.6  # not the same half every time


# Showing -------------------------------------------------------------------------------------

def test_a_member_in_the_treatment_group_sees_the_hero_and_exposure_is_recorded_once(car):
    campaign = make_campaign()
    client, shopper_id = holdout_client(campaign, "treatment")
    segment_materialize(segment=campaign.segment)
    first = client.get("/en/")
    assert "Made for you" in first.content.decode()
    assert reverse("personalization:campaign-click", args=[campaign.pk]) in first.content.decode()
    client.get("/en/")
    events = shown(shopper_id, campaign)
    assert len(events) == 1
    assert events[0].properties["group"] == "treatment"


def test_the_holdout_group_never_sees_the_content_but_its_exposure_is_recorded(car):
    campaign = make_campaign(holdout=50)
    client, shopper_id = holdout_client(campaign, "holdout")
    segment_materialize(segment=campaign.segment)
    for _ in range(3):
        page = client.get("/en/").content.decode()
        assert "Made for you" not in page
        assert f"/c/{campaign.pk}/" not in page and "data-campaign" not in page
    events = shown(shopper_id, campaign)
    assert [e.properties["group"] for e in events] == ["holdout"]


def test_the_group_stays_the_same_across_visits(car):
    campaign = make_campaign(holdout=50)
    client, _shopper = holdout_client(campaign, "treatment")
    segment_materialize(segment=campaign.segment)
    assert all("Made for you" in client.get("/en/").content.decode() for _ in range(5))


def test_dutch_pages_show_the_dutch_content(car):
    campaign = make_campaign()
    client, _shopper = holdout_client(campaign, "treatment")
    segment_materialize(segment=campaign.segment)
    page = client.get("/nl/").content.decode()
    assert "Voor jou gemaakt" in page and "Probeer het" in page
    assert "Made for you" not in page


def test_shoppers_outside_the_segment_see_nothing_and_nothing_is_recorded(car):
    campaign = make_campaign()
    client, shopper_id = shopper_client()  # consented after the segment was materialized
    assert "Made for you" not in client.get("/en/").content.decode()
    assert shown(shopper_id, campaign) == []


def test_without_consent_to_the_segments_purpose_nothing_is_shown_or_recorded(car):
    campaign = make_campaign(purpose="marketing")
    client, shopper_id = shopper_client(marketing=True)
    segment_materialize(segment=campaign.segment)
    no_marketing_cookie, _ = shopper_client(marketing=False, record=False)
    client.cookies["atelier_consent"] = no_marketing_cookie.cookies["atelier_consent"].value  # withdrawn
    assert "Made for you" not in client.get("/en/").content.decode()
    assert shown(shopper_id, campaign) == []


def test_inactive_or_ended_campaigns_are_not_shown(car):
    campaign = make_campaign(ends_at=timezone.now() - timedelta(days=1))
    client, shopper_id = holdout_client(campaign, "treatment")
    segment_materialize(segment=campaign.segment)
    assert "Made for you" not in client.get("/en/").content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(ends_at=None, active=False)
    assert "Made for you" not in client.get("/en/").content.decode()
    assert shown(shopper_id, campaign) == []


def test_the_highest_priority_campaign_wins(car):
    low = make_campaign(headline_en="Low priority", priority=1)
    high = make_campaign(headline_en="High priority", priority=5)
    client, _shopper = holdout_client(high, "treatment")
    segment_materialize(segment=low.segment)
    segment_materialize(segment=high.segment)
    page = client.get("/en/").content.decode()
    assert "High priority" in page and "Low priority" not in page


def test_hostile_campaign_content_renders_literally(car):
    campaign = make_campaign(headline_en=HOSTILE, body_en=HOSTILE, cta_en=HOSTILE)
    client, _shopper = holdout_client(campaign, "treatment")
    segment_materialize(segment=campaign.segment)
    page = client.get("/en/").content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_product_banner_and_starting_build_show_on_the_studio_page(car):
    banner = make_campaign(placement="product_banner", product=car, headline_en="Banner for cars")
    other = make_campaign(placement="starting_build", product=car, headline_en="Start here")
    client, _shopper = holdout_client(banner, "treatment")
    segment_materialize(segment=banner.segment)
    segment_materialize(segment=other.segment)
    page = client.get(reverse("configurator:studio", args=[car.slug])).content.decode()
    assert "Banner for cars" in page
    assert ("Start here" in page) == (campaign_group(other, _shopper) == "treatment")
    assert "Banner for cars" not in client.get("/en/").content.decode()  # a banner is not a hero


# Clicks --------------------------------------------------------------------------------------

def test_a_click_is_recorded_and_redirects_to_the_campaign_link(car):
    campaign = make_campaign(link="/en/configure/car/?trim=sport")
    client, shopper_id = holdout_client(campaign, "treatment")
    response = client.get(reverse("personalization:campaign-click", args=[campaign.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/en/configure/car/?trim=sport"
    clicks = Event.objects.filter(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_CLICKED)
    assert clicks.count() == 1 and clicks[0].properties["group"] == "treatment"


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                  "http:/evil.example", " //evil.example"])
def test_a_click_never_leaves_the_site(car, link):
    campaign = make_campaign(link=link, product=car)
    client, _shopper = shopper_client()
    response = client.get(reverse("personalization:campaign-click", args=[campaign.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("configurator:studio", args=[car.slug])


def test_a_click_without_a_link_or_product_goes_home(db):
    campaign = make_campaign()
    response = shopper_client()[0].get(reverse("personalization:campaign-click", args=[campaign.pk]))
    assert response["Location"] == reverse("configurator:home")


def test_a_click_without_consent_redirects_without_recording(car):
    campaign = make_campaign(link="/en/")
    client, _shopper = shopper_client(analytics=False, personalization=False, record=False)
    response = client.get(reverse("personalization:campaign-click", args=[campaign.pk]))
    assert response.status_code == 302
    assert not Event.objects.filter(type=EventType.CAMPAIGN_CLICKED).exists()


def test_an_unknown_campaign_is_404(db):
    assert shopper_client()[0].get(reverse("personalization:campaign-click", args=[999])).status_code == 404


@pytest.mark.parametrize(("link", "safe"), [("/en/", True), ("/nl/configure/x/?a=1#b", True), ("", False),
                                            ("en/", False), ("//x.example", False), ("https://x.example/", False),
                                            ("/\\x.example", False), ("/a\nb", False), ("/a\x00b", False)])
def test_safe_path(link, safe):
    assert safe_path(link) is safe


# Lift ----------------------------------------------------------------------------------------

def _exposed(campaign, group, *, ordered_after=False, ordered_before=False):
    shopper_id = uuid.uuid4()
    now = timezone.now()
    Event.objects.create(shopper_id=shopper_id, type=EventType.CAMPAIGN_SHOWN, campaign=campaign,
                         occurred_at=now - timedelta(days=2), properties={"group": group})
    Event.objects.create(shopper_id=shopper_id, type=EventType.CAMPAIGN_SHOWN, campaign=campaign,
                         occurred_at=now - timedelta(days=1), properties={"group": group})  # a later visit
    if ordered_after:
        Event.objects.create(shopper_id=shopper_id, type=EventType.ORDER_PLACED, occurred_at=now)
    if ordered_before:
        Event.objects.create(shopper_id=shopper_id, type=EventType.ORDER_PLACED, occurred_at=now - timedelta(days=5))
    return shopper_id


def test_lift_counts_shoppers_who_ordered_after_their_first_exposure(db):
    campaign = make_campaign(holdout=20)
    for _ in range(3):
        _exposed(campaign, "treatment", ordered_after=True)
    for _ in range(7):
        _exposed(campaign, "treatment")
    _exposed(campaign, "treatment", ordered_before=True)  # ordered before seeing it: no conversion
    _exposed(campaign, "holdout", ordered_after=True)
    for _ in range(3):
        _exposed(campaign, "holdout")
    result = campaign_lift(campaign=campaign)
    assert (result.treatment.exposed, result.treatment.converted) == (11, 3)
    assert (result.holdout.exposed, result.holdout.converted) == (4, 1)
    assert result.absolute == pytest.approx(3 / 11 - 1 / 4)
    assert not result.enough_data


def test_lift_counts_configurator_orders_by_shopper_id(car):
    from configurator.identity import Owner
    from configurator.services import build_save, order_place

    campaign = make_campaign()
    shopper_id = _exposed(campaign, "treatment")
    owner = Owner(shopper_id=shopper_id)
    build = build_save(product=car, selections={}, owner=owner)
    order_place(build=build, owner=owner, name="Ann", email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    assert campaign_lift(campaign=campaign).treatment.converted == 1


def test_the_campaign_admin_shows_the_lift_report(admin_client):
    campaign = make_campaign(holdout=20)
    _exposed(campaign, "treatment", ordered_after=True)
    _exposed(campaign, "holdout")
    page = admin_client.get(reverse("admin:personalization_campaign_change", args=[campaign.pk])).content.decode()
    assert "Lift against the holdout" in page
    assert "Not enough data yet" in page
    assert admin_client.get(reverse("admin:personalization_campaign_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:personalization_campaign_add")).status_code == 200


@pytest.mark.parametrize("value", ["\xff", "abc", "-1", "0", "99999999999999999999"])
def test_the_campaign_add_page_leaves_out_a_segment_in_the_address_that_is_no_id(admin_client, value):
    """The autocomplete widget looked the value up as an id: a 500."""
    response = admin_client.get(reverse("admin:personalization_campaign_add"), {"segment": value})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get("segment") is None


@pytest.mark.parametrize("value", ["\xff", "abc", "99999999999999999999"])
def test_a_campaign_posted_with_a_segment_that_is_no_id_is_a_form_error(admin_client, value):
    """The form came back with the segment's autocomplete widget, which looked the value up as an
    id: ValueError or OverflowError, a 500."""
    data = {"name": "x", "segment": value, "placement": "home_hero", "holdout_percent": 10, "priority": 0,
            "active": "on", "cost": "0", **variant_forms({"code": "A", "weight": 1, "headline_en": "a",
                                                          "headline_nl": "b", "link": "/en/"})}
    response = admin_client.post(reverse("admin:personalization_campaign_add"), data)
    assert response.status_code == 200
    assert "segment" in response.context["adminform"].form.errors
    assert not Campaign.objects.exists()


def test_the_campaign_add_page_takes_a_segment_from_the_address(admin_client):
    segment = Segment.objects.create(name="Families", rules={})
    response = admin_client.get(reverse("admin:personalization_campaign_add"), {"segment": str(segment.pk)})
    assert response.context["adminform"].form.initial["segment"] == str(segment.pk)
    assert "Families" in response.content.decode()


def test_the_campaign_admin_refuses_an_offsite_link(admin_client):
    segment = Segment.objects.create(name="s", rules={})
    data = {"name": "x", "segment": segment.pk, "placement": "home_hero", "holdout_percent": 10, "priority": 0,
            "active": "on", "cost": "0", **variant_forms({"code": "A", "weight": 1, "headline_en": "a", "headline_nl": "b",
                                                          "link": "https://evil.example/"})}
    response = admin_client.post(reverse("admin:personalization_campaign_add"), data)
    assert response.status_code == 200
    assert "Use a path on this site" in response.content.decode()
    assert not Campaign.objects.exists()
