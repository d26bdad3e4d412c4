"""Minimal repair: the fewest other changes that make a build valid again.

`minimal_repair` runs an iterative-deepening search that only ever branches on the steps of
one broken constraint, so the first depth with a solution is the minimum number of changes
(a step changed, or a multiple-choice option added or removed). Among equally small repairs
it prefers the smallest price change, then the options listed first. If the search budget
runs out, `find_valid` (a plain backtracking search) still finds a valid build when one exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .catalog import (
    AVAILABILITY,
    CARDINALITY,
    EXCLUDES,
    MULTI,
    REQUIRES,
    SINGLE,
    TEXT,
    Catalog,
    GroupDef,
    RuleDef,
    iter_bits,
)
from .rules import is_valid_mask, violating_values

DEFAULT_NODE_BUDGET = 150
MAX_TIED_SOLUTIONS = 64
FALLBACK_BUDGET = 3_000


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

    def fixed(self, cat: Catalog, mask: int) -> bool:
        if self.rule is not None:
            return not self.rule.violated(mask)
        group = cat.groups[self.groups[0]]
        if self.off:
            return not mask & self.bits
        return (mask & group.mask).bit_count() <= group.max_count


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
        return (mask & group.mask).bit_count() == group.max_count + 1
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


def problems(cat: Catalog, mask: int) -> dict:
    """What makes `mask` invalid, keyed so that a change to one step can update it."""
    found: dict = {
        rule.code: _rule_problem(rule)
        for rule in cat.constraint_rules
        if rule.violated(mask)
    }
    for group in cat.groups:
        if group.kind == MULTI and (mask & group.mask).bit_count() > group.max_count:
            found[("max", group.index)] = Problem((group.index,), mask & group.mask)
    for index in iter_bits(mask & ~cat.available_mask):
        found[("off", index)] = Problem((cat.options[index].group,), 1 << index, off=True)
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
            if not group.required and mask & group.mask:
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
        if not group.required and mask & group.mask and not rule.violated(base):
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
            if not ok:
                continue
            for rule in cat.rules_by_group[g]:
                ok &= ~violating_values(rule, base, group.mask)
                if not ok:
                    break
            for index in iter_bits(ok):
                yield base | (1 << index)
            if not group.required and mask & group.mask and not any(
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
    if group.kind == MULTI and (mask & group.mask).bit_count() > group.max_count:
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


def _price(cat: Catalog, mask: int) -> Decimal:
    return sum((cat.options[i].price for i in iter_bits(mask)), Decimal(0))


def _problems_after(cat: Catalog, old: dict, mask: int, changed: int) -> dict:
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
    if group.kind == MULTI and chosen.bit_count() > group.max_count:
        new[("max", changed)] = Problem((changed,), chosen)
    for index in iter_bits(chosen & ~cat.available_mask):
        new[("off", index)] = Problem((changed,), 1 << index, off=True)
    return new


def _changed_group(cat: Catalog, a: int, b: int) -> int:
    low = (a ^ b) & -(a ^ b)
    return cat.options[low.bit_length() - 1].group


@dataclass
class _Search:
    cat: Catalog
    pins: Pins
    budget: int
    nodes: int = 0
    seen: dict[int, int] = field(default_factory=dict)
    solutions: set[int] = field(default_factory=set)
    memo: dict[int, list] = field(default_factory=dict)

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
            self.solutions.add(mask)
            return
        if depth == 0 or bound > depth:
            return
        if depth == 1:
            if node[4] is None:
                node[4] = list(_final_moves(self.cat, mask, values, self.pins))
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
                child_found = _problems_after(self.cat, found, candidate, _changed_group(self.cat, mask, candidate))
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


def _lower_bound(found: list[Problem]) -> int:
    """Problems on disjoint steps each need a change of their own."""
    used: set[int] = set()
    count = 0
    for problem in sorted(found, key=lambda p: len(p.groups)):
        if used.isdisjoint(problem.groups):
            used.update(problem.groups)
            count += 1
    return count


def minimal_repair(
    cat: Catalog, mask: int, pins: Pins | None = None, budget: int = DEFAULT_NODE_BUDGET
) -> int | None:
    """The nearest valid mask that respects `pins`, or None when none exists."""
    pins = pins or Pins()
    found = problems(cat, mask)
    if not found:
        return mask
    max_depth = sum(1 if g.kind == SINGLE else len(g.options) for g in cat.groups if g.kind != TEXT)
    search = _Search(cat, pins, budget)
    for depth in range(1, max_depth + 1):
        search.seen.clear()
        search.run(mask, found, depth)
        if search.solutions:
            base_price = _price(cat, mask)
            return min(
                search.solutions,
                key=lambda m: (
                    distance(cat, mask, m),
                    abs(_price(cat, m) - base_price),
                    sorted(iter_bits(m & ~mask)),
                ),
            )
        if search.nodes > budget:
            break
    # Deeper than the budget allows: a greedy descent (or, failing that, any valid build), then
    # undo every change it can spare.
    found_mask = _greedy(cat, mask, found, pins, search)
    if found_mask is None:
        found_mask = _witness(cat, mask, pins)
    if found_mask is None:
        found_mask = find_valid(cat, pins, prefer=mask, budget=FALLBACK_BUDGET)
    return None if found_mask is None else _undo_spare_changes(cat, mask, found_mask)


def _witness(cat: Catalog, mask: int, pins: Pins) -> int | None:
    """A stored valid build that keeps what is pinned (see check.reachability), if any."""
    for witness in cat.witnesses:
        if witness & pins.on != pins.on or witness & pins.off:
            continue
        if any((witness ^ mask) & cat.groups[g].mask for g in pins.groups):
            continue
        if is_valid_mask(cat, witness):
            return witness
    return None


def _greedy(cat: Catalog, mask: int, found: dict, pins: Pins, search: _Search) -> int | None:
    """Repeatedly take the change that leaves the fewest problems (then the smallest price move)."""
    seen = {mask}
    for _ in range(2 * len(cat.groups)):
        if not found:
            return mask
        moves = search._branches(mask, list(found.values()))
        best = None
        for candidate in moves:
            if candidate in seen:
                continue
            after = _problems_after(cat, found, candidate, _changed_group(cat, mask, candidate))
            key = (len(after), abs(_price(cat, candidate) - _price(cat, mask)))
            if best is None or key < best[0]:
                best = (key, candidate, after)
        if best is None:
            return None
        _, mask, found = best
        seen.add(mask)
    return None


def _undo_spare_changes(cat: Catalog, original: int, repaired: int) -> int:
    """Put back each original choice the repaired build can keep and stay valid."""
    improved = True
    while improved:
        improved = False
        for group in cat.groups:
            diff = (original ^ repaired) & group.mask
            if not diff:
                continue
            steps = [group.mask] if group.kind == SINGLE else [1 << i for i in iter_bits(diff)]
            for part in steps:
                candidate = (repaired & ~part) | (original & part)
                # `repaired` is valid and `candidate` differs only in this step: its rules decide.
                if not problems_in_group(cat, candidate, group):
                    repaired = candidate
                    improved = True
    return repaired


def find_valid(cat: Catalog, pins: Pins, prefer: int = 0, budget: int = 50_000) -> int | None:
    """Any valid mask that respects `pins`, trying `prefer`'s choices first; None if none exists
    or the budget ran out first.

    Backtracking with forward checking: once a rule has one open variable left (a single-choice
    step, or one option of a multiple-choice step), that variable's values are filtered, so a
    contradiction such as "only with red" plus "only with blue" is found at once.
    """
    domains = _variables(cat, pins, prefer)
    constraints: list[tuple[object, tuple]] = []
    for rule in cat.constraint_rules:
        constraints.append((rule, tuple(sorted(_rule_vars(cat, rule), key=str))))
    for group in cat.groups:
        if group.kind == MULTI and group.max_count < len(group.options):
            constraints.append((group, tuple((group.index, i) for i in group.options)))
    by_var: dict[object, list[int]] = {var: [] for var in domains}
    for c_index, (_, var_list) in enumerate(constraints):
        for var in var_list:
            by_var[var].append(c_index)
    for item, var_list in constraints:
        if not var_list and not _holds(item, 0):
            return None
    nodes = 0

    def dfs(domains: dict, assigned: dict, mask: int) -> int | None:
        nonlocal nodes
        nodes += 1
        if nodes > budget:
            return None
        open_vars = [v for v in domains if v not in assigned]
        if not open_vars:
            return mask
        var = min(open_vars, key=lambda v: (len(domains[v]), -len(by_var[v])))
        for value in domains[var]:
            candidate = mask | value
            narrowed = _forward_check(var, value, candidate, domains, assigned, constraints, by_var)
            if narrowed is None:
                continue
            result = dfs(narrowed, {**assigned, var: value}, candidate)
            if result is not None or nodes > budget:
                return result
        return None

    return dfs(domains, {}, 0)


def _forward_check(var, value: int, mask: int, domains: dict, assigned: dict, constraints, by_var) -> dict | None:
    narrowed = dict(domains)
    narrowed[var] = [value]
    for c_index in by_var[var]:
        item, var_list = constraints[c_index]
        open_vars = [v for v in var_list if v != var and v not in assigned]
        if isinstance(item, GroupDef):
            if not _holds(item, mask):
                return None
            continue
        if not open_vars:
            if not _holds(item, mask):
                return None
        elif len(open_vars) == 1:
            other = open_vars[0]
            kept = [value for value in narrowed[other] if _holds(item, mask | value)]
            if not kept:
                return None
            narrowed[other] = kept
    return narrowed


def _holds(item, mask: int) -> bool:
    if isinstance(item, GroupDef):
        return (mask & item.mask).bit_count() <= item.max_count
    return not item.violated(mask)


def _rule_vars(cat: Catalog, rule) -> set:
    out = set()
    for index in iter_bits(rule.subjects | rule.targets):
        group = cat.groups[cat.options[index].group]
        out.add(group.index if group.kind == SINGLE else (group.index, index))
    return out


def _variables(cat: Catalog, pins: Pins, prefer: int) -> dict[object, list[int]]:
    """Each single-choice step is a variable; so is each option of a multiple-choice step.
    Values are option bits (0 for "none"), the preferred value first."""
    variables: dict[object, list[int]] = {}
    for group in cat.groups:
        if group.kind == TEXT:
            continue
        if group.kind == SINGLE:
            current = prefer & group.mask
            if group.index in pins.groups:
                values = [current] if not current & ~cat.available_mask else []
            else:
                values = [1 << i for i in group.options if (1 << i) & cat.available_mask]
                values.sort(key=lambda bit: bit != current)
                if not group.required:
                    values.insert(0 if not current else len(values), 0)
            variables[group.index] = values
        else:
            for index in group.options:
                bit = 1 << index
                if bit & pins.on:
                    values = [bit] if bit & cat.available_mask else []
                elif bit & pins.off or not bit & cat.available_mask:
                    values = [0]
                else:
                    values = [bit, 0] if bit & prefer else [0, bit]
                variables[(group.index, index)] = values
    return variables
