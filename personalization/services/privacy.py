"""Privacy rights: a shopper's export of everything held about them, and their erasure.

Both take the id from the shopper's signed cookie (or a staff lookup by e-mail), never from a
request parameter, so nobody can ask for someone else's data.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from configurator.models import Build, Order
from configurator.services import idempotency_keys_forget, orders_unlink_owner
from personalization.models import Assignment, ConsentChange, Event, Profile, SegmentMembership, Shopper
from personalization.services.shoppers import shopper_collected_delete, shopper_for_owner, shopper_forget
from personalization.tasks.audience import audience_shopper_left_soon

EXPORT_FORMAT = 1


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed (and how many orders it unlinked)."""

    events: int = 0
    profile: int = 0
    memberships: int = 0
    consent_changes: int = 0
    shopper: int = 0
    orders_unlinked: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _shopper_dict(shopper: Shopper) -> dict[str, Any]:
    return {
        "id": str(shopper.pk), "created_at": shopper.created_at,
        "consent": {"analytics": shopper.analytics, "personalization": shopper.personalization,
                    "marketing": shopper.marketing, "updated_at": shopper.consent_updated_at,
                    "global_privacy_control": shopper.gpc},
        "email": shopper.email, "user_id": shopper.user_id, "country": str(shopper.country or ""),
        "language": shopper.language, "last_seen_at": shopper.last_seen_at,
    }


def _profile_dict(shopper_id: uuid.UUID) -> dict[str, Any] | None:
    profile = Profile.objects.filter(shopper_id=shopper_id).select_related("dominant").first()
    if profile is None:
        return None
    return {
        "scores": profile.scores, "dominant": profile.dominant.code if profile.dominant else None,
        "confidence": profile.confidence, "evidence": profile.evidence, "event_count": profile.event_count,
        "computed_at": profile.computed_at, "map_version": profile.map_version,
    }


