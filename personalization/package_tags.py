"""Motivation tags travel with a product package: an import writes them into the motivation
map, an export reads them from it. Configurator announces both through its signals and never
imports this app."""

from __future__ import annotations

from django.dispatch import receiver

from configurator import signals
from personalization.services.motivations import (
    motivation_codes,
    product_motivation_tags,
    product_motivation_tags_replace,
)


@receiver(signals.product_package_imported, dispatch_uid="personalization.product_package_imported")
def on_package_imported(sender, product, tags, **kwargs) -> None:
    product_motivation_tags_replace(product_id=product.pk, tags=tags, note=f"product package: {product.slug}")


@receiver(signals.product_package_exporting, dispatch_uid="personalization.product_package_exporting")
def on_package_exporting(sender, product, **kwargs) -> dict:
    return product_motivation_tags(product_id=product.pk)


@receiver(signals.product_package_tag_codes, dispatch_uid="personalization.product_package_tag_codes")
def on_package_tag_codes(sender, **kwargs) -> set[str]:
    return motivation_codes()
