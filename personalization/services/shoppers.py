"""Shoppers and their consent."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from personalization.models import ConsentChange, Shopper


def shopper_for_owner(owner_key: uuid.UUID | None) -> Shopper | None:
    if owner_key is None:
        return None
    return Shopper.objects.filter(pk=owner_key).first()


@transaction.atomic
def consent_set(*, shopper_id: uuid.UUID, analytics: bool, personalization: bool, marketing: bool,
                source: str, gpc: bool = False, language: str = "") -> Shopper | None:
    """Record the shopper's choice per purpose (marketing stays off under GPC). A shopper who
    grants nothing and has no row yet gets none: nothing about them is stored."""
    marketing = marketing and not gpc
    shopper = Shopper.objects.select_for_update().filter(pk=shopper_id).first()
    if shopper is None and not (analytics or personalization or marketing):
        return None
    now = timezone.now()
    if shopper is None:
        shopper = Shopper(id=shopper_id)
    shopper.analytics, shopper.personalization, shopper.marketing = analytics, personalization, marketing
    shopper.gpc = gpc
    shopper.consent_updated_at = now
    shopper.last_seen_at = now
    if language:
        shopper.language = language[:8]
    shopper.save()
    ConsentChange.objects.create(shopper=shopper, analytics=analytics, personalization=personalization,
                                 marketing=marketing, source=source[:20])
    return shopper
