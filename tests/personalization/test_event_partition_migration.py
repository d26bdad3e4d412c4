"""Migration 0007 on PostgreSQL: an existing plain event table becomes the partitioned one with
every event and every column kept, each in its month, the id sequence continuing and keys still
stored once; and it goes back as it was."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from personalization.capture import event_dict
from personalization.models import EventKey
from personalization.services import consent_set
from personalization.services.events import events_write
from personalization.services.partitions import DEFAULT, Month, event_partitions, partitioned

BEFORE = [("personalization", "0007_profile_running")]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_apps(transactional_db):
    """The database as it was before 0007; the latest state again afterwards, for the other tests."""
    yield migrate(BEFORE)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def table_rows() -> list[dict]:
    """Every event, every column, as PostgreSQL holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(e)::text FROM personalization_event e ORDER BY id")
        return [json.loads(row[0]) for row in cursor.fetchall()]


def homes() -> dict[int, tuple[str, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, tableoid::regclass::text, occurred_at FROM personalization_event")
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def fill(apps) -> int:
    """Events every nine days from about two and a half years back to ten months ahead, with
    every kind of column set, some deleted; returns the last id the sequence handed out."""
    OldEvent = apps.get_model("personalization", "Event")
    now, shopper_id = timezone.now(), uuid.uuid4()
    OldEvent.objects.bulk_create([OldEvent(
        key=uuid.uuid4(), type="option_selected" if n % 3 else "build_saved", occurred_at=now + timedelta(days=days),
        shopper_id=shopper_id if n % 2 else uuid.uuid4(), group="trim", option=f"o{n}", properties={"n": n, "é": [1.5]},
        scores={"status": 0.25} if n % 4 == 0 else {}, build_id=uuid.uuid4() if n % 5 == 0 else None,
    ) for n, days in enumerate(range(-900, 300, 9))])
    OldEvent.objects.filter(option__in=["o3", "o4"]).delete()
    with connection.cursor() as cursor:  # ids handed out to inserts that rolled back
        cursor.execute("SELECT nextval(pg_get_serial_sequence('personalization_event', 'id')) "
                       "FROM generate_series(1, 3)")
        return max(row[0] for row in cursor.fetchall())


def test_an_existing_table_is_partitioned_without_losing_an_event(old_apps, settings):
    last_id = fill(old_apps)
    before = table_rows()
    assert len(before) == 132 and not partitioned()

    migrate([("personalization", "0008_event_partitions")])

    assert partitioned()
    assert table_rows() == before
    months = set(event_partitions())
    oldest_kept = Month.of(timezone.now() - timedelta(days=settings.ATELIER_EVENT_RETENTION_DAYS))
    last_ahead = Month.of(timezone.now()).next().next().next()
    for table, occurred_at in homes().values():
        month = Month.of(occurred_at)
        assert table == (month.table if month in months else DEFAULT)
        assert (month in months) == (oldest_kept <= month <= last_ahead)
    assert {str(key) for key in EventKey.objects.values_list("key", flat=True)} == {row["key"] for row in before}

    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    fresh = event_dict("option_selected", timezone.now())
    assert events_write([(shopper_id, fresh)]) == 1
    assert table_rows()[-1]["id"] == last_id + 1  # the sequence went on where it was
    stored = dict(fresh, key=before[0]["key"])
    assert events_write([(shopper_id, stored)]) == 0  # a key stored before the migration is still taken


def test_back_to_a_plain_table_keeps_every_event_and_the_unique_key(old_apps):
    last_id = fill(old_apps)
    migrate([("personalization", "0008_event_partitions")])
    before = table_rows()

    apps = migrate(BEFORE)

    assert not partitioned()
    assert table_rows() == before
    OldEvent = apps.get_model("personalization", "Event")
    copy = OldEvent.objects.order_by("id").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        OldEvent.objects.create(key=copy.key, type=copy.type, occurred_at=copy.occurred_at, shopper_id=copy.shopper_id)
    assert OldEvent.objects.create(key=uuid.uuid4(), type="option_selected", occurred_at=timezone.now(),
                                   shopper_id=copy.shopper_id).id == last_id + 2  # the refused one took an id
