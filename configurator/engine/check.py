"""Catalog checks run when staff save or publish: what would hurt a shopper.

- the default build breaks a rule (a shopper would start in an invalid state);
- an option can never be part of a valid build (it would be offered but never work);
- a rule contradicts itself or others (it can never be satisfied, or it makes options dead).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import AVAILABILITY, CARDINALITY, EXCLUDES, REQUIRES, SINGLE, Catalog, iter_bits
from .evaluate import violations
from .repair import Pins, find_valid
from .state import default_state


@dataclass(frozen=True, slots=True)
class Finding:
    """level: error (blocks publishing) or warning. code: a stable name the admin words."""

    level: str
    code: str
    rule: str | None = None
    option: str | None = None
    detail: tuple[str, ...] = ()


def unreachable_options(cat: Catalog) -> list[int]:
    """Options that are offered but are in no valid build."""
    return reachability(cat)[0]


def reachability(cat: Catalog) -> tuple[list[int], list[int]]:
    """(unreachable options, witness builds): every reachable option is in one of the valid
    witness masks. Each witness covers all of its options at once, so most options need no
    search of their own. Publishing stores the witnesses: repair falls back on them."""
    reachable = 0
    dead = []
    witnesses = []
    for option in cat.options:
        bit = 1 << option.index
        if not option.available or reachable & bit:
            continue
        group = cat.groups[option.group]
        pins = Pins(groups=frozenset({group.index})) if group.kind == SINGLE else Pins(on=bit)
        witness = find_valid(cat, pins, prefer=bit)
        if witness is None:
            dead.append(option.index)
        else:
            reachable |= witness
            witnesses.append(witness)
    return dead, witnesses


def _self_contradictions(cat: Catalog) -> list[Finding]:
    found = []
    for rule in cat.constraint_rules:
        problem = None
        if rule.kind in (REQUIRES, EXCLUDES, AVAILABILITY) and not rule.subjects and rule.kind != AVAILABILITY:
            problem = "no_subjects"
        elif rule.kind in (REQUIRES, EXCLUDES, AVAILABILITY) and not rule.targets:
            problem = "no_targets"
        elif rule.kind == EXCLUDES and rule.subjects & rule.targets:
            problem = "excludes_itself"
        elif rule.kind == REQUIRES and rule.subjects & ~rule.targets == 0 and rule.subjects == rule.targets:
            problem = "requires_itself"
        elif rule.kind == CARDINALITY and rule.min_count > rule.subjects.bit_count():
            problem = "cardinality_unreachable"
        elif rule.kind == AVAILABILITY and rule.cond_all and _two_in_one_single(cat, rule.subjects):
            problem = "condition_impossible"
        if problem:
            found.append(Finding("warning", problem, rule=rule.code))
    return found


def _two_in_one_single(cat: Catalog, mask: int) -> bool:
    return any(
        g.kind == SINGLE and (mask & g.mask).bit_count() > 1 for g in cat.groups
    )


def check_catalog(cat: Catalog) -> tuple[list[Finding], list[int], list[int]]:
    """All findings, the unreachable option indices and the witness builds (both are stored
    in the published snapshot)."""
    findings: list[Finding] = []
    for violation in violations(cat, default_state(cat)):
        if violation.kind == "rule":
            findings.append(Finding("error", "default_breaks_rule", rule=violation.rule, detail=violation.options))
        elif violation.kind == "unavailable":
            findings.append(Finding("error", "default_unavailable", option=violation.options[0]))
        elif violation.kind == "group_max":
            findings.append(Finding("error", "default_over_max", detail=(violation.group,)))
    findings.extend(_self_contradictions(cat))
    dead, witnesses = reachability(cat)
    for index in dead:
        option = cat.options[index]
        bit = 1 << index
        rules = tuple(r.code for r in cat.constraint_rules if (r.subjects | r.targets) & bit)
        findings.append(Finding("warning", "option_unreachable", option=option.key, detail=rules))
    return findings, dead, witnesses


__all__ = ["Finding", "check_catalog", "iter_bits", "unreachable_options"]
