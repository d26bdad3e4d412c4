"""Minimal repair: the fewest other changes that make a build valid again.

A repair's result must be valid, keep what the click pinned, keep every step that was complete
complete, and be completable (choices can be added to it, none taken away, to reach a valid
complete build). Changes are counted per single-choice step changed and per option added to or
removed from a multiple-choice step.

`minimal_repair` first runs an iterative-deepening search that only ever branches on the steps
of one broken constraint, so the first depth with an acceptable build is the minimum number of
changes. Among equally small repairs it prefers the smallest change of the total price (price
rules included), then the options listed first. That search settles almost every click within
its budget (80 expanded builds). When the budget runs out, or the search meets a valid build
that cannot be completed (it cannot see past one), a MaxSAT solver (engine.maxsat) finds the
minimum instead. Either way the repair is minimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .catalog import (
    AVAILABILITY,
    CARDINALITY,
    EXCLUDES,
    REQUIRES,
    SINGLE,
    TEXT,
    Catalog,
    GroupDef,
    RuleDef,
    iter_bits,
)
from .rules import violating_values

DEFAULT_NODE_BUDGET = 80
MAX_TIED_SOLUTIONS = 64


@dataclass(frozen=True, slots=True)
class Pins:
    """What a repair must not touch: whole single-choice steps, and options kept on or off."""

    groups: frozenset[int] = frozenset()
    on: int = 0
    off: int = 0


@dataclass(frozen=True, slots=True)
class Problem:
    groups: tuple[int, ...]
    bits: int  # the options whose state decides it
    rule: RuleDef | None = None  # None: a step over its maximum, or an option switched off
    # Said, not derived from `bits`: a step over its maximum may hold an unavailable option too.
    off: bool = False
    # A step that was complete before the repair and is not now (bits: the options it can add).
    short: bool = False

    def fixed(self, cat: Catalog, mask: int) -> bool:
        if self.rule is not None:
            return not self.rule.violated(mask)
        group = cat.groups[self.groups[0]]
        if self.off:
            return not mask & self.bits
        if self.short:
            return (mask & group.mask).bit_count() >= group.need
        return (mask & group.mask).bit_count() <= group.limit


def _rule_problem(rule: RuleDef) -> Problem:
    return Problem(rule.groups, rule.subjects | rule.targets, rule)


def _one_move(cat: Catalog, bits: int) -> bool:
    """One change can clear all of `bits`: they sit in one single-choice step, or are one option."""
    if bits & (bits - 1) == 0:
        return True
    group = cat.groups[cat.options[(bits & -bits).bit_length() - 1].group]
    return group.kind == SINGLE and bits & ~group.mask == 0


def _well_behaved(cat: Catalog, problem: Problem, mask: int) -> bool:
    """Whether every valid build differs from `mask` in some single change that fixes `problem`
    on its own. Then branching only on such fixing changes still finds the minimal repair."""
    rule = problem.rule
    if rule is None:
        if problem.off:
            return True
        group = cat.groups[problem.groups[0]]
        if problem.short:
            return (mask & group.mask).bit_count() == group.need - 1
        return (mask & group.mask).bit_count() == group.limit + 1
    kind = rule.kind
    if kind == REQUIRES:
        return _one_move(cat, mask & rule.subjects)
    if kind == EXCLUDES:
        return _one_move(cat, mask & rule.subjects) and _one_move(cat, mask & rule.targets)
    if kind == AVAILABILITY:
        if not _one_move(cat, mask & rule.targets):
            return False
        missing = rule.subjects & ~mask
        return not rule.cond_all or missing & (missing - 1) == 0
    if kind == CARDINALITY:
        count = (mask & rule.subjects).bit_count()
        return count in (rule.max_count + 1, rule.min_count - 1)
    return False


def _short(group: GroupDef, mask: int) -> Problem:
    return Problem((group.index,), group.mask & ~mask, short=True)


def problems(cat: Catalog, mask: int, keep: frozenset[int] = frozenset()) -> dict:
    """What makes `mask` invalid, or leaves a step of `keep` (complete before) incomplete, keyed
    so that a change to one step can update it."""
    found: dict = {
        rule.code: _rule_problem(rule)
        for rule in cat.constraint_rules
        if rule.violated(mask)
    }
    for group in cat.capped:
        if (mask & group.mask).bit_count() > group.limit:
            found[("max", group.index)] = Problem((group.index,), mask & group.mask)
    for index in iter_bits(mask & ~cat.available_mask):
        found[("off", index)] = Problem((cat.options[index].group,), 1 << index, off=True)
    for g in keep:
        group = cat.groups[g]
        if (mask & group.mask).bit_count() < group.need:
            found[("short", g)] = _short(group, mask)
    return found


def _moves(cat: Catalog, mask: int, problem: Problem, pins: Pins) -> list[int]:
    """Every single change to the problem's steps that a repair may make."""
    out = []
    for g in problem.groups:
        group = cat.groups[g]
        if group.kind == SINGLE:
            if g in pins.groups:
                continue
            base = mask & ~group.mask
            for index in group.options:
                bit = 1 << index
                if bit & cat.available_mask and not bit & mask:
                    out.append(base | bit)
            if not group.need and mask & group.mask:
                out.append(base)
        else:
            for index in iter_bits(problem.bits & group.mask):
                bit = 1 << index
                if bit & mask and not bit & pins.on:
                    out.append(mask & ~bit)
                elif not bit & mask and not bit & pins.off and bit & cat.available_mask:
                    out.append(mask | bit)
    return out


