"""Which rendered files to delete to keep the render cache within its quota (plain data, no ORM).

Renders are a cache: a deleted one is drawn again on its next request, and nothing a build
freezes (selections, price) depends on them. Every distinct personal text makes a new valid
fingerprint, so without a bound anyone could fill the disk through previews; the quota is that
bound, and the rate limit on drawing is what keeps a burst between two runs small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Evict down to this share of the quota, so that a cache at its quota is not trimmed by one file
# on every run.
LOW_WATER = 0.9


@dataclass(frozen=True)
class CachedFile:
    name: str
    size: int
    # When it was last served or drawn: its row's time (touched on serve), or for a file no row
    # points at, its modification time.
    used_at: datetime
    row_id: int | None = None  # None: no cache row points at it (a lost race, a killed writer)


def eviction_plan(files: list[CachedFile], *, quota_bytes: int, now: datetime, grace: timedelta,
                  free_bytes: int | None = None, min_free_bytes: int = 0) -> list[CachedFile]:
    """The files to delete, in order. First every file that no row points at and that is older
    than `grace` (a file is written just before its row, so a younger one may be a render in
    flight). Then, while the rest is over the quota, or the file system has less than
    `min_free_bytes` free, the least recently used, down to LOW_WATER of the quota (or until that
    room is made)."""
    unreferenced = sorted((f for f in files if f.row_id is None and now - f.used_at > grace),
                          key=lambda f: f.used_at)
    total = sum(f.size for f in files) - sum(f.size for f in unreferenced)
    freed = sum(f.size for f in unreferenced)
    target = total if total <= quota_bytes else int(quota_bytes * LOW_WATER)
    if free_bytes is not None and free_bytes + freed < min_free_bytes:
        target = min(target, total - (min_free_bytes - free_bytes - freed))
    plan = list(unreferenced)
    for cached in sorted((f for f in files if f.row_id is not None), key=lambda f: (f.used_at, f.name)):
        if total <= target:
            break
        plan.append(cached)
        total -= cached.size
    return plan
