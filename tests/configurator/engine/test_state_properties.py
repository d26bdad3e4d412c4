"""Normalization and fingerprints: one canonical form per build."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from configurator.engine import compile_catalog, fingerprint, normalize, to_plain
from configurator.engine.state import MAX_TEXT_INPUT

from .strategies import catalogs, garbage_selections, selections

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=100)
@given(pub=catalogs(), data=st.data())
def test_normalization_is_idempotent(pub, data):
    raw = data.draw(garbage_selections(pub) | selections(pub), label="raw")
    state, _ = normalize(pub.cat, raw)
    plain = to_plain(pub.cat, state)

    again, errors = normalize(pub.cat, plain)

    assert errors == {}
    assert again == state
    assert to_plain(pub.cat, again) == plain


@settings(SETTINGS, max_examples=60)
@given(pub=catalogs(), data=st.data())
def test_equal_states_have_equal_fingerprints(pub, data):
    state, _ = normalize(pub.cat, data.draw(selections(pub), label="raw"))
    # The same build written differently: lists in another order, text padded and decomposed.
    variant = {}
    for code, value in to_plain(pub.cat, state).items():
        kind = pub.cat.group_by_code[code].kind
        if kind == "multi":
            value = data.draw(st.permutations(value), label=code)
        elif kind == "text":
            padded = " " + unicodedata.normalize("NFD", value) + "  "
            value = padded if len(padded) <= MAX_TEXT_INPUT else value
        variant[code] = value
    same, _ = normalize(pub.cat, variant)
    recompiled = compile_catalog(pub.snapshot)

    assert same == state
    assert fingerprint(pub.cat, same) == fingerprint(pub.cat, state)
    assert fingerprint(recompiled, state) == fingerprint(pub.cat, state)


@settings(SETTINGS, max_examples=60)
@given(pub=catalogs(), data=st.data())
def test_different_states_have_different_fingerprints(pub, data):
    first, _ = normalize(pub.cat, data.draw(garbage_selections(pub) | selections(pub), label="first"))
    second, _ = normalize(pub.cat, data.draw(garbage_selections(pub) | selections(pub), label="second"))
    assume(first != second)

    assert fingerprint(pub.cat, first) != fingerprint(pub.cat, second)
