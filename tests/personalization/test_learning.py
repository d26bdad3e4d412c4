"""A map that learns: the map-learning job in slices, its proposed version and diff, accepting it,
the staff screens and the task; and EM itself on synthetic shoppers of a known model."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from personalization.choice_model import ModelParams, Step, compile_model, features, loglik, posterior
from personalization.learning import em_step, stack
from personalization.models import MapLearningJob, Motivation, MotivationMap, RescoreJob, RescoreStatus, Shopper
from personalization.services.learning import (
    map_learning_run,
    map_learning_start,
    map_proposal_accept,
    map_proposal_diff,
)
from personalization.services.motivations import (
    MotivationMapInvalid,
    map_weights,
    motivation_map_edit,
    motivation_map_seed,
)
from personalization.simulate import simulate
from personalization.tasks.motivations import map_learn
from tests.factories import UserFactory


@pytest.fixture
def base(car):
    v1 = motivation_map_seed()
    return motivation_map_edit(base=v1, user=None, changes={
        (car.pk, "trim", "sport", "performance"): 1.0,
        (car.pk, "wheels", "w16", "value"): 0.8,
        (car.pk, "badge", "", "self-expression"): 1.0,
    })


@pytest.fixture
def shoppers(base):
    return simulate(shoppers=30, seed=3, days=30)


def learn(base: MotivationMap, iterations: int = 6, budget_seconds: float = 60.0) -> MapLearningJob:
    job = map_learning_start(base=base, user=None, iterations=iterations)
    while not map_learning_run(job_id=job.pk, budget_seconds=budget_seconds):
        pass
    job.refresh_from_db()
    return job


@pytest.fixture
def proposed(shoppers, base) -> MotivationMap:
    return learn(base).proposed


# --- the job --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_job_runs_in_slices_and_proposes_a_version(shoppers, base, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = map_learning_start(base=base, user=None, iterations=3)
    assert len(callbacks) == 1  # the task, sent after commit
    assert job.status == RescoreStatus.QUEUED and job.total == 3

    assert map_learning_run(job_id=job.pk, budget_seconds=0) is False  # one iteration, then out of time
    job.refresh_from_db()
    assert job.status == RescoreStatus.RUNNING and job.done == 1 and job.percent == 33
    assert job.state["params"]["utilities"] and job.proposed is None
    assert map_learning_run(job_id=job.pk, budget_seconds=0) is False  # resumed from the saved model
    assert map_learning_run(job_id=job.pk, budget_seconds=0) is True

    job.refresh_from_db()
    assert job.status == RescoreStatus.DONE and job.done == 3 and job.finished_at is not None
    assert [line["iteration"] for line in job.log] == [1, 2, 3]
    proposed = job.proposed
    assert proposed.learned_by == job and not proposed.is_current
    assert proposed.version == base.version + 1
    assert proposed.note.startswith(f"Learned from v{base.version} (job #{job.pk})")
    assert map_weights(proposed)
    assert set(proposed.parameters["prior"]) == set(Motivation.objects.values_list("code", flat=True))
    assert proposed.parameters["utilities"] and proposed.parameters["share_rates"]
    assert MotivationMap.objects.get(is_current=True) == base  # a proposal: nothing changes yet
    assert map_learning_run(job_id=job.pk) is True  # a replay of a finished job does nothing
    assert MotivationMap.objects.count() == proposed.version


@pytest.mark.django_db
def test_the_log_likelihood_never_decreases(shoppers, base):
    job = learn(base, iterations=12, budget_seconds=0)  # one iteration a slice: each resumes from the saved model
    logs = [line["loglik"] for line in job.log]
    assert len(logs) == 12
    assert all(later >= earlier for earlier, later in itertools.pairwise(logs))
    assert logs[-1] > logs[0]  # and it does learn
    consented = Shopper.objects.filter(personalization=True, events__isnull=False).distinct().count()
    assert {line["shoppers"] for line in job.log} == {consented}


@pytest.mark.django_db
def test_starting_twice_returns_the_job_under_way(shoppers, base):
    job = map_learning_start(base=base, user=None)
    assert map_learning_start(base=base, user=None) == job
    assert MapLearningJob.objects.count() == 1


@pytest.mark.django_db
def test_without_shoppers_to_learn_from_the_job_fails_clearly(base):
    job = map_learning_start(base=base, user=None)
    assert map_learning_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == RescoreStatus.FAILED and job.proposed is None
    assert "No shopper with personalization consent has events" in job.error
    assert MotivationMap.objects.count() == base.version


# --- review and accept ----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_diff_lists_the_changed_weights_largest_first(proposed, base, car):
    diff = map_proposal_diff(proposed=proposed)
    assert diff["base"] == base and diff["proposed"] == proposed
    rows = diff["rows"]
    assert rows
    assert [abs(r["change"]) for r in rows] == sorted((abs(r["change"]) for r in rows), reverse=True)
    before, after = map_weights(base), map_weights(proposed)
    for row in rows:
        assert abs(row["change"]) >= 0.05
        assert row["base"] == before.get(row["key"]) and row["proposed"] == after.get(row["key"])
        assert row["kind"] == ("added" if row["base"] is None else "removed" if row["proposed"] is None else "changed")
    sport = next(r for r in rows if r["key"] == (car.pk, "trim", "sport", "performance"))
    assert (sport["product"], sport["step"], sport["option"]) == ("Car", "Trim", "Sport")
    mix = {line["motivation"]: line for line in diff["mix"]}
    assert sum(line["base"] for line in mix.values()) == pytest.approx(1.0, abs=1e-3)
    assert sum(line["proposed"] for line in mix.values()) == pytest.approx(1.0, abs=1e-3)
    assert mix["value"]["base"] == pytest.approx(1 / 6, abs=1e-3)  # the base sets no prior: uniform


@pytest.mark.django_db
def test_accepting_makes_the_proposal_current_and_rescores_history(proposed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rescore = map_proposal_accept(motivation_map=proposed, user=None)
    proposed.refresh_from_db()
    assert proposed.is_current
    assert rescore.map == proposed and rescore.status == RescoreStatus.QUEUED
    assert len(callbacks) == 1


# --- the staff screens ----------------------------------------------------------------------

@pytest.mark.django_db
def test_the_job_list_shows_progress_loglik_and_the_proposal(admin_client, proposed):
    job = proposed.learned_by
    listing = admin_client.get(reverse("admin:personalization_maplearningjob_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "<progress" in body
    assert f"{job.log[-1]['loglik']:.1f}" in body
    assert reverse("admin:personalization_motivationmap_change", args=[proposed.pk]) in body
    assert "Refresh" not in listing.headers  # nothing runs
    assert admin_client.get(reverse("admin:personalization_maplearningjob_change", args=[job.pk])).status_code == 200


@pytest.mark.django_db
def test_the_job_list_reloads_itself_while_a_job_runs(admin_client, base):
    map_learning_start(base=base, user=None)
    assert admin_client.get(reverse("admin:personalization_maplearningjob_changelist")).headers["Refresh"] == "3"


@pytest.mark.django_db
def test_a_proposed_version_shows_its_diff_and_the_accept_button(admin_client, proposed, base):
    listing = admin_client.get(reverse("admin:personalization_motivationmap_changelist")).content.decode()
    assert "proposed (learned)" in listing
    page = admin_client.get(reverse("admin:personalization_motivationmap_change", args=[proposed.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Learned from v{base.version}" in body
    assert "Motivation mix" in body and "Sport" in body
    assert reverse("admin:personalization_motivationmap_accept", args=[proposed.pk]) in body
    assert "Accept: make current and rescore history" in body
    plain = admin_client.get(reverse("admin:personalization_motivationmap_change", args=[base.pk])).content.decode()
    assert "Accept: make current" not in plain and "Motivation mix" not in plain


@pytest.mark.django_db
def test_an_accepted_version_later_replaced_is_no_proposal_again(admin_client, proposed):
    """Once accepted, a learned version reads "learned" and offers a rescore, not Accept, even
    after a staff edit has made a newer version current."""
    page = admin_client.get(reverse("admin:personalization_motivationmap_change", args=[proposed.pk])).content.decode()
    assert "Rescore history with this version" not in page  # a proposal is accepted, not rescored with
    map_proposal_accept(motivation_map=proposed, user=None)
    motivation_map_edit(base=proposed, changes={}, user=None, parameters={"threshold": 0.55})
    proposed.refresh_from_db()
    assert not proposed.is_current
    listing = admin_client.get(reverse("admin:personalization_motivationmap_changelist")).content.decode()
    assert "proposed (learned)" not in listing
    page = admin_client.get(reverse("admin:personalization_motivationmap_change", args=[proposed.pk])).content.decode()
    assert "Accept: make current" not in page and "Rescore history with this version" in page


@pytest.mark.django_db
def test_the_action_starts_a_job_for_one_version(admin_client, base, django_capture_on_commit_callbacks):
    url = reverse("admin:personalization_motivationmap_changelist")
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url, {"action": "learn_from_version", "_selected_action": [base.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:personalization_maplearningjob_changelist")
    assert len(callbacks) == 1
    job = MapLearningJob.objects.get()
    assert job.base == base and job.requested_by.username == "admin"

    two = MotivationMap.objects.values_list("pk", flat=True)
    admin_client.post(url, {"action": "learn_from_version", "_selected_action": list(two)})
    assert MapLearningJob.objects.count() == 1  # one version at a time


@pytest.mark.django_db
def test_a_get_to_the_accept_url_changes_nothing(admin_client, proposed):
    url = reverse("admin:personalization_motivationmap_accept", args=[proposed.pk])
    response = admin_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:personalization_motivationmap_change", args=[proposed.pk])
    proposed.refresh_from_db()
    assert not proposed.is_current and not RescoreJob.objects.exists()


@pytest.mark.django_db
def test_accepting_from_admin_makes_it_current_and_starts_a_rescore(admin_client, proposed,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:personalization_motivationmap_accept", args=[proposed.pk]))
    assert response["Location"] == reverse("admin:personalization_rescorejob_changelist")
    proposed.refresh_from_db()
    assert proposed.is_current and RescoreJob.objects.get().map == proposed
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_accepting_needs_the_change_permission_and_a_csrf_token(proposed):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_motivationmap"))
    client = Client()
    client.force_login(viewer)
    url = reverse("admin:personalization_motivationmap_accept", args=[proposed.pk])
    assert client.post(url).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert strict.post(url).status_code == 403
    proposed.refresh_from_db()
    assert not proposed.is_current and not RescoreJob.objects.exists()


# --- the task -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_task_runs_the_job_and_sends_itself_again_until_done(shoppers, base, monkeypatch):
    job = map_learning_start(base=base, user=None, iterations=2)
    sent = []
    monkeypatch.setattr("personalization.tasks.motivations.SLICE_SECONDS", 0.0)
    monkeypatch.setattr(map_learn, "apply_async", lambda args: sent.append(args))
    assert map_learn(job.pk) == {"job": job.pk, "finished": False}
    assert sent == [(job.pk,)]
    assert map_learn(job.pk) == {"job": job.pk, "finished": True}
    job.refresh_from_db()
    assert job.status == RescoreStatus.DONE and job.proposed is not None


@pytest.mark.django_db
def test_a_failing_task_records_the_error(base, monkeypatch):
    job = map_learning_start(base=base, user=None)

    def broken(**kwargs):
        raise ValueError("no luck")

    monkeypatch.setattr("personalization.services.learning.map_learning_run", broken)
    with pytest.raises(ValueError):
        map_learn(job.pk)
    job.refresh_from_db()
    assert job.status == RescoreStatus.FAILED and job.error == "ValueError: no luck"


# --- EM on a known model (pure) -------------------------------------------------------------

CLASSES = ("practical", "status", "value")
STEPS = tuple(Step(1, f"s{i}", ("a", "b", "c", "d"), (0, 0, 0, 0)) for i in range(4))
FAVOURITE = {"practical": "a", "status": "b", "value": "c"}
PARAMS = ModelParams(price={}, share={}, half_life_days=0.0)  # choices only, no decay
START = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_shoppers(truth_model, rng, n: int, clicks: int) -> tuple[list[list[dict]], np.ndarray]:
    """Shoppers of a random class, each clicking `clicks` times with the true model's choice
    probabilities among what is on offer: every option of the product but the ones selected."""
    events, classes, event_id = [], [], 0
    rows = {row: key for key, row in truth_model.option_row.items()}
    step_of = truth_model.option_step
    for _ in range(n):
        m = int(rng.integers(len(CLASSES)))
        classes.append(m)
        mine, selected = [], set()
        for _click in range(clicks):
            offered = [r for r in range(len(rows)) if r not in selected]
            p = np.exp(truth_model.utility[offered, m])
            row = offered[rng.choice(len(offered), p=p / p.sum())]
            selected = {r for r in selected if step_of[r] != step_of[row]} | {row}
            event_id += 1
            _product, group, option = rows[row]
            mine.append({"id": event_id, "type": "option_selected", "product": 1, "group": group, "option": option,
                         "properties": {}, "occurred_at": START + timedelta(minutes=event_id)})
        events.append(mine)
    return events, np.array(classes)


def test_em_recovers_the_motivations_a_wrong_map_misreads():
    """The staff map is right about two steps, swaps status and value in the third and says
    nothing about the fourth. EM, anchored by it, reads the shoppers far better than the map."""
    truth = compile_model({(1, s.group, o): {c: 1.0} for s in STEPS for c, o in FAVOURITE.items()}, STEPS, CLASSES,
                          PARAMS)
    wrong = {(1, s.group, o): {c: 1.0} for s in STEPS[:2] for c, o in FAVOURITE.items()}
    wrong[(1, "s2", FAVOURITE["practical"])] = {"practical": 1.0}
    wrong[(1, "s2", FAVOURITE["value"])] = {"status": 1.0}
    wrong[(1, "s2", FAVOURITE["status"])] = {"value": 1.0}
    anchor = compile_model(wrong, STEPS, CLASSES, PARAMS)
    events, classes = synthetic_shoppers(truth, np.random.default_rng(11), n=400, clicks=8)
    feats = [features(e, anchor) for e in events]

    def accuracy(model) -> float:
        read = [int(np.argmax(posterior(loglik(f, model), model))) for f in feats]
        return float(np.mean(np.array(read) == classes))

    data, learned = stack(feats, anchor), anchor
    for _ in range(30):
        learned, _ll = em_step(data, learned, anchor, prior_strength=1.0)
    assert accuracy(learned) > accuracy(anchor) + 0.1
    assert accuracy(learned) >= accuracy(truth) - 0.03  # close to what the true model reads


@pytest.mark.django_db
def test_staff_set_the_undetermined_threshold_and_an_edit_drops_learned_parameters(base):
    learned = MotivationMap.objects.create(version=99, parameters={"threshold": 0.4, "utilities": {"1|a|b": {}},
                                                                   "prior": {"status": 1.0}})
    edited = motivation_map_edit(base=learned, changes={}, user=None, parameters={"threshold": 0.6})
    assert edited.pk != learned.pk and edited.parameters == {"threshold": 0.6}
    assert motivation_map_edit(base=edited, changes={}, user=None, parameters={"threshold": 0.6}) == edited
    with pytest.raises(MotivationMapInvalid):
        motivation_map_edit(base=edited, changes={}, user=None, parameters={"threshold": 2})
