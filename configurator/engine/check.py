"""Catalog checks run when staff save or publish: what would hurt a shopper.

- the default build breaks a rule (a shopper would start in an invalid state);
- an option can never be part of a valid complete build (it would be offered but never work);
- a rule contradicts itself or others (it can never be satisfied, or it makes options dead).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pysat.solvers import Glucose4

from .catalog import AVAILABILITY, CARDINALITY, EXCLUDES, REQUIRES, SINGLE, Catalog, iter_bits
from .evaluate import violations
from .sat import Formula, completeness, model_mask, option_var, validity
from .state import default_state

# Publish-time reachability stops asking after this long; what is left stays on offer (see
# reachability). A generated 40 x 30 product with 1,000 rules takes about a tenth of a second.
REACHABILITY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Finding:
    """level: error (blocks publishing) or warning. code: a stable name the admin words."""

    level: str
    code: str
    rule: str | None = None
    option: str | None = None
    detail: tuple[str, ...] = ()


def unreachable_options(cat: Catalog) -> list[int]:
    """Options that are offered but are in no valid complete build."""
    return reachability(cat).unreachable


@dataclass(frozen=True, slots=True)
class Reachability:
    unreachable: list[int]  # in no valid complete build: publishing stops offering them
    undecided: list[int]  # the time limit ran out first: still offered, and reported
    seconds: float
    builds: list[int]  # the solver's answers: valid complete builds holding every reachable option


def reachability(cat: Catalog, time_limit: float = REACHABILITY_SECONDS) -> Reachability:
    """Which offered options are in some valid complete build, decided exactly by a SAT solver
    (Glucose): one question per option not yet seen in an earlier answer, each answer a whole
    valid complete build that marks all of its options reachable at once. The solver is steered
    towards options not yet covered, so a catalog of 1,200 options needs a few dozen calls.

    Only an answer of the solver makes an option unreachable. If the time limit runs out first
    (no catalog we know of comes near it), the options left are kept on offer as undecided."""
    started = time.perf_counter()
    formula = Formula(len(cat.options))
    offered = sum(1 << o.index for o in cat.options if o.available)
    validity(cat, formula, option_var, offered)
    completeness(cat, formula, option_var)
    if any(not clause for clause in formula.clauses):
        return Reachability(list(iter_bits(offered)), [], time.perf_counter() - started, [])
    covered, dead, undecided, builds = 0, [], [], []
    deadline = started + time_limit
    with Glucose4(bootstrap_with=formula.clauses) as solver:
        timer = threading.Timer(time_limit, solver.interrupt)  # for one long question
        timer.start()
        try:
            for index in iter_bits(offered):
                if covered >> index & 1:
                    continue
                if time.perf_counter() >= deadline:
                    undecided.append(index)
                    continue
                # Prefer the options not covered yet: each answer then covers as many as it can.
                solver.set_phases([option_var(i) if not covered >> i & 1 else -option_var(i)
                                   for i in iter_bits(offered)])
                answer = solver.solve_limited(assumptions=[option_var(index)], expect_interrupt=True)
                if answer is None:
                    undecided.append(index)
                    solver.clear_interrupt()
                elif answer:
                    builds.append(model_mask(solver.get_model(), 1, len(cat.options)))
                    covered |= builds[-1]
                else:
                    dead.append(index)
        finally:
            timer.cancel()
    return Reachability(dead, undecided, time.perf_counter() - started, builds)


def covering_builds(cat: Catalog) -> list[int]:
    """Valid complete builds that together hold every option on offer, the same on every call
    (for tests and fuzzing: each option in a build a shopper could order)."""
    return reachability(cat).builds


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


def check_catalog(cat: Catalog) -> tuple[list[Finding], list[int]]:
    """All findings and the unreachable option indices (stored in the published snapshot)."""
    findings: list[Finding] = []
    for violation in violations(cat, default_state(cat)):
        if violation.kind == "rule":
            findings.append(Finding("error", "default_breaks_rule", rule=violation.rule, detail=violation.options))
        elif violation.kind == "unavailable":
            findings.append(Finding("error", "default_unavailable", option=violation.options[0]))
        elif violation.kind == "group_max":
            findings.append(Finding("error", "default_over_max", detail=(violation.group,)))
    findings.extend(_self_contradictions(cat))
    reach = reachability(cat)
    for code, indices in (("option_unreachable", reach.unreachable), ("option_undecided", reach.undecided)):
        for index in indices:
            bit = 1 << index
            rules = tuple(r.code for r in cat.constraint_rules if (r.subjects | r.targets) & bit)
            findings.append(Finding("warning", code, option=cat.options[index].key, detail=rules))
    return findings, reach.unreachable


__all__ = ["Finding", "check_catalog", "iter_bits", "unreachable_options"]
