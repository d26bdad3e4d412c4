"""quote() on any input: it never raises, and its price always adds up."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import quote

from .brute import Oracle
from .strategies import catalogs, garbage_actions, garbage_selections, selections

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(SETTINGS, max_examples=80)
@given(pub=catalogs(), data=st.data())
def test_quote_never_raises_on_any_input_or_click(pub, data):
    raw = data.draw(garbage_selections(pub) | selections(pub), label="raw")
    action = data.draw(st.none() | garbage_actions(pub), label="action")

    result = quote(pub.cat, raw, action=action)

    assert isinstance(result.errors, dict)


@settings(SETTINGS, max_examples=70)
@given(pub=catalogs(), data=st.data())
def test_price_total_is_base_plus_its_lines(pub, data):
    raw = data.draw(garbage_selections(pub) | selections(pub), label="raw")

    result = quote(pub.cat, raw)

    price = result.evaluation.price
    assert price.lines[0].kind == "base"
    assert price.lines[0].amount == pub.cat.base_price
    assert price.total == sum((line.amount for line in price.lines[1:]), price.lines[0].amount)
    assert price.total == Oracle(pub).total(result.state.mask, dict(result.state.texts))
