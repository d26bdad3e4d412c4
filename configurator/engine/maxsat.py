"""The minimal repair when the fast search runs out of budget: a MaxSAT problem.

Variables x are the repaired build, y a completion of it (x holds only options y holds). Hard:
x and y valid, y complete, the pins, and every step complete before the repair complete in x.
Soft, each of weight 1: every current choice kept (a single-choice step's option, or its being
empty; each option of a multiple-choice step on or off). The optimum breaks the fewest soft
clauses, which is the fewest changes as `repair.distance` counts them.

RC2 (PySAT's core-guided MaxSAT solver over Glucose) finds the optimum. Ties: up to
MAX_TIED optimal builds are drawn, and the one with the smallest change of the total price wins.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from pysat.examples.rc2 import RC2
from pysat.formula import WCNF
from pysat.solvers import Glucose4

from .catalog import SINGLE, TEXT, Catalog, GroupDef
from .repair import Pins, closest
from .sat import Formula, completeness, model_mask, validity

MAX_TIED = 8
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


def _hard(cat: Catalog) -> _Hard:
    found = cat.solvers.get("maxsat")
    if found is None:
        n = len(cat.options)
        formula = Formula(2 * n)
        validity(cat, formula, lambda i: i + 1, cat.available_mask)
        validity(cat, formula, lambda i: n + i + 1, cat.available_mask)
        completeness(cat, formula, lambda i: n + i + 1)
        formula.clauses.extend([-(i + 1), n + i + 1] for i in range(n))
        found = cat.solvers.setdefault(
            "maxsat", _Hard(formula.clauses, formula.top, any(not c for c in formula.clauses))
        )
    return found


def _problem(cat: Catalog, mask: int, pins: Pins, keep: tuple[GroupDef, ...]) -> WCNF:
    hard = _hard(cat)
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
    if _hard(cat).impossible:
        return None
    wcnf = _problem(cat, mask, pins, keep)
    if any(not clause for clause in wcnf.hard):
        return None
    n = len(cat.options)
    found: list[int] = []
    with RC2(wcnf, solver="g4") as rc2:
        timer = threading.Timer(TIME_LIMIT, rc2.interrupt)
        timer.start()
        try:
            best = None
            while len(found) < MAX_TIED:
                model = rc2.compute(expect_interrupt=True)
                if model is None:
                    break
                if best is None:
                    best = rc2.cost
                elif rc2.cost > best:
                    break
                build = model_mask(model, 1, n)
                found.append(build)
                # Draw another optimum: a different repaired build (its completion may differ too).
                rc2.add_clause([-(i + 1) if build >> i & 1 else i + 1 for i in range(n)])
        finally:
            timer.cancel()
        interrupted = rc2.interrupted
    if found:
        return closest(cat, mask, found)
    if not interrupted:
        return None
    return _near(cat, mask, wcnf)


def _near(cat: Catalog, mask: int, wcnf: WCNF) -> int | None:
    """A valid acceptable build steered towards `mask`'s choices, for when the optimum took too
    long (no catalog we know of gets here)."""
    with Glucose4(bootstrap_with=wcnf.hard) as solver:
        solver.set_phases([i + 1 if mask >> i & 1 else -(i + 1) for i in range(len(cat.options))])
        if not solver.solve():
            return None
        return model_mask(solver.get_model(), 1, len(cat.options))
