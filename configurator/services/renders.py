"""Keeping the render cache (previews, social cards under `rendered/`) within its quota.

A periodic task (beat: configurator.renders_evict, every ATELIER_RENDER_EVICT_SECONDS) deletes
the least recently used renders once their total passes ATELIER_RENDER_QUOTA_BYTES, and sooner
after a write failed for want of space. "Used" is the cache row's time: set when it is drawn and
moved forward when it is served (at most once an hour, see configurator.previews). Rows are read
on every serve anyway, whereas file access times are not kept on most mounts (noatime, relatime)
nor by object storage, and touching a file's modification time would write to storage outside its
API on every request.

An evicted render is drawn again on its next request; nothing a build freezes depends on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from atelier.storage import free_bytes
from configurator.models import RenderedImage
from configurator.render.quota import CachedFile, eviction_plan

logger = logging.getLogger(__name__)

RENDER_ROOT = "rendered"
# A file no row points at is left alone this long: its row may be about to be written.
GRACE = timedelta(minutes=10)
_EVICT_SOON_KEY = "atelier:renders:evict-soon"


@dataclass(frozen=True)
class EvictionReport:
    files: int
    bytes: int
    evicted: int
    evicted_bytes: int


def _names(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _names(storage, f"{folder}/{sub}")


def render_files(*, storage: Storage | None = None) -> list[CachedFile]:
    """Every file under `rendered/`, with its size and when it was last used."""
    storage = storage or default_storage
    rows: dict[str, tuple[int, datetime]] = {
        name: (pk, used_at)
        for pk, name, used_at in RenderedImage.objects.values_list("pk", "file", "created_at").iterator(chunk_size=2000)
    }
    files = []
    for name in _names(storage, RENDER_ROOT):
        try:
            size = storage.size(name)
            row_id, used_at = rows.get(name) or (None, storage.get_modified_time(name))
        except FileNotFoundError:  # evicted or replaced meanwhile
            continue
        files.append(CachedFile(name, size, used_at, row_id))
    return files


def renders_evict(*, quota_bytes: int | None = None, storage: Storage | None = None) -> EvictionReport:
    """Delete renders no row points at, then the least recently used until the rest fits the
    quota (and leaves ATELIER_STORAGE_MIN_FREE_BYTES free). A row served or drawn again while
    this runs is kept. Idempotent; concurrent runs are harmless."""
    storage = storage or default_storage
    quota = settings.ATELIER_RENDER_QUOTA_BYTES if quota_bytes is None else quota_bytes
    started = timezone.now()
    files = render_files(storage=storage)
    plan = eviction_plan(files, quota_bytes=quota, now=started, grace=GRACE, free_bytes=free_bytes(storage),
                         min_free_bytes=settings.ATELIER_STORAGE_MIN_FREE_BYTES)
    evicted = [cached for cached in plan if cached.row_id is None]
    for cached in evicted:
        storage.delete(cached.name)
    rowed = [cached for cached in plan if cached.row_id is not None]
    for start in range(0, len(rowed), 500):
        chunk = rowed[start:start + 500]
        by_row = {cached.row_id: cached for cached in chunk}
        RenderedImage.objects.filter(pk__in=by_row, created_at__lt=started).delete()
        kept = set(RenderedImage.objects.filter(pk__in=by_row).values_list("pk", flat=True))
        for row_id, cached in by_row.items():
            if row_id not in kept:
                storage.delete(cached.name)
                evicted.append(cached)
    report = EvictionReport(len(files), sum(f.size for f in files), len(evicted), sum(f.size for f in evicted))
    if evicted:
        logger.info("render cache: evicted %d of %d files (%d of %d bytes; quota %d)", report.evicted,
                    report.files, report.evicted_bytes, report.bytes, quota)
    return report


def renders_evict_soon() -> None:
    """A render could not be stored: run the eviction now rather than at its next beat (at most
    once a minute, across processes)."""
    from configurator.tasks import enqueue_on_commit
    from configurator.tasks import renders_evict as task

    if cache.add(_EVICT_SOON_KEY, 1, 60):
        enqueue_on_commit(task)
