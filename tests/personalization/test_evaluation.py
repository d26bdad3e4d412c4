"""evaluate_motivations: simulated shoppers with a known motivation through the real services, a
roughly-right staff map, the ceiling, the learning job, and the report."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from configurator.demo.seed import demo_seed
from personalization.evaluation.report import markdown, target_rows
from personalization.models import MapLearningJob, MotivationEvaluation, MotivationMap
from personalization.services.evaluation import EvaluationSettings, motivations_evaluate
from personalization.services.motivations import motivation_map_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_seed()
    return motivation_map_seed()


@pytest.fixture
def results(demo):
    return motivations_evaluate(settings=EvaluationSettings(shoppers=40, seed=2, samples=60, iterations=3,
                                                            timing_runs=5))


def test_every_model_is_scored_against_the_ceiling(results):
    models = results["models"]
    assert set(models) == {"choice model, roughly-right map", "old tag sum, roughly-right map",
                           "choice model, exact map", "ceiling (Bayes-optimal)", "choice model, learned map"}
    assert models["ceiling (Bayes-optimal)"]["of_ceiling"] == 1.0
    for measured in models.values():
        assert 0 <= measured["accuracy"] <= 1 and measured["shoppers"] == results["scored_shoppers"] > 0
        assert sum(sum(row) for row in measured["confusion"]) == results["scored_shoppers"]


def test_the_run_learns_a_map_restores_the_current_one_and_is_kept_for_admin(demo, results):
    assert MotivationMap.objects.get(is_current=True) == demo  # the staff's map is current again
    job = MapLearningJob.objects.get()
    assert job.proposed is not None and job.proposed.parameters["secondary"] > 0
    assert MotivationEvaluation.objects.get().results["scored_shoppers"] == results["scored_shoppers"]


def test_the_report_states_every_target(results):
    text = markdown(results)
    labels = [row[0] for row in target_rows(results)]
    assert len(labels) == 8 and all(label in text for label in labels)
    assert "Confusion" in text and "Mix bias per motivation" in text
    # The recompute is timed under the learned map (current after the job) and under the staff
    # map it replaced, which profiles read by step until a learned version is accepted.
    assert results["timing"]["events"] == results["timing_staff"]["events"] == 200
    assert "With the staff map (read by step) instead" in text


def test_the_command_writes_json_and_refuses_bad_settings(demo, tmp_path):
    out = tmp_path / "r.json"
    quiet = io.StringIO()
    call_command("evaluate_motivations", shoppers=15, samples=30, iterations=1, json=out, stdout=quiet, stderr=quiet)
    assert json.loads(out.read_text())["settings"]["shoppers"] == 15
    with pytest.raises(CommandError):
        call_command("evaluate_motivations", shoppers=15, drop=1.5)
