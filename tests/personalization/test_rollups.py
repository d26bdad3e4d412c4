"""Report rollups: recomputed from events, profiles, builds and orders; never incremented."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from configurator.models import CatalogVersion
from personalization.models import (
    DailyRollup,
    Event,
    EventType,
    LineageRollup,
    Motivation,
    Profile,
    Segment,
    SegmentMembership,
    Shopper,
)
from personalization.services.rollups import rollups_refresh
from tests.factories import BuildFactory, CatalogVersionFactory, OrderFactory

MOTIVATIONS = ("practical", "status", "sustainability")


def motivations() -> dict[str, Motivation]:
    colours = ("#1f77b4", "#9467bd", "#2ca02c")
    return {code: Motivation.objects.get_or_create(code=code, defaults={
        "name_en": code.title(), "name_nl": code.title(), "colour": colours[i], "position": i})[0]
        for i, code in enumerate(MOTIVATIONS)}


def shopper(dominant: Motivation | None = None) -> Shopper:
    s = Shopper.objects.create(id=uuid.uuid4(), analytics=True, personalization=True)
    if dominant is not None:
        Profile.objects.create(shopper=s, dominant=dominant, confidence=0.8, scores={dominant.code: 1.0})
    return s


def member(segment: Segment, who: Shopper, since: datetime) -> SegmentMembership:
    """A membership that began at `since` (added_at is set on create, so it is moved after)."""
    membership = SegmentMembership.objects.create(segment=segment, shopper=who)
    SegmentMembership.objects.filter(pk=membership.pk).update(added_at=since)
    return membership


def at(days_ago: int, hour: int = 12) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def event(who: Shopper, type_: str, when: datetime, product, *, option: str = "", group: str = "trim",
          build=None, scores: dict | None = None, **properties) -> Event:
    return Event.objects.create(type=type_, occurred_at=when, shopper=who, product=product, build=build,
                                group=group if option else "", option=option, properties=properties,
                                scores=scores or {})


def journey(car, who: Shopper, days_ago: int, *, order_total: str | None = None, share: bool = False) -> None:
    """A day of one shopper: two choices, a save, maybe a share and an order."""
    when = at(days_ago)
    event(who, EventType.OPTION_SELECTED, when, car, option="electric", scores={"sustainability": 0.75, "status": 0.25})
    event(who, EventType.OPTION_SELECTED, when, car, option="w18", group="wheels", scores={"status": 1.0})
    event(who, EventType.BUILD_SAVED, when, car, total="100.00")
    if share:
        event(who, EventType.BUILD_SHARED, when, car)
    if order_total:
        event(who, EventType.ORDER_PLACED, when, car, total=order_total)


@pytest.fixture
def world(car):
    """Three days of activity by shoppers of two motivations and one without a profile."""
    m = motivations()
    green, proud, unknown = shopper(m["sustainability"]), shopper(m["status"]), shopper()
    proud2 = shopper(m["status"])
    journey(car, green, 1, order_total="120.50", share=True)
    journey(car, green, 2)
    journey(car, proud, 1, order_total="300.00")
    journey(car, proud2, 1)
    journey(car, unknown, 0)
    # Repeated events the same day still count the shopper once.
    event(proud, EventType.OPTION_SELECTED, at(1, 15), car, option="sport")
    return {"m": m, "green": green, "proud": proud, "proud2": proud2, "unknown": unknown}


def direct_counts(day, product, motivation: str) -> dict:
    """The same numbers counted straight from the events, in Python."""
    events = [e for e in Event.objects.select_related("shopper__profile__dominant")
              if timezone.localtime(e.occurred_at).date() == day and e.product_id == product.pk]

    def dominant(e: Event) -> str:
        profile = getattr(e.shopper, "profile", None)
        return profile.dominant.code if profile and profile.dominant else ""

    mine = [e for e in events if dominant(e) == motivation]

    def distinct(kind: str) -> int:
        return len({e.shopper_id for e in mine if e.type == kind})

    return {
        "configured": distinct(EventType.OPTION_SELECTED), "saved": distinct(EventType.BUILD_SAVED),
        "shared": distinct(EventType.BUILD_SHARED), "ordered": distinct(EventType.ORDER_PLACED),
        "selections": sum(e.type == EventType.OPTION_SELECTED for e in mine),
        "revenue": sum((Decimal(e.properties["total"]) for e in mine if e.type == EventType.ORDER_PLACED), Decimal(0)),
        "weight": sum(float(e.scores.get(motivation, 0)) for e in events if e.type == EventType.OPTION_SELECTED),
    }


def test_daily_rollups_equal_a_direct_count(world, car):
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    rows = DailyRollup.objects.filter(segment__isnull=True)
    assert rows.exists()
    for row in rows:
        expected = direct_counts(row.day, car, row.motivation)
        for name in ("configured", "saved", "shared", "ordered", "selections"):
            assert getattr(row, name) == expected[name], (row.day, row.motivation, name)
        assert row.revenue == expected["revenue"]
        assert row.weight == pytest.approx(expected["weight"])
    yesterday = rows.get(day=timezone.localdate() - timedelta(days=1), motivation="status")
    assert (yesterday.configured, yesterday.ordered, yesterday.revenue) == (2, 1, Decimal("300.00"))
    assert rows.get(day=timezone.localdate(), motivation="").configured == 1  # no profile yet: undetermined


def test_every_event_day_product_and_motivation_has_a_row(world, car):
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    from_events = (Event.objects.filter(type=EventType.OPTION_SELECTED)
                   .values("shopper__profile__dominant__code").annotate(n=Count("id")))
    for group in from_events:
        code = group["shopper__profile__dominant__code"] or ""
        assert DailyRollup.objects.filter(segment__isnull=True, motivation=code).exists()
    total = sum(DailyRollup.objects.filter(segment__isnull=True).values_list("selections", flat=True))
    assert total == Event.objects.filter(type=EventType.OPTION_SELECTED).count()


def test_segment_rows_count_only_the_members(world, car):
    segment = Segment.objects.create(name="Green buyers")
    member(segment, world["green"], since=at(5))
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    rows = DailyRollup.objects.filter(segment=segment)
    assert {r.day for r in rows if r.configured} == {timezone.localdate() - timedelta(days=d) for d in (1, 2)}
    assert sum(r.ordered for r in rows) == 1
    assert sum(r.revenue for r in rows) == Decimal("120.50")
    assert set(rows.exclude(configured=0).values_list("motivation", flat=True)) == {"sustainability"}


def test_refresh_is_idempotent_and_recomputes(world, car):
    since = timezone.localdate() - timedelta(days=5)
    rollups_refresh(since=since)
    first = sorted(DailyRollup.objects.values_list("day", "product", "motivation", "segment", "configured", "saved",
                                                   "ordered", "revenue", "selections", "weight"))
    rollups_refresh(since=since)
    again = sorted(DailyRollup.objects.values_list("day", "product", "motivation", "segment", "configured", "saved",
                                                   "ordered", "revenue", "selections", "weight"))
    assert again == first
    # A profile that changes moves the shopper's counts on the next refresh (recomputed, not added).
    Profile.objects.filter(shopper=world["proud2"]).update(dominant=world["m"]["practical"])
    rollups_refresh(since=since)
    yesterday = timezone.localdate() - timedelta(days=1)
    rows = DailyRollup.objects.filter(segment__isnull=True, day=yesterday)
    assert rows.get(motivation="status").configured == 1
    assert rows.get(motivation="practical").configured == 1
    assert sum(r.configured for r in rows) == 3


def test_refresh_leaves_days_before_since_alone(world, car):
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    two_days_ago = timezone.localdate() - timedelta(days=2)
    before = list(DailyRollup.objects.filter(day=two_days_ago).values_list("pk", flat=True))
    Event.objects.filter(occurred_at__lt=at(1, 0)).delete()  # as the retention purge would
    rollups_refresh(since=timezone.localdate() - timedelta(days=1))
    assert list(DailyRollup.objects.filter(day=two_days_ago).values_list("pk", flat=True)) == before


def test_days_the_purge_may_have_thinned_are_never_recomputed(world, car, settings):
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    kept = DailyRollup.objects.filter(day=timezone.localdate() - timedelta(days=2)).count()
    assert kept
    settings.ATELIER_EVENT_RETENTION_DAYS = 1
    Event.objects.all().delete()
    rollups_refresh(since=timezone.localdate() - timedelta(days=5))
    assert DailyRollup.objects.filter(day=timezone.localdate() - timedelta(days=2)).count() == kept
    assert not DailyRollup.objects.filter(day=timezone.localdate()).exists()  # today is recomputed: empty


def profiled(scores: dict[str, float], dominant: Motivation | None = None, determined: bool = True) -> Shopper:
    s = Shopper.objects.create(id=uuid.uuid4(), analytics=True, personalization=True)
    Profile.objects.create(shopper=s, scores=scores, dominant=dominant, determined=determined and dominant is not None,
                           confidence=max(scores.values()))
    return s


def configure(car, who: Shopper, when: datetime) -> None:
    event(who, EventType.OPTION_SELECTED, when, car, option="electric")


def test_probability_sums_each_configuring_shoppers_probability(car):
    m = motivations()
    configure(car, profiled({"status": 0.6, "sustainability": 0.4}, m["status"]), at(1))
    configure(car, profiled({"status": 0.2, "practical": 0.8}, m["practical"]), at(1))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = {r.motivation: r for r in DailyRollup.objects.filter(segment__isnull=True, day=at(1).date())}
    assert rows["status"].probability == pytest.approx(0.8)
    assert rows["practical"].probability == pytest.approx(0.8)
    assert rows["sustainability"].probability == pytest.approx(0.4)


def test_a_motivation_nobody_has_as_dominant_still_gets_its_probability(car):
    m = motivations()
    configure(car, profiled({"status": 0.6, "sustainability": 0.4}, m["status"]), at(1))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    row = DailyRollup.objects.get(segment__isnull=True, day=at(1).date(), motivation="sustainability")
    assert (row.configured, row.probability) == (0, pytest.approx(0.4))


def test_every_motivation_has_a_row_for_a_day_and_product_anyone_configured(car):
    motivations()
    configure(car, shopper(), at(1))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = DailyRollup.objects.filter(segment__isnull=True, day=at(1).date(), product=car)
    assert set(rows.values_list("motivation", flat=True)) == {*MOTIVATIONS, ""}


def test_a_shopper_counts_once_a_day_in_probability_however_many_choices(car):
    m = motivations()
    who = profiled({"status": 0.7, "practical": 0.3}, m["status"])
    for hour in (9, 12, 18):
        configure(car, who, at(1, hour))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    assert DailyRollup.objects.get(segment__isnull=True, day=at(1).date(), motivation="status").probability == \
        pytest.approx(0.7)


def test_shoppers_without_a_profile_add_no_probability_but_are_counted(car):
    m = motivations()
    configure(car, shopper(), at(1))
    configure(car, profiled({"status": 1.0}, m["status"]), at(1))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = DailyRollup.objects.filter(segment__isnull=True, day=at(1).date())
    assert sum(r.probability for r in rows) == pytest.approx(1.0)
    assert rows.get(motivation="").configured == 1


def test_shoppers_who_did_not_configure_add_no_probability(car):
    m = motivations()
    configure(car, profiled({"status": 1.0}, m["status"]), at(1))
    event(profiled({"practical": 1.0}, m["practical"]), EventType.BUILD_SAVED, at(1), car)
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    assert DailyRollup.objects.get(segment__isnull=True, day=at(1).date(), motivation="practical").probability == 0


def test_segment_rows_sum_the_probabilities_of_members_only(car):
    m = motivations()
    inside, outside = profiled({"status": 0.6, "practical": 0.4}, m["status"]), profiled({"status": 1.0}, m["status"])
    configure(car, inside, at(1))
    configure(car, outside, at(1))
    segment = Segment.objects.create(name="Some")
    member(segment, inside, since=at(5))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = {r.motivation: r for r in DailyRollup.objects.filter(segment=segment, day=at(1).date())}
    assert rows["status"].probability == pytest.approx(0.6)
    assert rows["practical"].probability == pytest.approx(0.4)


def test_segment_rows_count_a_members_events_only_from_when_they_joined(car):
    m = motivations()
    who = profiled({"status": 1.0}, m["status"])
    journey(car, who, 2, order_total="500.00")
    segment = Segment.objects.create(name="Buyers")
    member(segment, who, since=at(1))
    configure(car, who, at(0, 0) + timedelta(minutes=1))
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = DailyRollup.objects.filter(segment=segment)
    assert {r.day for r in rows if r.configured} == {timezone.localdate()}
    assert sum(r.ordered for r in rows) == 0
    assert sum(r.revenue for r in rows) == 0
    assert DailyRollup.objects.filter(segment__isnull=True, ordered=1).exists()  # everyone's rows keep the order


def test_an_ordered_segment_does_not_count_the_orders_that_made_its_members(car):
    from personalization.services.segments import segment_materialize

    m = motivations()
    buyer = profiled({"status": 1.0}, m["status"])
    journey(car, buyer, 2)
    build = BuildFactory(product=car, catalog_version=version_of(car), owner_key=buyer.pk)
    OrderFactory(build=build, total=Decimal("500.00"), owner_key=buyer.pk)
    event(buyer, EventType.ORDER_PLACED, at(2), car, total="500.00")
    segment = Segment.objects.create(name="Has ordered", rules={"op": "and", "items": [{"kind": "ordered",
                                                                                         "value": True}]})
    segment_materialize(segment=segment)
    assert segment.memberships.filter(shopper=buyer).exists()
    rollups_refresh(since=timezone.localdate() - timedelta(days=3))
    rows = DailyRollup.objects.filter(segment=segment)
    assert sum(r.ordered for r in rows) == 0
    assert sum(r.configured for r in rows) == 0


def version_of(car):
    return car.current_version or CatalogVersion.objects.filter(product=car).first() or CatalogVersionFactory(product=car)


def shared_build(car, owner: Shopper, **kwargs):
    return BuildFactory(product=car, catalog_version=version_of(car), owner_key=owner.pk, status="shared",
                        shared_at=timezone.now() - timedelta(days=1), **kwargs)


def test_lineage_credits_the_sharer(car):
    m = motivations()
    sharer, other_sharer = shopper(m["status"]), shopper(m["practical"])
    original = shared_build(car, sharer, name="Original")
    quiet = shared_build(car, other_sharer, name="Quiet")
    viewers = [shopper() for _ in range(3)]
    for viewer in viewers:
        event(viewer, EventType.SHARE_VIEWED, at(0), car, build=original, sharer=str(sharer.pk))
    remixes = [BuildFactory(product=car, catalog_version=original.catalog_version, owner_key=v.pk,
                            remixed_from=original) for v in viewers[:2]]
    OrderFactory(build=remixes[0], total=Decimal("250.00"), owner_key=viewers[0].pk)
    OrderFactory(build=remixes[1], total=Decimal("99.00"), owner_key=viewers[1].pk, status="cancelled")
    OrderFactory(build=original, total=Decimal("500.00"), owner_key=sharer.pk)  # the sharer's own: not spread

    rollups_refresh(since=timezone.localdate() - timedelta(days=3))

    row = LineageRollup.objects.get(build=original)
    assert (row.views, row.remixes, row.orders, row.revenue) == (3, 2, 1, Decimal("250.00"))
    assert row.sharer_motivation == "status"
    assert row.product_id == car.pk
    assert LineageRollup.objects.get(build=quiet).remixes == 0
    assert LineageRollup.objects.get(build=quiet).sharer_motivation == "practical"
    assert not LineageRollup.objects.filter(build__in=remixes).exists()  # drafts that were never shared


def test_lineage_is_idempotent_and_keeps_views_after_the_purge(car):
    m = motivations()
    sharer = shopper(m["status"])
    original = shared_build(car, sharer)
    for _ in range(2):
        event(shopper(), EventType.SHARE_VIEWED, at(0), car, build=original)
    since = timezone.localdate() - timedelta(days=3)
    rollups_refresh(since=since)
    rollups_refresh(since=since)
    assert LineageRollup.objects.filter(build=original).count() == 1
    assert LineageRollup.objects.get(build=original).views == 2
    Event.objects.filter(type=EventType.SHARE_VIEWED).delete()
    rollups_refresh(since=since)
    assert LineageRollup.objects.get(build=original).views == 2


def test_the_task_refreshes_from_an_iso_date(world, car):
    from personalization.tasks import rollups_refresh as task

    result = task((timezone.localdate() - timedelta(days=5)).isoformat())
    assert result["daily_rows"] == DailyRollup.objects.count() > 0
    assert not DailyRollup.objects.filter(Q(configured__lt=0) | Q(selections__lt=0)).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_task_runs_on_a_real_worker(celery_worker_process, car):
    from personalization.tasks import rollups_refresh as task

    m = motivations()
    journey(car, shopper(m["status"]), 0)
    result = task.delay(timezone.localdate().isoformat()).get(timeout=60)
    assert result["daily_rows"] >= 1
    assert DailyRollup.objects.get(segment__isnull=True, motivation="status").configured == 1
