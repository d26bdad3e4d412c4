"""The CP-SAT checker (cpsat.py) against brute force on small catalogs, so that where it checks the
engine at a size no enumeration reaches, its word can be trusted; and the engine against it on
generated catalogs of a middling size."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator.engine import Action, default_state, quote, to_plain
from configurator.engine.evaluate import availability, option_status
from configurator.engine.synthetic import synthetic_snapshot

from .brute import Oracle
from .cpsat import Checker
from .strategies import publish, snapshots

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=60)
@given(raw=snapshots())
def test_checker_finds_the_same_unreachable_options_as_brute_force(raw):
    pub = publish(raw)
    oracle = Oracle(pub)  # its reachable() reads the catalog as it was before publishing
    offered = {o.index for o in pub.cat.options if o.available}

    dead = Checker(raw, pub.cat).unreachable_options()

    assert dead == {i for i in offered if not oracle.reachable() >> i & 1}


@settings(SETTINGS, max_examples=60)
@given(raw=snapshots(), data=st.data())
def test_checker_counts_the_same_fewest_changes_as_brute_force(raw, data):
    pub = publish(raw)
    oracle, checker = Oracle(pub), Checker(pub.snapshot, pub.cat)
    start = data.draw(st.sampled_from(oracle.all_masks()), label="build")
    option = data.draw(st.sampled_from(range(len(pub.cat.options))), label="click")
    clicked, pins = checker.click(start, option)

    candidates = oracle.repair_candidates(clicked, pins)

    fewest = min((oracle.distance(clicked, m) for m in candidates), default=None)
    assert checker.fewest_changes(clicked, pins) == fewest


@settings(SETTINGS, max_examples=40)
@given(raw=snapshots(), data=st.data())
def test_checker_says_what_availability_must_say_as_brute_force_does(raw, data):
    pub = publish(raw)
    oracle, checker = Oracle(pub), Checker(pub.snapshot, pub.cat)
    assume(oracle.valid_masks())
    start = data.draw(st.sampled_from(oracle.valid_masks()), label="valid build")

    for option in pub.cat.options:
        clicked, pins = checker.click(start, option.index)
        if start >> option.index & 1:
            expected = "selected"
        elif oracle.valid(clicked):
            expected = "available"
        else:
            expected = "conflict" if oracle.repair_candidates(clicked, pins) else "unavailable"
        assert checker.status(start, option.index) == expected, option.key


# The engine against the checker, on generated catalogs of a middling size --------------------


@pytest.fixture(scope="module", params=[(1, False), (2, True)], ids=["plain", "varied"])
def middling(request):
    seed, varied = request.param
    raw = synthetic_snapshot(groups=12, options=8, rules=90, seed=seed, varied=varied)
    pub = publish(raw)
    return raw, pub, Checker(pub.snapshot, pub.cat)


def test_publishing_marks_exactly_the_options_the_checker_finds_unreachable(middling):
    raw, pub, _ = middling

    assert set(pub.cat.unreachable) == Checker(raw, pub.cat).unreachable_options()


def test_repairs_of_random_clicks_are_as_small_as_the_checker_says_possible(middling):
    _, pub, checker = middling
    cat, rng, sizes = pub.cat, random.Random(3), set()
    for start in checker.random_valid_builds(6, seed=5, complete=False):
        for option in rng.sample(cat.options, 12):
            clicked, pins = checker.click(start, option.index)
            group = cat.groups[option.group]
            result = quote(cat, to_plain(cat, default_state(cat).with_mask(start)), Action(group.code, option.code))
            assert result.state.mask == clicked
            fewest = checker.fewest_changes(clicked, pins) if not checker.valid(clicked) else 0
            if result.repair is None:
                assert fewest in (0, None), option.key
                continue
            repaired = result.repair.state.mask
            assert checker.valid(repaired)
            assert checker.distance(clicked, repaired) == fewest, option.key
            sizes.add(fewest)
    assert max(sizes) >= 2  # not only one-change repairs


def test_availability_says_what_the_checker_says(middling):
    _, pub, checker = middling
    cat, seen = pub.cat, set()
    for start in checker.random_valid_builds(4, seed=9, complete=False):
        avail = availability(cat, default_state(cat).with_mask(start))
        for option in cat.options:
            status = checker.status(start, option.index)
            seen.add(status)
            assert option_status(avail, option.index) == status, option.key
    assert seen == {"selected", "available", "conflict", "unavailable"}
