"""Recording events: one INSERT per click, idempotent batches, and the attach of choices made
before consent. Events are written in the caller's transaction: a build's events commit or roll
back with the build."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from personalization.models import Event, EventType
from personalization.tasks.profiles import profile_refresh_soon

MAX_BATCH = 500
MAX_PROPERTIES_BYTES = 2048
# A client's clock may be off: events dated further back than this, or in the future, are refused.
MAX_AGE = timedelta(days=7)
FUTURE_SLACK = timedelta(minutes=5)


class EventsInvalid(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


def _row(shopper_id: uuid.UUID, item: dict, at: datetime) -> Event:
    return Event(
        key=item["key"], type=item["type"], occurred_at=at, shopper_id=shopper_id,
        product_id=item.get("product"), build_id=item.get("build"), campaign_id=item.get("campaign"),
        group=item.get("group") or "", option=item.get("option") or "", properties=item.get("properties") or {},
    )


def events_record(*, shopper_id: uuid.UUID, items: list[dict], fresh_keys: bool = False, refresh: bool = True) -> int:
    """Write trusted event dicts (made by the server, see capture.event_dict, or cleaned) for a
    consented shopper, once per key. Returns how many were new. `fresh_keys` says the keys were
    just minted (a click's), so there is nothing to look up first: one INSERT."""
    if not items:
        return 0
    if not fresh_keys:
        seen = set(Event.objects.filter(key__in=[i["key"] for i in items]).values_list("key", flat=True))
        items = [i for i in items if uuid.UUID(str(i["key"])) not in seen]
        if not items:
            return 0
    now = timezone.now()
    rows = [_row(shopper_id, item, parse_datetime(item["at"]) if item.get("at") else now) for item in items]
    # ignore_conflicts: a concurrent request with the same key loses quietly; the row exists once.
    Event.objects.bulk_create(rows, ignore_conflicts=True)
    if refresh:
        profile_refresh_soon(shopper_id)
    return len(rows)


def _clean(item: Any, index: int, now: datetime) -> tuple[dict | None, dict]:
    """One client event, validated: (the clean dict, {} ) or (None, field errors)."""
    import json

    errors: dict[str, Any] = {}
    if not isinstance(item, dict):
        return None, {"event": [_("Each event must be an object.")]}
    try:
        key = str(uuid.UUID(str(item.get("key", ""))))
    except ValueError:
        errors["key"] = [_("A UUID idempotency key is required.")]
        key = ""
    type_ = item.get("type")
    if type_ not in EventType.values:
        errors["type"] = [_("Unknown event type.")]
    at = item.get("at")
    when = parse_datetime(at) if isinstance(at, str) else None
    if at is not None and when is None:
        errors["at"] = [_("Use an ISO 8601 timestamp.")]
    elif when is not None:
        if timezone.is_naive(when):
            errors["at"] = [_("The timestamp needs a time zone.")]
        elif not now - MAX_AGE <= when <= now + FUTURE_SLACK:
            errors["at"] = [_("The timestamp is too far from now.")]
    for field, limit in (("group", 64), ("option", 64)):
        value = item.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            errors[field] = [_("Use a code of at most %(n)s characters.") % {"n": limit}]
    properties = item.get("properties", {})
    if not isinstance(properties, dict):
        errors["properties"] = [_("Properties must be an object.")]
    elif len(json.dumps(properties, default=str)) > MAX_PROPERTIES_BYTES:
        errors["properties"] = [_("Properties are too large.")]
    product = item.get("product")
    if product is not None and (not isinstance(product, int) or isinstance(product, bool) or product < 1):
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
        "key": key, "type": type_, "at": (when or now).isoformat(), "product": product, "build": build,
        "group": item.get("group", ""), "option": item.get("option", ""), "properties": properties,
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
