"""violating_values, the bit-parallel rule check, against picking each option one by one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine.rules import violating_values

from .brute import Oracle
from .strategies import catalogs

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(pub=catalogs(), data=st.data())
def test_violating_values_of_a_single_step_match_picking_each_option(pub, data):
    oracle = Oracle(pub)
    mask = data.draw(st.sampled_from(oracle.all_masks()), label="build")

    for rule, meaning in zip(pub.cat.rules, oracle.rules, strict=True):
        for step in oracle.steps:
            if step.kind != "single":
                continue
            base = mask & ~step.mask
            expected = sum(bit for bit in step.bits if meaning.violated(base | bit))
            assert violating_values(rule, base, step.mask) == expected, (rule.code, step.code)


@SETTINGS
@given(pub=catalogs(), data=st.data())
def test_violating_values_of_a_multiple_step_match_adding_each_option(pub, data):
    oracle = Oracle(pub)
    mask = data.draw(st.sampled_from(oracle.all_masks()), label="build")

    for rule, meaning in zip(pub.cat.rules, oracle.rules, strict=True):
        for step in oracle.steps:
            if step.kind != "multi":
                continue
            candidates = step.mask & ~mask
            expected = sum(bit for bit in step.bits if bit & candidates and meaning.violated(mask | bit))
            assert violating_values(rule, mask, step.mask) & candidates == expected, (rule.code, step.code)