def _fixing_moves(cat: Catalog, mask: int, problem: Problem, pins: Pins) -> list[int]:
    """The single changes that fix `problem` on its own (bit-parallel for single-choice steps)."""
    rule = problem.rule
    if rule is None:
        return [m for m in _moves(cat, mask, problem, pins) if problem.fixed(cat, m)]
    out = []
    for g in problem.groups:
        group = cat.groups[g]
        if group.kind != SINGLE:
            sub = Problem((g,), problem.bits & group.mask, rule)
            out.extend(m for m in _moves(cat, mask, sub, pins) if not rule.violated(m))
            continue
        if g in pins.groups:
            continue
        base = mask & ~group.mask
        ok = group.mask & cat.available_mask & ~mask & ~violating_values(rule, base, group.mask)
        out.extend(base | (1 << i) for i in iter_bits(ok))
        if not group.need and mask & group.mask and not rule.violated(base):
            out.append(base)
    return out


def _final_moves(cat: Catalog, mask: int, found: list[Problem], pins: Pins) -> Iterator[int]:
    """Single changes that fix every problem at once (the last level of the search)."""
    shared = set(found[0].groups)
    for problem in found[1:]:
        shared &= set(problem.groups)
    for g in sorted(shared):
        group = cat.groups[g]
        if group.kind == SINGLE:
            if g in pins.groups:
                continue
            base = mask & ~group.mask
            ok = group.mask & cat.available_mask & ~mask
            for problem in found:  # the broken rules first: most steps cannot fix them all
                if problem.rule is not None:
                    ok &= ~violating_values(problem.rule, base, group.mask)
            if ok:  # (even with no option left, clearing the step may still fix them all)
                for rule in cat.rules_by_group[g]:
                    ok &= ~violating_values(rule, base, group.mask)
                    if not ok:
                        break
                for index in iter_bits(ok):
                    yield base | (1 << index)
            if not group.need and mask & group.mask and not any(
                rule.violated(base) for rule in cat.rules_by_group[g]
            ):
                yield base
        else:
            bits = 0
            for problem in found:
                bits |= problem.bits
            for candidate in _moves(cat, mask, Problem((g,), bits & group.mask), pins):
                if not problems_in_group(cat, candidate, group):
                    yield candidate


def problems_in_group(cat: Catalog, mask: int, group: GroupDef) -> bool:
    if mask & group.mask & ~cat.available_mask:
        return True
    if (mask & group.mask).bit_count() > group.limit:
        return True
    return any(rule.violated(mask) for rule in cat.rules_by_group[group.index])


