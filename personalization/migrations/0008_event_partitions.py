# Events partitioned by month on PostgreSQL (issue #15 §4; README "Events partitioned by month").
#
# On PostgreSQL the plain personalization_event table is replaced by one partitioned by range of
# occurred_at: a partition per calendar month (UTC) from the oldest event within the retention
# period to three months ahead, and a default partition for anything outside them. Every row is
# copied with its id, the id sequence continues where it was, and the idempotency keys move to
# personalization_eventkey, kept by triggers (a partitioned table cannot have a unique index on
# key alone). The whole conversion is one transaction that holds the event table locked: writers
# wait for it (see the README for how long it takes). SQLite keeps its plain table: only the two
# state operations below touch it.
#
# Django's model state is left as it was (id is the primary key, key unique, a btree on
# occurred_at): on PostgreSQL the database has (id, occurred_at) as primary key, EventKey for the
# uniqueness and a BRIN index on occurred_at instead. A later migration that alters those fields
# must be written for both.

from datetime import date, datetime, timedelta, timezone

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PARENT = "personalization_event"
OLD = "personalization_event_unpartitioned"
HOLDING = "personalization_event_holding"
DEFAULT = "personalization_event_default"
KEYS = "personalization_eventkey"
EXPIRED_LIKE = "personalization\\_event\\_expired\\_%"  # partitions a purge detached and has not dropped yet
AHEAD = 3  # months created ahead; the beat task event_partitions_create keeps it so

TRIGGERS = f"""
CREATE FUNCTION personalization_event_key_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {KEYS} (key, event_id) VALUES (NEW.key, NEW.id) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    -- An UPDATE of occurred_at moving the row to another partition inserts it there: its key is its own.
    IF EXISTS (SELECT 1 FROM {KEYS} WHERE key = NEW.key AND event_id = NEW.id) THEN
        RETURN NEW;
    END IF;
    RETURN NULL;  -- another event holds the key: the row is skipped, as ON CONFLICT DO NOTHING did
END $$;
CREATE TRIGGER personalization_event_key_claim BEFORE INSERT ON {PARENT}
    FOR EACH ROW EXECUTE FUNCTION personalization_event_key_claim();
CREATE FUNCTION personalization_event_key_free() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {KEYS} k USING deleted d WHERE k.key = d.key;
    RETURN NULL;
END $$;
CREATE TRIGGER personalization_event_key_free AFTER DELETE ON {PARENT}
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION personalization_event_key_free();
"""


def _month(at: datetime) -> date:
    at = at.astimezone(timezone.utc)
    return date(at.year, at.month, 1)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def _partition_months(oldest: datetime | None, now: datetime) -> list[date]:
    """This month, AHEAD months after it and every month back to the oldest event, but none that
    lies wholly before the retention period (the purge deletes such rows from the default)."""
    first = _month(now - timedelta(days=settings.ATELIER_EVENT_RETENTION_DAYS))
    if oldest is not None:
        first = max(first, _month(oldest))
    first = min(first, _month(now))
    months, month = [], first
    last = _month(now)
    for _ in range(AHEAD):
        last = _next(last)
    while month <= last:
        months.append(month)
        month = _next(month)
    return months


def _sequence_value(cursor, table: str) -> int:
    """The last id the table's sequence handed out (0: none)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (a catalog name)
    last_value, is_called = cursor.fetchone()
    return last_value if is_called else last_value - 1


def _continue_sequence(cursor, table: str, last: int) -> None:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    if last > 0:
        cursor.execute("SELECT setval(%s, %s, true)", [sequence, last])
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {table}_id_seq")


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
    return cursor.fetchall()


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Event = apps.get_model("personalization", "Event")
    now = datetime.now(timezone.utc)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT min(occurred_at), coalesce(max(id), 0) FROM {PARENT}")  # noqa: S608
        oldest, max_id = cursor.fetchone()
        last_id = max(max_id, _sequence_value(cursor, PARENT))
        foreign_keys = _foreign_keys(cursor, PARENT)
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"CREATE TABLE {PARENT} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING IDENTITY) "
                       f"PARTITION BY RANGE (occurred_at)")
        cursor.execute(f"CREATE TABLE {DEFAULT} PARTITION OF {PARENT} DEFAULT")
        for month in _partition_months(oldest, now):
            cursor.execute(f"CREATE TABLE {PARENT}_y{month.year}m{month.month:02d} PARTITION OF {PARENT} "
                           f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(_next(month))})")
        # Rows first, indexes after: one sort per index instead of an insert into each per row.
        cursor.execute(f"INSERT INTO {PARENT} SELECT * FROM {OLD}")  # noqa: S608 (same columns, same order)
        cursor.execute(f"INSERT INTO {KEYS} (key, event_id) SELECT key, id FROM {OLD}")  # noqa: S608
        cursor.execute(f"DROP TABLE {OLD}")
        _continue_sequence(cursor, PARENT, last_id)
        cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {PARENT}_pkey PRIMARY KEY (id, occurred_at)")
        for index in Event._meta.indexes:  # (shopper|type|product, occurred_at), build and campaign partial
            schema_editor.execute(index.create_sql(Event, schema_editor))
        cursor.execute(f"CREATE INDEX {PARENT}_occurred_brin ON {PARENT} USING brin (occurred_at) "
                       f"WITH (pages_per_range = 32, autosummarize = on)")
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {PARENT} ADD CONSTRAINT {name} {definition}")
        cursor.execute(TRIGGERS)
        cursor.execute(f"ANALYZE {PARENT}")


def unpartition(apps, schema_editor):
    """Back to one plain table (every row, ids and sequence kept); detached partitions that a
    purge had not dropped yet hold only expired events and are dropped."""
    if schema_editor.connection.vendor != "postgresql":
        return
    Event = apps.get_model("personalization", "Event")
    columns = ", ".join(schema_editor.quote_name(field.column) for field in Event._meta.concrete_fields)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {PARENT}")  # noqa: S608
        last_id = max(cursor.fetchone()[0], _sequence_value(cursor, PARENT))
        cursor.execute(f"CREATE TABLE {HOLDING} AS SELECT * FROM {PARENT}")  # noqa: S608
        cursor.execute(f"DROP TABLE {PARENT}")
        cursor.execute("DROP FUNCTION personalization_event_key_claim(), personalization_event_key_free()")
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s AND relkind = 'r' "
                       "AND relnamespace = current_schema()::regnamespace", [EXPIRED_LIKE])
        for (table,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE {table}")
        schema_editor.create_model(Event)  # Django's own table, unique key and indexes
        cursor.execute(f"INSERT INTO {PARENT} ({columns}) SELECT {columns} FROM {HOLDING}")  # noqa: S608
        cursor.execute(f"DROP TABLE {HOLDING}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PARENT])
        if last_id > 0:
            cursor.execute("SELECT setval(%s, %s, true)", [cursor.fetchone()[0], last_id])


class Migration(migrations.Migration):

    dependencies = [
        ('personalization', '0007_profile_running'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventKey',
            fields=[
                ('key', models.UUIDField(primary_key=True, serialize=False)),
                ('event_id', models.BigIntegerField()),
            ],
            options={
                'verbose_name': 'event key',
                'verbose_name_plural': 'event keys',
            },
        ),
        migrations.AlterField(
            model_name='event',
            name='shopper',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='personalization.shopper'),
        ),
        migrations.RunPython(partition, unpartition, elidable=False),
    ]
