"""Recording events: one INSERT per click, idempotent batches, and the attach of choices made
before consent. Events are written in the caller's transaction: a build's events commit or roll
back with the build."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from personalization.models import Event, EventType, Shopper
from personalization.tasks.profiles import profile_refresh_soon

# What a client may report. Saves, shares, remixes, orders and campaign events are recorded by
# the server itself, so nobody can fake revenue, shares or lift through the API.
CLIENT_TYPES = frozenset({
    EventType.OPTION_SELECTED, EventType.OPTION_REMOVED, EventType.TEXT_PERSONALIZED, EventType.SHARE_VIEWED,
})
MAX_ID = 2**63 - 1
MAX_BATCH = 500
MAX_PROPERTIES_BYTES = 2048
# A client's clock may be off: events dated further back than this, or in the future, are refused.
MAX_AGE = timedelta(days=7)
FUTURE_SLACK = timedelta(minutes=5)


class EventsInvalid(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def _when(item: dict, now: datetime) -> datetime:
    at = item.get("at")
    if isinstance(at, datetime):
        return at
    return (parse_datetime(at) if at else None) or now


def _row(shopper_id: uuid.UUID, item: dict, at: datetime) -> Event:
    return Event(
        key=item["key"], type=item["type"], occurred_at=at, shopper_id=shopper_id,
        product_id=item.get("product"), build_id=item.get("build"), campaign_id=item.get("campaign"),
        group=item.get("group") or "", option=item.get("option") or "", properties=item.get("properties") or {},
    )


_FIELDS = (  # (field, SQL type) of the columns one INSERT writes
    ("key", "uuid"), ("type", "varchar"), ("occurred_at", "timestamptz"), ("recorded_at", "timestamptz"),
    ("shopper", "uuid"), ("product", "bigint"), ("build", "uuid"), ("campaign", "bigint"), ("group", "varchar"),
    ("option", "varchar"), ("properties", "jsonb"), ("scores", "jsonb"),
)


def _insert_postgresql(rows: list[tuple[uuid.UUID, dict]], now: datetime) -> int:
    """One INSERT for (shopper, event) rows; returns how many were new. A key already stored,
    even by a concurrent request, writes nothing and is not counted: the event table's trigger
    claims each key in EventKey first and skips the row when it is taken (the partitioned table
    has no unique index on key to put an ON CONFLICT on; migration 0007). Only rows of
    shoppers whose row exists are written, and those rows are locked (FOR KEY SHARE) until the
    insert commits: an erasure (which locks the shopper FOR UPDATE first) either waits for the
    insert and then deletes its events, or has committed and the insert writes none."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Event._meta.get_field(name).column) for name, _type in _FIELDS)
    shopper_column = quote(Event._meta.get_field("shopper").column)
    shopper_pk = quote(Shopper._meta.pk.column)
    arrays: list[list[Any]] = [[] for _ in _FIELDS]
    for shopper_id, item in rows:
        values = (
            item["key"], item["type"], _when(item, now), now, shopper_id,
            item.get("product"), item.get("build"), item.get("campaign"), item.get("group") or "",
            item.get("option") or "", item.get("properties_json") or json.dumps(item.get("properties") or {},
                                                                                 cls=DjangoJSONEncoder), "{}",
        )
        for column, value in zip(arrays, values, strict=True):
            column.append(value)
    # One array parameter per column (unnest), bound server-side in binary: a short statement
    # whatever the batch size, and no quoting of thousands of values into SQL text.
    unnest = ", ".join(f"%b::{sql_type}[]" for _name, sql_type in _FIELDS)
    # Only quoted model identifiers and placeholders are formatted in; every value is a parameter.
    sql = (f"WITH live AS (SELECT {shopper_pk} FROM {quote(Shopper._meta.db_table)} "  # noqa: S608
           f"WHERE {shopper_pk} = ANY(%b::uuid[]) FOR KEY SHARE) "
           f"INSERT INTO {quote(Event._meta.db_table)} ({columns}) SELECT v.* FROM unnest({unnest}) "
           f"AS v({columns}) WHERE v.{shopper_column} IN (SELECT {shopper_pk} FROM live)")
    shoppers = list({shopper_id for shopper_id, _item in rows})
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # Django's own cursors bind client-side
        cursor.execute(sql, [shoppers, *arrays])
        return cursor.rowcount


def events_write(rows: list[tuple[uuid.UUID, dict]], *, check_keys: bool = True) -> int:
    """Write (shopper, event dict) rows once per key, in the caller's transaction; returns how
    many were new. A row whose shopper no longer exists (erased, maybe while another process
    held its events in its write-behind buffer, or still took it for consented) is not written.
    Without `check_keys` (keys just minted) SQLite skips the lookup of the keys."""
    if not rows:
        return 0
    now = timezone.now()
    rows = [(uuid.UUID(str(shopper_id)), item) for shopper_id, item in rows]
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows, now)
    with transaction.atomic():  # SQLite: the check and the insert in one transaction
        live = set(Shopper.objects.filter(pk__in={s for s, _i in rows}).values_list("pk", flat=True))
        return _insert_sqlite([(s, i) for s, i in rows if s in live], now, check_keys)


def _insert_sqlite(rows: list[tuple[uuid.UUID, dict]], now: datetime, check_keys: bool) -> int:
    if not rows:
        return 0
    if check_keys:
        seen = set(Event.objects.filter(key__in=[i["key"] for _s, i in rows]).values_list("key", flat=True))
        rows = [(s, i) for s, i in rows if uuid.UUID(str(i["key"])) not in seen]
    # ignore_conflicts: a concurrent request with the same key loses quietly; the row exists once.
    Event.objects.bulk_create([_row(s, i, _when(i, now)) for s, i in rows], ignore_conflicts=True)
    return len(rows)


