"""#13 §6: the demo seeds segments and a motivation-by-message experiment, and the simulated
shoppers respond to its messages through the real campaign services (modelled, and traced for the
ceiling)."""

from __future__ import annotations

import numpy as np
import pytest

from configurator.demo.seed import demo_seed
from personalization.demo import DEEP_NO_ORDER, EVERYONE, EXPERIMENT, targeting_seed
from personalization.evaluation.truth import trace_loglik
from personalization.models import Assignment, Campaign, Event, EventType, Segment
from personalization.services.experiments import experiment_results, message_test
from personalization.services.motivations import motivation_map_seed
from personalization.simulate import message_click_rate, message_factor, simulate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_seed()
    motivation_map_seed()


def test_the_seed_makes_a_segment_per_motivation_and_an_experiment_with_a_message_for_each(demo):
    assert targeting_seed() == {"segments": 8, "campaigns": 1}
    assert targeting_seed() == {"segments": 0, "campaigns": 0}  # idempotent
    campaign = Campaign.objects.get(name=EXPERIMENT)
    assert campaign.segment.name == EVERYONE and campaign.holdout_percent == 20
    framed = sorted(campaign.variants.values_list("motivation", flat=True))
    assert framed == sorted(Segment.objects.filter(name__startswith="Motivation: ").values_list(
        "rules__items__0__motivation", flat=True))
    assert all(v.headline_nl and v.headline_en != v.headline_nl for v in campaign.variants.all())
    assert Segment.objects.get(name=DEEP_NO_ORDER).rules["items"] == [
        {"kind": "depth_band", "value": "high"}, {"kind": "ordered", "value": False}]


def test_simulated_shoppers_see_click_and_answer_the_experiment(demo):
    targeting_seed()
    report = simulate(shoppers=40, seed=11, days=20, trace=True)
    campaign = Campaign.objects.get(name=EXPERIMENT)
    consenting = {p.shopper_id for p in report.personas if p.personalization}
    assigned = set(Assignment.objects.filter(campaign=campaign).values_list("shopper_id", flat=True))
    assert assigned == consenting  # everyone who allows personalization is in the experiment
    exposed = set(Event.objects.filter(campaign=campaign, type=EventType.CAMPAIGN_SHOWN)
                  .values_list("shopper_id", flat=True))
    assert exposed == {p.shopper_id for p in report.personas if p.personalization and p.records_events}
    messages = [r for p in report.personas for r in report.traces[p.shopper_id] if r[0] == "message"]
    shown = Assignment.objects.filter(campaign=campaign, variant__isnull=False).count()
    assert len(messages) == shown > 0
    clicks = Event.objects.filter(campaign=campaign, type=EventType.CAMPAIGN_CLICKED).count()
    assert clicks == sum(1 for r in messages if r[2])
    results = experiment_results(campaign=campaign)
    assert sum(a.exposed for a in results.arms) == len(exposed)
    assert {row.motivation for row in message_test(campaign=campaign)} - {""} <= {
        m for m in campaign.variants.values_list("motivation", flat=True)}


def test_a_message_speaks_most_to_those_it_is_framed_for():
    keen = {"status": 0.7, "value": 0.3}
    cool = {"status": 0.05, "value": 0.95}
    assert message_click_rate(keen, "status") > 3 * message_click_rate(cool, "status")
    assert message_factor(keen, "status") > message_factor(cool, "status") > 1
    assert message_factor(keen, "") == 1.0


def test_the_ceiling_reads_message_clicks_and_the_order_lift():
    motivations = ["status", "value"]
    mixes = np.array([[0.9, 0.1], [0.1, 0.9]])
    clicked = trace_loglik([("message", "status", True)], mixes, motivations)
    assert clicked[0] > clicked[1]  # a click on the status message says "status"
    ordered = trace_loglik([("rate", "order", True, 1.0, "status")], mixes, motivations)
    plain = trace_loglik([("rate", "order", True, 1.0)], mixes, motivations)
    assert ordered[0] - plain[0] == pytest.approx(np.log(1 + 0.8 * 0.9))
    assert ordered[1] - plain[1] == pytest.approx(np.log(1 + 0.8 * 0.1))
