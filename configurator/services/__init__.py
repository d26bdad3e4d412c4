"""Writes. Keyword-only, typed, named <noun>_<verb>. Views, API, admin and tasks call these."""

from .builds import (
    BuildInvalid,
    BuildNotFound,
    RebasePlan,
    RebaseResult,
    build_copy,
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
from .idempotency import (
    Answer,
    IdempotencyKeyReused,
    idempotency_keys_forget,
    idempotency_keys_purge,
    idempotency_run,
)
from .moderation import (
    ReportRefused,
    build_hide,
    build_unhide,
    design_report,
    reports_dismiss,
    word_lists_seed,
)
from .orders import build_save_to_order, order_place, orders_unlink_owner

__all__ = [
    "Answer",
    "BuildInvalid",
    "BuildNotFound",
    "CatalogNotPublishable",
    "IdempotencyKeyReused",
    "RebasePlan",
    "RebaseResult",
    "ReportRefused",
    "build_copy",
    "build_delete",
    "build_hide",
    "build_rebase",
    "build_rebase_plan",
    "build_remix",
    "build_remix_current",
    "build_save",
    "build_save_to_order",
    "build_share",
    "build_unhide",
    "build_update",
    "design_report",
    "idempotency_keys_forget",
    "idempotency_keys_purge",
    "idempotency_run",
    "order_place",
    "orders_unlink_owner",
    "product_check",
    "product_publish",
    "reports_dismiss",
    "word_lists_seed",
]
