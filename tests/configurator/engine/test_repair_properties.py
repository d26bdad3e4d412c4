"""Repairs and availability against brute force over every build of a small catalog."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from configurator.engine import (
    Action,
    Pins,
    State,
    apply_action,
    default_state,
    distance,
    minimal_repair,
    normalize,
    quote,
    to_plain,
)
from configurator.engine.evaluate import availability, option_status

from .brute import Oracle
from .strategies import actions, catalogs, selections

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTION_PROBLEMS = ("rule", "group_max", "unavailable")


def option_problems(evaluation) -> list:
    return [v for v in evaluation.violations if v.kind in OPTION_PROBLEMS]


def click(pub, index: int) -> Action:
    option = pub.cat.options[index]
    return Action(pub.cat.groups[option.group].code, option.code, True)


def valid_start(pub, data) -> tuple[Oracle, State]:
    """Any valid build of the catalog (found by brute force), with empty personal texts."""
    oracle = Oracle(pub)
    assume(oracle.valid_masks())
    mask = data.draw(st.sampled_from(oracle.valid_masks()), label="valid build")
    return oracle, default_state(pub.cat).with_mask(mask)


@settings(SETTINGS, max_examples=160)
@given(pub=catalogs(), data=st.data())
def test_repair_is_valid_keeps_the_click_and_changes_no_more_than_needed(pub, data):
    cat, oracle = pub.cat, Oracle(pub)
    raw = data.draw(selections(pub), label="raw")
    action = data.draw(st.none() | actions(pub), label="action")
    state, errors = normalize(cat, raw)
    pins = Pins()
    if action is not None and not errors:
        state, pins, _ = apply_action(cat, state, action)

    result = quote(cat, raw, action=action)

    assert result.state == state
    if not option_problems(result.evaluation):
        event("nothing to repair")
        assert result.repair is None
        return
    candidates = oracle.repair_candidates(state.mask, pins)
    if result.repair is None:
        event("no repair exists")
        assert candidates == []
        return
    assert candidates, "a repair came back although no valid build keeps the click"
    fewest = min(oracle.distance(state.mask, m) for m in candidates)
    event(f"repair at distance {fewest}")
    repaired = result.repair.state.mask
    assert option_problems(result.repair.evaluation) == []
    assert oracle.valid(repaired)
    assert repaired & pins.on == pins.on and not repaired & pins.off
    assert all(repaired & cat.groups[g].mask == state.mask & cat.groups[g].mask for g in pins.groups)
    assert distance(cat, state.mask, repaired) == oracle.distance(state.mask, repaired)
    assert oracle.distance(state.mask, repaired) == fewest


@settings(SETTINGS, max_examples=80)
@given(pub=catalogs(), data=st.data())
def test_available_options_apply_directly_into_a_valid_build(pub, data):
    oracle, state = valid_start(pub, data)
    avail = availability(pub.cat, state)

    for option in pub.cat.options:
        if option_status(avail, option.index) != "available":
            continue
        event("available option clicked")
        result = quote(pub.cat, to_plain(pub.cat, state), action=click(pub, option.index))
        assert result.evaluation.valid, option.key
        assert result.repair is None
        assert result.state.mask >> option.index & 1
        assert oracle.valid(result.state.mask)


@settings(SETTINGS, max_examples=120)
@given(pub=catalogs(), data=st.data())
def test_conflicting_options_have_a_valid_repair_that_keeps_them(pub, data):
    oracle, state = valid_start(pub, data)
    avail = availability(pub.cat, state)

    for option in pub.cat.options:
        if option_status(avail, option.index) != "conflict":
            continue
        event("conflicting option clicked")
        result = quote(pub.cat, to_plain(pub.cat, state), action=click(pub, option.index))
        assert result.repair is not None, option.key
        assert result.repair.evaluation.valid
        assert result.repair.state.mask >> option.index & 1
        assert oracle.valid(result.repair.state.mask)


@settings(SETTINGS, max_examples=50)
@given(pub=catalogs(), data=st.data())
def test_unavailable_options_are_exactly_the_switched_off_and_unreachable_ones(pub, data):
    _, state = valid_start(pub, data)
    avail = availability(pub.cat, state)

    unavailable = {o.index for o in pub.cat.options if option_status(avail, o.index) == "unavailable"}

    off = {o.index for o in pub.cat.options if not o.available}
    assert unavailable == off | set(pub.cat.unreachable)


@settings(SETTINGS, max_examples=100)
@given(pub=catalogs())
def test_unreachable_options_are_exactly_those_in_no_valid_complete_build(pub):
    oracle = Oracle(pub)
    reachable = oracle.reachable()

    dead = {o.index for o in pub.cat.options if o.available and not reachable >> o.index & 1}

    assert set(pub.cat.unreachable) == dead


@settings(SETTINGS, max_examples=120)
@given(pub=catalogs(), data=st.data())
def test_the_maxsat_repair_is_as_small_as_brute_force_says_possible(pub, data):
    # With no budget the fast search gives up at once and MaxSAT answers every repair.
    cat, oracle = pub.cat, Oracle(pub)
    mask = data.draw(st.sampled_from(oracle.all_masks()), label="build")
    action = data.draw(actions(pub), label="action")
    state, pins, _ = apply_action(cat, default_state(cat).with_mask(mask), action)
    assume(not oracle.valid(state.mask))

    repaired = minimal_repair(cat, state.mask, pins, budget=0)

    candidates = oracle.repair_candidates(state.mask, pins)
    if repaired is None:
        assert candidates == []
        return
    assert repaired in candidates
    assert oracle.distance(state.mask, repaired) == min(oracle.distance(state.mask, m) for m in candidates)
