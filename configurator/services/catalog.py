"""Checking and publishing a product's catalog, and what publishing would change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from configurator.carry_over import CarryOver, carry_over
from configurator.catalog_diff import CatalogDiff, diff_snapshots
from configurator.engine import SnapshotError, compile_catalog
from configurator.engine.check import Finding, check_catalog
from configurator.findings import picture_findings
from configurator.models import Build, CatalogVersion, Product
from configurator.snapshot import product_snapshot, snapshot_checksum

# The most builds the publish confirmation evaluates against the new catalog (the most recent
# first); all of them are counted. `make bench` (bench/carry_over.py) times this many on the
# generated large product (20 steps x 20 options, 300 rules): about 2 s on a small shared machine.
STALE_CHECK_LIMIT = 10_000


class CatalogNotPublishable(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("catalog has errors")
        self.findings = findings


class CatalogChanged(Exception):
    """The catalog is no longer the one whose checksum the caller confirmed."""


def product_check(*, product: Product) -> tuple[dict, list[Finding]]:
    """The product's snapshot as it would be published, and what the checks found in it."""
    return snapshot_check(product_snapshot(product))


def snapshot_check(snapshot: dict[str, Any]) -> tuple[dict, list[Finding]]:
    """`snapshot` with what the check stores beside it (the unreachable options), and the
    findings: the engine's, then the pictures'."""
    try:
        cat = compile_catalog(snapshot)
    except SnapshotError as exc:
        return snapshot, [Finding("error", "snapshot_invalid", detail=(str(exc),))]
    findings, dead = check_catalog(cat)
    findings += picture_findings(cat)
    snapshot["unreachable"] = [cat.options[i].key for i in dead]
    return snapshot, findings


@transaction.atomic
def product_publish(*, product: Product, note: str = "", expected_checksum: str | None = None) -> CatalogVersion:
    """Freeze the product's catalog as a new version (or return the current one if nothing
    changed). Errors (such as defaults that break a rule) block publishing; warnings do not.
    With `expected_checksum` (the checksum of the snapshot a person confirmed), a catalog that
    has changed since raises CatalogChanged, under the product's lock, and nothing is published."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    snapshot, findings = product_check(product=product)
    errors = [f for f in findings if f.level == "error"]
    if errors:
        raise CatalogNotPublishable(errors)
    checksum = snapshot_checksum(snapshot)
    if expected_checksum is not None and checksum != expected_checksum:
        raise CatalogChanged()
    current = product.current_version
    if current is not None and current.checksum == checksum:
        return current
    number = (product.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CatalogVersion.objects.create(
        product=product, number=number, snapshot=snapshot, checksum=checksum, note=note[:200]
    )
    product.current_version = version
    product.save(update_fields=["current_version"])
    return version


@dataclass(frozen=True)
class StaleBuilds:
    """The saved builds a new version makes stale: those on the published version (a build is
    stale once its product's published version is not its own). Builds on older versions are
    stale already (`older`). `fates` is how the most recent STALE_CHECK_LIMIT of the newly stale
    ones would fare, as they are, on the new catalog (configurator.carry_over)."""

    stale: int
    older: int
    fates: CarryOver


@dataclass(frozen=True)
class PublishPlan:
    """What publishing `product` now would do, for a person to confirm (the admin's confirmation
    page): the snapshot it would freeze and its checksum, the check's findings, the diff against
    the published version, and the builds that would become stale."""

    product: Product
    current: CatalogVersion | None
    snapshot: dict[str, Any]
    checksum: str
    findings: list[Finding]
    diff: CatalogDiff
    builds: StaleBuilds

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def unchanged(self) -> bool:
        return self.current is not None and self.current.checksum == self.checksum

    @property
    def publishable(self) -> bool:
        return not self.errors and not self.unchanged

    @property
    def number(self) -> int:
        """The number the new version would get."""
        return (self.product.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def stale_builds(*, product: Product, snapshot: dict[str, Any]) -> StaleBuilds:
    """How many saved builds of `product` publishing `snapshot` makes stale, and how the most
    recent STALE_CHECK_LIMIT of them fare on it (read in chunks; equal builds evaluated once)."""
    current_id = product.current_version_id
    builds = Build.objects.filter(product=product)
    older = builds.exclude(catalog_version_id=current_id).count()
    if current_id is None:
        return StaleBuilds(0, older, CarryOver())
    on_current = builds.filter(catalog_version_id=current_id)
    rows = (on_current.order_by("-created_at").values_list("selections", "total", "is_complete")
            [:STALE_CHECK_LIMIT].iterator(chunk_size=2000))
    try:
        fates = carry_over(compile_catalog(snapshot), rows)
    except SnapshotError:  # the check reports it as an error, which blocks publishing
        fates = CarryOver()
    return StaleBuilds(on_current.count(), older, fates)


def product_publish_plan(*, product: Product) -> PublishPlan:
    """What publishing `product` would freeze and change. Saves nothing."""
    product = Product.objects.select_related("current_version").get(pk=product.pk)
    snapshot, findings = product_check(product=product)
    checksum = snapshot_checksum(snapshot)
    current = product.current_version
    unchanged = current is not None and current.checksum == checksum
    return PublishPlan(
        product=product, current=current, snapshot=snapshot, checksum=checksum, findings=findings,
        diff=diff_snapshots(current.snapshot if current else None, snapshot),
        builds=StaleBuilds(0, 0, CarryOver()) if unchanged else stale_builds(product=product, snapshot=snapshot),
    )
