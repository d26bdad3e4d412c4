"""A product's draft: its live rows as the studio will show them once published, never stored.

Staff open the draft in the real studio (configurator/draft_views.py) before publishing. The
draft is an unsaved CatalogVersion made from product_check's snapshot (the very snapshot
publishing would freeze), compiled like a published one. It never becomes a row, never touches
the product's published version, and its pictures are drawn on request and never cached as
RenderedImage rows (those belong to versions that exist): they have their own address, with the
draft's checksum in it, so a picture of an older draft is never taken for the current one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.http import QueryDict
from django.urls import reverse

from configurator.engine import Catalog, compile_catalog
from configurator.engine.check import Finding
from configurator.lru import LRU
from configurator.models import CatalogVersion, Product
from configurator.previews import PreviewRef, PreviewRefused, encode_preview, named_build, render_preview
from configurator.selectors import ProductRef
from configurator.services.catalog import snapshot_check
from configurator.snapshot import product_snapshot, snapshot_checksum


@dataclass(frozen=True)
class DraftPreviewRef(PreviewRef):
    """A picture of a draft build: the draft's own address (configurator:draft-preview)."""

    slug: str = ""
    checksum: str = ""

    def url_for(self, view: str | None) -> str:
        args = [self.slug, self.checksum, self.fingerprint] + ([view] if view else [])
        return self._with_query(reverse("configurator:draft-preview", args=args))

    def zoom_url(self, view: str) -> str:
        return self._with_query(reverse("configurator:draft-preview-zoom",
                                        args=[self.slug, self.checksum, self.fingerprint, view]))


@dataclass(frozen=True)
class DraftRef(ProductRef):
    """The studio's product reference for a draft: no version exists (version_id 0), and its
    pictures are the draft's."""

    checksum: str = ""

    def preview(self, fingerprint: str, query: str) -> PreviewRef:
        return DraftPreviewRef(self.version_id, fingerprint, query, slug=self.slug, checksum=self.checksum)


@dataclass(frozen=True)
class Draft:
    version: CatalogVersion  # unsaved: the number, snapshot and checksum it would be published with
    catalog: Catalog | None  # None: the snapshot cannot be read (a "snapshot_invalid" finding says why)
    findings: list[Finding]
    published: CatalogVersion | None

    @property
    def ref(self) -> DraftRef:
        product = self.version.product
        return DraftRef(product.pk, product.slug, 0, self.version.number, self.version.checksum)

    @property
    def unchanged(self) -> bool:
        """The draft is the published version (publishing would make no new one)."""
        return self.published is not None and self.published.checksum == self.version.checksum

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level != "error"]


# Checked and compiled drafts by checksum: a click or a picture of the same draft compiles nothing.
_checked: LRU[tuple[dict[str, Any], list[Finding], Catalog | None]] = LRU(16)


def _check(snapshot: dict[str, Any]) -> tuple[dict[str, Any], list[Finding], Catalog | None]:
    checked, findings = snapshot_check(snapshot)
    if any(f.code == "snapshot_invalid" for f in findings):
        return checked, findings, None
    return checked, findings, compile_catalog(checked)


def product_draft(*, product: Product) -> Draft:
    """The product's draft as it is now (its live rows), checked and compiled."""
    snapshot = product_snapshot(product)
    checksum = snapshot_checksum(snapshot)
    checked, findings, catalog = _checked.get(checksum, lambda: _check(snapshot))
    number = (product.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CatalogVersion(product=product, number=number, snapshot=checked, checksum=checksum)
    published = product.current_version if product.current_version_id else None
    return Draft(version, catalog, findings, published)


def draft_picture(draft: Draft, query: QueryDict, fingerprint: str, view: str | None, *, zoom: bool = False) -> bytes:
    """One view of a draft build as a JPEG, drawn now and stored nowhere; PreviewRefused unless
    the view is the draft's and the query is a valid build of it with that fingerprint."""
    cat = draft.catalog
    shown = cat.view(view) if cat is not None else None
    if shown is None:
        raise PreviewRefused("unknown view")
    state = named_build(cat, query, fingerprint)
    return encode_preview(render_preview(cat, state, shown.code, zoom=zoom))
