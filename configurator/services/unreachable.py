"""Recomputing the unreachable options stored with published catalog versions.

Publishing stores beside the snapshot the options that are in no valid complete build; the
engine then never offers them (and no build holding one is valid). Versions published before
reachability was exact (engine.check) may be wrong both ways: the old search counted "out of
budget" as "no build", and asked for a valid build, not a valid complete one. This recomputes
those lists with the current, exact method. Only the list changes: the catalog, its checksum, and the builds made with it,
their prices and previews, stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from configurator.engine import SnapshotError, compile_catalog
from configurator.engine.check import reachability
from configurator.models import CatalogVersion
from configurator.snapshot import version_cache


@dataclass(frozen=True)
class UnreachableRecomputed:
    """What recomputing one version's list found (option keys, "step.option")."""

    version: CatalogVersion
    added: tuple[str, ...] = ()  # in no valid complete build, yet offered until now
    removed: tuple[str, ...] = ()  # listed until now, yet in a valid complete build: offered again
    undecided: tuple[str, ...] = ()  # the time limit ran out first: left on offer
    error: str = ""  # the snapshot could not be read: nothing was changed

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def version_unreachable_recompute(*, version: CatalogVersion, dry_run: bool = False) -> UnreachableRecomputed:
    """Recompute `version`'s stored unreachable options exactly and store them if they differ
    (not with `dry_run`). Idempotent: a second run finds nothing to change. The process that
    stores a change drops its compiled copy of the version at once; other processes keep theirs
    until they restart (compiled versions are kept per process: snapshot.version_cache)."""
    with transaction.atomic():
        version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
        snapshot = version.snapshot
        stored = snapshot.get("unreachable", [])
        try:  # the catalog alone: the stored list would take its options out of the question
            cat = compile_catalog({key: value for key, value in snapshot.items() if key != "unreachable"})
        except SnapshotError as exc:
            return UnreachableRecomputed(version, error=str(exc))
        found = reachability(cat)
        now = [cat.options[i].key for i in found.unreachable]
        result = UnreachableRecomputed(
            version,
            added=tuple(key for key in now if key not in stored),
            removed=tuple(key for key in stored if key not in now),
            undecided=tuple(cat.options[i].key for i in found.undecided),
        )
        if result.changed and not dry_run:
            version.snapshot = {**snapshot, "unreachable": now}
            version.save(update_fields=["snapshot"])
            transaction.on_commit(lambda: version_cache.discard(version.pk))
    return result
