"""Events partitioned by month on PostgreSQL: each event in its month's partition (or the default
one), exactly once per key in any month, months created ahead, and whole months dropped by the
retention purge."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from personalization.capture import event_dict
from personalization.models import Event, EventKey, Profile
from personalization.services import consent_set
from personalization.services.events import events_write
from personalization.services.partitions import (
    DEFAULT,
    Month,
    event_partitions,
    event_partitions_create,
    event_partitions_detach_expired,
    event_partitions_expired,
    partitioned,
)
from personalization.services.privacy import shopper_erase
from personalization.services.profiles import profile_recompute
from personalization.services.retention import events_purge
from personalization.tasks import event_partitions_create as event_partitions_create_task
from tests.configurator.conftest import make_car
from tests.personalization.conftest import shopper_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def shopper() -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    return shopper_id


def write(shopper_id: uuid.UUID, at: datetime, *, key: str | None = None) -> str:
    """One event at `at`; returns its key."""
    item = event_dict("option_selected", at, group="trim", option="sport", key=key)
    events_write([(shopper_id, item)])
    return item["key"]


def home(key: str) -> str | None:
    """The partition that holds the event with this key."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM personalization_event WHERE key = %s", [key])
        row = cursor.fetchone()
    return row[0] if row else None


def tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE 'personalization\\_event\\_%%' AND relkind = 'r'")
        return {name for (name,) in cursor.fetchall()}


