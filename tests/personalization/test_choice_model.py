"""The choice model's pure core: probabilities that sum to 1, read against what was offered,
behaviours in the same likelihood, evidence, odd input; and the evaluation's metrics and ceiling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from personalization.choice_model import ModelParams, Step, compile_model, features, loglik, score
from personalization.evaluation.metrics import evaluate
from personalization.evaluation.perturb import perturb_weights
from personalization.evaluation.truth import bayes_posterior, mix_samples
from personalization.learning import batch_loglik, em_step, stack

CLASSES = ("practical", "status", "self-expression", "sustainability", "value", "performance")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
# Five colours all carry self-expression; one fabric carries sustainability with the same weight.
STEPS = (
    Step(1, "colour", ("red", "blue", "green", "pink", "gold", "grey"), (0, 0, 0, 0, 0, 0)),
    Step(1, "fabric", ("cotton", "recycled", "silk"), (0, 0, 0)),
    Step(1, "badge", text=True),
)
WEIGHTS = {
    **{(1, "colour", c, ): {"self-expression": 0.6} for c in ("red", "blue", "green", "pink", "gold")},
    (1, "fabric", "recycled"): {"sustainability": 0.6},
    (1, "fabric", "silk"): {"status": 0.8},
    (1, "badge", ""): {"self-expression": 1.0},
}


def model(**params):
    return compile_model(WEIGHTS, STEPS, CLASSES, ModelParams(**params))


def pick(event_id: int, group: str, option: str, *, minutes: int = 0, **properties) -> dict:
    return {"id": event_id, "type": "option_selected", "occurred_at": NOW + timedelta(minutes=minutes),
            "product": 1, "group": group, "option": option, "properties": properties}


def test_probabilities_sum_to_one_and_say_undetermined_without_events():
    profile = score([], model())
    assert sum(profile.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert profile.dominant is None and not profile.determined


def test_a_choice_is_read_against_what_was_on_offer():
    """Self-expression is on offer five times, sustainability once, with equal weights: one pick
    of each says more for sustainability. Without the normalization by what was offered the two
    would tie; this test fails if it is switched off."""
    profile = score([pick(1, "colour", "red"), pick(2, "fabric", "recycled", minutes=1)], model(price={}))
    assert profile.probabilities["sustainability"] > profile.probabilities["self-expression"]


def test_a_repair_is_not_the_shoppers_choice():
    clicked = score([pick(1, "fabric", "silk")], model())
    repaired = score([pick(1, "fabric", "silk", auto=True)], model())
    assert clicked.probabilities["status"] > repaired.probabilities["status"]
    assert repaired.probabilities["status"] == pytest.approx(1 / 6, abs=0.02)


def test_personal_text_and_its_absence_both_count():
    filled = score([pick(1, "colour", "grey"), {"id": 2, "type": "text_personalized", "occurred_at": NOW,
                                                  "product": 1, "group": "badge", "properties": {"length": 3}}], model())
    empty = score([pick(1, "colour", "grey")], model())
    assert filled.probabilities["self-expression"] > empty.probabilities["self-expression"]
    assert empty.probabilities["self-expression"] < 1 / 6  # configured, left the badge empty


def test_sharing_a_saved_build_points_to_self_expression_and_status():
    saved = {"id": 1, "type": "build_saved", "occurred_at": NOW, "product": 1, "build": "b1"}
    shared = {"id": 2, "type": "build_shared", "occurred_at": NOW, "product": 1, "build": "b1"}
    assert score([saved, shared], model()).probabilities["self-expression"] > \
        score([saved], model()).probabilities["self-expression"]


def test_a_price_trade_off_points_to_value():
    steps = (Step(1, "wheels", ("w16", "w17", "w18"), (0, 400, 900)),)
    cheap = compile_model({}, steps, CLASSES)
    profile = score([pick(1, "wheels", "w16", previous=["w18"], cheapest=True)], cheap)
    assert max(profile.probabilities, key=profile.probabilities.get) == "value"
    assert profile.evidence[0].reason == "cheapest"


def test_a_price_is_weighed_in_money_not_per_step():
    """Paying 3 EUR more for red laces gives up little; paying 7,500 EUR more for the sport
    trim gives up a lot. Scaled per step both were the step's dearest option and read alike."""
    steps = (Step(1, "laces", ("white", "red"), (0, 3), selected=("white",)),
             Step(1, "trim", ("classic", "sport"), (0, 7500), selected=("classic",)))
    priced = compile_model({}, steps, CLASSES)
    laces = score([pick(1, "laces", "red")], priced).probabilities["value"]
    trim = score([pick(1, "trim", "sport")], priced).probabilities["value"]
    assert trim < laces - 0.05


