"""Everything the shopper sees about one build: violations, availability, price, completeness."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .catalog import MULTI, TEXT, Catalog, GroupDef, RuleDef, iter_bits
from .plan import PairRule, availability_plan
from .rules import over_max_groups
from .state import State, fingerprint

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Violation:
    """Why a build is not valid. kind: rule | group_max | unavailable | text_length | text_chars."""

    kind: str
    group: str | None = None
    rule: str | None = None
    options: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PriceLine:
    kind: str  # base | option | text | rule
    amount: Decimal
    group: str | None = None
    option: str | None = None
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Price:
    lines: tuple[PriceLine, ...]
    total: Decimal
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Availability:
    """Option availability for the current build, as masks over option indices.

    `free`: picking it changes nothing else. `hits`: (rule, options that would break it, the
    chosen options that make them break it); such options need a repair. `unavailable`: never
    offered (switched off, or impossible in this catalog). `full_groups`: multiple-choice steps
    at their maximum.
    """

    selected: int
    free: int
    unavailable: int
    hits: tuple[tuple[RuleDef, int, int], ...]
    full_groups: frozenset[int]

    def reasons(self) -> dict[int, list[tuple[RuleDef, int]]]:
        """option index -> [(rule, blocking options mask)], for options that need a repair."""
        out: dict[int, list[tuple[RuleDef, int]]] = {}
        for rule, bad, blockers in self.hits:
            for index in iter_bits(bad):
                out.setdefault(index, []).append((rule, blockers))
        return out


@dataclass(frozen=True, slots=True)
class Evaluation:
    state: State
    violations: tuple[Violation, ...]
    missing: tuple[str, ...]  # required steps still open
    price: Price
    fingerprint: str

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def complete(self) -> bool:
        return not self.missing


@lru_cache(maxsize=256)
def _char_class(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(f"(?:{pattern})")
    except re.error:
        return re.compile(r"[A-Za-z0-9 ]")


def text_violations(group: GroupDef, text: str) -> list[Violation]:
    spec = group.text
    found = []
    if len(text) > spec.max_length:
        found.append(Violation("text_length", group.code, detail=str(spec.max_length)))
    allowed = _char_class(spec.pattern)
    bad = sorted({ch for ch in text if not allowed.fullmatch(ch)})
    if bad:
        found.append(Violation("text_chars", group.code, detail="".join(bad)[:20]))
    return found


def violations(cat: Catalog, state: State) -> list[Violation]:
    mask = state.mask
    found = [
        Violation("rule", rule=rule.code, options=tuple(cat.mask_keys(mask & (rule.subjects | rule.targets))))
        for rule in cat.constraint_rules
        if rule.violated(mask)
    ]
    for group in over_max_groups(cat, mask):
        found.append(Violation("group_max", group.code, detail=str(group.limit)))
    for index in iter_bits(mask & ~cat.available_mask):
        option = cat.options[index]
        found.append(Violation("unavailable", cat.groups[option.group].code, options=(option.key,)))
    for group in cat.groups:
        if group.kind == TEXT:
            found.extend(text_violations(group, state.text(group.code)))
    return found


def missing_steps(cat: Catalog, state: State) -> list[str]:
    """Steps not yet complete: fewer choices than the step needs (GroupDef.need), or a required
    personal text left empty."""
    missing = []
    mask = state.mask
    for group in cat.groups:
        if group.kind == TEXT:
            if group.required and not state.text(group.code):
                missing.append(group.code)
        elif group.need and (mask & group.mask).bit_count() < group.need:
            missing.append(group.code)
    return missing


def price(cat: Catalog, state: State) -> Price:
    lines = [PriceLine("base", cat.base_price)]
    total = cat.base_price
    for index in iter_bits(state.mask):
        option = cat.options[index]
        if option.price:
            lines.append(PriceLine("option", option.price, cat.groups[option.group].code, option.code))
            total += option.price
    for group in cat.groups:
        if group.kind == TEXT:
            text = state.text(group.code)
            if text:
                amount = group.text.flat_price + group.text.price_per_char * len(text)
                if amount:
                    lines.append(PriceLine("text", amount, group.code))
                    total += amount
    for rule in cat.price_rules:
        if rule.amount and rule.holds(state.mask):
            lines.append(PriceLine("rule", rule.amount, rule=rule.code))
            total += rule.amount
    return Price(tuple(lines), total.quantize(CENT))


def evaluate(cat: Catalog, state: State) -> Evaluation:
    return Evaluation(
        state=state,
        violations=tuple(violations(cat, state)),
        missing=tuple(missing_steps(cat, state)),
        price=price(cat, state),
        fingerprint=fingerprint(cat, state),
    )


def availability(cat: Catalog, state: State) -> Availability:
    """Which options a click takes directly, which need a repair (with the rules in the way and
    the chosen options that put them there), and which are never offered (see engine.plan)."""
    plan = cat.derived.get("availability")
    if plan is None:
        plan = cat.derived["availability"] = availability_plan(cat)
    mask = state.mask
    candidates = cat.available_mask & ~mask
    blocked = 0
    hits: list[tuple[RuleDef, int, int]] = []
    for entry in plan:
        if entry.__class__ is PairRule:
            answer = entry.answers[(1 if mask & entry.subjects else 0) | (2 if mask & entry.targets else 0)]
            if answer is None:
                continue
            bad = answer[0] & candidates
            if bad:
                blocked |= bad
                hits.append((entry.rule, bad, mask & answer[1]))
            bad = answer[2] & candidates
            if bad:
                blocked |= bad
                hits.append((entry.rule, bad, mask & answer[3]))
            continue
        rule = entry.rule
        if entry.low is not None and entry.low <= (mask & rule.subjects).bit_count() <= entry.high:
            continue
        violating, related = rule.violating, rule.subjects | rule.targets
        for gmask, single in entry.slots:
            base = mask & ~gmask if single else mask
            bad = violating(base, gmask) & candidates
            if bad:
                blocked |= bad
                hits.append((rule, bad, base & ~gmask & related))
    full = frozenset(
        g.index for g in cat.groups if g.kind == MULTI and (mask & g.mask).bit_count() >= g.max_count
    )
    for g in full:
        blocked |= cat.groups[g].mask
    return Availability(
        selected=mask,
        free=candidates & ~blocked,
        unavailable=cat.all_mask & ~cat.available_mask & ~mask,
        hits=tuple(hits),
        full_groups=full,
    )


def option_status(avail: Availability, index: int) -> str:
    bit = 1 << index
    if avail.selected & bit:
        return "selected"
    if avail.unavailable & bit:
        return "unavailable"
    if avail.free & bit:
        return "available"
    return "conflict"


__all__ = [
    "MULTI",
    "Availability",
    "Evaluation",
    "Price",
    "PriceLine",
    "Violation",
    "availability",
    "evaluate",
    "missing_steps",
    "option_status",
    "price",
    "violations",
]
