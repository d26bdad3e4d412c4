from .builds import Build, BuildStatus
from .catalog import CatalogVersion, GroupKind, Option, OptionGroup, Product, Rule, RuleKind
from .media import BlockedWord, ImageKind, RenderedImage
from .orders import Order, OrderStatus

__all__ = [
    "BlockedWord",
    "Build",
    "BuildStatus",
    "CatalogVersion",
    "GroupKind",
    "ImageKind",
    "Option",
    "OptionGroup",
    "Order",
    "OrderStatus",
    "Product",
    "RenderedImage",
    "Rule",
    "RuleKind",
]