def test_a_step_is_not_opened_more_for_holding_more_options():
    """A click is a step opened for the best it offers, then an option in it: more colours
    like the ones there do not change how a fabric click reads. Read as one logit over the
    product, every added colour made the fabric less likely for each motivation, unevenly."""
    more = (Step(1, "colour", (*STEPS[0].options, "teal", "lime", "plum"), (0,) * 9), *STEPS[1:])
    weights = {**WEIGHTS, **{(1, "colour", c): {"self-expression": 0.6} for c in ("teal", "lime", "plum")}}
    events = [pick(1, "fabric", "recycled")]
    few = score(events, model(price={})).probabilities
    many = score(events, compile_model(weights, more, CLASSES, ModelParams(price={}))).probabilities
    assert many == pytest.approx(few, abs=1e-6)


def test_evidence_names_the_events_that_moved_the_profile():
    profile = score([pick(7, "fabric", "recycled"), pick(8, "fabric", "recycled", minutes=1)], model())
    chosen = [line for line in profile.evidence if line.event in (7, 8)]
    assert {line.event for line in chosen} == {7, 8}
    assert all(line.motivation == "sustainability" and line.reason == "choice" for line in chosen)
    assert any(line.reason == "no_text" for line in profile.evidence)  # the badge left empty counts too


def test_undetermined_below_the_threshold():
    events = [pick(1, "fabric", "recycled")]
    assert score(events, model(threshold=0.99)).dominant is None
    assert score(events, model(threshold=0.2)).dominant == "sustainability"


def test_a_learned_prior_moves_the_probabilities():
    events = [pick(1, "colour", "grey")]
    skewed = score(events, model(prior={"value": 10, "practical": 1, "status": 1, "self-expression": 1,
                                        "sustainability": 1, "performance": 1}))
    assert max(skewed.probabilities, key=skewed.probabilities.get) == "value"


def test_params_from_odd_json_fall_back_to_defaults():
    params = ModelParams.from_json({"sensitivity": "x", "prior": [1, 2], "threshold": float("nan"), "unknown": 1})
    assert params.sensitivity == ModelParams().sensitivity and params.prior is None
    assert ModelParams.from_json(None) == ModelParams()


odd = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.dictionaries(
    st.sampled_from(["id", "type", "occurred_at", "product", "group", "option", "properties", "build"]),
    st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=8), st.just("option_selected"), st.just(NOW.isoformat()),
              st.dictionaries(st.text(max_size=5), st.booleans(), max_size=2)), max_size=8))


@settings(max_examples=150, deadline=None)
@given(st.lists(odd, max_size=12))
def test_odd_input_never_raises_and_always_sums_to_one(events):
    profile = score(events, model())
    assert sum(profile.probabilities.values()) == pytest.approx(1.0, abs=1e-5)


picks = st.lists(st.tuples(st.sampled_from(["colour", "fabric"]), st.integers(0, 5)), max_size=15)


@settings(max_examples=80, deadline=None)
@given(picks, st.randoms())
def test_the_order_of_events_does_not_matter(chosen, rnd):
    options = {step.group: step.options for step in STEPS if not step.text}
    events = [pick(i + 1, g, options[g][o % len(options[g])], minutes=i) for i, (g, o) in enumerate(chosen)]
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert score(events, model()).probabilities == score(shuffled, model()).probabilities


