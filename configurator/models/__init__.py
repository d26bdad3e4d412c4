from .builds import Build, BuildStatus
from .catalog import CatalogVersion, GroupKind, Option, OptionGroup, Product, Rule, RuleKind
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
    "Order",
    "OrderStatus",
    "Product",
    "RenderedImage",
    "ReportReason",
    "ReportStatus",
    "Rule",
    "RuleKind",
    "WordLanguage",
    "WordMatch",
]
