"""Evaluation runs in the admin: view-only pages with each model against the ceiling, the mix
bias, the confusion matrices and a reliability chart per model; for staff with the view
permission only."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from personalization.evaluation.metrics import evaluate
from personalization.models import Motivation, MotivationEvaluation
from tests.factories import UserFactory
from tests.test_security_headers import inline_problems

pytestmark = pytest.mark.django_db

CLASSES = ["status", "value", "sustainability"]
MODEL, CEILING = "choice model, roughly-right map", "ceiling (Bayes-optimal)"


def results() -> dict:
    """Six shoppers, two of each motivation. The model is right on five (it reads the fourth,
    a value shopper, as status at 0.5 confidence); the ceiling on all six."""
    truth = np.array([0, 0, 1, 1, 2, 2])
    model = np.array([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1],
                      [0.5, 0.4, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    ceiling = np.eye(3)[truth] * 0.7 + 0.1
    models = {MODEL: evaluate(model, truth, CLASSES), CEILING: evaluate(ceiling, truth, CLASSES)}
    for measured in models.values():
        measured["of_ceiling"] = round(measured["accuracy"] / models[CEILING]["accuracy"], 4)
    return {"settings": {"shoppers": 8, "seed": 3, "sigma": 0.5, "drop": 0.25, "wrong": 5, "samples": 100,
                         "iterations": 0, "timing_runs": 10},
            "classes": CLASSES, "scored_shoppers": 6, "models": models,
            "timing": {"events": 200, "runs": 10, "p50_ms": 0.412, "p99_ms": 0.9}}


@pytest.fixture
def run() -> MotivationEvaluation:
    for i, (code, name) in enumerate([("status", "Status"), ("value", "Value for money"),
                                      ("sustainability", "Sustainability")]):
        Motivation.objects.update_or_create(code=code, defaults={"name_en": name, "name_nl": name, "position": i})
    data = results()
    return MotivationEvaluation.objects.create(settings=data["settings"], results=data)


def change_url(run: MotivationEvaluation) -> str:
    return reverse("admin:personalization_motivationevaluation_change", args=[run.pk])


LIST = reverse("admin:personalization_motivationevaluation_changelist")


def test_the_list_shows_each_models_accuracy_against_the_ceiling(admin_client, run):
    page = admin_client.get(LIST).content.decode()
    assert f"{MODEL}: 83.3% (83.3% of the ceiling)" in page
    assert f"{CEILING}: 100.0% (100.0% of the ceiling)" in page
    assert re.search(r'<td class="field-shoppers">6</td>', page)


def test_the_run_page_has_the_models_bias_and_confusion(admin_client, run):
    page = admin_client.get(change_url(run)).content.decode()
    models = page.split('class="evaluation-models"')[1].split("</table>")[0]
    assert re.search(rf"<th scope=\"row\">{re.escape(MODEL)}</th>\s*<td class=\"num\">83.3%</td>", models)
    # Status: a mean probability of 43.3% against a true share of 33.3%.
    bias = page.split('class="evaluation-bias"')[1].split("</table>")[0]
    assert "<th scope=\"col\">Value for money</th>" in bias and '<td class="num">+10.0</td>' in bias
    confusion = page.split('class="evaluation-confusion"')[1].split("</table>")[0]
    value_row = re.search(r'<th scope="row">Value for money</th>(.*?)</tr>', confusion).group(1)
    assert re.findall(r'<td class="num">(?:<strong>)?(\d+)', value_row) == ["1", "1", "0"]
    assert "200 events: p50 0.412 ms" in page


def test_the_run_page_draws_a_reliability_chart_per_model(admin_client, run):
    page = admin_client.get(change_url(run)).content.decode()
    charts = re.findall(r'<svg [^>]*class="report-chart"[^>]*data-kind="line".*?</svg>', page, re.S)
    assert len(charts) == 2
    model_chart = next(c for c in charts if f"Reliability: {MODEL}" in c)
    assert model_chart.count("<polyline") == 2
    assert "Observed accuracy" in model_chart and "Perfect calibration" in model_chart
    # The shopper read as status at 0.5 was wrong: the 50–60% bin is 0% right at 50% confident.
    assert "<title>50–60%, Observed accuracy: 0%</title>" in model_chart
    assert "<title>50–60%, Perfect calibration: 50%</title>" in model_chart
    table = page.split('class="evaluation-reliability"')[1].split("</table>")[0]
    assert re.search(r'<th scope="row">50–60%</th><td class="num">1</td><td class="num">50.0%</td>'
                     r'<td class="num">0.0%</td><td class="num">-50.0</td>', table)


def test_the_pages_have_nothing_the_content_security_policy_refuses(admin_client, run):
    for url in (LIST, change_url(run)):
        response = admin_client.get(url)
        assert response.status_code == 200 and inline_problems(response) == [], url


def test_runs_are_view_only(admin_client, run):
    assert admin_client.get(reverse("admin:personalization_motivationevaluation_add")).status_code == 403
    assert admin_client.get(reverse("admin:personalization_motivationevaluation_delete", args=[run.pk])).status_code \
        == 403
    assert admin_client.post(change_url(run), {}).status_code == 403
    listing = admin_client.get(LIST).content.decode()
    assert reverse("admin:personalization_motivationevaluation_add") not in listing
    assert "delete_selected" not in listing
    page = admin_client.get(change_url(run)).content.decode()
    assert 'name="_save"' not in page
    assert MotivationEvaluation.objects.filter(pk=run.pk).exists()


def test_only_staff_with_the_view_permission_read_runs(client, run):
    client.force_login(UserFactory(is_staff=False))
    assert client.get(LIST).status_code == 302
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(LIST).status_code == 403
    assert client.get(change_url(run)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_motivationevaluation"))
    client.force_login(staff)
    assert client.get(LIST).status_code == 200
    page = client.get(change_url(run))
    assert page.status_code == 200 and b'class="report-chart"' in page.content


def test_a_run_without_models_still_renders(admin_client):
    empty = MotivationEvaluation.objects.create(results={})
    page = admin_client.get(change_url(empty))
    assert page.status_code == 200 and b"This run recorded no model results." in page.content
    assert admin_client.get(LIST).status_code == 200