def events_record(*, shopper_id: uuid.UUID, items: list[dict], fresh_keys: bool = False, refresh: bool = True) -> int:
    """Write trusted event dicts (made by the server, see capture.event_dict, or cleaned) for a
    consented shopper, once per key, in the caller's transaction. Returns how many were new.
    `fresh_keys` says the keys were just minted (a click's): nothing to look up first."""
    created = events_write([(shopper_id, item) for item in items], check_keys=not fresh_keys)
    if refresh and created:
        profile_refresh_soon(shopper_id)
    return created


def events_record_click(*, shopper_id: uuid.UUID, items: list[dict]) -> None:
    """A click's events. With write-behind (ATELIER_EVENT_WRITE_BEHIND, PostgreSQL) they join
    this process's buffer, which one INSERT per batch writes within ATELIER_EVENT_FLUSH_SECONDS
    (see writebehind.py); otherwise they are written now."""
    if settings.ATELIER_EVENT_WRITE_BEHIND and not connection.in_atomic_block:
        from personalization.writebehind import buffer

        buffer.add(shopper_id, items)
    else:
        events_record(shopper_id=shopper_id, items=items, fresh_keys=True)


def _clean(item: Any, index: int, now: datetime) -> tuple[dict | None, dict]:
    """One client event, validated: (the clean dict, {} ) or (None, field errors)."""
    errors: dict[str, Any] = {}
    if not isinstance(item, dict):
        return None, {"event": [_("Each event must be an object.")]}
    try:
        key = str(uuid.UUID(str(item.get("key", ""))))
    except ValueError:
        errors["key"] = [_("A UUID idempotency key is required.")]
        key = ""
    type_ = item.get("type")
    if not isinstance(type_, str) or type_ not in CLIENT_TYPES:
        errors["type"] = [_("Use one of: %(types)s.") % {"types": ", ".join(sorted(CLIENT_TYPES))}]
    at = item.get("at")
    try:
        when = parse_datetime(at) if isinstance(at, str) else None
    except ValueError:  # well-formed but impossible, e.g. 30 February
        when = None
    if at is not None and when is None:
        errors["at"] = [_("Use an ISO 8601 timestamp.")]
    elif when is not None:
        if timezone.is_naive(when):
            errors["at"] = [_("The timestamp needs a time zone.")]
        elif not now - MAX_AGE <= when <= now + FUTURE_SLACK:
            errors["at"] = [_("The timestamp is too far from now.")]
    for field, limit in (("group", 64), ("option", 64)):
        value = item.get(field, "")
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            errors[field] = [_("Use a code of at most %(n)s characters.") % {"n": limit}]
    properties = item.get("properties", {})
    encoded = ""
    if not isinstance(properties, dict):
        errors["properties"] = [_("Properties must be an object.")]
    else:
        try:
            encoded = json.dumps(properties, cls=DjangoJSONEncoder)
        except (RecursionError, ValueError, TypeError):
            encoded = "x" * (MAX_PROPERTIES_BYTES + 1)
        if len(encoded) > MAX_PROPERTIES_BYTES:
            errors["properties"] = [_("Properties are too large.")]
        elif "\\u0000" in encoded:  # PostgreSQL cannot store a NUL character in JSON or text
            errors["properties"] = [_("Properties must not contain NUL characters.")]
    product = item.get("product")
    if product is not None and (not isinstance(product, int) or isinstance(product, bool) or not 1 <= product <= MAX_ID):
        errors["product"] = [_("Use a product id.")]
    build = item.get("build")
    if build is not None:
        try:
            build = str(uuid.UUID(str(build)))
        except ValueError:
            errors["build"] = [_("Use a build id.")]
    if errors:
        return None, errors
    return {
        "key": key, "type": type_, "at": when or now, "product": product, "build": build,
        "group": item.get("group", ""), "option": item.get("option", ""), "properties": properties,
        "properties_json": encoded,
    }, {}


def events_ingest(*, shopper_id: uuid.UUID, items: Any) -> dict[str, int]:
    """A client's batch (POST /api/events/): validated as a whole (one bad event refuses the
    batch, with its index), then written once per key. Returns {"accepted", "duplicates"}."""
    if not isinstance(items, list) or not items:
        raise EventsInvalid({"events": [_("Send a non-empty list of events.")]})
    if len(items) > MAX_BATCH:
        raise EventsInvalid({"events": [_("Send at most %(n)s events at a time.") % {"n": MAX_BATCH}]})
    now = timezone.now()
    clean, errors = [], {}
    for index, item in enumerate(items):
        value, problems = _clean(item, index, now)
        if problems:
            errors[str(index)] = problems
        else:
            clean.append(value)
    if errors:
        raise EventsInvalid({"events": errors})
    unique = list({item["key"]: item for item in clean}.values())
    _known_products(unique)
    with transaction.atomic():
        accepted = events_record(shopper_id=shopper_id, items=unique)
    return {"accepted": accepted, "duplicates": len(items) - accepted}


def _known_products(items: list[dict]) -> None:
    from configurator.models import Product

    wanted = {item["product"] for item in items if item["product"] is not None}
    if wanted:
        known = set(Product.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - known:
            raise EventsInvalid({"events": {"product": [_("Unknown product.")]}})


def pending_attach(*, shopper_id: uuid.UUID, items: list[dict]) -> int:
    """Choices kept in the browser session before consent, written once consent is given.
    The items come from our own signed cookie but are validated like any client's."""
    now = timezone.now()
    clean = []
    for index, item in enumerate(items):
        value, problems = _clean(item, index, now)
        if not problems:
            clean.append(value)
    with transaction.atomic():
        return events_record(shopper_id=shopper_id, items=clean)
