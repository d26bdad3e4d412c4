"""An independent checker: the catalog's meaning, read straight from the raw snapshot, handed to
OR-Tools' CP-SAT solver. It shares no code with the engine (not its SAT encoding either); only the
option -> bit numbering is taken from the compiled catalog, so that masks compare.

It answers, exactly, on catalogs far too big to enumerate:
- which offered options are in some valid complete build (publish-time reachability);
- the fewest changes that repair a build (a CP-SAT optimum), and whether any repair exists;
- what availability must say about an option, from a valid build.

The rule it checks the engine against (README, "The engine"): a build is valid when no rule is
broken, no step holds more than its maximum (one at most in a single-choice step) and nothing
switched off or unreachable is chosen; complete when every step holds what it needs (its
minimum, one if required, one at most in a single-choice step). A repair's result is valid, keeps
the click, keeps every step that was complete complete, and can be completed by adding choices.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from configurator.engine import Catalog, Pins

WORKERS = 1  # the machine and CI have two cores, shared with the test's own process


@dataclass(frozen=True)
class Step:
    code: str
    kind: str
    need: int
    most: int | None
    options: tuple[int, ...]  # option indices
    group: int  # the compiled catalog's index of the step (what Pins.groups holds)

    @property
    def mask(self) -> int:
        return sum(1 << i for i in self.options)

    def count(self, mask: int) -> int:
        return sum(mask >> i & 1 for i in self.options)


@dataclass(frozen=True)
class Rule:
    kind: str
    subjects: tuple[int, ...]
    targets: tuple[int, ...]
    cond_all: bool
    low: int
    high: int | None

    def broken(self, mask: int) -> bool:
        subjects = [mask >> i & 1 for i in self.subjects]
        targets = [mask >> i & 1 for i in self.targets]
        if self.kind == "requires":
            return any(subjects) and not any(targets)
        if self.kind == "excludes":
            return any(subjects) and any(targets)
        if self.kind == "availability":
            holds = all(subjects) if self.cond_all else any(subjects)
            return any(targets) and not holds
        if self.kind == "cardinality":
            count = sum(subjects)
            return count < self.low or (self.high is not None and count > self.high)
        return False


class Checker:
    def __init__(self, snapshot: dict, cat: Catalog) -> None:
        index = {key: option.index for key, option in cat.option_by_key.items()}
        self.n = len(cat.options)
        self.steps: list[Step] = []
        for g in snapshot["groups"]:
            if g["kind"] == "text":
                continue
            need = max(g.get("min") or 0, 1 if g.get("required") else 0)
            most = g.get("max")
            if g["kind"] == "single":
                need, most = min(need, 1), 1 if most is None else min(most, 1)
            self.steps.append(Step(
                g["code"], g["kind"], need, most, tuple(index[f"{g['code']}.{o['code']}"] for o in g["options"]),
                cat.group_by_code[g["code"]].index,
            ))
        self.step_of = {i: s for s in self.steps for i in s.options}
        self.off = {index[f"{g['code']}.{o['code']}"] for g in snapshot["groups"] for o in g["options"]
                    if not o.get("available", True)}
        self.unreachable = {index[key] for key in snapshot.get("unreachable", [])}
        self.rules = [
            Rule(r["kind"], tuple(index[k] for k in r.get("subjects", [])), tuple(index[k] for k in r.get("targets", [])),
                 r.get("condition", "all") != "any", r.get("min") or 0, r.get("max"))
            for r in snapshot.get("rules", []) if r["kind"] != "price"
        ]
        self._bases: dict[str, tuple] = {}

    # Plain evaluation ------------------------------------------------------------------------

    def valid(self, mask: int) -> bool:
        if any(mask >> i & 1 for i in self.off | self.unreachable):
            return False
        if any(s.most is not None and s.count(mask) > s.most for s in self.steps):
            return False
        return not any(rule.broken(mask) for rule in self.rules)

    def complete(self, mask: int) -> bool:
        return all(s.count(mask) >= s.need for s in self.steps)

    def distance(self, a: int, b: int) -> int:
        return sum(
            (1 if (a ^ b) & s.mask else 0) if s.kind == "single" else ((a ^ b) & s.mask).bit_count()
            for s in self.steps
        )

    def click(self, mask: int, option: int) -> tuple[int, Pins]:
        """A click that picks `option` (as the studio sends it): the build and what it pins."""
        step = self.step_of[option]
        if step.kind == "single":
            return (mask & ~step.mask) | 1 << option, Pins(groups=frozenset({step.group}))
        return mask | 1 << option, Pins(on=1 << option)

    # Models -----------------------------------------------------------------------------------

    def _build(self, model: cp_model.CpModel, published: bool, complete: bool) -> list[cp_model.IntVar]:
        x = [model.NewBoolVar(f"x{i}") for i in range(self.n)]
        banned = self.off | (self.unreachable if published else set())
        for i in banned:
            model.Add(x[i] == 0)
        for step in self.steps:
            if step.most is not None:
                model.Add(sum(x[i] for i in step.options) <= step.most)
            if complete and step.need:
                model.Add(sum(x[i] for i in step.options) >= step.need)
        for rule in self.rules:
            s, t = [x[i] for i in rule.subjects], [x[i] for i in rule.targets]
            if rule.kind == "requires":
                for a in s:
                    model.AddBoolOr([a.Not(), *t])
            elif rule.kind == "excludes":
                for a in s:
                    for b in t:
                        model.AddBoolOr([a.Not(), b.Not()])
            elif rule.kind == "availability":
                for b in t:
                    if rule.cond_all:
                        for a in s:
                            model.AddImplication(b, a)
                    else:
                        model.AddBoolOr([b.Not(), *s])
            elif rule.kind == "cardinality":
                model.Add(sum(s) >= rule.low)
                if rule.high is not None:
                    model.Add(sum(s) <= rule.high)
        return x

    def _base(self, key: str) -> tuple[cp_model.CpModel, list[int], list[int]]:
        """A model built once and cloned for each question (building one takes longer than most
        solves): "unpublished" (a valid complete build before publishing), "complete" (one after),
        "repair" (x a build, y a valid complete build holding it). Returns the model and the
        proto indices of x and y."""
        cached = self._bases.get(key)
        if cached is None:
            model = cp_model.CpModel()
            if key == "repair":
                x = self._build(model, published=True, complete=False)
                y = self._build(model, published=True, complete=True)
                for a, b in zip(x, y, strict=True):
                    model.AddImplication(a, b)
            else:
                x = y = self._build(model, published=key != "unpublished", complete=True)
            cached = self._bases[key] = (model, [v.Index() for v in x], [v.Index() for v in y])
        return cached

    def _clone(self, key: str) -> tuple[cp_model.CpModel, list, list]:
        base, xs, ys = self._base(key)
        model = base.clone()
        return model, [model.get_bool_var_from_proto_index(i) for i in xs], [model.get_bool_var_from_proto_index(i) for i in ys]

    def _solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = WORKERS
        return solver

    def unreachable_options(self) -> set[int]:
        """Offered options in no valid complete build (as before publishing marked any).

        For each option not yet seen in a build found earlier: a valid complete build holding
        it and, as far as CP-SAT gets in a short time, as many other options not yet seen; or
        CP-SAT's proof that there is none (only that makes an option unreachable)."""
        model = cp_model.CpModel()
        x = self._build(model, published=False, complete=True)
        quick, exact = self._solver(), self._solver()
        quick.parameters.max_time_in_seconds = 0.2
        covered, dead = set(), set()
        for i in range(self.n):
            if i in self.off or i in covered:
                continue
            model.ClearAssumptions()
            model.AddAssumption(x[i])
            model.Maximize(sum(x[j] for j in range(self.n) if j not in covered and j not in self.off))
            solver, status = quick, quick.Solve(model)
            if status == cp_model.UNKNOWN:  # no answer in the short time: feasibility alone
                model.ClearObjective()
                solver, status = exact, exact.Solve(model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                covered |= {j for j in range(self.n) if solver.Value(x[j])}
            else:
                assert status == cp_model.INFEASIBLE, solver.StatusName(status)
                dead.add(i)
        return dead

    def in_no_complete_build(self, option: int) -> bool:
        """CP-SAT's proof that no valid complete build (before publishing) holds `option`."""
        model, x, _ = self._clone("unpublished")
        model.Add(x[option] == 1)
        solver = self._solver()
        status = solver.Solve(model)
        assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE), solver.StatusName(status)
        return status == cp_model.INFEASIBLE

    def completable(self, mask: int) -> bool:
        """Choices can be added to `mask` (none taken away) to give a valid complete build."""
        model, y, _ = self._clone("complete")
        for i in range(self.n):
            if mask >> i & 1:
                model.Add(y[i] == 1)
        status = self._solver().Solve(model)
        assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
        return status != cp_model.INFEASIBLE

    def keeps_complete(self, before: int, after: int) -> bool:
        """Every step complete in `before` is complete in `after`."""
        return all(s.count(after) >= s.need for s in self.steps if s.count(before) >= s.need)

    def _repair_model(self, start: int, pins: Pins) -> tuple[cp_model.CpModel, list, list]:
        """Targets a repair of `start` may reach, and the changes counted as the objective."""
        model, x, _y = self._clone("repair")
        changes = []
        for g, step in enumerate(self.steps):
            if step.group in pins.groups:
                for i in step.options:
                    model.Add(x[i] == (start >> i & 1))
            if step.count(start) >= step.need:
                model.Add(sum(x[i] for i in step.options) >= step.need)
            if step.kind == "single":
                changed = model.NewBoolVar(f"c{g}")
                for i in step.options:
                    model.Add(changed >= (1 - x[i] if start >> i & 1 else x[i]))
                changes.append(changed)
            else:
                changes.extend(1 - x[i] if start >> i & 1 else x[i] for i in step.options)
        for i in range(self.n):
            if pins.on >> i & 1:
                model.Add(x[i] == 1)
            if pins.off >> i & 1:
                model.Add(x[i] == 0)
        return model, x, changes

    def fewest_changes(self, start: int, pins: Pins) -> int | None:
        """The fewest changes of an acceptable repair of `start`; None when there is none."""
        model, _x, changes = self._repair_model(start, pins)
        model.Minimize(sum(changes))
        solver = self._solver()
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        assert status == cp_model.OPTIMAL, solver.StatusName(status)
        return round(solver.ObjectiveValue())

    def repair_exists(self, start: int, pins: Pins) -> bool:
        model, _x, _changes = self._repair_model(start, pins)
        status = self._solver().Solve(model)
        assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
        return status != cp_model.INFEASIBLE

    def status(self, start: int, option: int) -> str:
        """What availability must say about `option` from the valid build `start`: selected,
        available (the click gives a valid build), conflict (it gives an invalid build that has a
        repair) or unavailable."""
        if start >> option & 1:
            return "selected"
        clicked, pins = self.click(start, option)
        if self.valid(clicked):
            return "available"
        return "conflict" if self.repair_exists(clicked, pins) else "unavailable"

    def random_valid_builds(self, count: int, seed: int, complete: bool = True) -> list[int]:
        """`count` different valid builds (complete ones by default), drawn by CP-SAT with random
        objectives."""
        import random

        rng = random.Random(seed)
        out: list[int] = []
        for _ in range(count):
            model = cp_model.CpModel()
            x = self._build(model, published=True, complete=complete)
            model.Maximize(sum(rng.randint(-3, 3) * v for v in x))
            solver = self._solver()
            solver.parameters.max_time_in_seconds = 2.0
            status = solver.Solve(model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
            out.append(sum(1 << i for i in range(self.n) if solver.Value(x[i])))
        return out
