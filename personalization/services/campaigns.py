"""Targeting: which campaign and variant a shopper sees where (assigned once and kept), exposure
and click events, and the lift report."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from configurator.lru import LRU
from personalization.capture import event_dict
from personalization.consent import consents_from_request
from personalization.models import CONTROL, Assignment, Campaign, CampaignGroup, Event, EventType, Variant
from personalization.services.events import events_record
from personalization.stats import Lift, lift

# Exposure keys are derived from (campaign, shopper), so the database keeps one campaign_shown
# per shopper and campaign however often the page is shown. The keys are
# name-based UUIDs in this namespace.
SHOWN_NAMESPACE = uuid.UUID("4d1f6a3e-0f57-4c38-9d6e-5a3b2c1d0e9f")
# Exposures this process already wrote today: a page view then costs no INSERT at all.
_shown: LRU[bool] = LRU(100_000, ttl=3600)
CHUNK = 1000


def campaign_bucket(campaign_id: int, shopper_id: uuid.UUID | str) -> int:
    """A shopper's stable bucket 0..99 for a campaign (independent between campaigns)."""
    digest = hashlib.sha256(f"{campaign_id}:{shopper_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def _unit(campaign_id: int, shopper_id: uuid.UUID | str) -> float:
    """A second stable number in [0, 1) per shopper and campaign, for the variant draw
    (independent of the holdout bucket)."""
    digest = hashlib.sha256(f"variant:{campaign_id}:{shopper_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def campaign_group(campaign: Campaign, shopper_id: uuid.UUID | str) -> str:
    """"holdout" for buckets below the campaign's holdout percentage, else "treatment"."""
    in_holdout = campaign_bucket(campaign.pk, shopper_id) < campaign.holdout_percent
    return CampaignGroup.HOLDOUT if in_holdout else CampaignGroup.TREATMENT


def campaign_split(campaign: Campaign, variants: Sequence[Variant]) -> list[tuple[Variant | None, float]]:
    """The share of new shoppers per arm: the control (None) gets the holdout percentage, the
    variants share the rest by weight. Variants of weight 0 take no new shoppers."""
    weighted = [v for v in variants if v.weight > 0]
    total = sum(v.weight for v in weighted)
    control = campaign.holdout_percent / 100 if total else 1.0
    return [(None, control)] + [(v, (1 - control) * v.weight / total) for v in weighted]


def campaign_draw(campaign: Campaign, variants: Sequence[Variant], shopper_id: uuid.UUID | str) -> Variant | None:
    """The arm a new shopper gets under today's split: None (control) or a variant. Stable per
    shopper and split, so the draw repeats if the assignment is ever lost."""
    if campaign_group(campaign, shopper_id) == CampaignGroup.HOLDOUT:
        return None
    weighted = [v for v in variants if v.weight > 0]
    point = _unit(campaign.pk, shopper_id) * sum(v.weight for v in weighted)
    for variant in weighted:
        point -= variant.weight
        if point < 0:
            return variant
    return weighted[-1] if weighted else None


@dataclass(frozen=True)
class Placed:
    """What a placement shows a shopper: the campaign and the variant's content."""

    campaign: Campaign
    variant: Variant


def _live(now: datetime) -> Q:
    return (Q(campaign__active=True) & (Q(campaign__starts_at__isnull=True) | Q(campaign__starts_at__lte=now))
            & (Q(campaign__ends_at__isnull=True) | Q(campaign__ends_at__gt=now)))


def campaign_split_signature(campaign_id: int) -> tuple:
    """What decides a new shopper's arm, as stored: the control share and each variant's weight."""
    holdout = Campaign.objects.filter(pk=campaign_id).values_list("holdout_percent", flat=True).first()
    weights = tuple(Variant.objects.filter(campaign_id=campaign_id, weight__gt=0).order_by("pk")
                    .values_list("pk", "weight"))
    return holdout, weights


def campaign_allocation_refresh(*, campaign: Campaign, before: tuple) -> bool:
    """Start a new allocation when the split changed since `before` (campaign_split_signature):
    shoppers assigned from now on are checked against the new split."""
    if campaign_split_signature(campaign.pk) == before:
        return False
    Campaign.objects.filter(pk=campaign.pk).update(allocation=F("allocation") + 1)
    campaign.refresh_from_db(fields=["allocation"])
    return True


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


def _held(shopper_id: uuid.UUID, placement: str, product_id: int | None, now: datetime) -> Assignment | None:
    """The shopper's assignment in a live campaign that competes for this placement (and
    product), if any: a shopper is in at most one experiment per placement."""
    held = Assignment.objects.filter(_live(now), shopper_id=shopper_id, campaign__placement=placement)
    if product_id is not None:
        held = held.filter(Q(campaign__product__isnull=True) | Q(campaign__product_id=product_id))
    return held.select_related("variant").order_by("-campaign__priority", "campaign_id").first()


def _product_id(product: Any) -> int | None:
    if product is None or isinstance(product, int):
        return product
    return getattr(product, "pk", None) or getattr(product, "id", None)


def _assign(campaign: Campaign, shopper_id: uuid.UUID, now: datetime) -> Assignment | None:
    """A new shopper's arm in `campaign`, stored; None when no variant takes new shoppers or the
    shopper has no row (a consent cookie without a stored consent)."""
    variants = list(campaign.variants.all())
    if not any(v.weight > 0 for v in variants):
        return None
    variant = campaign_draw(campaign, variants, shopper_id)
    try:
        with transaction.atomic():
            assignment, _created = Assignment.objects.get_or_create(
                campaign=campaign, shopper_id=shopper_id,
                defaults={"variant": variant, "allocation": campaign.allocation, "assigned_at": now})
    except IntegrityError:  # no shopper row
        return None
    return assignment


def campaign_for(request: HttpRequest, placement: str, product: Any = None) -> Placed | None:
    """What this placement shows the requesting shopper (see campaign_place), by their cookies."""
    shopper_id = getattr(request, "shopper_id", None)
    if shopper_id is None:
        return None
    consents = consents_from_request(request)
    return campaign_place(shopper_id=shopper_id, purposes=consents.granted(), records_events=consents.records_events,
                          placement=placement, product_id=_product_id(product))


def campaign_place(*, shopper_id: uuid.UUID, purposes: Iterable[str], records_events: bool, placement: str,
                   product_id: int | None = None, now: datetime | None = None) -> Placed | None:
    """What a placement shows a shopper who granted `purposes`, if they are in a live campaign's
    segment and consented to its purpose.

    A shopper is in at most one experiment per placement: one they were assigned to before
    applies while it is live (and shows nothing if they no longer qualify for it); otherwise
    the highest-priority campaign that applies assigns them an arm, which they keep. Exposure
    is recorded once per shopper and campaign, with the arm, when `records_events` (consent to
    analytics or personalization: events are stored for nobody else). The control sees nothing."""
    purposes = list(purposes)
    if not purposes:
        return None
    now = now or timezone.now()
    candidates = list(_candidates(shopper_id, purposes, placement, product_id, now)[:20])
    if not candidates:
        return None
    assignment = _held(shopper_id, placement, product_id, now)
    if assignment is not None:
        campaign = next((c for c in candidates if c.pk == assignment.campaign_id), None)
        if campaign is None:
            return None
    else:
        for campaign in candidates:
            assignment = _assign(campaign, shopper_id, now)
            if assignment is not None:
                break
        else:
            return None
    if records_events:
        _record_shown(campaign, shopper_id, assignment, product_id, now)
    return Placed(campaign, assignment.variant) if assignment.variant is not None else None


def arm_properties(campaign: Campaign, variant: Variant | None) -> dict[str, str]:
    """An event's arm: the group (holdout or treatment) and the variant's code ("control")."""
    return {"group": str(CampaignGroup.HOLDOUT if variant is None else CampaignGroup.TREATMENT),
            "variant": CONTROL if variant is None else variant.code, "placement": campaign.placement}


def _record_shown(campaign: Campaign, shopper_id: uuid.UUID, assignment: Assignment, product_id: int | None,
                  now: datetime) -> None:
    key = uuid.uuid5(SHOWN_NAMESPACE, f"{campaign.pk}:{shopper_id}")
    if not _shown.add(key, True):
        return
    item = event_dict(EventType.CAMPAIGN_SHOWN, now, product=product_id or campaign.product_id, key=str(key),
                      properties=arm_properties(campaign, assignment.variant))
    item["campaign"] = campaign.pk
    try:
        # The key is unique: a second exposure is skipped by the database.
        events_record(shopper_id=shopper_id, items=[item], fresh_keys=True, refresh=False)
    except Exception:
        _shown.discard(key)
        raise


def campaign_clicked_variant(campaign: Campaign, shopper_id: uuid.UUID | None) -> Variant | None:
    """The variant whose link a shopper followed: the one they were assigned, or (a link opened
    elsewhere, by someone never assigned) the campaign's first variant."""
    assignment = Assignment.objects.filter(campaign=campaign, shopper_id=shopper_id).select_related("variant") \
        .first() if shopper_id is not None else None
    if assignment is not None and assignment.variant is not None:
        return assignment.variant
    return campaign.variants.order_by("code").first()


def campaign_click_record(request: HttpRequest, campaign: Campaign, variant: Variant | None) -> bool:
    """Record campaign_clicked, with the variant, for a shopper who consented to the segment's
    purpose and to events being stored (analytics or personalization)."""
    shopper_id = getattr(request, "shopper_id", None)
    consents = consents_from_request(request)
    if shopper_id is None or not consents.records_events or not consents.allows(campaign.segment.purpose):
        return False
    campaign_click_store(shopper_id=shopper_id, campaign=campaign, variant=variant)
    return True


def campaign_click_store(*, shopper_id: uuid.UUID, campaign: Campaign, variant: Variant | None,
                         channel: str = "", at: datetime | None = None) -> None:
    """The campaign_clicked event (the caller checked consent)."""
    properties = arm_properties(campaign, variant)
    if channel:
        properties["channel"] = channel
    item = event_dict(EventType.CAMPAIGN_CLICKED, at or timezone.now(), product=campaign.product_id,
                      properties=properties)
    item["campaign"] = campaign.pk
    events_record(shopper_id=shopper_id, items=[item], fresh_keys=True, refresh=False)


def safe_path(link: str) -> bool:
    """A path on this site: no scheme, no host, not protocol-relative, no backslash tricks."""
    link = (link or "").strip()
    if not link.startswith("/") or link.startswith("//") or "\\" in link or any(ord(c) < 32 for c in link):
        return False
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and url_has_allowed_host_and_scheme(link, allowed_hosts=None)


def campaign_target(campaign: Campaign, variant: Variant | None = None) -> str:
    """Where a click goes: the variant's link if it is a path on this site, else the campaign's
    starting build's share page, its product's studio, or the home page."""
    if variant is not None and safe_path(variant.link):
        return variant.link.strip()
    build = campaign.starting_build
    if build is not None and getattr(build, "shared_at", None) and build.share_code:
        return reverse("shared", args=[build.share_code])
    if campaign.product_id:
        return reverse("configurator:studio", args=[campaign.product.slug])
    return reverse("configurator:home")


def campaign_content(variant: Variant, language: str) -> dict[str, str]:
    """A variant's text in the language (Dutch falls back to English where it is empty)."""
    def pick(field: str) -> str:
        nl = getattr(variant, f"{field}_nl")
        return nl if language.startswith("nl") and nl else getattr(variant, f"{field}_en")

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
