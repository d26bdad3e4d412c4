"""The minimal repair when the fast search runs out of budget: a MaxSAT problem.

Variables x are the repaired build. Hard: x valid, the pins, and every step complete before the
repair complete in x. When some step was not complete, variables y are a completion of x too
(x holds only options y holds; y valid and complete), so that x can be completed; when every
step was complete, x is complete itself and needs no y. Soft, each of weight 1: every current
choice kept (a single-choice step's option, or its being empty; each option of a
multiple-choice step on or off). The optimum breaks the fewest soft clauses, which is the fewest
changes as `repair.distance` counts them.

The optimum is found by OLL, the core-guided algorithm of PySAT's RC2, on Glucose. The
catalog's clauses are worked out once per catalog (and once more with y); the click's pins, the
steps to keep complete and the soft clauses are all assumptions, so a repair adds no clauses but
the small totalizers over the cores it meets. Each repair gets a fresh solver: one kept between
repairs answers in a fifth of the time, but which of several optimal builds it finds then depends
on the repairs asked before, and the same click must get the same repair in every process (the
studio shows what a conflicting option costs after its repair before the shopper clicks it).

Drawing every tied optimum would cost a solver call each, so ties on price are settled locally
and cheaply: each single-choice step the optimum changed may take another value that keeps the
build acceptable if that brings the total price closer to what it was (the number of changes
stays the same).
"""

from __future__ import annotations

from pysat.card import ITotalizer
from pysat.solvers import Glucose4

from .catalog import SINGLE, TEXT, Catalog, GroupDef, iter_bits
from .repair import Pins, price_between
from .sat import Formula, completeness, model_mask, validity

# A click waits for the answer, so the solver has a budget of unit propagations (about a second
# or two of work; counted, not timed, so an answer never depends on the machine's load, and no
# timer thread is started per repair). Past it the nearest build found by a plain SAT call
# steered towards the current choices is taken instead (valid and completable, maybe not
# minimal). The most any repair took at 40 x 30 with 1,000 rules was 23,414 propagations.
PROPAGATIONS = 20_000_000


class _Formula:
    """x's validity (and y's part, `completion`), with for each single-choice step a literal that
    empties it and for each step that needs choices one that completes it: worked out once."""

    def __init__(self, cat: Catalog, completion: bool) -> None:
        n = len(cat.options)
        formula = Formula(2 * n if completion else n)
        validity(cat, formula, lambda i: i + 1, cat.available_mask)
        if completion:
            validity(cat, formula, lambda i: n + i + 1, cat.available_mask)
            completeness(cat, formula, lambda i: n + i + 1)
            formula.clauses.extend([-(i + 1), n + i + 1] for i in range(n))
        self.empty: dict[int, int] = {}
        self.complete: dict[int, int] = {}
        for group in cat.groups:
            if group.kind == SINGLE:
                empty = self.empty[group.index] = formula.new()
                formula.clauses.extend([-empty, -(i + 1)] for i in group.options)
            if group.need:
                complete = self.complete[group.index] = formula.new()
                part = Formula(formula.top)
                part.at_least([i + 1 for i in group.options], group.need)
                formula.top = part.top
                formula.clauses.extend([-complete, *clause] for clause in part.clauses)
        self.impossible = any(not clause for clause in formula.clauses)
        self.clauses = [c for c in formula.clauses if c]
        self.top = formula.top
        self.count = n

    def literals(self, cat: Catalog, mask: int, pins: Pins, keep: tuple[GroupDef, ...]) -> tuple[list, list]:
        """(hard assumptions: pins and steps kept complete, soft ones: current choices kept)."""
        hard: list[int] = [self.complete[g.index] for g in keep]
        soft: list[int] = []
        for group in cat.groups:
            if group.kind == TEXT:
                continue
            chosen = mask & group.mask
            if group.kind == SINGLE:
                if group.index in pins.groups:
                    hard.extend(i + 1 if chosen >> i & 1 else -(i + 1) for i in group.options)
                else:
                    soft.append(chosen.bit_length() if chosen else self.empty[group.index])
                continue
            for i in group.options:
                bit = 1 << i
                if bit & pins.on:
                    hard.append(i + 1)
                elif bit & pins.off:
                    hard.append(-(i + 1))
                else:
                    soft.append(i + 1 if chosen & bit else -(i + 1))
        return hard, soft

    def optimum(self, solver: Glucose4, hard: list[int], soft: list[int]) -> int | None:
        """OLL with unit weights: while the assumptions fail, relax the soft ones in the core
        (one more of them may go) through a totalizer. Returns the optimal build, None when the
        hard part alone fails; raises TimeoutError past the budget of propagations."""
        top = self.top
        assumed = dict.fromkeys(soft)
        bounds: dict[int, tuple[ITotalizer, int]] = {}  # "sum <= b" literal -> (totalizer, b)
        while True:
            left = PROPAGATIONS - solver.accum_stats()["propagations"]
            if left <= 0:
                raise TimeoutError
            solver.prop_budget(left)
            answer = solver.solve_limited(assumptions=hard + list(assumed))
            if answer is None:
                raise TimeoutError
            if answer:
                return model_mask(solver.get_model(), 1, self.count)
            core = [lit for lit in solver.get_core() or () if lit in assumed]
            if not core:
                return None
            for lit in core:
                del assumed[lit]
                if lit in bounds:
                    total, bound = bounds.pop(lit)
                    if bound + 1 < len(total.rhs):
                        assumed[-total.rhs[bound + 1]] = None
                        bounds[-total.rhs[bound + 1]] = (total, bound + 1)
            if len(core) > 1:
                total = ITotalizer(lits=[-lit for lit in core], ubound=len(core), top_id=top)
                top = total.top_id
                solver.append_formula(total.cnf.clauses)
                assumed[-total.rhs[1]] = None
                bounds[-total.rhs[1]] = (total, 1)

    def steered(self, hard: list[int], mask: int) -> int | None:
        """Any build meeting the hard part, steered towards `mask`'s choices."""
        with Glucose4(bootstrap_with=self.clauses) as solver:
            solver.set_phases([i + 1 if mask >> i & 1 else -(i + 1) for i in range(self.count)])
            if not solver.solve(assumptions=hard):
                return None
            return model_mask(solver.get_model(), 1, self.count)


def _formula(cat: Catalog, completion: bool) -> _Formula:
    key = "maxsat+y" if completion else "maxsat"
    found = cat.derived.get(key)
    if found is None:
        found = cat.derived.setdefault(key, _Formula(cat, completion))
    return found


def nearest(cat: Catalog, mask: int, pins: Pins, keep: tuple[GroupDef, ...]) -> int | None:
    """The acceptable valid build (see repair) with the fewest changes from `mask`, None if there
    is none."""
    formula = _formula(cat, completion=len(keep) < len(cat.needy))
    if formula.impossible:
        return None
    hard, soft = formula.literals(cat, mask, pins, keep)
    with Glucose4(bootstrap_with=formula.clauses) as solver:
        try:
            best = formula.optimum(solver, hard, soft)
        except TimeoutError:
            best = formula.steered(hard, mask)
    return None if best is None else _cheaper_ties(cat, mask, best, pins, keep)


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
