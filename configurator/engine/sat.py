"""The catalog as a propositional formula, for the questions the bitset search cannot settle fast.

Every option is a Boolean variable. A build is valid when the clauses of `validity` hold (rules,
each step's maximum, nothing switched off), and complete when those of `completeness` hold too
(each step's minimum, or one choice in a required step). Exact reachability (publishing),
completability (is there a valid complete build that only adds choices to this one?) and the
minimal repair when the fast search runs out of budget (MaxSAT) are all asked of this formula.

The solver is Glucose (CDCL SAT) through PySAT; engine.maxsat runs core-guided MaxSAT on it.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from math import comb

from pysat.card import CardEnc, EncType
from pysat.solvers import Glucose4

from .catalog import AVAILABILITY, CARDINALITY, EXCLUDES, NO_MAX, REQUIRES, TEXT, Catalog, iter_bits

Clause = list[int]
# Up to this many clauses a cardinality constraint is written out directly (every subset that
# breaks it forbidden) rather than with a sequential counter's helper variables.
DIRECT = 16


@dataclass
class Formula:
    """Clauses over variables 1..top; `top` grows as cardinality encodings add helpers."""

    top: int
    clauses: list[Clause] = field(default_factory=list)

    def new(self) -> int:
        self.top += 1
        return self.top

    def at_most(self, lits: list[int], bound: int) -> None:
        if bound >= len(lits):
            return
        if bound <= 0:
            self.clauses.extend([-lit] for lit in lits)
            return
        if comb(len(lits), bound + 1) <= DIRECT:  # no bound + 1 of them together
            self.clauses.extend([-lit for lit in chosen] for chosen in combinations(lits, bound + 1))
            return
        cnf = CardEnc.atmost(lits, bound=bound, top_id=self.top, encoding=EncType.seqcounter)
        self.top = max(self.top, cnf.nv)
        self.clauses.extend(cnf.clauses)

    def at_least(self, lits: list[int], bound: int) -> None:
        if bound <= 0:
            return
        if bound > len(lits):
            self.clauses.append([])  # never satisfiable
            return
        if comb(len(lits), len(lits) - bound + 1) <= DIRECT:  # never that many of them missing
            self.clauses.extend(list(chosen) for chosen in combinations(lits, len(lits) - bound + 1))
            return
        cnf = CardEnc.atleast(lits, bound=bound, top_id=self.top, encoding=EncType.seqcounter)
        self.top = max(self.top, cnf.nv)
        self.clauses.extend(cnf.clauses)


def validity(cat: Catalog, formula: Formula, var: Callable[[int], int], allowed: int) -> None:
    """Clauses that hold exactly when the options set true form a valid build using only
    `allowed` options."""
    for option in cat.options:
        if not allowed >> option.index & 1:
            formula.clauses.append([-var(option.index)])
    for group in cat.groups:
        if group.kind != TEXT:
            formula.at_most([var(i) for i in group.options], group.limit)
    for rule in cat.constraint_rules:
        subjects = [var(i) for i in iter_bits(rule.subjects)]
        targets = [var(i) for i in iter_bits(rule.targets)]
        if rule.kind == REQUIRES:
            formula.clauses.extend([-s, *targets] for s in subjects)
        elif rule.kind == EXCLUDES:
            formula.clauses.extend([-s, -t] if s != t else [-s] for s in subjects for t in targets)
        elif rule.kind == AVAILABILITY:
            if rule.cond_all:
                formula.clauses.extend([-t, s] for t in targets for s in subjects)
            else:
                formula.clauses.extend([-t, *subjects] for t in targets)
        elif rule.kind == CARDINALITY:
            formula.at_least(subjects, rule.min_count)
            if rule.max_count < NO_MAX:
                formula.at_most(subjects, rule.max_count)


def completeness(cat: Catalog, formula: Formula, var: Callable[[int], int]) -> None:
    """Clauses that hold exactly when every step holds at least what it needs."""
    for group in cat.groups:
        if group.kind != TEXT and group.need:
            formula.at_least([var(i) for i in group.options], group.need)


def option_var(index: int) -> int:
    return index + 1


class Oracle:
    """A Glucose solver over validity + completeness of the published catalog, kept with the
    catalog and asked under assumptions: "is there a valid complete build holding these options?"
    One per catalog; a lock keeps threads (if any) from sharing it at once."""

    def __init__(self, cat: Catalog) -> None:
        formula = Formula(len(cat.options))
        validity(cat, formula, option_var, cat.available_mask)
        completeness(cat, formula, option_var)
        self.impossible = any(not clause for clause in formula.clauses)
        self.count = len(cat.options)
        self.solver = Glucose4(bootstrap_with=[c for c in formula.clauses if c])
        self.lock = threading.Lock()
        _live.add(self)

    def completion(self, chosen: int) -> int | None:
        """A valid complete build holding every option of `chosen`, or None when none exists."""
        if self.impossible:
            return None
        with self.lock:
            if not self.solver.solve(assumptions=[i + 1 for i in iter_bits(chosen)]):
                return None
            return model_mask(self.solver.get_model(), 1, self.count)


# Oracles still alive when the interpreter exits: their solvers are freed first, while PySAT's
# module is still there to do it (else each prints an "Exception ignored" at exit).
_live: weakref.WeakSet[Oracle] = weakref.WeakSet()


@atexit.register
def _free_solvers() -> None:
    for found in list(_live):
        found.solver.delete()


def model_mask(model: Iterable[int], first: int, count: int) -> int:
    """The options set true in `model`, for option variables first..first+count-1."""
    mask = 0
    last = first + count
    for lit in model:
        if first <= lit < last:
            mask |= 1 << (lit - first)
    return mask


def oracle(cat: Catalog) -> Oracle:
    holder = cat.derived
    found = holder.get("oracle")
    if found is None:
        found = holder.setdefault("oracle", Oracle(cat))
    return found
