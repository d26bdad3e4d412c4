"""The scoring core: plain events and a weight map in, a profile with evidence out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personalization.scoring import ScoringConfig, coerce_event, decay, event_signal, score_events

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=120)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
MOTIVATIONS = ("practical", "status", "self-expression", "sustainability", "value", "performance")
GROUPS = {"trim": ("classic", "electric", "sport"), "wheels": ("w16", "w17", "w18"), "packs": ("family", "tech")}

WEIGHTS = {
    (1, "trim", "classic"): {"value": 0.7, "practical": 0.4},
    (1, "trim", "electric"): {"sustainability": 1.0, "status": 0.3},
    (1, "trim", "sport"): {"performance": 1.0, "status": 0.5},
    (1, "wheels", "w16"): {"value": 0.8},
    (1, "wheels", "w17"): {"self-expression": 0.3, "sustainability": 0.2},
    (1, "wheels", "w18"): {"performance": 0.8, "status": 0.7},
    (1, "packs", "family"): {"practical": 1.0},
    (1, "packs", "tech"): {"performance": 0.4, "status": 0.5},
    (1, "badge", ""): {"self-expression": 1.0},
}


def selected(id_, option, group="trim", *, days=0.0, previous=(), cheapest=False, auto=False, product=1):
    properties = {"previous": list(previous), "cheapest": cheapest, "delta": "0", "price": "0"}
    if auto:
        properties["auto"] = True
    return {"id": id_, "type": "option_selected", "occurred_at": NOW - timedelta(days=days), "product": product,
            "group": group, "option": option, "properties": properties}


def other(id_, type_, *, days=0.0, group="", option="", properties=None, build=None):
    return {"id": id_, "type": type_, "occurred_at": NOW - timedelta(days=days), "product": 1, "group": group,
            "option": option, "build": build, "properties": properties or {}}


TYPES = ("option_selected", "option_removed", "text_personalized", "build_shared", "build_saved", "order_placed")


@st.composite
def event(draw, id_):
    type_ = draw(st.sampled_from(TYPES))
    group = draw(st.sampled_from([*GROUPS, "badge"]))
    option = draw(st.sampled_from(GROUPS.get(group, ("",))))
    properties = {
        "previous": draw(st.lists(st.sampled_from(GROUPS.get(group, ("x",))), max_size=1)),
        "cheapest": draw(st.booleans()),
        "cleared": draw(st.booleans()),
    }
    if draw(st.booleans()):
        properties["auto"] = True
    return {"id": id_, "type": type_, "occurred_at": NOW - timedelta(days=draw(st.floats(-2, 400))), "product": 1,
            "group": group, "option": option, "build": draw(st.sampled_from([None, "b1", "b2"])),
            "properties": properties}


@st.composite
def histories(draw, max_size=25):
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=max_size))
    return [draw(event(i)) for i in ids]


def same(a, b):
    return (a.scores, a.dominant, a.confidence, a.evidence, a.event_scores) == (
        b.scores, b.dominant, b.confidence, b.evidence, b.event_scores)


# --- properties ---------------------------------------------------------------------------------

@SETTINGS
@given(events=histories(), data=st.data())
def test_order_does_not_matter(events, data):
    shuffled = data.draw(st.permutations(events))
    assert same(score_events(events, WEIGHTS, now=NOW), score_events(shuffled, WEIGHTS, now=NOW))


@SETTINGS
@given(events=histories())
def test_scoring_is_idempotent_and_a_replayed_event_counts_once(events):
    once = score_events(events, WEIGHTS, now=NOW)
    assert same(once, score_events(events, WEIGHTS, now=NOW))
    assert same(once, score_events(events + events, WEIGHTS, now=NOW))


@SETTINGS
@given(events=histories())
def test_confidence_is_within_zero_and_one_and_scores_are_never_negative(events):
    result = score_events(events, WEIGHTS, now=NOW, motivations=MOTIVATIONS)
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.scores) == set(MOTIVATIONS)
    assert all(score >= 0 for score in result.scores.values())
    assert len(result.evidence) <= 8
    strengths = [abs(line.contribution) for line in result.evidence]
    assert strengths == sorted(strengths, reverse=True)
    if result.dominant is not None:
        assert result.scores[result.dominant] == max(result.scores.values())


@SETTINGS
@given(younger=st.floats(0, 1000), older=st.floats(0, 1000), half_life=st.floats(0.5, 365))
def test_decay_is_monotonic_in_age(younger, older, half_life):
    younger, older = sorted((younger, older))
    assert decay(older, half_life) <= decay(younger, half_life) <= 1.0


@SETTINGS
@given(younger=st.floats(0, 500), extra=st.floats(0, 500))
def test_an_older_choice_counts_less(younger, extra):
    def score(days):
        return score_events([selected(1, "sport", days=days)], WEIGHTS, now=NOW).scores["performance"]

    assert score(younger + extra) <= score(younger)


@SETTINGS
@given(events=histories(), motivation=st.sampled_from(MOTIVATIONS), weight=st.floats(0.01, 5),
       previous=st.sampled_from(["", "classic", "electric", "sport", "old"]), days=st.floats(-1, 300),
       cheapest=st.booleans(), auto=st.booleans())
def test_choosing_an_option_tagged_only_with_m_never_lowers_m(events, motivation, weight, previous, days,
                                                              cheapest, auto):
    weights = {**WEIGHTS, (1, "trim", "new"): {motivation: weight}}
    before = score_events(events, weights, now=NOW, motivations=MOTIVATIONS)
    choice = selected(20_000, "new", days=days, previous=[previous] if previous else [], cheapest=cheapest, auto=auto)
    after = score_events([*events, choice], weights, now=NOW, motivations=MOTIVATIONS)
    assert after.scores[motivation] >= before.scores[motivation]


@SETTINGS
@given(junk=st.lists(st.one_of(
    st.none(), st.integers(), st.text(max_size=5),
    st.dictionaries(st.sampled_from(["id", "type", "occurred_at", "product", "group", "option", "properties"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=5), st.floats(), st.lists(st.integers())),
                    max_size=7),
), max_size=10))
def test_odd_input_never_raises(junk):
    result = score_events(junk, {(1, "trim", "x"): {"value": float("nan")}, "bad": None}, now=NOW)
    assert 0.0 <= result.confidence <= 1.0


# --- examples ---------------------------------------------------------------------------------

def test_no_events_means_no_dominant_and_no_confidence():
    result = score_events([], WEIGHTS, now=NOW, motivations=MOTIVATIONS)
    assert result.dominant is None
    assert result.confidence == 0.0
    assert result.scores == dict.fromkeys(MOTIVATIONS, 0.0)
    assert result.evidence == ()


def test_a_choice_adds_its_option_weights():
    result = score_events([selected(1, "sport")], WEIGHTS, now=NOW)
    assert result.scores == {"performance": 1.0, "status": 0.5}
    assert result.dominant == "performance"
    assert result.evidence[0].option == "sport"
    assert result.evidence[0].motivation == "performance"


def test_one_half_life_halves_a_choice():
    result = score_events([selected(1, "sport", days=30)], WEIGHTS, now=NOW)
    assert result.scores["performance"] == pytest.approx(0.5)
    halved = score_events([selected(1, "sport", days=10)], WEIGHTS, now=NOW, config=ScoringConfig(half_life_days=10))
    assert halved.scores["performance"] == pytest.approx(0.5)


def test_a_trade_off_says_what_was_given_up_for_what():
    result = score_events([selected(1, "sport", previous=["electric"])], WEIGHTS, now=NOW, motivations=MOTIVATIONS)
    assert result.scores["performance"] == pytest.approx(1.0)
    assert result.scores["status"] == pytest.approx(0.5 - 0.5 * 0.3)  # kept some status, gave up a little
    lost = next(line for line in result.evidence if line.motivation == "sustainability")
    assert lost.contribution == pytest.approx(-0.5)
    assert lost.given_up == ("electric",)
    assert lost.reason == "trade_off"
    # The loss cancels earlier sustainability evidence, but a score never goes below none.
    both = score_events([selected(1, "electric", days=1), selected(2, "sport", previous=["electric"])], WEIGHTS, now=NOW)
    assert 0 < both.scores["sustainability"] < score_events([selected(1, "electric", days=1)], WEIGHTS,
                                                            now=NOW).scores["sustainability"]


def test_a_choice_made_by_a_repair_counts_much_less():
    clicked = score_events([selected(1, "sport")], WEIGHTS, now=NOW).scores["performance"]
    repaired = score_events([selected(1, "sport", auto=True)], WEIGHTS, now=NOW).scores["performance"]
    assert 0 < repaired <= clicked / 4


def test_removing_an_option_subtracts():
    added = score_events([selected(1, "family", "packs", days=1)], WEIGHTS, now=NOW).scores["practical"]
    removed = score_events([selected(1, "family", "packs", days=1), other(2, "option_removed", group="packs",
                                                                          option="family")], WEIGHTS, now=NOW)
    assert removed.scores["practical"] < added
    assert removed.event_scores[2] == {"practical": -0.5}


def test_personal_text_and_sharing_point_to_self_expression():
    text = score_events([other(1, "text_personalized", group="badge", properties={"length": 4})], WEIGHTS, now=NOW)
    assert text.dominant == "self-expression"
    assert text.evidence[0].reason == "text"
    untagged = score_events([other(1, "text_personalized", group="monogram")], WEIGHTS, now=NOW)
    assert untagged.dominant == "self-expression"
    shared = score_events([other(1, "build_shared", build="b1")], WEIGHTS, now=NOW)
    assert shared.dominant == "self-expression"


def test_retyping_the_same_text_does_not_pile_up():
    once = score_events([other(1, "text_personalized", group="badge")], WEIGHTS, now=NOW)
    often = score_events([other(i, "text_personalized", group="badge") for i in range(1, 6)], WEIGHTS, now=NOW)
    assert often.scores == once.scores


def test_consistently_taking_the_cheapest_option_points_to_value():
    picks = [selected(1, "classic", cheapest=True), selected(2, "w16", "wheels", cheapest=True)]
    two = score_events(picks, {}, now=NOW, motivations=MOTIVATIONS)
    assert two.scores["value"] == 0.0  # two cheap picks are not yet a pattern
    three = score_events([*picks, selected(3, "family", "packs", cheapest=True)], {}, now=NOW, motivations=MOTIVATIONS)
    assert three.scores["value"] == pytest.approx(1.5)
    assert three.dominant == "value"
    assert {line.reason for line in three.evidence} == {"cheapest"}
    repaired = [selected(i, o, g, cheapest=True, auto=True) for i, (o, g) in
                enumerate([("classic", "trim"), ("w16", "wheels"), ("family", "packs")], 1)]
    assert score_events(repaired, {}, now=NOW, motivations=MOTIVATIONS).scores["value"] == 0.0


def test_confidence_grows_with_evidence_and_margin():
    one = score_events([selected(1, "sport")], WEIGHTS, now=NOW)
    many = score_events([selected(i, "sport") for i in range(1, 8)], WEIGHTS, now=NOW)
    tied = score_events([selected(1, "family", "packs"), selected(2, "w16", "wheels"),
                         other(3, "text_personalized", group="badge")],
                        {**WEIGHTS, (1, "wheels", "w16"): {"value": 1.0}}, now=NOW)
    assert 0 < one.confidence < many.confidence <= 1
    assert tied.confidence == 0.0  # three motivations at 1.0: no dominant to be sure of
    assert tied.dominant == "practical"  # ties break by code, deterministically


def test_evidence_keeps_the_top_eight_strongest_first():
    events = [selected(i, "sport", days=i) for i in range(1, 12)]
    result = score_events(events, WEIGHTS, now=NOW)
    assert len(result.evidence) == 8
    assert result.evidence[0].event == 1 and result.evidence[0].motivation == "performance"
    assert result.last_event_id == 11 and result.event_count == 11


def test_the_event_signal_is_undecayed_and_independent_of_history():
    sport = coerce_event(selected(7, "sport", days=300))
    assert {line.motivation: line.contribution for line in event_signal(sport, WEIGHTS)} == {
        "performance": 1.0, "status": 0.5}
    result = score_events([selected(7, "sport", days=300)], WEIGHTS, now=NOW)
    assert result.event_scores == {7: {"performance": 1.0, "status": 0.5}}


def test_timestamps_as_strings_and_naive_times_are_read():
    event = selected(1, "sport", days=30)
    as_text = {**event, "occurred_at": event["occurred_at"].isoformat()}
    naive = {**event, "occurred_at": event["occurred_at"].replace(tzinfo=None)}
    expected = score_events([event], WEIGHTS, now=NOW).scores
    assert score_events([as_text], WEIGHTS, now=NOW).scores == expected
    assert score_events([naive], WEIGHTS, now=NOW).scores == expected


def test_negative_and_unknown_weights_are_ignored():
    weights = {(1, "trim", "sport"): {"performance": -1.0, "status": "x", "value": 0.5}}
    assert score_events([selected(1, "sport")], weights, now=NOW).scores == {"value": 0.5}


def test_only_the_wanted_motivations_are_scored():
    result = score_events([selected(1, "sport")], WEIGHTS, now=NOW, motivations=["performance"])
    assert result.scores == {"performance": 1.0}
    assert {line.motivation for line in result.evidence} == {"performance"}
