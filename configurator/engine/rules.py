"""Rule checks, one option at a time and for a whole step at once.

`violating_values` answers "which options of this step would break this rule if picked?" with
a handful of bitwise operations, whatever the number of options. Availability and repair both
stand on it; a property test checks it against picking each option and validating.
"""

from __future__ import annotations

from .catalog import AVAILABILITY, CARDINALITY, EXCLUDES, MULTI, REQUIRES, Catalog, GroupDef, RuleDef


def violating_values(rule: RuleDef, base: int, gmask: int) -> int:
    """Options v of the step (`gmask`) for which `base | v` violates `rule`.

    `base` holds everything chosen outside the picked option: for a single-choice step the
    step's current choice is already removed from it.
    """
    return rule.violating(base, gmask)


def violating_test(kind: str, subj: int, tgt: int, cond_all: bool, low: int, high: int):
    """The bit-parallel form of a rule, as a closure over its masks (built once per catalog)."""
    if kind == REQUIRES:
        def requires(base: int, gmask: int) -> int:
            if base & tgt:
                return 0
            if base & subj:
                return gmask & ~tgt
            return gmask & subj & ~tgt
        return requires
    if kind == EXCLUDES:
        def excludes(base: int, gmask: int) -> int:
            if base & subj:
                return gmask if base & tgt else gmask & tgt
            if base & tgt:
                return gmask & subj
            return gmask & subj & tgt
        return excludes
    if kind == AVAILABILITY:
        def availability(base: int, gmask: int) -> int:
            hit = gmask if base & tgt else gmask & tgt
            if not hit:
                return 0
            if cond_all:
                missing = subj & ~base
                if not missing:
                    return 0
                return hit & ~missing if missing & (missing - 1) == 0 else hit
            return 0 if base & subj else hit & ~subj
        return availability
    if kind == CARDINALITY:
        def cardinality(base: int, gmask: int) -> int:
            count = (base & subj).bit_count()
            out = 0
            if not low <= count + 1 <= high:
                out = gmask & subj
            if not low <= count <= high:
                out |= gmask & ~subj
            return out
        return cardinality
    return lambda base, gmask: 0


def step_base(group: GroupDef, mask: int) -> tuple[int, int]:
    """(base, candidates) for picking one more option of `group`."""
    if group.kind == MULTI:
        return mask, group.mask & ~mask
    return mask & ~group.mask, group.mask & ~mask


def multi_full(group: GroupDef, mask: int) -> bool:
    return group.kind == MULTI and (mask & group.mask).bit_count() >= group.max_count


def step_conflicts(cat: Catalog, group: GroupDef, mask: int) -> tuple[int, list[tuple[RuleDef, int]]]:
    """For every option not yet chosen in `group`: which rules picking it would break.

    Returns (options that can be picked with no conflict, [(rule, options that break it)]).
    """
    base, candidates = step_base(group, mask)
    candidates &= cat.available_mask
    hits: list[tuple[RuleDef, int]] = []
    blocked = 0
    if multi_full(group, mask):
        blocked = candidates
    gmask = group.mask
    for rule in cat.rules_by_group[group.index]:
        bad = rule.violating(base, gmask) & candidates
        if bad:
            hits.append((rule, bad))
            blocked |= bad
    return candidates & ~blocked, hits


def violated_rules(cat: Catalog, mask: int) -> list[RuleDef]:
    return [rule for rule in cat.constraint_rules if rule.violated(mask)]


def over_max_groups(cat: Catalog, mask: int) -> list[GroupDef]:
    """Steps holding more than their maximum (a single-choice step's is one, or 0 if so set)."""
    return [g for g in cat.capped if (mask & g.mask).bit_count() > g.limit]


def is_valid_mask(cat: Catalog, mask: int) -> bool:
    """Rules, step maxima and availability hold (personal text is checked separately). Step
    minima and required steps decide completeness, not validity (evaluate.missing_steps)."""
    if mask & ~cat.available_mask:
        return False
    if over_max_groups(cat, mask):
        return False
    return not any(rule.violated(mask) for rule in cat.constraint_rules)
