from .builds import Build, BuildStatus
from .catalog import (
    CatalogVersion,
    GroupKind,
    Option,
    OptionGroup,
    OptionLayer,
    Product,
    ProductView,
    Rule,
    RuleKind,
    TextPlacement,
)
from .idempotency import IdempotencyKey
from .media import ImageKind, RenderedImage
from .moderation import AllowedWord, BlockedWord, DesignReport, ReportReason, ReportStatus, WordLanguage, WordMatch
from .orders import Order, OrderStatus

__all__ = [
    "AllowedWord",
    "BlockedWord",
    "Build",
    "BuildStatus",
    "CatalogVersion",
    "DesignReport",
    "GroupKind",
    "IdempotencyKey",
    "ImageKind",
    "Option",
    "OptionGroup",
    "OptionLayer",
    "Order",
    "OrderStatus",
    "Product",
    "ProductView",
    "RenderedImage",
    "ReportReason",
    "ReportStatus",
    "Rule",
    "RuleKind",
    "TextPlacement",
    "WordLanguage",
    "WordMatch",
]
