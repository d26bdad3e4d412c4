"""Checking and publishing a product's catalog."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from configurator.engine import SnapshotError, compile_catalog
from configurator.engine.check import Finding, check_catalog
from configurator.findings import picture_findings
from configurator.models import CatalogVersion, Product
from configurator.snapshot import product_snapshot, snapshot_checksum


class CatalogNotPublishable(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("catalog has errors")
        self.findings = findings


def product_check(*, product: Product) -> tuple[dict, list[Finding]]:
    """The product's snapshot as it would be published, and what the checks found in it."""
    snapshot = product_snapshot(product)
    try:
        cat = compile_catalog(snapshot)
    except SnapshotError as exc:
        return snapshot, [Finding("error", "snapshot_invalid", detail=(str(exc),))]
    findings, dead, witnesses = check_catalog(cat)
    findings += picture_findings(cat)
    snapshot["unreachable"] = [cat.options[i].key for i in dead]
    snapshot["witnesses"] = [cat.mask_keys(mask) for mask in witnesses]
    return snapshot, findings


@transaction.atomic
def product_publish(*, product: Product, note: str = "") -> CatalogVersion:
    """Freeze the product's catalog as a new version (or return the current one if nothing
    changed). Errors (such as defaults that break a rule) block publishing; warnings do not."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    snapshot, findings = product_check(product=product)
    errors = [f for f in findings if f.level == "error"]
    if errors:
        raise CatalogNotPublishable(errors)
    checksum = snapshot_checksum(snapshot)
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