def drop_month(month: Month) -> None:
    """As if the beat task had never created this month."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE personalization_event DETACH PARTITION {month.table}")
        cursor.execute(f"DROP TABLE {month.table}")


def test_the_event_table_is_partitioned_with_this_month_and_three_ahead():
    this = Month.of(timezone.now())
    ahead = [this, this.next(), this.next().next(), this.next().next().next()]
    assert partitioned()
    assert set(ahead) <= set(event_partitions())
    assert DEFAULT in tables()


def test_each_event_lands_in_the_partition_of_its_month():
    someone, now = shopper(), timezone.now()
    for at in (now, now - timedelta(days=40), now + timedelta(days=62)):
        assert home(write(someone, at)) == Month.of(at).table


def test_an_event_dated_outside_every_month_is_kept_in_the_default_partition():
    someone, now = shopper(), timezone.now()
    past, future = write(someone, now - timedelta(days=3 * 365)), write(someone, now + timedelta(days=2 * 365))
    assert home(past) == home(future) == DEFAULT
    assert Event.objects.filter(shopper_id=someone).count() == 2


def test_a_month_the_task_has_not_created_takes_api_events_in_the_default_then_moves_them_in(settings):
    make_car()
    client, shopper_id = shopper_client()
    month = Month.of(timezone.now())
    drop_month(month)
    key = str(uuid.uuid4())
    body = json.dumps({"events": [{"key": key, "type": "option_selected", "group": "wheels", "option": "w17"}]})
    response = client.post("/api/events/", body, content_type="application/json")
    assert response.status_code == 201 and response.json()["accepted"] == 1
    assert home(key) == DEFAULT
    assert event_partitions_create() == [month.table]
    assert home(key) == month.table
    again = client.post("/api/events/", body, content_type="application/json")  # its key is still taken
    assert again.json() == {"accepted": 0, "duplicates": 1}
    assert Event.objects.filter(shopper_id=shopper_id).count() == 1


def test_a_stored_key_is_ignored_whatever_the_month_of_the_retry():
    # A campaign exposure keeps one key per shopper and campaign for good, dated when shown.
    someone, now, key = shopper(), timezone.now(), str(uuid.uuid4())
    write(someone, now - timedelta(days=45), key=key)
    first_home = home(key)
    assert events_write([(someone, event_dict("campaign_shown", now, key=key))]) == 0
    item = event_dict("option_selected", now)
    assert events_write([(someone, item), (someone, dict(item, at=(now - timedelta(days=70)).isoformat()))]) == 1
    assert Event.objects.filter(key=key).count() == 1 and home(key) == first_home
    assert Event.objects.filter(key=item["key"]).count() == 1
    assert EventKey.objects.filter(key__in=[key, item["key"]]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_key_in_different_months_store_it_once():
    someone, now, key = shopper(), timezone.now(), str(uuid.uuid4())
    inserted, release, written = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                written.append(events_write([(someone, event_dict("option_selected", now, key=key))]))
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            written.append(events_write([(someone, event_dict("option_selected", now - timedelta(days=40), key=key))]))
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert inserted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive()  # it waits for the first writer's key
    release.set()
    one.join(10)
    two.join(10)
    assert sorted(written) == [0, 1]
    assert Event.objects.filter(key=key).count() == 1 and home(key) == Month.of(now).table


def test_erasing_a_shopper_frees_their_keys():
    make_car()
    _client, shopper_id = shopper_client()
    key = write(shopper_id, timezone.now())
    shopper_erase(shopper_id=shopper_id)
    assert not EventKey.objects.filter(key=key).exists()
    someone = shopper()
    assert events_write([(someone, event_dict("option_selected", timezone.now(), key=key))]) == 1


def test_the_task_creates_the_months_ahead_once(settings):
    settings.ATELIER_EVENT_PARTITIONS_AHEAD = 5
    this = Month.of(timezone.now())
    sixth = this.next().next().next().next().next()
    assert sixth not in event_partitions()
    result = event_partitions_create_task.apply().get()
    assert result == {"created": [this.next().next().next().next().table, sixth.table]}
    assert event_partitions_create() == []
    someone = shopper()
    assert home(write(someone, sixth.start + timedelta(days=3))) == sixth.table


def test_the_purge_drops_whole_months_and_deletes_only_rows_of_the_straddling_one():
    someone, other, now = shopper(), shopper(), timezone.now()
    cutoff = now - timedelta(days=100)
    straddling = Month.of(cutoff)
    whole = [Month.of(cutoff - timedelta(days=40)), Month.of(cutoff - timedelta(days=70))]
    old = [write(someone, cutoff - timedelta(days=40)), write(someone, cutoff - timedelta(days=70)),
           write(other, cutoff - timedelta(days=70)), write(someone, cutoff - timedelta(hours=1)),
           write(someone, now - timedelta(days=5 * 365))]  # in the default partition
    kept = [write(someone, cutoff + timedelta(hours=1)), write(someone, now), write(other, now)]
    for shopper_id in (someone, other):
        profile_recompute(shopper_id=shopper_id)
    assert Profile.objects.get(shopper_id=someone).event_count == 6
    expired = [month for month in event_partitions() if month.end <= cutoff]
    assert set(whole) <= set(expired)
    result = events_purge(days=100, now=now)
    assert (result.deleted, result.shoppers, result.partitions) == (5, 2, len(expired))
    assert result.batches == 1  # one DELETE: the straddling month's row and the default's
    assert set(Event.objects.values_list("key", flat=True)) == {uuid.UUID(k) for k in kept}
    assert not {month.table for month in whole} & tables()
    assert straddling in event_partitions()
    assert not EventKey.objects.filter(key__in=old).exists()
    assert Profile.objects.get(shopper_id=someone).event_count == 2
    assert Profile.objects.get(shopper_id=other).event_count == 1
    assert events_purge(days=100, now=now).deleted == 0


def test_a_purge_that_stopped_after_detaching_is_finished_by_the_next_run():
    someone, now = shopper(), timezone.now()
    cutoff = now - timedelta(days=100)
    key = write(someone, cutoff - timedelta(days=70))
    recent = write(someone, now)
    profile_recompute(shopper_id=someone)
    detached = event_partitions_detach_expired(cutoff=cutoff)  # and then the worker died
    assert f"personalization_event_expired_{Month.of(cutoff - timedelta(days=70)).table.rsplit('_', 1)[-1]}" in detached
    assert not Event.objects.filter(key=key).exists()  # out of the log already
    result = events_purge(days=100, now=now)
    assert result.deleted == 1 and result.shoppers == 1
    assert event_partitions_expired() == []
    assert list(Event.objects.values_list("key", flat=True)) == [uuid.UUID(recent)]
    assert Profile.objects.get(shopper_id=someone).event_count == 1
    assert not EventKey.objects.filter(key=key).exists()


def test_an_update_that_moves_an_event_to_another_month_keeps_it_and_its_key():
    # The synthetic traffic dates its journeys back this way (simulate_shoppers).
    someone, now = shopper(), timezone.now()
    key = write(someone, now)
    earlier = now - timedelta(days=62)
    assert Event.objects.filter(key=key).update(occurred_at=earlier) == 1
    assert home(key) == Month.of(earlier).table
    assert EventKey.objects.filter(key=key, event_id=Event.objects.get(key=key).id).exists()
    assert events_write([(someone, event_dict("option_selected", now, key=key))]) == 0


def test_a_second_purge_while_one_runs_does_nothing():
    # A purge that outlives the broker's visibility timeout is handed to a second worker.
    from personalization.services.partitions import PURGE_LOCK

    someone, now = shopper(), timezone.now()
    key = write(someone, now - timedelta(days=200))
    holding, release = threading.Event(), threading.Event()

    def first_purge():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [PURGE_LOCK])
                holding.set()
                release.wait(10)
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PURGE_LOCK])
        finally:
            connection.close()

    other = threading.Thread(target=first_purge)
    other.start()
    try:
        assert holding.wait(10)
        result = events_purge(days=100, now=now)
        assert (result.deleted, result.partitions) == (0, 0)
        assert home(key) == Month.of(now - timedelta(days=200)).table
    finally:
        release.set()
        other.join(10)
    assert events_purge(days=100, now=now).deleted == 1


def test_a_campaign_can_be_deleted_while_its_expired_events_wait_to_be_dropped():
    from personalization.models import Campaign, Segment

    segment = Segment.objects.create(name="everyone", purpose="personalization", rules={})
    campaign = Campaign.objects.create(name="c", segment=segment, placement="home_hero")
    someone, now = shopper(), timezone.now()
    cutoff = now - timedelta(days=100)
    item = dict(event_dict("campaign_shown", cutoff - timedelta(days=70)), campaign=campaign.pk)
    events_write([(someone, item)])
    assert event_partitions_detach_expired(cutoff=cutoff)
    campaign.delete()
    connection.check_constraints()  # the deferred foreign key checks, as at commit
    assert events_purge(days=100, now=now).deleted == 1
