"""Brute-force oracles: the catalog's meaning read straight from the raw snapshot, and every
build of a small catalog enumerated, to check the engine's fast answers against.

Only the option -> bit numbering is taken from the compiled catalog, so that masks compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product

from configurator.engine import Catalog

from .strategies import Published


@dataclass(frozen=True)
class Step:
    code: str
    kind: str
    required: bool
    min_count: int
    max_count: int | None
    bits: tuple[int, ...]

    @property
    def mask(self) -> int:
        return sum(self.bits)

    @property
    def need(self) -> int:
        """Choices that make the step complete: its minimum, one if required; one at most in a
        single-choice step."""
        need = max(self.min_count, 1 if self.required else 0)
        return min(need, 1) if self.kind == "single" else need

    @property
    def most(self) -> int | None:
        """Choices a valid build may hold: the maximum; one at most in a single-choice step."""
        if self.kind == "single":
            return 1 if self.max_count is None else min(self.max_count, 1)
        return self.max_count

    def complete(self, mask: int) -> bool:
        return bin(mask & self.mask).count("1") >= self.need


@dataclass(frozen=True)
class Rule:
    kind: str
    subjects: int
    targets: int
    cond_all: bool
    min_count: int
    max_count: int | None
    amount: Decimal

    def condition(self, mask: int) -> bool:
        if self.cond_all:
            return mask & self.subjects == self.subjects
        return bool(mask & self.subjects)

    def violated(self, mask: int) -> bool:
        chosen_subjects = bool(mask & self.subjects)
        chosen_targets = bool(mask & self.targets)
        if self.kind == "requires":
            return chosen_subjects and not chosen_targets
        if self.kind == "excludes":
            return chosen_subjects and chosen_targets
        if self.kind == "availability":
            return chosen_targets and not self.condition(mask)
        if self.kind == "cardinality":
            count = bin(mask & self.subjects).count("1")
            return count < self.min_count or (self.max_count is not None and count > self.max_count)
        return False


class Oracle:
    def __init__(self, pub: Published) -> None:
        snapshot, cat = pub.snapshot, pub.cat
        self.cat: Catalog = cat
        bit = {key: 1 << option.index for key, option in cat.option_by_key.items()}
        self.bit = bit
        self.steps = [
            Step(g["code"], g["kind"], bool(g["required"]), g.get("min") or 0, g.get("max"),
                 tuple(bit[f"{g['code']}.{o['code']}"] for o in g["options"]))
            for g in snapshot["groups"] if g["kind"] != "text"
        ]
        self.texts = {g["code"]: g["text"] for g in snapshot["groups"] if g["kind"] == "text"}
        options = [(f"{g['code']}.{o['code']}", o) for g in snapshot["groups"] for o in g["options"]]
        self.prices = {bit[key]: Decimal(o["price"]) for key, o in options}
        self.switched_off = sum(bit[key] for key, o in options if not o["available"])
        self.unreachable = sum(bit[key] for key in snapshot.get("unreachable", []))
        self.rules = [
            Rule(r["kind"], sum(bit[k] for k in r["subjects"]), sum(bit[k] for k in r["targets"]),
                 r["condition"] == "all", r["min"] or 0, r["max"], Decimal(r["amount"]))
            for r in snapshot["rules"]
        ]
        self.base_price = Decimal(snapshot["product"]["base_price"])
        self._all: list[int] | None = None
        self._valid: list[int] | None = None

    # Builds ---------------------------------------------------------------------------------

    def all_masks(self) -> list[int]:
        """Every build a shopper can make: at most one option per single step."""
        if self._all is None:
            domains = []
            for step in self.steps:
                if step.kind == "single":
                    domains.append((0, *step.bits))
                else:
                    domains.append(tuple(
                        sum(b for b, on in zip(step.bits, pick, strict=True) if on)
                        for pick in product((0, 1), repeat=len(step.bits))
                    ))
            self._all = [sum(choice) for choice in product(*domains)]
        return self._all

    def valid(self, mask: int, *, published: bool = True) -> bool:
        """No rule broken, no step over its maximum (single steps included), nothing switched off
        (nor, once published, marked unreachable)."""
        off = self.switched_off | (self.unreachable if published else 0)
        if mask & off:
            return False
        for step in self.steps:
            if step.most is not None and bin(mask & step.mask).count("1") > step.most:
                return False
        return not any(rule.violated(mask) for rule in self.rules)

    def complete(self, mask: int) -> bool:
        return all(step.complete(mask) for step in self.steps)

    def completable(self, mask: int) -> bool:
        """Choices can be added to `mask` (none taken away) to give a valid complete build."""
        return any(m & mask == mask and self.complete(m) for m in self.valid_masks())

    def valid_masks(self) -> list[int]:
        if self._valid is None:
            self._valid = [m for m in self.all_masks() if self.valid(m)]
        return self._valid

    def reachable(self) -> int:
        """Options in some valid complete build (the builds before publishing marked anything
        unreachable)."""
        out = 0
        for mask in self.all_masks():
            if self.complete(mask) and self.valid(mask, published=False):
                out |= mask
        return out

    def distance(self, a: int, b: int) -> int:
        """A single step changed counts one; each option toggled in a multiple step counts one."""
        count = 0
        for step in self.steps:
            d = (a ^ b) & step.mask
            if d:
                count += 1 if step.kind == "single" else bin(d).count("1")
        return count

    def repair_candidates(self, before: int, pins) -> list[int]:
        """The valid builds a repair of `before` may return: pinned steps and options kept,
        every step complete before still complete, and completable."""
        out = []
        for mask in self.valid_masks():
            if mask & pins.on != pins.on or mask & pins.off:
                continue
            if all(self._keeps(step, before, mask, pins) for step in self.steps) and self.completable(mask):
                out.append(mask)
        return out

    def _keeps(self, step: Step, before: int, after: int, pins) -> bool:
        now, was = after & step.mask, before & step.mask
        if self.cat.group_by_code[step.code].index in pins.groups and now != was:
            return False
        return not (step.complete(before) and not step.complete(after))

    # Price ----------------------------------------------------------------------------------

    def total(self, mask: int, texts: dict[str, str]) -> Decimal:
        total = self.base_price + sum((p for b, p in self.prices.items() if mask & b), Decimal(0))
        for code, spec in self.texts.items():
            text = texts.get(code, "")
            if text:
                total += Decimal(spec["flat_price"]) + Decimal(spec["price_per_char"]) * len(text)
        for rule in self.rules:
            if rule.kind == "price" and rule.condition(mask):
                total += rule.amount
        return total