def test_batch_and_single_likelihoods_agree():
    m = model()
    shoppers = [[pick(1, "colour", "red"), pick(2, "fabric", "silk", minutes=1)],
                [pick(3, "fabric", "recycled"), {"id": 4, "type": "text_personalized", "occurred_at": NOW,
                                                 "product": 1, "group": "badge", "properties": {}}]]
    feats = [features(s, m) for s in shoppers]
    assert np.allclose(batch_loglik(stack(feats, m), m), [loglik(f, m) for f in feats])


def test_em_never_lowers_the_likelihood():
    rng = np.random.default_rng(4)
    m = model()
    options = {step.group: step.options for step in STEPS if not step.text}
    shoppers = []
    for s in range(60):
        shoppers.append([pick(10 * s + i, g, options[g][rng.integers(len(options[g]))], minutes=i)
                         for i, g in enumerate(rng.choice(["colour", "fabric"], size=5))])
    data = stack([features(s, m) for s in shoppers], m)
    current, logs = m, []
    for _ in range(6):
        current, ll = em_step(data, current, m)
        logs.append(ll)
    # A penalized EM: the data log-likelihood may give way a little to the prior, never much.
    assert all(b >= a - 1e-6 * abs(a) - 1.0 for a, b in pairwise(logs))
    assert logs[-1] > logs[0]


def test_metrics_on_a_known_case():
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    truth = np.array([0, 1, 1, 1])
    result = evaluate(p, truth, ["a", "b"])
    assert result["accuracy"] == 0.75
    assert result["confusion"] == [[1, 0], [1, 2]]
    assert result["mix_bias"] == {"a": 25.0, "b": -25.0}  # predicted 50% a, truth 25%
    assert result["per_motivation"]["b"]["recall"] == pytest.approx(2 / 3, abs=1e-4)
    # bins: 0.9 right; 0.6 wrong; 0.8 right; 0.7 right -> |0.9-1|/4 + |0.6-0|/4 + |0.8-1|/4 + |0.7-1|/4
    assert result["ece"] == pytest.approx((0.1 + 0.6 + 0.2 + 0.3) / 4, abs=1e-4)


def test_perturbation_is_seeded_and_drops_tags():
    truth = {(1, "s", f"o{i}", "status"): 1.0 for i in range(200)}
    a = perturb_weights(truth, CLASSES, sigma=0.5, drop=0.25, wrong=0, seed=1)
    assert a == perturb_weights(truth, CLASSES, sigma=0.5, drop=0.25, wrong=0, seed=1)
    assert 120 < len(a) < 180 and len(set(a.values())) > 5


def test_the_ceiling_prefers_the_motivation_that_explains_the_clicks():
    mixes, log_prior = mix_samples(list(CLASSES), 300, seed=2)
    offered = (((({"sustainability": 1.0}, True), ({"status": 1.0}, True), ({}, True)),))
    trace = [("click", offered, (0, 0))] * 6
    post = bayes_posterior(trace, mixes, log_prior, list(CLASSES))
    assert post.sum() == pytest.approx(1.0, abs=1e-5)
    assert int(np.argmax(post)) == CLASSES.index("sustainability")


def test_saves_orders_and_remixes_are_counted_and_learned_rates_read_them():
    events = [pick(1, "colour", "red"), {"id": 2, "type": "build_saved", "occurred_at": NOW, "product": 1, "build": "b1"},
              {"id": 3, "type": "order_placed", "occurred_at": NOW, "product": 1, "build": "b1"},
              {"id": 4, "type": "share_viewed", "occurred_at": NOW, "product": 1, "build": "x"},
              {"id": 5, "type": "share_viewed", "occurred_at": NOW, "product": 1, "build": "y"},
              {"id": 6, "type": "build_remixed", "occurred_at": NOW, "product": 1, "build": "b2"}]
    assert features(events, model()).behaviours.tolist() == [[1, 0], [1, 0], [1, 1]]
    rates = {"save": {"value": 0.9}, "order": {"value": 0.9}, "remix": {"value": 0.9}}
    buyer = score(events, model(behaviour_rates=rates, price={}))
    assert max(buyer.probabilities, key=buyer.probabilities.get) == "value"
    assert score(events, model(price={})).probabilities["value"] < buyer.probabilities["value"]
