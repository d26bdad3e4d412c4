"""Targeting: which campaign a shopper sees where, the deterministic holdout, exposure and click
events, and the lift report."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from configurator.lru import LRU
from personalization.capture import event_dict
from personalization.consent import consents_from_request
from personalization.models import Campaign, CampaignGroup, Event, EventType
from personalization.services.events import events_record
from personalization.stats import Lift, lift

# Exposure keys are derived from (campaign, shopper, day), so the database keeps one
# campaign_shown per shopper, campaign and day however often the page is shown. The keys are
# name-based UUIDs in this namespace.
SHOWN_NAMESPACE = uuid.UUID("4d1f6a3e-0f57-4c38-9d6e-5a3b2c1d0e9f")
# Exposures this process already wrote today: a page view then costs no INSERT at all.
_shown: LRU[bool] = LRU(100_000, ttl=3600)
CHUNK = 1000


def campaign_bucket(campaign_id: int, shopper_id: uuid.UUID | str) -> int:
    """A shopper's stable bucket 0..99 for a campaign (independent between campaigns)."""
    digest = hashlib.sha256(f"{campaign_id}:{shopper_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def campaign_group(campaign: Campaign, shopper_id: uuid.UUID | str) -> str:
    """"holdout" for buckets below the campaign's holdout percentage, else "treatment"."""
    in_holdout = campaign_bucket(campaign.pk, shopper_id) < campaign.holdout_percent
    return CampaignGroup.HOLDOUT if in_holdout else CampaignGroup.TREATMENT


def _candidates(shopper_id: uuid.UUID, purposes: Iterable[str], placement: str, product_id: int | None,
                now: datetime):
    campaigns = Campaign.objects.filter(
        active=True, placement=placement, segment__active=True, segment__purpose__in=list(purposes),
        segment__memberships__shopper_id=shopper_id,
    ).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now),
    )
    if product_id is not None:
        campaigns = campaigns.filter(Q(product__isnull=True) | Q(product_id=product_id))
    return campaigns.select_related("starting_build").order_by("-priority", "pk")


def _product_id(product: Any) -> int | None:
    if product is None or isinstance(product, int):
        return product
    return getattr(product, "pk", None) or getattr(product, "id", None)


def campaign_for(request: HttpRequest, placement: str, product: Any = None) -> Campaign | None:
    """The highest-priority live campaign for this placement whose segment holds the shopper, if
    they consented to the segment's purpose. Both groups' exposure is recorded (campaign_shown,
    once a day) when the shopper consented to analytics or personalization (events are stored
    for nobody else); the holdout group gets None and sees nothing."""
    shopper_id = getattr(request, "shopper_id", None)
    if shopper_id is None:
        return None
    consents = consents_from_request(request)
    purposes = consents.granted()
    if not purposes:
        return None
    product_id = _product_id(product)
    now = timezone.now()
    campaign = _candidates(shopper_id, purposes, placement, product_id, now).first()
    if campaign is None:
        return None
    group = campaign_group(campaign, shopper_id)
    if consents.records_events:
        _record_shown(campaign, shopper_id, group, product_id, now)
    return campaign if group == CampaignGroup.TREATMENT else None


def _record_shown(campaign: Campaign, shopper_id: uuid.UUID, group: str, product_id: int | None,
                  now: datetime) -> None:
    day = timezone.localdate(now).isoformat()
    key = uuid.uuid5(SHOWN_NAMESPACE, f"{campaign.pk}:{shopper_id}:{day}")
    if not _shown.add(key, True):
        return
    item = event_dict(EventType.CAMPAIGN_SHOWN, now, product=product_id or campaign.product_id, key=str(key),
                      properties={"group": str(group), "placement": campaign.placement})
    item["campaign"] = campaign.pk
    try:
        # The key is unique: a second exposure the same day is skipped by the database.
        events_record(shopper_id=shopper_id, items=[item], fresh_keys=True, refresh=False)
    except Exception:
        _shown.discard(key)
        raise


