"""Reads. Views and the API get their rows through these."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from configurator.identity import Owner
from configurator.models import Build, BuildStatus, Product


def product_list() -> QuerySet[Product]:
    """Products a shopper can configure: active and published."""
    return Product.objects.filter(is_active=True, current_version__isnull=False).select_related("current_version")


def product_get(*, slug: str) -> Product:
    return product_list().get(slug=slug)


def build_get_owned(*, build_id, owner: Owner) -> Build:
    """Raises Build.DoesNotExist for a missing build and for someone else's alike."""
    return (
        Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user)
        .select_related("product", "catalog_version", "remixed_from")
        .get(pk=build_id)
    )


def build_get_shared(*, share_code: str) -> Build:
    return (
        Build.objects.public()
        .select_related("product", "catalog_version", "remixed_from")
        .annotate(remix_count=Count("remixes"))
        .get(share_code=share_code)
    )


def builds_for_owner(*, owner: Owner) -> QuerySet[Build]:
    return Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user).select_related("product")


def build_is_public(build: Build) -> bool:
    return build.status != BuildStatus.DRAFT
