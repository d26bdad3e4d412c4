"""bench/explain.py: what a stopped web node may explain in the load test's accounting, and what
it may not (those differences fail the run)."""

from __future__ import annotations

import pytest

from bench.explain import CONSENT, LOST, REMIX, TWICE, explain
from bench.nodes import Stop

KILLED_AT = 1_000.0
CLICK = ("option_selected", 1, "wheels", "w17", False)


def journal(shopper: str = "s1", **parts) -> dict:
    base = {"shopper": shopper, "consent": "all", "clicks": [], "share_views": [], "in_doubt": []}
    return {**base, **parts}


def click(node: str = "web2", at: float = KILLED_AT - 0.1, **extra) -> dict:
    return {"product": "car", "node": node, "sent": at - 0.05, "at": at, "consent": "all", "lost_from": [], **extra}


def items_of(entry: dict) -> list[tuple]:
    return [CLICK] if "product" in entry else [("share_viewed", entry["build"])]


def run(differences, journals, kills=(("web2", KILLED_AT),), window=2.0):
    return explain(differences, journals, list(kills), window, items_of)


def test_a_click_the_killed_node_answered_just_before_may_be_missing():
    explained, unexplained, ages = run([("s1", "missing", CLICK, 1)], [journal(clicks=[click()])])

    assert explained == {LOST: 1} and unexplained == []
    assert ages == [pytest.approx(0.1)]


def test_a_click_answered_long_before_the_kill_may_not_be_missing():
    _explained, unexplained, _ages = run([("s1", "missing", CLICK, 1)], [journal(clicks=[click(at=KILLED_AT - 30)])])

    assert unexplained == [("s1", "missing", CLICK, 1)]


def test_an_answer_that_came_in_after_the_kill_counts_if_the_request_went_out_before():
    late = click(sent=KILLED_AT - 0.2, at=KILLED_AT + 0.8)  # answered before the kill, read after

    assert run([("s1", "missing", CLICK, 1)], [journal(clicks=[late])])[0] == {LOST: 1}


def test_a_request_sent_after_the_kill_was_never_in_its_buffer():
    after = click(sent=KILLED_AT + 0.1, at=KILLED_AT + 0.3)

    assert run([("s1", "missing", CLICK, 1)], [journal(clicks=[after])])[1] == [("s1", "missing", CLICK, 1)]


def test_after_a_graceful_stop_no_click_may_be_missing():
    _explained, unexplained, _ages = run([("s1", "missing", CLICK, 1)], [journal(clicks=[click()])], kills=())

    assert unexplained == [("s1", "missing", CLICK, 1)]


def test_a_click_the_other_node_answered_may_not_be_missing():
    _explained, unexplained, _ages = run([("s1", "missing", CLICK, 1)], [journal(clicks=[click(node="web1")])])

    assert unexplained == [("s1", "missing", CLICK, 1)]


def test_a_node_killed_twice_explains_the_clicks_before_each_kill():
    journals = [journal(clicks=[click(node="web1", at=10.0), click(node="web1", at=KILLED_AT - 0.5)])]  # kills: 10.2

    explained, unexplained, _ages = run([("s1", "missing", CLICK, 2)], journals,
                                        kills=(("web1", 10.2), ("web1", KILLED_AT)))

    assert explained == {LOST: 2} and unexplained == []


def test_a_click_sent_again_after_a_killed_node_lost_its_answer_may_be_stored_twice():
    retried = click(node="web1", lost_from=["web2"])

    explained, unexplained, _ages = run([("s1", "extra", CLICK, 1)], [journal(clicks=[retried])])

    assert explained == {TWICE: 1} and unexplained == []


def test_no_other_click_may_be_stored_twice():
    _explained, unexplained, _ages = run([("s1", "extra", CLICK, 1)], [journal(clicks=[click(node="web1")])])

    assert unexplained == [("s1", "extra", CLICK, 1)]


def test_a_remix_whose_answer_was_lost_may_exist_once():
    remix_in_doubt = journal(in_doubt=[{"name": "remix", "status": 502, "node": "web2"}])
    made = [("s1", "extra", ("build_remixed", "b1"), 1), ("s1", "extra", ("build_saved", "b1"), 1)]

    explained, unexplained, _ages = run([*made, ("s1", "extra", ("build_remixed", "b2"), 1)], [remix_in_doubt])

    assert explained == {REMIX: 2}
    assert unexplained == [("s1", "extra", ("build_remixed", "b2"), 1)]  # one remix in doubt, not two


def test_a_shopper_no_journal_knows_needs_a_consent_whose_answer_was_lost():
    stranger = [("s9", "extra", CLICK, 3)]
    consent_in_doubt = journal(in_doubt=[{"name": "consent", "status": 502, "node": "web2"}])

    assert run(stranger, [consent_in_doubt])[0] == {CONSENT: 3}
    assert run(stranger, [journal()])[1] == stranger


def test_a_stop_is_written_signal_node_seconds():
    assert Stop.parse("kill:web2:40") == Stop("kill", "web2", 40.0)
    with pytest.raises(ValueError, match=r"term \(graceful\) or kill"):
        Stop.parse("hup:web1:3")
    with pytest.raises(ValueError, match="SIGNAL:NODE:SECONDS"):
        Stop.parse("term:web1")
