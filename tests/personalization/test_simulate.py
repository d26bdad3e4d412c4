"""simulate_shoppers: motivation-biased journeys through the real services, on the demo catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from configurator.demo.catalog import PRODUCTS
from configurator.demo.seed import demo_seed
from configurator.models import Build, BuildStatus, Order, Product
from personalization.models import DailyRollup, Event, EventType, Profile, Shopper
from personalization.services.motivations import motivation_map_seed
from personalization.simulate import motivation_tags, simulate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    versions = demo_seed()
    motivation_map_seed()
    return versions


@pytest.fixture
def run(demo):
    return simulate(shoppers=20, seed=7, days=30)


def test_events_are_recorded_only_for_shoppers_who_consented(run):
    recording = {p.shopper_id for p in run.personas if p.analytics or p.personalization}
    declined = {p.shopper_id for p in run.personas} - recording
    assert recording and declined  # the seed gives both kinds
    assert set(Event.objects.values_list("shopper_id", flat=True).distinct()) <= recording
    assert not Shopper.objects.filter(pk__in=declined).exists()
    # Those who declined still built things: only their events are missing.
    assert Build.objects.filter(owner_key__in=declined).exists()
    assert Event.objects.count() == run.events


def test_builds_and_orders_go_through_the_services(run):
    owners = {p.shopper_id for p in run.personas}
    orders = Order.objects.select_related("build")
    assert orders.count() == run.counts["ordered"] > 0
    for order in orders:
        assert order.owner_key in owners
        assert order.build.status == BuildStatus.ORDERED
        assert order.total == order.build.total
        assert "@" in order.email and order.country
    consented = Shopper.objects.filter(pk__in=owners).values_list("pk", flat=True)
    assert Event.objects.filter(type=EventType.ORDER_PLACED).count() == orders.filter(owner_key__in=consented).count()
    assert Build.objects.filter(status=BuildStatus.SHARED).count() + orders.filter(
        build__shared_at__isnull=False).count() == run.counts["shared"]


def test_journeys_are_dated_in_the_past_window(run):
    now = timezone.now()
    dates = list(Event.objects.values_list("occurred_at", flat=True)) + list(
        Build.objects.values_list("created_at", flat=True))
    assert all(now - timedelta(days=30, hours=1) <= at < now for at in dates)
    assert max(dates) - min(dates) > timedelta(days=3)  # spread out, not one burst


def test_shoppers_choose_options_tagged_with_their_motivation(run):
    """The hidden mix shows in the clicks: the options shoppers pick weigh clearly more toward
    their leading motivation than a random pick in the same step would."""
    steps = {(p["slug"], g["code"]): [o["motivations"] for o in g.get("options", [])] for p in PRODUCTS for g in p["groups"]}
    tags = motivation_tags()
    slugs = dict(Product.objects.values_list("pk", "slug"))
    main = {p.shopper_id: p.main for p in run.personas}
    clicks = [
        (shopper_id, slugs[product_id], group, option)
        for shopper_id, product_id, group, option, properties in Event.objects.filter(
            type=EventType.OPTION_SELECTED).values_list("shopper_id", "product_id", "group", "option", "properties")
        if not properties.get("auto")
    ]
    own = chance = 0.0
    for shopper_id, slug, group, option in clicks:
        mine, offered = main[shopper_id], steps[(slug, group)]
        own += tags[slug].get((group, option), {}).get(mine, 0.0)
        chance += sum(weights.get(mine, 0.0) for weights in offered) / len(offered)
    assert len(clicks) > 50
    assert own > 1.4 * chance


def test_profiles_and_rollups_are_recomputed(run):
    personalized = [p.shopper_id for p in run.personas if p.personalization]
    with_events = set(Event.objects.filter(shopper_id__in=personalized).values_list("shopper_id", flat=True))
    profiles = Profile.objects.filter(shopper_id__in=with_events)
    assert profiles.count() == len(with_events)
    assert all(p.dominant_id is not None and p.event_count > 0 for p in profiles)
    assert DailyRollup.objects.filter(day__gte=(timezone.now() - timedelta(days=31)).date()).exists()


def test_the_command_adds_shoppers_and_if_empty_adds_none_once_there_are_some(demo):
    call_command("simulate_shoppers", "--shoppers", "4", "--seed", "1", "--if-empty", "--no-progress")
    first = Build.objects.count() + Shopper.objects.count()
    assert first > 0
    call_command("simulate_shoppers", "--shoppers", "4", "--if-empty", "--no-progress")
    assert Build.objects.count() + Shopper.objects.count() == first
    call_command("simulate_shoppers", "--shoppers", "4", "--seed", "1", "--no-progress")
    assert Build.objects.count() + Shopper.objects.count() > first


def test_the_command_needs_a_published_product(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        call_command("simulate_shoppers", "--shoppers", "2", "--no-progress")
