"""A catalog snapshot compiled for speed.

The snapshot is plain JSON (what CatalogVersion stores). Compiling gives every option a bit
position, so a build's choices are one int and every rule check is a few bitwise operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SINGLE, MULTI, TEXT = "single", "multi", "text"
REQUIRES, EXCLUDES, AVAILABILITY, CARDINALITY, PRICE = (
    "requires", "excludes", "availability", "cardinality", "price",
)
RULE_KINDS = (REQUIRES, EXCLUDES, AVAILABILITY, CARDINALITY, PRICE)
NO_MAX = 1 << 30


class SnapshotError(ValueError):
    """The snapshot does not describe a usable catalog."""


DEFAULT_VIEW = "main"  # the one view of a snapshot published before products had views
_DEFAULT_VIEW_NAME = {"en": "Main view", "nl": "Hoofdaanzicht"}


@dataclass(frozen=True, slots=True)
class ViewDef:
    code: str
    name: dict[str, str]
    base_layer: str | None = None
    on_card: bool = True


@dataclass(frozen=True, slots=True)
class TextSpec:
    max_length: int
    pattern: str  # a character class every character must match, e.g. "[A-Z0-9 ]"
    price_per_char: Decimal
    flat_price: Decimal
    font: str
    colour: str
    # (view code, box, z) for each view that shows the text; a view without one does not
    placements: tuple[tuple[str, tuple[int, int, int, int], int], ...] = ()

    @property
    def boxes(self) -> tuple[tuple[int, int, int, int], ...]:
        return tuple(box for _view, box, _z in self.placements)


@dataclass(frozen=True, slots=True)
class OptionDef:
    index: int
    key: str  # "group.option"
    code: str
    group: int
    price: Decimal
    available: bool
    position: int
    name: dict[str, str]
    swatch: str = ""
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)  # view code -> {image, tint, z}


@dataclass(frozen=True, slots=True)
class GroupDef:
    index: int
    code: str
    kind: str
    required: bool
    default: int | None  # option index
    min_count: int
    max_count: int
    mask: int
    options: tuple[int, ...]
    name: dict[str, str]
    text: TextSpec | None = None
    # A size: a single choice that changes the price, never the picture (not in the fingerprint)
    size: bool = False
    # How many choices make the step complete: its minimum, at least one if it is required, and
    # never more than a single-choice step can hold. Validity is the maximum's business alone.
    need: int = 0
    limit: int = NO_MAX  # the most choices a valid build holds: the maximum (one in a single step)


@dataclass(frozen=True, slots=True)
class RuleDef:
    index: int
    code: str
    kind: str
    subjects: int  # option mask
    targets: int  # option mask
    cond_all: bool
    min_count: int
    max_count: int
    amount: Decimal
    groups: tuple[int, ...]  # groups whose options the rule mentions
    explanation: dict[str, str]
    violated: Callable[[int], bool] = field(init=False, repr=False, compare=False)
    violating: Callable[[int, int], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Closures over the masks: the hot loops of availability and repair call them a lot.
        from .rules import violating_test

        object.__setattr__(self, "violated", _violation_test(self))
        object.__setattr__(self, "violating", violating_test(
            self.kind, self.subjects, self.targets, self.cond_all, self.min_count, self.max_count
        ))

    def holds(self, s: int) -> bool:
        """The rule's condition over its subjects (availability and price rules)."""
        if self.cond_all:
            return s & self.subjects == self.subjects
        return bool(s & self.subjects)


@dataclass(frozen=True, slots=True)
class Catalog:
    slug: str
    name: dict[str, str]
    base_price: Decimal
    groups: tuple[GroupDef, ...]
    options: tuple[OptionDef, ...]
    rules: tuple[RuleDef, ...]
    group_by_code: dict[str, GroupDef]
    option_by_key: dict[str, OptionDef]
    rules_by_group: tuple[tuple[RuleDef, ...], ...]
    constraint_rules: tuple[RuleDef, ...]
    price_rules: tuple[RuleDef, ...]
    available_mask: int
    all_mask: int
    unreachable: frozenset[int]
    snapshot: dict[str, Any] = field(repr=False, compare=False)
    views: tuple[ViewDef, ...] = (ViewDef(DEFAULT_VIEW, _DEFAULT_VIEW_NAME),)
    pictured_mask: int = -1  # options that can change the picture (all but sizes)
    # Steps whose maximum can be exceeded: multiple-choice steps with a maximum below their
    # number of options, and single-choice steps with a maximum of 0.
    capped: tuple[GroupDef, ...] = ()
    needy: tuple[GroupDef, ...] = ()  # steps that need a choice or more to be complete
    price_rules_by_group: tuple[tuple[RuleDef, ...], ...] = ()
    # What is worked out about this catalog on first use and kept with it: availability's plan
    # (engine.plan), the SAT solver and formulas (engine.sat, engine.maxsat).
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def view(self, code: str | None) -> ViewDef | None:
        """The view with this code; the first one for None; None for an unknown code."""
        if code is None:
            return self.views[0]
        return next((v for v in self.views if v.code == code), None)

    def option_in(self, group: GroupDef, code: str) -> OptionDef | None:
        return self.option_by_key.get(f"{group.code}.{code}")

    def mask_keys(self, mask: int) -> list[str]:
        return [self.options[i].key for i in iter_bits(mask)]


