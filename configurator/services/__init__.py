"""Writes. Keyword-only, typed, named <noun>_<verb>. Views, API, admin and tasks call these."""

from .builds import (
    BuildInvalid,
    BuildNotFound,
    RebasePlan,
    RebaseResult,
    build_delete,
    build_rebase,
    build_rebase_plan,
    build_remix,
    build_remix_current,
    build_save,
    build_share,
    build_update,
)
from .catalog import CatalogNotPublishable, product_check, product_publish
from .orders import order_place, orders_unlink_owner

__all__ = [
    "BuildInvalid",
    "BuildNotFound",
    "CatalogNotPublishable",
    "RebasePlan",
    "RebaseResult",
    "build_delete",
    "build_rebase",
    "build_rebase_plan",
    "build_remix",
    "build_remix_current",
    "build_save",
    "build_share",
    "build_update",
    "order_place",
    "orders_unlink_owner",
    "product_check",
    "product_publish",
]
