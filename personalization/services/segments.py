"""Segments: a live size preview, materialized membership, and the marketing audience export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from personalization.models import Motivation, Purpose, Segment, SegmentMembership, Shopper
from personalization.segments import Group, RulesInvalid, members_q, purpose_check, rules_q, rules_validate

CHUNK = 1000
EXPORT_COLUMNS = ("shopper", "email", "country", "language", "dominant_motivation")


class SegmentNotExportable(Exception):
    pass


def rules_validate_known(rules: Any) -> Group:
    """The rules checked against the motivations and products that exist."""
    from configurator.models import Product

    return rules_validate(
        rules,
        motivations=set(Motivation.objects.values_list("code", flat=True)),
        products=set(Product.objects.values_list("pk", flat=True)),
    )


def _counts(group: Group, purpose: str, now: datetime) -> tuple[int, int]:
    size = Shopper.objects.filter(members_q(group, purpose=purpose, now=now)).count()
    matched = Shopper.objects.filter(rules_q(group, now=now)).count()
    return size, max(0, matched - size)


def segment_preview(*, rules: Any, purpose: str, now: datetime | None = None) -> dict[str, int]:
    """How many shoppers the rules would hold now, and how many more match but lack consent.
    Raises RulesInvalid."""
    group = rules_validate_known(rules)
    size, excluded = _counts(group, purpose_check(purpose), now or timezone.now())
    return {"size": size, "excluded_no_consent": excluded}


def segment_materialize(*, segment: Segment, now: datetime | None = None) -> Segment:
    """Recompute the segment's members from its rules: add the new ones, remove the ones that left,
    and store the size, the consent exclusions and the time. Running it twice changes nothing."""
    now = now or timezone.now()
    group = rules_validate(segment.rules)  # a rule over a since-deleted product still reads
    purpose = purpose_check(segment.purpose)
    with transaction.atomic():
        # One materialization of a segment at a time: a concurrent one waits, then recomputes.
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
        wanted = set(Shopper.objects.filter(members_q(group, purpose=purpose, now=now)).values_list("pk", flat=True))
        current = set(SegmentMembership.objects.filter(segment=segment).values_list("shopper_id", flat=True))
        gone = list(current - wanted)
        for start in range(0, len(gone), CHUNK):
            SegmentMembership.objects.filter(segment=segment, shopper_id__in=gone[start:start + CHUNK]).delete()
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment=segment, shopper_id=pk) for pk in wanted - current],
            batch_size=CHUNK, ignore_conflicts=True,
        )
        matched = Shopper.objects.filter(rules_q(group, now=now)).count()
        segment.size = len(wanted)
        segment.excluded_no_consent = max(0, matched - len(wanted))
        segment.materialized_at = now
        segment.save(update_fields=["size", "excluded_no_consent", "materialized_at"])
    return segment


def segment_export_rows(*, segment: Segment) -> Iterator[list[str]]:
    """The audience of a marketing segment as CSV rows (a header first): only members who still
    have marketing consent. The dominant motivation is given only for those who also consented to
    personalization (a profile is personalization data)."""
    if segment.purpose != Purpose.MARKETING:
        raise SegmentNotExportable(_("Only a marketing segment's audience can be exported."))
    shoppers = (
        Shopper.objects.filter(memberships__segment=segment, marketing=True)
        .values_list("pk", "email", "country", "language", "personalization", "profile__dominant__code")
        .order_by("pk")
    )
    yield list(EXPORT_COLUMNS)
    for pk, email, country, language, personalization, dominant in shoppers.iterator(chunk_size=CHUNK):
        yield [_cell(str(pk)), _cell(email), _cell(str(country or "")), _cell(language),
               _cell((dominant or "") if personalization else "")]


def _cell(value: str) -> str:
    """A spreadsheet must not read a cell as a formula (CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


__all__ = ["EXPORT_COLUMNS", "RulesInvalid", "SegmentNotExportable", "rules_validate_known", "segment_export_rows",
           "segment_materialize", "segment_preview"]
