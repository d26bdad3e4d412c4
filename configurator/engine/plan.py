"""Availability's plan, worked out once per catalog.

Most rules a merchandiser writes name options of one step as subjects and options of another
step as targets ("Electric excludes the 18-inch wheels"). For such a rule, which options of its
two steps would break it if picked depends on two facts only: whether some subject is chosen, and
whether some target is. The four answers are worked out when the catalog is compiled (with the
rule's own bit-parallel test, rules.violating_test), so availability looks one up per rule
instead of testing each step. Every other rule keeps the test per step; a cardinality rule is
skipped when too few or too many of its options are chosen for any pick to matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import AVAILABILITY, CARDINALITY, EXCLUDES, REQUIRES, SINGLE, Catalog, GroupDef, RuleDef

# (bad options of the subjects' step, chosen options that make them bad) and the same for the
# targets' step; None where nothing is bad.
Answer = tuple[int, int, int, int] | None


@dataclass(frozen=True, slots=True)
class PairRule:
    rule: RuleDef
    subjects: int
    targets: int
    answers: tuple[Answer, Answer, Answer, Answer]  # by (subject chosen) | (target chosen) << 1


@dataclass(frozen=True, slots=True)
class StepRule:
    rule: RuleDef
    slots: tuple[tuple[int, bool], ...]  # (options of a step it touches, single-choice step?)
    # A cardinality rule can break on a pick only when fewer than `low` or more than `high`
    # of its options are chosen (None: always look).
    low: int | None = None
    high: int | None = None


def _one_group(cat: Catalog, mask: int) -> GroupDef | None:
    groups = {cat.options[i].group for i in range(mask.bit_length()) if mask >> i & 1}
    return cat.groups[groups.pop()] if len(groups) == 1 else None


def _base(group: GroupDef, mask: int) -> int:
    return mask & ~group.mask if group.kind == SINGLE else mask


def _pair(cat: Catalog, rule: RuleDef) -> PairRule | None:
    if rule.kind not in (REQUIRES, EXCLUDES, AVAILABILITY) or not rule.subjects or not rule.targets:
        return None
    if rule.kind == AVAILABILITY and rule.cond_all and rule.subjects.bit_count() > 1:
        return None  # depends on which subjects are chosen, not only on whether one is
    first, second = _one_group(cat, rule.subjects), _one_group(cat, rule.targets)
    if first is None or second is None or first.index == second.index:
        return None
    some_subject, some_target = rule.subjects & -rule.subjects, rule.targets & -rule.targets
    answers: list[Answer] = []
    for flags in range(4):
        mask = (some_subject if flags & 1 else 0) | (some_target if flags & 2 else 0)
        bad_first = rule.violating(_base(first, mask), first.mask)
        bad_second = rule.violating(_base(second, mask), second.mask)
        # Chosen options outside the step that make its options bad: the other step's.
        answers.append((bad_first, rule.targets, bad_second, rule.subjects) if bad_first or bad_second else None)
    return PairRule(rule, rule.subjects, rule.targets, tuple(answers))


def _step_rule(cat: Catalog, rule: RuleDef) -> StepRule:
    slots = tuple((cat.groups[g].mask, cat.groups[g].kind == SINGLE) for g in rule.groups)
    if rule.kind != CARDINALITY:
        return StepRule(rule, slots)
    # Picking in a step changes the count by at most one up, or down by what the step can hold.
    drop = max((min((rule.subjects & cat.groups[g].mask).bit_count(), cat.groups[g].limit)
                for g in rule.groups), default=0)
    return StepRule(rule, slots, rule.min_count + drop if rule.min_count else 0, rule.max_count - 1)


def availability_plan(cat: Catalog) -> tuple[PairRule | StepRule, ...]:
    """One entry per constraint rule, in rule order."""
    return tuple(_pair(cat, rule) or _step_rule(cat, rule) for rule in cat.constraint_rules)