def _violation_test(rule: RuleDef) -> Callable[[int], bool]:
    subj, tgt, low, high = rule.subjects, rule.targets, rule.min_count, rule.max_count
    if rule.kind == REQUIRES:
        return lambda s: bool(s & subj) and not s & tgt
    if rule.kind == EXCLUDES:
        return lambda s: bool(s & subj) and bool(s & tgt)
    if rule.kind == AVAILABILITY:
        if rule.cond_all:
            return lambda s: bool(s & tgt) and s & subj != subj
        return lambda s: bool(s & tgt) and not s & subj
    if rule.kind == CARDINALITY:
        return lambda s: not low <= (s & subj).bit_count() <= high
    return lambda s: False


def iter_bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value if value is not None else "0"))
    except Exception as exc:
        raise SnapshotError(f"{where}: not a number: {value!r}") from exc


def _texts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"en": str(value or "")}


def compile_catalog(snapshot: dict[str, Any]) -> Catalog:
    """Turn a JSON snapshot into a Catalog; raises SnapshotError on a malformed one."""
    try:
        return _compile(snapshot)
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"malformed snapshot: {exc!r}") from exc


def _views(product: dict[str, Any]) -> tuple[ViewDef, ...]:
    """The product's views; a snapshot from before views has one, holding its base layer."""
    raw_views = product.get("views")
    if not raw_views:
        return (ViewDef(DEFAULT_VIEW, _DEFAULT_VIEW_NAME, product.get("base_layer")),)
    views = tuple(
        ViewDef(str(v["code"]), _texts(v.get("name")), v.get("base_layer"), bool(v.get("on_card", True)))
        for v in raw_views
    )
    if len({v.code for v in views}) != len(views):
        raise SnapshotError("duplicate view code")
    return views


def _option_layers(raw: dict[str, Any], default_view: str) -> dict[str, dict[str, Any]]:
    if "layers" in raw:
        return {str(view): dict(layer) for view, layer in (raw["layers"] or {}).items() if layer}
    layer = raw.get("layer")  # before views: one layer, in the only view
    return {default_view: layer} if layer else {}


def _placements(raw_text: dict[str, Any], default_view: str) -> tuple[tuple[str, tuple[int, int, int, int], int], ...]:
    if "placements" in raw_text:
        return tuple(
            (str(view), tuple(int(n) for n in p["box"]), int(p.get("z", 100)))
            for view, p in (raw_text["placements"] or {}).items()
        )
    return ((default_view, tuple(int(n) for n in raw_text.get("box", (0, 0, 200, 40))), int(raw_text.get("z", 100))),)


def compile_rule(raw: dict[str, Any], index: int, option_by_key: dict[str, OptionDef]) -> RuleDef:
    """One rule of a snapshot over its catalog's options (`option_by_key`)."""

    def mask_of(keys: list[str]) -> int:
        mask = 0
        for key in keys:
            if key not in option_by_key:
                raise SnapshotError(f"rule {raw['code']}: unknown option {key!r}")
            mask |= 1 << option_by_key[key].index
        return mask

    kind = raw["kind"]
    if kind not in RULE_KINDS:
        raise SnapshotError(f"rule {raw.get('code')}: unknown kind {kind!r}")
    subjects = mask_of(raw.get("subjects", []))
    targets = mask_of(raw.get("targets", []))
    touched = sorted({option_by_key[key].group for key in (*raw.get("subjects", []), *raw.get("targets", []))})
    max_count = raw.get("max")
    return RuleDef(
        index=index,
        code=raw["code"],
        kind=kind,
        subjects=subjects,
        targets=targets,
        cond_all=raw.get("condition", "all") != "any",
        min_count=int(raw.get("min") or 0),
        max_count=NO_MAX if max_count is None else int(max_count),
        amount=_decimal(raw.get("amount"), raw["code"]),
        groups=tuple(touched),
        explanation=_texts(raw.get("explanation")),
    )


