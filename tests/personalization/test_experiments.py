"""#13 experiments: variants with weights, assignment kept when weights change, one experiment per
placement, exposure once with the arm, clicks per variant, and the per-variant results."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from personalization.models import Assignment, Campaign, Event, EventType, Segment, Variant
from personalization.services.campaigns import (
    campaign_allocation_refresh,
    campaign_draw,
    campaign_split,
    campaign_split_signature,
)
from personalization.services.experiments import experiment_results
from personalization.services.segments import segment_materialize
from tests.factories import BuildFactory, OrderFactory
from tests.personalization.conftest import shopper_client
from tests.personalization.test_campaigns import variant_forms

pytestmark = pytest.mark.django_db


def experiment(*, weights=(1, 1), holdout=20, placement="home_hero", priority=0, name="exp") -> Campaign:
    segment = Segment.objects.create(name=f"everyone {name}", purpose="personalization", rules={})
    campaign = Campaign.objects.create(name=name, segment=segment, placement=placement, holdout_percent=holdout,
                                       priority=priority)
    for index, weight in enumerate(weights):
        code = "ABCDEFG"[index]
        Variant.objects.create(campaign=campaign, code=code, weight=weight, headline_en=f"{name} headline {code}",
                               headline_nl=f"{name} kop {code}", link=f"/en/?v={code}")
    return campaign


def visit(campaign_or_segments, count=1):
    """A consented shopper in every segment given, who opens the home page `count` times."""
    client, shopper_id = shopper_client()
    for segment in campaign_or_segments:
        segment_materialize(segment=segment)
    pages = [client.get("/en/").content.decode() for _ in range(count)]
    return client, shopper_id, pages


# The split ----------------------------------------------------------------------------------

def test_new_shoppers_are_split_by_the_weights_staff_set():
    campaign = Campaign(pk=7, holdout_percent=20)
    variants = [Variant(pk=1, code="A", weight=1), Variant(pk=2, code="B", weight=3), Variant(pk=3, code="C", weight=0)]
    split = dict((v.code if v else "control", share) for v, share in campaign_split(campaign, variants))
    assert split == {"control": 0.2, "A": pytest.approx(0.2), "B": pytest.approx(0.6)}
    n = 20_000
    drawn = [campaign_draw(campaign, variants, uuid.UUID(int=i * 104_729 + 7)) for i in range(n)]
    shares = {code: sum((d.code if d else "control") == code for d in drawn) / n for code in ("control", "A", "B", "C")}
    assert shares["C"] == 0  # weight 0 takes no new shoppers
    for code, expected in split.items():
        assert abs(shares[code] - expected) < 0.015, (code, shares[code])


def test_a_shopper_keeps_their_variant_when_weights_change_and_new_shoppers_follow_the_new_weights():
    campaign = experiment(weights=(1, 1), holdout=0)
    shoppers = []
    for _ in range(30):
        client, shopper_id = shopper_client()
        shoppers.append((client, shopper_id))
    segment_materialize(segment=campaign.segment)
    before = {}
    for client, shopper_id in shoppers:
        page = client.get("/en/").content.decode()
        before[shopper_id] = "A" if "exp headline A" in page else "B"
        assert ("exp headline A" in page) != ("exp headline B" in page)
    assert set(before.values()) == {"A", "B"}
    signature = campaign_split_signature(campaign.pk)
    Variant.objects.filter(campaign=campaign, code="A").update(weight=0)
    assert campaign_allocation_refresh(campaign=campaign, before=signature)
    assert campaign.allocation == 2
    for client, shopper_id in shoppers:  # the same shoppers keep what they had
        page = client.get("/en/").content.decode()
        assert f"exp headline {before[shopper_id]}" in page
    for _ in range(10):  # a new shopper now always gets B
        client, shopper_id = shopper_client()
        segment_materialize(segment=campaign.segment)
        assert "exp headline B" in client.get("/en/").content.decode()
        assert Assignment.objects.get(shopper_id=shopper_id).allocation == 2


def test_when_no_variant_takes_new_shoppers_nothing_is_shown_or_assigned():
    campaign = experiment(weights=(0, 0), holdout=0)
    _client, shopper_id, pages = visit([campaign.segment])
    assert "exp headline" not in pages[0]
    assert not Assignment.objects.filter(shopper_id=shopper_id).exists()


def test_a_shopper_is_in_at_most_one_experiment_per_placement():
    low = experiment(name="low", priority=1, holdout=0)
    high = experiment(name="high", priority=5, holdout=0)
    high.active = False
    high.save()
    client, shopper_id, pages = visit([low.segment, high.segment])
    assert "low headline" in pages[0]
    high.active = True
    high.save()
    # The higher-priority experiment starts, but this shopper is already in `low`: they stay there.
    page = client.get("/en/").content.decode()
    assert "low headline" in page and "high headline" not in page
    assert list(Assignment.objects.filter(shopper_id=shopper_id).values_list("campaign__name", flat=True)) == ["low"]
    # A new shopper goes to the higher priority.
    _client, newcomer, pages = visit([low.segment, high.segment])
    assert "high headline" in pages[0]
    assert Assignment.objects.filter(shopper_id=newcomer).count() == 1
    # Once `low` ends, the first shopper may join `high`.
    low.ends_at = timezone.now() - timedelta(minutes=1)
    low.save()
    assert "high headline" in client.get("/en/").content.decode()


def test_exposure_is_recorded_once_per_shopper_and_experiment_with_the_variant():
    campaign = experiment(weights=(1,), holdout=0)
    _client, shopper_id, _pages = visit([campaign.segment], count=4)
    events = list(Event.objects.filter(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_SHOWN))
    assert len(events) == 1
    assert events[0].properties == {"group": "treatment", "variant": "A", "placement": "home_hero"}


def test_the_control_sees_nothing_and_is_recorded_as_control():
    campaign = experiment(weights=(1,), holdout=90)
    for _ in range(40):
        _client, shopper_id, pages = visit([campaign.segment])
        assignment = Assignment.objects.get(shopper_id=shopper_id)
        if assignment.variant is None:
            break
    else:
        pytest.fail("no shopper drawn into a 90% control")
    assert "exp headline" not in pages[0] and "data-campaign" not in pages[0]
    event = Event.objects.get(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_SHOWN)
    assert event.properties["variant"] == "control" and event.properties["group"] == "holdout"


def test_a_click_is_recorded_with_its_variant_and_goes_to_the_variants_link():
    campaign = experiment(weights=(0, 1), holdout=0)
    client, shopper_id, pages = visit([campaign.segment])
    assert "exp headline B" in pages[0]
    response = client.get(reverse("personalization:campaign-click", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == "/en/?v=B"
    click = Event.objects.get(shopper_id=shopper_id, type=EventType.CAMPAIGN_CLICKED)
    assert click.properties["variant"] == "B"


# Results -------------------------------------------------------------------------------------

def _exposed(campaign, arm: str, n: int, *, ordered: int = 0, total: str = "100.00", clicked: int = 0,
             build=None) -> list[uuid.UUID]:
    """n shoppers exposed to `arm` a day ago; the first `ordered` then order, the first `clicked` click."""
    from personalization.services import consent_set

    variant = campaign.variants.get(code=arm) if arm != "control" else None
    ids = []
    at = timezone.now() - timedelta(days=1)
    for i in range(n):
        shopper_id = uuid.uuid4()
        consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
        Assignment.objects.create(campaign=campaign, shopper_id=shopper_id, variant=variant,
                                  allocation=campaign.allocation)
        group = "holdout" if variant is None else "treatment"
        Event.objects.create(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_SHOWN, occurred_at=at,
                             key=uuid.uuid4(), properties={"group": group, "variant": arm, "placement": "home_hero"})
        if i < ordered:
            OrderFactory(owner_key=shopper_id, total=Decimal(total), **({"build": build} if build else {}))
        if i < clicked:
            Event.objects.create(shopper_id=shopper_id, campaign=campaign, type=EventType.CAMPAIGN_CLICKED,
                                 occurred_at=at + timedelta(minutes=1), key=uuid.uuid4(), properties={"variant": arm})
        ids.append(shopper_id)
    return ids


def test_results_count_each_arms_shoppers_orders_revenue_and_clicks_after_exposure():
    campaign = experiment(weights=(1, 1), holdout=34)
    build = BuildFactory(status="ordered")  # every order is of this build's product
    control = _exposed(campaign, "control", 10, ordered=1, total="100.00", clicked=0, build=build)
    _exposed(campaign, "A", 10, ordered=4, total="100.00", clicked=5, build=build)
    _exposed(campaign, "B", 10, ordered=2, total="400.00", clicked=2, build=build)
    # An order placed before the exposure does not count (but is one of the product's orders).
    early = OrderFactory(owner_key=control[5], total=Decimal("999.00"), build=build)
    type(early).objects.filter(pk=early.pk).update(created_at=timezone.now() - timedelta(days=3))
    results = experiment_results(campaign=campaign)
    arms = {arm.code: arm for arm in results.arms}
    assert [a.code for a in results.arms] == ["control", "A", "B"]
    assert (arms["control"].exposed, arms["control"].converted, arms["control"].clicked) == (10, 1, 0)
    assert (arms["A"].exposed, arms["A"].converted, arms["A"].clicked) == (10, 4, 5)
    assert arms["B"].revenue_per_visitor == pytest.approx(80.0)
    assert arms["A"].revenue_per_visitor == pytest.approx(40.0)
    # The product's average order: (1*100 + 4*100 + 2*400 + 999) / 8.
    average = (100 + 400 + 800 + 999) / 8
    assert arms["B"].index_total / arms["B"].orders == pytest.approx(100 * 400 / average)
    conversion = results.comparisons["conversion"]
    assert len(conversion) == 2
    assert conversion[0].absolute == pytest.approx(0.3)
    assert not conversion[0].enough_data  # 10 per arm is below the minimum sample
    assert results.sample_ratio is not None and not results.sample_ratio.mismatch
    assert results.plan is not None and results.plan.shoppers > 0


def test_a_lopsided_split_raises_the_sample_ratio_warning(admin_client):
    campaign = experiment(weights=(1,), holdout=50)
    _exposed(campaign, "control", 40)
    _exposed(campaign, "A", 160)
    results = experiment_results(campaign=campaign)
    assert results.sample_ratio.mismatch
    page = admin_client.get(reverse("admin:personalization_campaign_change", args=[campaign.pk])).content.decode()
    assert "Sample ratio mismatch" in page
    assert "Experiment: each variant against the control" in page


def test_a_clear_winner_is_reported_significant_in_admin(admin_client):
    campaign = experiment(weights=(1,), holdout=50)
    _exposed(campaign, "control", 400, ordered=8)
    _exposed(campaign, "A", 400, ordered=60)
    results = experiment_results(campaign=campaign)
    assert results.comparisons["conversion"][0].significant
    assert not results.sample_ratio.mismatch
    page = admin_client.get(reverse("admin:personalization_campaign_change", args=[campaign.pk])).content.decode()
    assert "Significant: the interval excludes zero" in page
    # Conversion 8/400 against 60/400, in percent and its lift in percentage points
    assert "<td>2.00%</td>" in page and "<td>15.00%</td>" in page and "<td>+13.00 pp</td>" in page


def test_the_admin_saves_variants_and_starts_a_new_allocation_when_weights_change(admin_client):
    segment = Segment.objects.create(name="s", rules={})
    base = {"name": "x", "segment": segment.pk, "placement": "home_hero", "holdout_percent": 10, "priority": 0,
            "active": "on", "cost": "150.00"}
    response = admin_client.post(reverse("admin:personalization_campaign_add"), {**base, **variant_forms(
        {"code": "A", "weight": 1, "headline_en": "a"}, {"code": "B", "weight": 1, "headline_en": "b"})})
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    assert campaign.cost == Decimal("150.00") and campaign.allocation == 1
    assert list(campaign.variants.values_list("code", "weight")) == [("A", 1), ("B", 1)]
    a, b = campaign.variants.order_by("code")
    edit = {**base, "variants-TOTAL_FORMS": 2, "variants-INITIAL_FORMS": 2, "variants-MIN_NUM_FORMS": 1,
            "variants-MAX_NUM_FORMS": 1000}
    for index, (variant, weight) in enumerate(((a, 3), (b, 1))):
        edit.update({f"variants-{index}-id": variant.pk, f"variants-{index}-campaign": campaign.pk,
                     f"variants-{index}-code": variant.code, f"variants-{index}-weight": weight,
                     f"variants-{index}-headline_en": variant.headline_en})
    url = reverse("admin:personalization_campaign_change", args=[campaign.pk])
    assert admin_client.post(url, edit).status_code == 302
    campaign.refresh_from_db()
    assert campaign.allocation == 2
    assert admin_client.post(url, edit).status_code == 302  # saved again unchanged: same split
    campaign.refresh_from_db()
    assert campaign.allocation == 2


def test_the_admin_refuses_a_campaign_without_variants(admin_client):
    segment = Segment.objects.create(name="s", rules={})
    data = {"name": "x", "segment": segment.pk, "placement": "home_hero", "holdout_percent": 10, "priority": 0,
            "active": "on", "cost": "0", **variant_forms()}
    response = admin_client.post(reverse("admin:personalization_campaign_add"), data)
    assert response.status_code == 200
    assert not Campaign.objects.exists()


def _shoppers_in(campaign: Campaign, shoppers: int = 6) -> None:
    for _ in range(shoppers):
        visit([campaign.segment])
    assert Assignment.objects.filter(campaign=campaign, variant__isnull=False).exists()


def test_a_variant_shoppers_are_in_cannot_be_deleted_but_its_weight_can_go_to_zero(admin_client):
    campaign = experiment(weights=(1, 1), holdout=0)
    _shoppers_in(campaign)
    a, b = campaign.variants.order_by("code")
    data = {"name": campaign.name, "segment": campaign.segment.pk, "placement": "home_hero", "holdout_percent": 0,
            "priority": 0, "active": "on", "cost": "0", "variants-TOTAL_FORMS": 2, "variants-INITIAL_FORMS": 2,
            "variants-MIN_NUM_FORMS": 1, "variants-MAX_NUM_FORMS": 1000}
    for index, variant in enumerate((a, b)):
        data.update({f"variants-{index}-id": variant.pk, f"variants-{index}-campaign": campaign.pk,
                     f"variants-{index}-code": variant.code, f"variants-{index}-weight": variant.weight,
                     f"variants-{index}-headline_en": variant.headline_en})
    url = reverse("admin:personalization_campaign_change", args=[campaign.pk])
    doomed = b if b.assignments.exists() else a
    index = (a, b).index(doomed)
    response = admin_client.post(url, {**data, f"variants-{index}-DELETE": "on"})
    assert response.status_code == 200
    # Django's inline refuses to delete what assignments protect (the model's RESTRICT)
    assert f"Deleting variant {campaign.name} · {doomed.code} would require deleting the following protected" \
        in response.content.decode()
    assert campaign.variants.count() == 2
    assert admin_client.post(url, {**data, f"variants-{index}-weight": 0}).status_code == 302
    doomed.refresh_from_db()
    assert doomed.weight == 0


def test_deleting_a_campaign_shoppers_were_in_takes_its_variants_and_assignments(admin_client):
    campaign = experiment(weights=(1, 1), holdout=20)
    _shoppers_in(campaign)
    url = reverse("admin:personalization_campaign_delete", args=[campaign.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert not Variant.objects.exists() and not Assignment.objects.exists()


# The motivation-by-message test -----------------------------------------------------------------

def _read_as(shoppers, code: str) -> None:
    from personalization.models import Motivation, Profile

    motivation = Motivation.objects.get_or_create(code=code, defaults={"name_en": code, "name_nl": code})[0]
    for shopper_id in shoppers:
        Profile.objects.update_or_create(shopper_id=shopper_id, defaults={
            "dominant": motivation, "determined": True, "scores": {code: 0.9}, "confidence": 0.9})


def test_the_message_test_says_which_cells_agree_and_which_contradict(admin_client):
    from personalization.services.experiments import AGREES, CONTRADICTS, message_test

    campaign = experiment(weights=(1, 1), holdout=34)
    campaign.variants.filter(code="A").update(motivation="status")
    campaign.variants.filter(code="B").update(motivation="sustainability")
    # Status shoppers: the status message (A) lifts them, the sustainability one does not.
    _read_as(_exposed(campaign, "control", 300, ordered=9), "status")
    _read_as(_exposed(campaign, "A", 300, ordered=60), "status")
    _read_as(_exposed(campaign, "B", 300, ordered=9), "status")
    # Sustainability shoppers: the status message does better than theirs (a contradiction).
    _read_as(_exposed(campaign, "control", 300, ordered=9), "sustainability")
    _read_as(_exposed(campaign, "A", 300, ordered=70), "sustainability")
    _read_as(_exposed(campaign, "B", 300, ordered=10), "sustainability")
    _exposed(campaign, "A", 5)  # no profile: undetermined
    rows = {row.motivation: row for row in message_test(campaign=campaign)}
    assert list(rows) == ["status", "sustainability", ""]
    status = {cell.arm.code: cell for cell in rows["status"].cells}
    assert status["A"].matched and status["A"].verdict == AGREES
    assert not status["B"].matched and status["B"].verdict == ""
    green = {cell.arm.code: cell for cell in rows["sustainability"].cells}
    assert green["B"].matched and green["B"].verdict == CONTRADICTS
    assert rows["status"].control.exposed == 300 and rows[""].cells[0].arm.exposed == 5
    page = admin_client.get(reverse("admin:personalization_campaign_change", args=[campaign.pk])).content.decode()
    assert "Agrees: this message lifts these shoppers most" in page
    assert "Contradicts: another message does better here" in page


def test_with_too_few_shoppers_a_matched_cell_is_not_clear_yet():
    from personalization.services.experiments import UNCLEAR, message_test

    campaign = experiment(weights=(1,), holdout=50)
    campaign.variants.update(motivation="status")
    _read_as(_exposed(campaign, "control", 20, ordered=1), "status")
    _read_as(_exposed(campaign, "A", 20, ordered=5), "status")
    (row,) = message_test(campaign=campaign)
    assert row.cells[0].verdict == UNCLEAR


def test_a_shoppers_assignments_are_in_their_export_and_go_with_their_erasure():
    from personalization.services.privacy import shopper_erase, shopper_export

    campaign = experiment(weights=(1,), holdout=0)
    _client, shopper_id, _pages = visit([campaign.segment])
    exported = shopper_export(shopper_id=shopper_id)["experiments"]
    assert [(e["campaign"], e["arm"]) for e in exported] == [("exp", "A")]
    shopper_erase(shopper_id=shopper_id)
    assert not Assignment.objects.filter(shopper_id=shopper_id).exists()


# Campaign KPIs -------------------------------------------------------------------------------------

def test_campaign_kpis_give_cost_per_order_added_orders_and_return_on_spend(admin_client):
    from personalization.reports import Filters
    from personalization.reports import campaign_kpis as report
    from personalization.services.experiments import campaign_kpis

    campaign = experiment(weights=(1, 1), holdout=50)
    Campaign.objects.filter(pk=campaign.pk).update(cost=Decimal("300.00"))
    campaign.refresh_from_db()
    build = BuildFactory(status="ordered")
    _read_as(_exposed(campaign, "control", 100, ordered=5, build=build), "value")
    _read_as(_exposed(campaign, "A", 50, ordered=10, clicked=20, build=build, total="120.00"), "status")
    _exposed(campaign, "B", 50, ordered=5, clicked=5, build=build, total="120.00")
    kpis, per_motivation = campaign_kpis(campaign=campaign)
    assert (kpis.shown.exposed, kpis.shown.clicked, kpis.shown.converted) == (100, 25, 15)
    assert kpis.shown.revenue == pytest.approx(1800.0)
    assert kpis.cost_per_order == pytest.approx(20.0)
    assert kpis.orders_added == pytest.approx(15 - 0.05 * 100)  # the control converts 5%
    assert kpis.cost_per_added_order == pytest.approx(30.0)
    assert kpis.return_on_spend == pytest.approx((1800 - 300) / 300)
    assert per_motivation["status"].exposed == 50 and per_motivation[""].converted == 5
    assert "value" not in per_motivation  # control shoppers are not "shown"
    rows = report(Filters.default()).tables[0].rows
    assert rows[0][:4] == ["exp", campaign.segment.name, 100, 25.0]
    page = admin_client.get("/admin/personalization/reports/campaigns/").content.decode()
    assert "Cost per added order (EUR)" in page and "KPIs per campaign" in page


def test_a_campaign_without_cost_has_no_cost_per_order_or_return():
    from personalization.services.experiments import campaign_kpis

    campaign = experiment(weights=(1,), holdout=0)
    _exposed(campaign, "A", 10, ordered=2)
    kpis, _ = campaign_kpis(campaign=campaign)
    assert kpis.cost_per_order is None and kpis.return_on_spend is None and kpis.orders_added is None