def distance(cat: Catalog, a: int, b: int) -> int:
    """Changes between two builds: single steps that differ plus options toggled in multi steps."""
    diff = a ^ b
    if not diff:
        return 0
    count = 0
    for group in cat.groups:
        d = diff & group.mask
        if d:
            count += 1 if group.kind == SINGLE else d.bit_count()
    return count


def _problems_after(cat: Catalog, old: dict, mask: int, changed: int, keep: frozenset[int]) -> dict:
    """`old` problems updated for a change to step `changed`: only its rules are looked at again."""
    group = cat.groups[changed]
    new = {
        key: p for key, p in old.items()
        if changed not in p.groups
    }
    for rule in cat.rules_by_group[changed]:
        if rule.violated(mask):
            new[rule.code] = _rule_problem(rule)
    chosen = mask & group.mask
    if chosen.bit_count() > group.limit:
        new[("max", changed)] = Problem((changed,), chosen)
    for index in iter_bits(chosen & ~cat.available_mask):
        new[("off", index)] = Problem((changed,), 1 << index, off=True)
    if changed in keep and chosen.bit_count() < group.need:
        new[("short", changed)] = _short(group, mask)
    return new


def _changed_group(cat: Catalog, a: int, b: int) -> int:
    low = (a ^ b) & -(a ^ b)
    return cat.options[low.bit_length() - 1].group


@dataclass
class _Search:
    cat: Catalog
    pins: Pins
    budget: int
    accept: _Acceptance
    nodes: int = 0
    seen: dict[int, int] = field(default_factory=dict)
    solutions: set[int] = field(default_factory=set)
    memo: dict[int, list] = field(default_factory=dict)
    # A valid build was met that is no repair (it cannot be completed): the search does not look
    # past it (nothing local says which change would help), so what it finds proves nothing.
    stuck: bool = False

    def run(self, mask: int, found: dict, depth: int) -> None:
        node = self.memo.get(mask)
        if node is None:
            # Expanded once per search: later (deeper) iterations reuse what was worked out.
            self.nodes += 1
            values = list(found.values())
            node = self.memo[mask] = [found, values, _lower_bound(values) if values else 0, None, None]
        if self.nodes > self.budget:
            return
        found, values, bound = node[0], node[1], node[2]
        if not values:
            if self.accept(mask):
                self.solutions.add(mask)
            else:
                self.stuck = True
            return
        if depth == 0 or bound > depth:
            return
        if depth == 1:
            if node[4] is None:
                final = list(_final_moves(self.cat, mask, values, self.pins))
                node[4] = [m for m in final if self.accept(m)]
                if len(node[4]) < len(final):
                    self.stuck = True
            self.solutions.update(node[4])
            return
        if node[3] is None:
            node[3] = self._branches(mask, values)
        for candidate in node[3]:
            if self.seen.get(candidate, -1) >= depth - 1:
                continue
            self.seen[candidate] = depth - 1
            if candidate in self.memo:
                child_found: dict = {}  # not read: the child's memo holds its problems
            else:
                changed = _changed_group(self.cat, mask, candidate)
                child_found = _problems_after(self.cat, found, candidate, changed, self.accept.kept)
            self.run(candidate, child_found, depth - 1)
            if self.nodes > self.budget or len(self.solutions) >= MAX_TIED_SOLUTIONS:
                return

    def _branches(self, mask: int, found: list[Problem]) -> list[int]:
        """The fixing changes of a well-behaved problem if there is one (fewest first), else every
        change to the steps of the problem with the fewest changes."""
        cat, pins = self.cat, self.pins
        best: list[int] | None = None
        for problem in found:
            if _well_behaved(cat, problem, mask):
                fixing = _fixing_moves(cat, mask, problem, pins)
                if best is None or len(fixing) < len(best):
                    best = fixing
                    if not best:
                        return best
        if best is not None:
            return best
        return min((_moves(cat, mask, p, pins) for p in found), key=len)


