from .builds import Build, BuildStatus
from .catalog import CatalogVersion, GroupKind, Option, OptionGroup, Product, Rule, RuleKind

__all__ = [
    "Build",
    "BuildStatus",
    "CatalogVersion",
    "GroupKind",
    "Option",
    "OptionGroup",
    "Product",
    "Rule",
    "RuleKind",
]
