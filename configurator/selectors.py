"""Reads. Views and the API get their rows through these."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, QuerySet

from configurator.identity import Owner
from configurator.lru import LRU
from configurator.models import Build, Product
from configurator.previews import PreviewRef

PRODUCT_REF_TTL = 300


def product_list() -> QuerySet[Product]:
    """Products a shopper can configure: active and published. The snapshot JSON is left in the
    database: the compiled catalog comes from the per-version cache."""
    return (
        Product.objects.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .defer("current_version__snapshot")
    )


def product_get(*, slug: str) -> Product:
    return product_list().get(slug=slug)


@dataclass(frozen=True)
class ProductRef:
    """What a click needs to know about a product: which catalog version is current."""

    id: int
    slug: str
    version_id: int
    version_number: int

    def preview(self, fingerprint: str, query: str) -> PreviewRef:
        """Where the studio draws a build of this version (a draft draws elsewhere: configurator.draft)."""
        return PreviewRef(self.version_id, fingerprint, query)


# Every click asks; this process remembers the answer for a few seconds (ATELIER_LOCAL_CACHE_SECONDS).
local_product_refs: LRU[ProductRef] = LRU(256, ttl=settings.ATELIER_LOCAL_CACHE_SECONDS)


def product_ref(*, slug: str) -> ProductRef:
    """The current version of a published product: from this process's memory, else from the
    shared cache, else the database. Publishing clears the shared cache and this process's copy;
    other processes move to the new version within ATELIER_LOCAL_CACHE_SECONDS (the old version
    stays valid: versions are immutable). Raises Product.DoesNotExist for unknown, inactive or
    unpublished products."""
    return local_product_refs.get(slug, lambda: _shared_product_ref(slug))


def _shared_product_ref(slug: str) -> ProductRef:
    key = product_ref_key(slug)
    ref = cache.get(key)
    if ref is None:
        product = product_get(slug=slug)
        ref = ProductRef(product.pk, product.slug, product.current_version_id, product.current_version.number)
        cache.set(key, ref, PRODUCT_REF_TTL)
    return ref


def product_ref_key(slug: str) -> str:
    return f"atelier:product-ref:{slug}"


def build_get_owned(*, build_id, owner: Owner) -> Build:
    """Raises Build.DoesNotExist for a missing build, for someone else's and for an id that is no
    UUID (a form's hidden field can hold anything) alike."""
    try:
        pk = build_id if isinstance(build_id, UUID) else UUID(str(build_id))
    except ValueError:
        raise Build.DoesNotExist from None
    return (
        Build.objects.owned_by(shopper_id=owner.shopper_id, user=owner.user)
        .select_related("product", "catalog_version", "remixed_from")
        .get(pk=pk)
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
    return build.is_shared


def order_get_owned(*, number: str, owner: Owner):
    """The shopper's own order by number, or None (someone else's looks the same as none)."""
    from configurator.models import Order

    return Order.objects.select_related("build", "product").filter(number=number, owner_key=owner.shopper_id).first()


def word_lists():
    """What personal text may not say, as plain data for configurator.moderation.matching: the
    blocked and allowed words staff keep in admin, and the compound parts that ship with the code."""
    from configurator.models import AllowedWord, BlockedWord, WordMatch
    from configurator.moderation.defaults import compound_parts
    from configurator.moderation.matching import Entry, WordLists

    return WordLists(
        blocked=tuple(
            Entry(word, match == WordMatch.PART)
            for word, match in BlockedWord.objects.order_by("word").values_list("word", "match")
        ),
        allowed=tuple(AllowedWord.objects.order_by("word").values_list("word", flat=True)),
        parts=compound_parts(),
    )