def campaign_click_record(request: HttpRequest, campaign: Campaign) -> bool:
    """Record campaign_clicked for a shopper who consented to the segment's purpose and to
    events being stored (analytics or personalization)."""
    shopper_id = getattr(request, "shopper_id", None)
    consents = consents_from_request(request)
    if shopper_id is None or not consents.records_events or not consents.allows(campaign.segment.purpose):
        return False
    item = event_dict(EventType.CAMPAIGN_CLICKED, timezone.now(), product=campaign.product_id,
                      properties={"group": str(campaign_group(campaign, shopper_id)), "placement": campaign.placement})
    item["campaign"] = campaign.pk
    events_record(shopper_id=shopper_id, items=[item], fresh_keys=True, refresh=False)
    return True


def safe_path(link: str) -> bool:
    """A path on this site: no scheme, no host, not protocol-relative, no backslash tricks."""
    link = (link or "").strip()
    if not link.startswith("/") or link.startswith("//") or "\\" in link or any(ord(c) < 32 for c in link):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and url_has_allowed_host_and_scheme(link, allowed_hosts=None)


def campaign_target(campaign: Campaign) -> str:
    """Where a click goes: the campaign's link if it is a path on this site, else its starting
    build's share page, its product's studio, or the home page."""
    if safe_path(campaign.link):
        return campaign.link.strip()
    build = campaign.starting_build
    if build is not None and getattr(build, "shared_at", None) and build.share_code:
        return reverse("shared", args=[build.share_code])
    if campaign.product_id:
        return reverse("configurator:studio", args=[campaign.product.slug])
    return reverse("configurator:home")


def campaign_content(campaign: Campaign, language: str) -> dict[str, str]:
    """The campaign's text in the language (Dutch falls back to English where it is empty)."""
    def pick(field: str) -> str:
        nl = getattr(campaign, f"{field}_nl")
        return nl if language.startswith("nl") and nl else getattr(campaign, f"{field}_en")

    return {"headline": pick("headline"), "body": pick("body"), "cta": pick("cta")}


# Lift ------------------------------------------------------------------------------------------

def _first_exposures(campaign: Campaign) -> dict[uuid.UUID, tuple[datetime, str]]:
    """Each exposed shopper's first exposure and its group."""
    rows = (
        Event.objects.filter(campaign=campaign, type=EventType.CAMPAIGN_SHOWN)
        .values("shopper_id", "properties__group").annotate(first=Min("occurred_at")).order_by()
    )
    first: dict[uuid.UUID, tuple[datetime, str]] = {}
    for row in rows:
        group = row["properties__group"]
        if group not in CampaignGroup.values:
            continue
        known = first.get(row["shopper_id"])
        if known is None or row["first"] < known[0]:
            first[row["shopper_id"]] = (row["first"], group)
    return first


def _converted(first: dict[uuid.UUID, tuple[datetime, str]]) -> set[uuid.UUID]:
    """The exposed shoppers who ordered after their first exposure (an order_placed event, or a
    configurator order under their shopper id, which also counts orders placed without consent
    to events)."""
    from configurator.models import Order

    ids = list(first)
    converted: set[uuid.UUID] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        orders = list(
            Event.objects.filter(shopper_id__in=chunk, type=EventType.ORDER_PLACED).values_list("shopper_id", "occurred_at")
        ) + list(Order.objects.filter(owner_key__in=chunk).values_list("owner_key", "created_at"))
        for shopper_id, at in orders:
            if at >= first[shopper_id][0]:
                converted.add(shopper_id)
    return converted


def campaign_lift(*, campaign: Campaign) -> Lift:
    """Conversion of the treatment group against the holdout, from the exposure events."""
    first = _first_exposures(campaign)
    converted = _converted(first)
    counts = {group: [0, 0] for group in CampaignGroup.values}
    for shopper_id, (_at, group) in first.items():
        counts[group][0] += 1
        counts[group][1] += shopper_id in converted
    treatment, holdout = counts[CampaignGroup.TREATMENT], counts[CampaignGroup.HOLDOUT]
    return lift(treatment_exposed=treatment[0], treatment_converted=treatment[1],
                holdout_exposed=holdout[0], holdout_converted=holdout[1])
