"""The monthly partitions of the event table on PostgreSQL (migration 0007; README "Events
partitioned by month").

personalization_event is partitioned by range of occurred_at: one partition per calendar month in
UTC (personalization_event_y2026m01) and a default partition that takes whatever no month holds
(events dated far back or ahead, or a month the beat task has not created yet), so an insert never
fails for want of a partition. The beat task creates months ahead; the retention purge detaches
the months that lie wholly before its cutoff, recomputes the profiles of their shoppers and then
drops them. On SQLite (a plain table) every function here does nothing.

DDL on the event table runs with a short lock timeout: attaching a month takes only a light lock on
the table, but detaching one takes the table for a moment and must not queue every click behind a
long report. A timeout raises OperationalError, and the task runs again later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from personalization.models import Event, EventKey

logger = logging.getLogger(__name__)

PARENT = Event._meta.db_table
DEFAULT = f"{PARENT}_default"
EXPIRED = f"{PARENT}_expired_"  # a month the purge detached and has not dropped yet
LOCK_TIMEOUT = "3s"
# Advisory lock ids: partition DDL (one change at a time), and the purge (one run at a time).
DDL_LOCK, PURGE_LOCK = 1_510_401, 1_510_402


@dataclass(frozen=True, order=True)
class Month:
    first: date  # its first day

    @classmethod
    def of(cls, at: datetime) -> Month:
        at = at.astimezone(UTC)
        return cls(date(at.year, at.month, 1))

    @classmethod
    def named(cls, name: str) -> Month | None:
        """The month of a partition's name (…_y2026m01), or None for any other table."""
        stem = name.rsplit("_", 1)[-1]
        if len(stem) != 8 or stem[0] != "y" or stem[5] != "m" or not (stem[1:5] + stem[6:]).isdigit():
            return None
        month = int(stem[6:])
        return cls(date(int(stem[1:5]), month, 1)) if 1 <= month <= 12 else None

    def next(self) -> Month:
        return Month(date(self.first.year + self.first.month // 12, self.first.month % 12 + 1, 1))

    @property
    def start(self) -> datetime:
        return datetime(self.first.year, self.first.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def table(self) -> str:
        return f"{PARENT}_y{self.first.year}m{self.first.month:02d}"


def partitioned() -> bool:
    """Whether the event table is partitioned here (PostgreSQL, once migration 0007 ran)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def event_partitions() -> list[Month]:
    """The months attached to the event table, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "WHERE i.inhparent = to_regclass(%s)", [PARENT])
        months = [Month.named(name) for (name,) in cursor.fetchall()]
    return sorted(month for month in months if month is not None)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns() -> str:
    return ", ".join(_quote(field.column) for field in Event._meta.concrete_fields)


def _ddl(cursor) -> None:
    """The start of a transaction that changes partitions: one at a time (a second task or purge
    waits, then finds the work done), and a short wait at most for the event table's locks."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DDL_LOCK])
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    # Deferred foreign key checks of rows the caller's outer transaction wrote (a test's) run
    # now: PostgreSQL refuses to alter or drop a table they wait on. On its own, nothing to run.
    connection.check_constraints()


@contextmanager
def purge_alone() -> Iterator[bool]:
    """Whether this is the only retention purge running (PostgreSQL: a session advisory lock held
    until the block ends; a purge that outlives the broker's visibility timeout is handed to a
    second worker, which must not drop the months the first is still working on)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [PURGE_LOCK])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PURGE_LOCK])


def _attached(cursor, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s) "
                   "AND inhparent = to_regclass(%s))", [table, PARENT])
    return cursor.fetchone()[0]