def _builds(shopper_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = Build.objects.filter(owner_key=shopper_id).select_related("product").order_by("created_at")
    return [{
        "id": str(b.pk), "product": b.product.slug, "name": b.name, "selections": b.selections,
        "total": b.total, "status": b.status, "share_code": b.share_code if b.is_shared else None,
        "remixed_from": str(b.remixed_from_id) if b.remixed_from_id else None,
        "created_at": b.created_at, "updated_at": b.updated_at, "shared_at": b.shared_at,
    } for b in rows]


def _orders(shopper_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = Order.objects.filter(owner_key=shopper_id).select_related("product").order_by("created_at")
    return [{
        "number": o.number, "product": o.product.slug, "build": str(o.build_id), "selections": o.selections,
        "total": o.total, "name": o.name, "email": o.email, "country": str(o.country),
        "address_line1": o.address_line1, "address_line2": o.address_line2, "postal_code": o.postal_code,
        "city": o.city, "region": o.region, "estimated_delivery": o.estimated_delivery,
        "marketing_opt_in": o.marketing_opt_in, "language": o.language, "status": o.status,
        "placed_at": o.created_at,
    } for o in rows]


def _events(shopper_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = (Event.objects.filter(shopper_id=shopper_id).order_by("occurred_at", "id")
            .values("key", "type", "occurred_at", "product_id", "build_id", "campaign_id", "group", "option",
                    "properties", "scores"))
    return [{**row, "key": str(row["key"]), "build_id": str(row["build_id"]) if row["build_id"] else None}
            for row in rows.iterator(chunk_size=2000)]


def shopper_export(*, shopper_id: uuid.UUID | None) -> dict[str, Any]:
    """Everything held about the shopper, as plain JSON-ready data (dates and decimals are left to
    the JSON encoder). An unknown or missing id gets the same shape, empty."""
    shopper = shopper_for_owner(shopper_id)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT, "generated_at": timezone.now(),
        "shopper_id": str(shopper_id) if shopper_id else None,
        "shopper": _shopper_dict(shopper) if shopper else None,
        "consent_changes": [], "events": [], "profile": None, "segments": [], "experiments": [], "builds": [],
        "orders": [],
    }
    if shopper_id is None:
        return data
    if shopper is not None:
        data["consent_changes"] = list(
            ConsentChange.objects.filter(shopper=shopper).order_by("at")
            .values("at", "analytics", "personalization", "marketing", "source")
        )
        data["segments"] = [
            {"segment": m.segment.name, "added_at": m.added_at}
            for m in SegmentMembership.objects.filter(shopper=shopper).select_related("segment").order_by("added_at")
        ]
        data["experiments"] = [
            {"campaign": a.campaign.name, "arm": a.arm, "assigned_at": a.assigned_at}
            for a in Assignment.objects.filter(shopper=shopper).select_related("campaign", "variant").order_by("pk")
        ]
        data["profile"] = _profile_dict(shopper_id)
    data["events"] = _events(shopper_id)  # events carry no constraint: look even without a row
    data["builds"] = _builds(shopper_id)
    data["orders"] = _orders(shopper_id)
    return data


@transaction.atomic
def shopper_erase(*, shopper_id: uuid.UUID) -> Erasure:
    """Erase a shopper: their events, profile, segment memberships, consent history and Shopper
    row (and with it their experiment assignments). Orders are kept (a shop must keep them) but
    unlinked: they get fresh random owner keys. Saved designs that were never ordered keep the
    old pseudonymous id, which after erasure points at nothing (the caller replaces the shopper's cookie)."""
    # Lock the row first: a profile recompute (which locks it too) then either finishes before
    # the erasure or finds no shopper afterwards, and never writes a profile back.
    list(Shopper.objects.select_for_update().filter(pk=shopper_id).values_list("pk", flat=True))
    audience_shopper_left_soon(shopper_id)  # the audience syncs that hold them send a removal
    events, profile, memberships = shopper_collected_delete(shopper_id)
    consent_changes, _ = ConsentChange.objects.filter(shopper_id=shopper_id).delete()
    shopper, _ = Shopper.objects.filter(pk=shopper_id).delete()
    idempotency_keys_forget(owner_key=shopper_id)  # remembered answers name the builds and orders
    transaction.on_commit(lambda: shopper_forget(shopper_id))
    return Erasure(events=events, profile=profile, memberships=memberships, consent_changes=consent_changes,
                   shopper=shopper, orders_unlinked=orders_unlink_owner(owner_key=shopper_id))


def events_orphaned_delete(*, page_size: int = 200, batch_size: int = 2000) -> int:
    """The erasure backstop (beat: personalization.events_orphans_sweep): delete every event
    whose shopper has no row. Writes already refuse such events (services.events.events_write);
    this catches whatever slipped past, e.g. rows written by an older release. Works a page of
    shopper ids at a time and deletes in batches of ids, so memory stays bounded. Idempotent;
    returns how many events were deleted."""
    from django.db.models import Exists, OuterRef

    orphaned = Event.objects.filter(~Exists(Shopper.objects.filter(pk=OuterRef("shopper_id"))))
    deleted = 0
    after = None
    while True:
        page_query = orphaned if after is None else orphaned.filter(shopper_id__gt=after)
        page = list(page_query.order_by("shopper_id").values_list("shopper_id", flat=True).distinct()[:page_size])
        if not page:
            return deleted
        batch = orphaned.filter(shopper_id__in=page)  # a shopper who has a row again keeps its events
        while ids := list(batch.order_by("id").values_list("id", flat=True)[:batch_size]):
            deleted += Event.objects.filter(id__in=ids).delete()[0]
        after = page[-1]


def shoppers_erase_by_email(*, email: str) -> list[Erasure]:
    """Staff: erase every shopper linked to this e-mail address (compared case-insensitively):
    the shoppers whose row carries it, and the shoppers who ordered with it (whether or not they
    ever consented, their orders are unlinked)."""
    from configurator.models import Order

    email = email.strip()
    if not email:
        return []
    ids = set(Shopper.objects.filter(email__iexact=email).values_list("pk", flat=True))
    ids |= set(Order.objects.filter(email__iexact=email).values_list("owner_key", flat=True))
    return [shopper_erase(shopper_id=shopper_id) for shopper_id in sorted(ids, key=str)]


@transaction.atomic
def shopper_gpc_record(*, shopper_id: uuid.UUID) -> bool:
    """The shopper's browser sent Sec-GPC: 1. If their row still allows marketing (or does not
    say GPC yet), turn marketing off and note it, with an audit line of source "gpc". Returns
    True if the row changed. A shopper without a row has nothing to update."""
    shopper = Shopper.objects.select_for_update().filter(pk=shopper_id).first()
    if shopper is None or (shopper.gpc and not shopper.marketing):
        return False
    if shopper.marketing and not shopper.gpc:
        audience_shopper_left_soon(shopper_id)
    shopper.marketing = False
    shopper.gpc = True
    shopper.consent_updated_at = timezone.now()
    shopper.save(update_fields=["marketing", "gpc", "consent_updated_at"])
    ConsentChange.objects.create(shopper=shopper, analytics=shopper.analytics,
                                 personalization=shopper.personalization, marketing=False, source="gpc")
    return True