def _compile(snapshot: dict[str, Any]) -> Catalog:
    product = snapshot["product"]
    views = _views(product)
    default_view = views[0].code
    groups: list[GroupDef] = []
    options: list[OptionDef] = []
    option_by_key: dict[str, OptionDef] = {}
    for g_index, raw_group in enumerate(snapshot["groups"]):
        kind = raw_group.get("kind", SINGLE)
        if kind not in (SINGLE, MULTI, TEXT):
            raise SnapshotError(f"group {raw_group.get('code')}: unknown kind {kind!r}")
        indices = []
        for position, raw in enumerate(raw_group.get("options", [])):
            option = OptionDef(
                index=len(options),
                key=f"{raw_group['code']}.{raw['code']}",
                code=raw["code"],
                group=g_index,
                price=_decimal(raw.get("price"), raw["code"]),
                available=bool(raw.get("available", True)),
                position=position,
                name=_texts(raw.get("name")),
                swatch=raw.get("swatch", ""),
                layers=_option_layers(raw, default_view),
            )
            if option.key in option_by_key:
                raise SnapshotError(f"duplicate option {option.key}")
            options.append(option)
            option_by_key[option.key] = option
            indices.append(option.index)
        default = raw_group.get("default")
        default_index = None
        if default is not None and kind != TEXT:
            key = f"{raw_group['code']}.{default}"
            if key not in option_by_key:
                raise SnapshotError(f"group {raw_group['code']}: unknown default {default!r}")
            default_index = option_by_key[key].index
        text = None
        if kind == TEXT:
            raw_text = raw_group.get("text", {})
            text = TextSpec(
                max_length=int(raw_text.get("max_length", 12)),
                pattern=raw_text.get("pattern", r"[A-Za-z0-9 ]"),
                price_per_char=_decimal(raw_text.get("price_per_char"), "price_per_char"),
                flat_price=_decimal(raw_text.get("flat_price"), "flat_price"),
                font=raw_text.get("font", "DejaVuSans-Bold.ttf"),
                colour=raw_text.get("colour", "#ffffff"),
                placements=_placements(raw_text, default_view),
            )
        max_count = NO_MAX if raw_group.get("max") is None else int(raw_group["max"])
        min_count = int(raw_group.get("min") or 0)
        need = max(min_count, 1 if raw_group.get("required") else 0) if kind != TEXT else 0
        groups.append(GroupDef(
            index=g_index,
            code=raw_group["code"],
            kind=kind,
            required=bool(raw_group.get("required", False)),
            default=default_index,
            min_count=min_count,
            max_count=max_count,
            mask=sum(1 << i for i in indices),
            options=tuple(indices),
            name=_texts(raw_group.get("name")),
            text=text,
            size=bool(raw_group.get("size")) and kind == SINGLE,
            need=min(need, 1) if kind == SINGLE else need,
            limit=min(max_count, 1) if kind == SINGLE else max_count,
        ))

    rules = [compile_rule(raw, index, option_by_key) for index, raw in enumerate(snapshot.get("rules", []))]

    constraint_rules = tuple(r for r in rules if r.kind != PRICE)
    by_group: list[list[RuleDef]] = [[] for _ in groups]
    for rule in constraint_rules:
        for g in rule.groups:
            by_group[g].append(rule)
    unreachable = frozenset(
        option_by_key[key].index for key in snapshot.get("unreachable", []) if key in option_by_key
    )
    return Catalog(
        slug=product["slug"],
        name=_texts(product.get("name")),
        base_price=_decimal(product.get("base_price"), "base_price"),
        groups=tuple(groups),
        options=tuple(options),
        rules=tuple(rules),
        group_by_code={g.code: g for g in groups},
        option_by_key=option_by_key,
        rules_by_group=tuple(tuple(rs) for rs in by_group),
        constraint_rules=constraint_rules,
        price_rules=tuple(r for r in rules if r.kind == PRICE),
        available_mask=sum(1 << o.index for o in options if o.available and o.index not in unreachable),
        all_mask=(1 << len(options)) - 1,
        unreachable=unreachable,
        snapshot=snapshot,
        views=views,
        pictured_mask=sum(1 << i for g in groups if not g.size for i in g.options),
        capped=tuple(g for g in groups if g.kind != TEXT and g.limit < max(len(g.options), 1)),
        needy=tuple(g for g in groups if g.need),
        price_rules_by_group=tuple(
            tuple(r for r in rules if r.kind == PRICE and r.amount and g.index in r.groups) for g in groups
        ),
    )