def _attach(month: Month) -> bool:
    """Create and attach one month (False: another run did); rows of it that the default
    partition took meanwhile move in, keeping their keys."""
    table = _quote(month.table)
    bounds = [month.start, month.end]
    with transaction.atomic(), connection.cursor() as cursor:
        _ddl(cursor)
        if _attached(cursor, month.table):
            return False
        # A table of its own first, then ATTACH: that takes a light lock on the event table
        # (inserts and reads go on); CREATE … PARTITION OF would take it whole. ATTACH locks the
        # default partition to check it holds no row of the month: locked first, so none can
        # arrive between the move below and that check.
        cursor.execute(f"CREATE TABLE {table} (LIKE {_quote(PARENT)} INCLUDING DEFAULTS INCLUDING STORAGE)")
        cursor.execute(f"LOCK TABLE {_quote(DEFAULT)} IN ACCESS EXCLUSIVE MODE")
        columns = _columns()
        # Deleted from the partition itself, not through the event table: the trigger that
        # frees keys does not fire, and the rows keep theirs.
        cursor.execute(f"WITH moved AS (DELETE FROM {_quote(DEFAULT)} WHERE occurred_at >= %s "  # noqa: S608
                       f"AND occurred_at < %s RETURNING {columns}) "
                       f"INSERT INTO {table} ({columns}) SELECT {columns} FROM moved", bounds)
        moved = cursor.rowcount
        cursor.execute(f"ALTER TABLE {_quote(PARENT)} ATTACH PARTITION {table} "
                       f"FOR VALUES FROM (%s) TO (%s)", bounds)
    if moved:
        logger.warning("event partitions: moved %s events of %s out of the default partition", moved, month.first)
    return True


def event_partitions_create(*, ahead: int | None = None, now: datetime | None = None) -> list[str]:
    """Make sure this month and the `ahead` months after it (default ATELIER_EVENT_PARTITIONS_AHEAD)
    have their partitions; returns the names of those created. Idempotent."""
    if not partitioned():
        return []
    ahead = settings.ATELIER_EVENT_PARTITIONS_AHEAD if ahead is None else ahead
    month, wanted = Month.of(now or timezone.now()), []
    for _ in range(ahead + 1):
        wanted.append(month)
        month = month.next()
    existing = set(event_partitions())
    created = []
    for month in wanted:
        if month not in existing and _attach(month):
            created.append(month.table)
    if created:
        logger.info("event partitions: created %s", ", ".join(created))
    return created


def event_partitions_detach_expired(*, cutoff: datetime) -> list[str]:
    """Detach every month that ends at or before `cutoff`, oldest first, each in a transaction of
    its own, and rename it …_expired_y2025m01; returns the new names. From then on its events are
    out of the log (no query through the event table sees them), and the table itself is the list
    of whose profiles the purge still has to recompute before dropping it."""
    detached = []
    for month in event_partitions():
        if month.end > cutoff:
            break
        expired = f"{EXPIRED}{month.table.rsplit('_', 1)[-1]}"
        with transaction.atomic(), connection.cursor() as cursor:
            _ddl(cursor)
            if not _attached(cursor, month.table):
                continue
            cursor.execute(f"ALTER TABLE {_quote(PARENT)} DETACH PARTITION {_quote(month.table)}")
            cursor.execute(f"ALTER TABLE {_quote(month.table)} RENAME TO {_quote(expired)}")
            # Its foreign keys go: a product or campaign deleted meanwhile must not wait on
            # events that are on their way out (Django sets their ids to NULL in the table only).
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'f'",
                           [expired])
            for (name,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {_quote(expired)} DROP CONSTRAINT {_quote(name)}")
        detached.append(expired)
    return detached


def event_partitions_expired() -> list[str]:
    """Months detached by a purge and not dropped yet (this run's, or a run that stopped), oldest first."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE %s AND relkind = 'r' "
                       "AND relnamespace = current_schema()::regnamespace ORDER BY relname",
                       [EXPIRED.replace("_", "\\_") + "%"])
        return [name for (name,) in cursor.fetchall()]


def expired_shoppers(table: str, *, after: uuid.UUID | None, size: int) -> list[uuid.UUID]:
    """The next `size` shoppers with events in a detached month, in id order."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT shopper_id FROM {_quote(table)} "  # noqa: S608
                       f"WHERE %s::uuid IS NULL OR shopper_id > %s::uuid ORDER BY shopper_id LIMIT %s",
                       [after, after, size])
        return [row[0] for row in cursor.fetchall()]


def event_partition_drop(*, table: str) -> int:
    """Drop a detached month and free its events' keys, in one transaction; returns how many
    events it held."""
    if not table.startswith(EXPIRED):
        raise ValueError(f"{table} is not a detached month of the event table")
    with transaction.atomic(), connection.cursor() as cursor:
        _ddl(cursor)
        cursor.execute("SELECT to_regclass(%s) IS NULL", [table])
        if cursor.fetchone()[0]:
            return 0
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608
        count = cursor.fetchone()[0]
        cursor.execute(f"DELETE FROM {_quote(EventKey._meta.db_table)} k USING {_quote(table)} e "  # noqa: S608
                       f"WHERE k.key = e.key")
        cursor.execute(f"DROP TABLE {_quote(table)}")
    return count
