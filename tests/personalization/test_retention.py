"""The retention purge: old events go, recent ones stay, rollups survive, profiles follow."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from personalization.capture import event_dict
from personalization.models import DailyRollup, Event, EventType, Profile
from personalization.services import consent_set
from personalization.services.events import events_record
from personalization.services.profiles import profile_recompute
from personalization.services.retention import events_purge
from personalization.services.rollups import rollups_refresh
from personalization.tasks import events_purge as events_purge_task

pytestmark = pytest.mark.django_db

RETENTION = 395


@pytest.fixture(autouse=True)
def _retention(settings):
    settings.ATELIER_EVENT_RETENTION_DAYS = RETENTION


def shopper() -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    return shopper_id


def record(shopper_id: uuid.UUID, days_ago: float, count: int = 1, *, product=None, type_=EventType.OPTION_SELECTED,
           group: str = "trim", option: str = "sport") -> list[int]:
    at = timezone.now() - timedelta(days=days_ago)
    items = [event_dict(type_, at, product=product, group=group, option=option) for _ in range(count)]
    events_record(shopper_id=shopper_id, items=items, fresh_keys=True, refresh=False)
    return list(Event.objects.filter(key__in=[i["key"] for i in items]).values_list("id", flat=True))


def test_events_older_than_the_retention_period_are_deleted_and_recent_ones_kept():
    someone = shopper()
    old = record(someone, RETENTION + 1, 3)
    recent = record(someone, RETENTION - 1, 2) + record(someone, 1)
    result = events_purge()
    assert result.deleted == 3
    assert result.shoppers == 1
    assert not Event.objects.filter(id__in=old).exists()
    assert set(Event.objects.values_list("id", flat=True)) == set(recent)


def test_the_period_can_be_given_and_a_too_short_one_is_refused():
    someone = shopper()
    record(someone, 40)
    kept = record(someone, 20)
    assert events_purge(days=30).deleted == 1
    assert list(Event.objects.values_list("id", flat=True)) == kept
    with pytest.raises(ValueError):
        events_purge(days=0)


def test_deletes_in_batches_a_page_of_shoppers_at_a_time():
    shoppers = [shopper() for _ in range(3)]
    for someone in shoppers:
        record(someone, RETENTION + 10, 3)
    kept = record(shoppers[0], 2)
    result = events_purge(batch_size=2, page_size=2)
    # Pages of 2 then 1 shoppers: 6 events in 3 batches of 2, then 3 events in 2 batches.
    assert (result.deleted, result.shoppers, result.batches) == (9, 3, 5)
    assert list(Event.objects.values_list("id", flat=True)) == kept


def test_a_second_run_deletes_nothing():
    someone = shopper()
    record(someone, RETENTION + 5, 2)
    record(someone, 3)
    assert events_purge().deleted == 2
    again = events_purge()
    assert (again.deleted, again.shoppers, again.batches) == (0, 0, 0)
    assert Event.objects.count() == 1


def test_rollups_keep_their_counts_of_purged_days():
    someone = shopper()
    day = (timezone.now() - timedelta(days=RETENTION + 3)).date()
    DailyRollup.objects.create(day=day, configured=4, saved=2, ordered=1, selections=9, revenue="120.00")
    record(someone, RETENTION + 3, 2)
    events_purge()
    rollups_refresh(since=day)  # a refresh after the purge must not recount the thinned day
    row = DailyRollup.objects.get(day=day)
    assert (row.configured, row.saved, row.ordered, row.selections, str(row.revenue)) == (4, 2, 1, 9, "120.00")
    assert not Event.objects.exists()


def test_profiles_of_the_shoppers_touched_are_recomputed():
    someone, untouched = shopper(), shopper()
    old = record(someone, RETENTION + 1, 2)
    record(someone, 5)
    record(untouched, 5)
    for shopper_id in (someone, untouched):
        profile_recompute(shopper_id=shopper_id)
    assert Profile.objects.get(shopper_id=someone).event_count == 3
    before = Profile.objects.get(shopper_id=untouched).computed_at
    events_purge()
    profile = Profile.objects.get(shopper_id=someone)
    assert profile.event_count == 1
    assert not {line.get("event") for line in profile.evidence} & set(old)
    assert Profile.objects.get(shopper_id=untouched).computed_at == before


def test_the_task_purges_and_reports_counts():
    someone = shopper()
    record(someone, RETENTION + 1, 2)
    result = events_purge_task.apply().get()
    assert result["deleted"] == 2 and result["shoppers"] == 1
    assert not Event.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_purge(celery_worker_process):
    someone = shopper()
    record(someone, RETENTION + 2, 3)
    kept = record(someone, 1)
    result = events_purge_task.delay().get(timeout=60)
    assert (result["deleted"], result["shoppers"]) == (3, 1)
    assert list(Event.objects.values_list("id", flat=True)) == kept


def test_the_partition_task_runs_on_either_database():
    """PostgreSQL: the migration created this month and the ones ahead; SQLite: a plain table,
    nothing to create."""
    from django.db import connection

    from personalization.services.partitions import partitioned
    from personalization.tasks import event_partitions_create

    assert partitioned() == (connection.vendor == "postgresql")
    assert event_partitions_create.apply().get() == {"created": []}


def test_the_purge_and_the_partition_task_are_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"personalization.events_purge", "personalization.event_partitions_create"} <= tasks
