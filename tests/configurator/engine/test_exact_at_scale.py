"""The engine at car size (40 steps x 30 options, 1,000 rules: 800 constraints, 200 price rules)
against the CP-SAT checker: publish-time reachability, the size of every repair along shoppers'
random walks, and what availability says from builds they reach.

Two generated catalogs: the plain one the benchmark measures, and a varied one whose steps have
minima, optional single steps and required steps without a default, so completeness differs
from validity. Each test samples what CP-SAT is asked, to keep the run to seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from configurator.engine import Action, Catalog, State, default_state, minimal_repair, quote, to_plain
from configurator.engine.check import covering_builds
from configurator.engine.evaluate import availability, option_status
from configurator.engine.synthetic import synthetic_snapshot

from .cpsat import Checker
from .strategies import publish

CLICKS = 300


@dataclass(frozen=True)
class Situation:
    clicked: int  # the build after the click
    pins: object
    repaired: int  # the engine's repair


@dataclass
class Car:
    raw: dict
    cat: Catalog
    checker: Checker
    situations: list[Situation]
    builds: list[int]  # valid builds the walk reached


def _walk(cat: Catalog, checker: Checker, seed: int) -> tuple[list[Situation], list[int]]:
    """Random clicks (each repaired when it needs it), as bench/engine.py walks."""
    rng = random.Random(seed)
    state = default_state(cat)
    offered = [o for o in cat.options if o.index not in cat.unreachable and o.available]
    situations, builds = [], []
    for _ in range(CLICKS):
        option = rng.choice(offered)
        group = cat.groups[option.group]
        on = not (group.kind == "multi" and state.mask >> option.index & 1)
        result = quote(cat, to_plain(cat, state), Action(group.code, option.code, on))
        if result.repair is not None:
            clicked, pins = checker.click(state.mask, option.index) if on else (result.state.mask, None)
            if pins is not None:
                assert clicked == result.state.mask
                situations.append(Situation(clicked, pins, result.repair.state.mask))
            state = result.repair.state
        elif result.evaluation.valid:
            state = result.state
        builds.append(state.mask)
    return situations, builds


@pytest.fixture(scope="module", params=[(1, False), (2, True)], ids=["plain", "varied"])
def car(request) -> Car:
    seed, varied = request.param
    raw = synthetic_snapshot(groups=40, options=30, rules=1000, seed=seed, varied=varied)
    pub = publish(raw)
    checker = Checker(pub.snapshot, pub.cat)
    situations, builds = _walk(pub.cat, checker, seed)
    return Car(raw, pub.cat, checker, situations, builds)


def test_publishing_marks_unreachable_exactly_the_options_in_no_valid_complete_build(car):
    # Unreachable: CP-SAT proves it. Reachable: a build the checker finds valid and complete holds
    # it (the builds come from the engine's SAT oracle; the checker verifies each on its own).
    unpublished = Checker(car.raw, car.cat)
    cat = car.cat

    assert all(unpublished.in_no_complete_build(i) for i in cat.unreachable)
    covered = 0
    for build in covering_builds(cat):
        assert unpublished.valid(build) and unpublished.complete(build)
        covered |= build
    assert covered == cat.available_mask
    assert cat.unreachable  # the generated catalogs do have unreachable options


def test_every_repair_along_the_walks_is_as_small_as_cp_sat_says_possible(car):
    checker, deep = car.checker, 0
    # Every repair of more than two changes (where the fast search may run out of budget and
    # MaxSAT answers), and every fourth of the others.
    chosen = [s for n, s in enumerate(car.situations)
              if checker.distance(s.clicked, s.repaired) > 2 or n % 4 == 0]
    for situation in chosen:
        repaired = situation.repaired
        assert checker.valid(repaired)
        assert repaired & situation.pins.on == situation.pins.on
        assert checker.keeps_complete(situation.clicked, repaired)
        assert checker.complete(repaired) or checker.completable(repaired)

        fewest = checker.fewest_changes(situation.clicked, situation.pins)

        assert checker.distance(situation.clicked, repaired) == fewest
        deep += fewest >= 5
    assert deep  # the walks do reach repairs deeper than the fast search's budget


def test_availability_from_builds_the_walks_reach_is_exact(car):
    cat, checker, rng = car.cat, car.checker, random.Random(4)
    seen = set()
    for mask in (car.builds[CLICKS // 3], car.builds[-1]):
        avail = availability(cat, State(mask))
        statuses = {o.index: option_status(avail, o.index) for o in cat.options}
        # A click on an option said to be available must give a valid build: checked for all.
        for index, status in statuses.items():
            clicked, _ = checker.click(mask, index)
            assert (status == "available") == (not mask >> index & 1 and checker.valid(clicked)), index
        # Conflict (a repair exists) or unavailable (none): CP-SAT asked for a sample of each.
        for status in ("conflict", "unavailable"):
            indices = sorted(i for i, s in statuses.items() if s == status)
            for index in rng.sample(indices, min(20, len(indices))):
                assert checker.status(mask, index) == status, cat.options[index].key
                seen.add(status)
    assert seen == {"conflict", "unavailable"}


def test_the_same_click_gets_the_same_repair_later_on(car):
    # Asked again after the whole walk (other repairs and oracle questions in between), the deep
    # repairs, where MaxSAT answers, come out as they did the first time.
    deep = [s for s in car.situations if car.checker.distance(s.clicked, s.repaired) > 3]

    again = [minimal_repair(car.cat, s.clicked, s.pins) for s in reversed(deep)]

    assert deep and again == [s.repaired for s in reversed(deep)]
