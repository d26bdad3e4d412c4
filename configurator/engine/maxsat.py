"""The minimal repair when the fast search runs out of budget: a MaxSAT problem.

Variables x are the repaired build. Hard: x valid, the pins, and every step complete before the
repair complete in x. When some step was not complete, variables y are a completion of x too
(x holds only options y holds; y valid and complete), so that x can be completed; when every
step was complete, x is complete itself and needs no y. Soft, each of weight 1: every current
choice kept (a single-choice step's option, or its being empty; each option of a
multiple-choice step on or off). The optimum breaks the fewest soft clauses, which is the fewest
changes as `repair.distance` counts them.

RC2 (PySAT's core-guided MaxSAT solver over Glucose) finds the optimum. Drawing every tied
optimum would cost a solver call each, so ties on price are settled locally and cheaply: each
single-choice step the optimum changed may take another value that keeps the build acceptable
if that brings the total price closer to what it was (the number of changes stays the same).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Glucose4

from .catalog import SINGLE, TEXT, Catalog, GroupDef, iter_bits
from .repair import Pins, price_between
from .sat import Formula, completeness, model_mask, validity

# A click waits for the answer: past this the nearest build found by a plain SAT call steered
# towards the current choices is taken instead (valid and completable, maybe not minimal). The
# slowest fallback measured at 40 x 30 with 1,000 rules takes a few milliseconds.
TIME_LIMIT = 1.0


@dataclass(frozen=True)
class _Hard:
    """The catalog's part of the formula, built once per catalog."""

    clauses: list[list[int]]
    top: int
    impossible: bool


def _hard(cat: Catalog, completion: bool) -> _Hard:
    """Validity of x, and with `completion` the y that completes it."""
    key = "maxsat+y" if completion else "maxsat"
    found = cat.derived.get(key)
    if found is None:
        n = len(cat.options)
        formula = Formula(2 * n if completion else n)
        validity(cat, formula, lambda i: i + 1, cat.available_mask)
        if completion:
            validity(cat, formula, lambda i: n + i + 1, cat.available_mask)
            completeness(cat, formula, lambda i: n + i + 1)
            formula.clauses.extend([-(i + 1), n + i + 1] for i in range(n))
        found = cat.derived.setdefault(key, _Hard(formula.clauses, formula.top, any(not c for c in formula.clauses)))
    return found


def _problem(cat: Catalog, mask: int, pins: Pins, keep: tuple[GroupDef, ...]) -> WCNF:
    hard = _hard(cat, completion=len(keep) < len(cat.needy))
    formula = Formula(hard.top)
    soft: list[list[int]] = []
    for group in cat.groups:
        if group.kind == TEXT:
            continue
        chosen = mask & group.mask
        if group.kind == SINGLE:
            if group.index in pins.groups:
                formula.clauses.extend([i + 1] if chosen >> i & 1 else [-(i + 1)] for i in group.options)
            elif chosen:
                soft.append([(chosen.bit_length() - 1) + 1])
            else:
                empty = formula.new()
                formula.clauses.extend([-empty, -(i + 1)] for i in group.options)
                soft.append([empty])
            continue
        for i in group.options:
            bit = 1 << i
            if bit & pins.on:
                formula.clauses.append([i + 1])
            elif bit & pins.off:
                formula.clauses.append([-(i + 1)])
            else:
                soft.append([i + 1] if chosen & bit else [-(i + 1)])
    for group in keep:
        formula.at_least([i + 1 for i in group.options], group.need)
    wcnf = WCNF()
    wcnf.hard = [*hard.clauses, *formula.clauses]
    wcnf.nv = formula.top
    wcnf.soft = soft
    wcnf.wght = [1] * len(soft)
    return wcnf


def nearest(cat: Catalog, mask: int, pins: Pins, keep: tuple[GroupDef, ...]) -> int | None:
    """The acceptable valid build (see repair) with the fewest changes from `mask`, None if there
    is none."""
    wcnf = _problem(cat, mask, pins, keep)
    if any(not clause for clause in wcnf.hard):
        return None
    with RC2(wcnf, solver="g4") as rc2:
        timer = threading.Timer(TIME_LIMIT, rc2.interrupt)
        timer.start()
        try:
            model = rc2.compute(expect_interrupt=True)
        finally:
            timer.cancel()
        interrupted = rc2.interrupted
    if model is not None:
        return _cheaper_ties(cat, mask, model_mask(model, 1, len(cat.options)), pins, keep)
    return _near(cat, mask, wcnf) if interrupted else None


def _cheaper_ties(cat: Catalog, mask: int, best: int, pins: Pins, keep: tuple[GroupDef, ...]) -> int:
    """`best` with each single-choice step it changed set to the value (among those keeping it
    valid and acceptable) that changes the total price least; other builds as near are not
    looked for."""
    from .repair import completable, problems_in_group

    kept = {g.index for g in keep}
    for group in cat.groups:
        if group.kind != SINGLE or group.index in pins.groups or not (best ^ mask) & group.mask:
            continue
        base = best & ~group.mask
        candidates = [base | 1 << i for i in group.options if not mask >> i & 1 and cat.available_mask >> i & 1]
        if not group.need and mask & group.mask:
            candidates.append(base)
        # Each candidate differs from `best` in this step alone: its price is best's plus that.
        drift = price_between(cat, mask, best)
        priced = sorted(
            (abs(drift + price_between(cat, best, m)), sorted(iter_bits(m & group.mask)), m) for m in candidates
        )
        for size, _order, candidate in priced:
            if candidate == best or size >= abs(drift):
                break
            if problems_in_group(cat, candidate, group):
                continue
            if (group.index in kept and not candidate & group.mask) or not completable(cat, candidate):
                continue
            best = candidate
            break
    return best


def _near(cat: Catalog, mask: int, wcnf: WCNF) -> int | None:
    """A valid acceptable build steered towards `mask`'s choices, for when the optimum took too
    long (no catalog we know of gets here)."""
    with Glucose4(bootstrap_with=wcnf.hard) as solver:
        solver.set_phases([i + 1 if mask >> i & 1 else -(i + 1) for i in range(len(cat.options))])
        if not solver.solve():
            return None
        return model_mask(solver.get_model(), 1, len(cat.options))
