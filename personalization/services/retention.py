"""The retention purge: events older than ATELIER_EVENT_RETENTION_DAYS are deleted.

On PostgreSQL, whose event table has a partition per month, every month that ends before the
cutoff is first detached whole (services/partitions.py): its events leave the log at once, with
no row deleted one by one. Then the purge works a page of shoppers at a time, in id order: the
shoppers of the detached months and those with older events still in the table (the month that
straddles the cutoff, the default partition; on SQLite, the whole table). It deletes the page's
old events that are still in the table in batches of ids and recomputes the page's profiles from
what is left, in one transaction, so memory stays bounded whatever the backlog. Once every page
is done the detached months are dropped, freeing their keys. A purge that stops half-way leaves
its detached months behind; the next run finds them, recomputes their shoppers again and drops them.

The report rollups hold anonymous counts only: they are left alone, and the rollup refresh never
recomputes the days the purge may have thinned.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from personalization.models import Event
from personalization.services.partitions import (
    event_partition_drop,
    event_partitions_detach_expired,
    event_partitions_expired,
    expired_shoppers,
    partitioned,
    purge_alone,
)
from personalization.services.profiles import active_motivations, current_map, profiles_recompute, weight_map_load

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000  # events per DELETE
PAGE_SIZE = 200  # shoppers per page (and per transaction)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    deleted: int  # events
    shoppers: int  # shoppers who lost events (their profiles are recomputed)
    batches: int  # DELETE statements that removed something
    partitions: int = 0  # months dropped whole (PostgreSQL)

    def as_dict(self) -> dict:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}


def retention_cutoff(*, days: int | None = None, now: datetime | None = None) -> datetime:
    days = settings.ATELIER_EVENT_RETENTION_DAYS if days is None else days
    if days < 1:  # a slip of the setting must not wipe the whole log
        raise ValueError("the retention period must be at least one day")
    return (now or timezone.now()) - timedelta(days=days)


def _shopper_page(cutoff: datetime, after: uuid.UUID | None, size: int, detached: list[str]) -> list[uuid.UUID]:
    """The next `size` shoppers, in id order, with events older than `cutoff` in the table or in
    a detached month."""
    old = Event.objects.filter(occurred_at__lt=cutoff)
    if after is not None:
        old = old.filter(shopper_id__gt=after)
    page = set(old.order_by("shopper_id").values_list("shopper_id", flat=True).distinct()[:size])
    for table in detached:
        page.update(expired_shoppers(table, after=after, size=size))
    return sorted(page)[:size]


def _delete_old(shopper_ids: list[uuid.UUID], cutoff: datetime, batch_size: int) -> tuple[int, int]:
    """Delete these shoppers' events older than `cutoff`, `batch_size` at a time: (events, batches)."""
    deleted = batches = 0
    old = Event.objects.filter(shopper_id__in=shopper_ids, occurred_at__lt=cutoff)
    while ids := list(old.order_by("id").values_list("id", flat=True)[:batch_size]):
        # The time condition again: PostgreSQL then looks for the ids in the old months only.
        count, _ = Event.objects.filter(id__in=ids, occurred_at__lt=cutoff).delete()
        deleted += count
        batches += 1
    return deleted, batches


def events_purge(*, days: int | None = None, now: datetime | None = None, batch_size: int = BATCH_SIZE,
                 page_size: int = PAGE_SIZE) -> PurgeResult:
    """Delete every event older than the retention period (`days`, default the setting) and
    recompute the profiles of the shoppers who had some. Idempotent: a second run finds nothing."""
    if batch_size < 1 or page_size < 1:
        raise ValueError("batch_size and page_size must be positive")
    cutoff = retention_cutoff(days=days, now=now)
    with purge_alone() as alone:
        if not alone:
            logger.warning("retention purge: another purge is running; this one does nothing")
            return PurgeResult(cutoff=cutoff, deleted=0, shoppers=0, batches=0)
        return _purge(cutoff, batch_size, page_size)


def _purge(cutoff: datetime, batch_size: int, page_size: int) -> PurgeResult:
    if partitioned():
        event_partitions_detach_expired(cutoff=cutoff)
    detached = event_partitions_expired()  # this run's and any a stopped run left
    motivation_map = current_map()  # loaded once per purge
    weights, motivations = weight_map_load(motivation_map), active_motivations()
    deleted = batches = shoppers = 0
    after = None
    while page := _shopper_page(cutoff, after, page_size, detached):
        # A page's deletions and its profiles commit together: a profile never keeps evidence
        # that points at events deleted here, even if the purge stops half-way (the detached
        # months' events are out of the log already; they are dropped once every page is done).
        with transaction.atomic():
            count, runs = _delete_old(page, cutoff, batch_size)
            profiles_recompute(page, motivation_map=motivation_map, weights=weights, motivations=motivations)
        deleted, batches, shoppers = deleted + count, batches + runs, shoppers + len(page)
        after = page[-1]
    for table in detached:  # every profile that counted their events is recomputed: now they go
        deleted += event_partition_drop(table=table)
    if deleted:
        logger.info("retention purge: %s events of %s shoppers older than %s (%s months dropped whole)",
                    deleted, shoppers, cutoff.date(), len(detached))
    return PurgeResult(cutoff=cutoff, deleted=deleted, shoppers=shoppers, batches=batches, partitions=len(detached))