class _Acceptance:
    """Whether a valid build may be the repair of `start`: every step complete in `start` is
    still complete, and the build is complete or can be completed by adding choices (asked of
    the SAT oracle only for a build that is not complete; the answers are remembered)."""

    def __init__(self, cat: Catalog, start: int) -> None:
        self.cat = cat
        self.keep = tuple(g for g in cat.needy if (start & g.mask).bit_count() >= g.need)
        self.kept = frozenset(g.index for g in self.keep)
        self.answers: dict[int, bool] = {}

    def __call__(self, mask: int) -> bool:
        for group in self.keep:
            if (mask & group.mask).bit_count() < group.need:
                return False
        if len(self.keep) == len(self.cat.needy):
            return True  # every needy step is kept complete: the build is complete
        answer = self.answers.get(mask)
        if answer is None:
            answer = self.answers[mask] = completable(self.cat, mask)
        return answer


def completable(cat: Catalog, mask: int) -> bool:
    """A valid `mask` is completable when choices can be added to it (none taken away) to give
    a valid complete build. A complete build is; otherwise the SAT oracle decides."""
    if all((mask & g.mask).bit_count() >= g.need for g in cat.needy):
        return True
    from .sat import oracle

    return oracle(cat).completion(mask) is not None


def _lower_bound(found: list[Problem]) -> int:
    """Problems on disjoint steps each need a change of their own."""
    used: set[int] = set()
    count = 0
    for problem in sorted(found, key=lambda p: len(p.groups)):
        if used.isdisjoint(problem.groups):
            used.update(problem.groups)
            count += 1
    return count


def price_between(cat: Catalog, a: int, b: int) -> Decimal:
    """The total price of b minus that of a (personal text left out: a repair never changes it).
    Only the options that differ and the price rules on their steps are looked at."""
    diff = a ^ b
    options = cat.options
    delta = Decimal(0)
    rules: dict[int, RuleDef] = {}
    for i in iter_bits(diff):
        option = options[i]
        delta += option.price if b >> i & 1 else -option.price
        for rule in cat.price_rules_by_group[option.group]:
            rules[rule.index] = rule
    for rule in rules.values():
        delta += rule.amount * (rule.holds(b) - rule.holds(a))
    return delta


def closest(cat: Catalog, mask: int, candidates: Iterable[int]) -> int:
    """The candidate with the fewest changes from `mask`, then the smallest change of the total
    price, then the options listed first."""
    candidates = list(candidates)
    fewest = min(distance(cat, mask, m) for m in candidates)
    tied = [m for m in candidates if distance(cat, mask, m) == fewest]
    if len(tied) == 1:
        return tied[0]
    return min(tied, key=lambda m: (abs(price_between(cat, mask, m)), sorted(iter_bits(m & ~mask))))


def minimal_repair(
    cat: Catalog, mask: int, pins: Pins | None = None, budget: int = DEFAULT_NODE_BUDGET
) -> int | None:
    """The nearest acceptable valid mask that respects `pins`, or None when none exists."""
    pins = pins or Pins()
    accept = _Acceptance(cat, mask)
    found = problems(cat, mask, accept.kept)
    if not found:
        if accept(mask):
            return mask
        from .maxsat import nearest  # valid but a dead end: only the solver knows where to go

        return nearest(cat, mask, pins, accept.keep)
    max_depth = sum(1 if g.kind == SINGLE else len(g.options) for g in cat.groups if g.kind != TEXT)
    search = _Search(cat, pins, budget, accept)
    for depth in range(1, max_depth + 1):
        search.seen.clear()
        search.run(mask, found, depth)
        if search.stuck:
            break  # a nearer repair may lie past a build the search cannot see beyond
        if search.solutions:
            return closest(cat, mask, search.solutions)
        if search.nodes > budget:
            break
    else:
        return None  # every build was looked at: none is a repair
    # The nearest build lies deeper than the budget allows, or past a dead end: ask MaxSAT.
    from .maxsat import nearest

    return nearest(cat, mask, pins, accept.keep)
