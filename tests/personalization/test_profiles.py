"""Profiles recomputed from events, the versioned motivation map, rescoring history and the
profile a shopper sees on their Privacy page."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from personalization.models import Event, MotivationMap, MotivationWeight, Profile, RescoreJob, RescoreStatus
from personalization.selectors import profile_display
from personalization.services import consent_set
from personalization.services.motivations import (
    MotivationMapInvalid,
    map_weights,
    motivation_map_edit,
    motivation_map_seed,
    rescore_run,
    rescore_start,
)
from personalization.services.profiles import profile_recompute, profiles_sweep
from personalization.tasks import profiles_sweep as profiles_sweep_task
from personalization.tasks import rescore_history


@pytest.fixture
def weighted(car):
    """The six motivations, and a current map v2 that tags the small car's options."""
    v1 = motivation_map_seed()
    return motivation_map_edit(base=v1, user=None, note="car", changes={
        (car.pk, "trim", "sport", "performance"): 1.0,
        (car.pk, "trim", "sport", "status"): 0.5,
        (car.pk, "trim", "electric", "sustainability"): 1.0,
        (car.pk, "trim", "classic", "value"): 0.7,
        (car.pk, "wheels", "w16", "value"): 0.8,
        (car.pk, "wheels", "w17", "self-expression"): 0.4,
        (car.pk, "wheels", "w18", "performance"): 0.8,
        (car.pk, "packs", "family", "practical"): 1.0,
        (car.pk, "badge", "", "self-expression"): 1.0,
    })


def shopper(*, personalization: bool = True) -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=personalization, marketing=False,
                source="banner")
    return shopper_id


def choose(shopper_id, car, group, option, *, previous=(), days=1.0, **properties) -> Event:
    return Event.objects.create(
        type="option_selected", occurred_at=timezone.now() - timedelta(days=days), shopper_id=shopper_id,
        product=car, group=group, option=option,
        properties={"previous": list(previous), "version": car.current_version_id, "delta": "0", **properties},
    )


@pytest.mark.django_db
def test_recompute_scores_all_events_and_records_the_version(car, weighted):
    sid = shopper()
    first = choose(sid, car, "trim", "sport")
    choose(sid, car, "wheels", "w17", previous=["w16"], days=0.9)
    choose(sid, car, "wheels", "w18", previous=["w17"], days=0.8)
    profile = profile_recompute(shopper_id=sid)
    assert profile.dominant.code == "performance"
    assert profile.scores["performance"] > profile.scores["status"] > 0
    assert profile.event_count == 3
    assert profile.map_version == weighted.version
    assert 0 < profile.confidence <= 1
    first.refresh_from_db()
    assert first.scored_with == weighted
    assert first.scores == {"performance": 1.0, "status": 0.5}
    assert profile.evidence[0]["motivation"] == "performance"


@pytest.mark.django_db
def test_recompute_is_idempotent_and_never_increments(car, weighted):
    sid = shopper()
    choose(sid, car, "trim", "sport")
    once = profile_recompute(shopper_id=sid)
    twice = profile_recompute(shopper_id=sid)
    assert Profile.objects.filter(shopper_id=sid).count() == 1
    assert twice.event_count == once.event_count == 1
    assert twice.scores == pytest.approx(once.scores, rel=1e-4)
    assert twice.evidence == once.evidence


@pytest.mark.django_db
def test_no_profile_without_personalization_consent(car, weighted):
    sid = shopper(personalization=False)
    choose(sid, car, "trim", "sport")
    assert profile_recompute(shopper_id=sid) is None
    assert not Profile.objects.filter(shopper_id=sid).exists()
    assert profile_recompute(shopper_id=uuid.uuid4()) is None  # no shopper row at all


@pytest.mark.django_db
def test_withdrawing_consent_drops_the_profile(car, weighted):
    sid = shopper()
    choose(sid, car, "trim", "sport")
    profile_recompute(shopper_id=sid)
    consent_set(shopper_id=sid, analytics=True, personalization=False, marketing=False, source="privacy")
    assert profile_recompute(shopper_id=sid) is None
    assert not Profile.objects.filter(shopper_id=sid).exists()
    assert profile_display(sid) is None


@pytest.mark.django_db
def test_sweep_catches_an_event_that_committed_after_a_newer_one_was_counted(car, weighted):
    """Ids are handed out at INSERT: a save's event can commit after a recompute counted a click
    with a higher id. Its profile is then behind although no event is newer than it."""
    sid = shopper()
    late = choose(sid, car, "trim", "sport")
    counted = choose(sid, car, "packs", "family", days=0)
    Event.objects.filter(pk=late.pk).delete()
    profile_recompute(shopper_id=sid)  # as if `late` had not committed yet
    Event.objects.create(**{f.attname: getattr(late, f.attname) for f in Event._meta.concrete_fields})
    assert Profile.objects.get(shopper_id=sid).last_event_id == counted.pk > late.pk

    assert profiles_sweep()["recomputed"] == 1
    assert Profile.objects.get(shopper_id=sid).event_count == 2
    assert profiles_sweep()["recomputed"] == 0


@pytest.mark.django_db
def test_sweep_catches_up_profiles_behind_their_events(car, weighted):
    behind, fresh, refused = shopper(), shopper(), shopper(personalization=False)
    choose(behind, car, "trim", "sport")
    choose(fresh, car, "trim", "electric")
    choose(refused, car, "trim", "electric")
    profile_recompute(shopper_id=fresh)
    newest = choose(behind, car, "packs", "family", days=0)

    assert profiles_sweep() == {"recomputed": 1, "dropped": 0}
    assert Profile.objects.get(shopper_id=behind).last_event_id == newest.pk
    assert not Profile.objects.filter(shopper_id=refused).exists()
    later = choose(fresh, car, "wheels", "w17", days=0)
    assert profiles_sweep()["recomputed"] == 1
    assert Profile.objects.get(shopper_id=fresh).last_event_id == later.pk
    assert profiles_sweep()["recomputed"] == 0
    assert profiles_sweep_task() == {"recomputed": 0, "dropped": 0}


@pytest.mark.django_db
def test_map_edit_creates_a_new_current_version_and_leaves_the_old_untouched(car, weighted):
    before = map_weights(weighted)
    edited = motivation_map_edit(base=weighted, user=None, note="electric is also status", changes={
        (car.pk, "trim", "electric", "status"): 0.6,
        (car.pk, "wheels", "w17", "self-expression"): None,
    })
    assert edited.version == weighted.version + 1
    assert edited.is_current and edited.note == "electric is also status"
    weighted.refresh_from_db()
    assert not weighted.is_current
    assert map_weights(weighted) == before
    after = map_weights(edited)
    assert after[(car.pk, "trim", "electric", "status")] == 0.6
    assert (car.pk, "wheels", "w17", "self-expression") not in after
    assert MotivationMap.objects.filter(is_current=True).count() == 1


@pytest.mark.django_db
def test_map_edit_without_a_change_makes_no_version_and_refuses_bad_weights(car, weighted):
    same = motivation_map_edit(base=weighted, user=None, changes={(car.pk, "trim", "sport", "performance"): 1.0})
    assert same == weighted
    with pytest.raises(MotivationMapInvalid):
        motivation_map_edit(base=weighted, user=None, changes={(car.pk, "trim", "sport", "greed"): 1.0})
    with pytest.raises(MotivationMapInvalid):
        motivation_map_edit(base=weighted, user=None, changes={(car.pk, "trim", "sport", "value"): -1.0})
    assert MotivationMap.objects.count() == 2


@pytest.mark.django_db
def test_rescoring_with_a_new_version_changes_scores_and_records_it(car, weighted, django_capture_on_commit_callbacks):
    sid, analytics_only = shopper(), shopper(personalization=False)
    event = choose(sid, car, "trim", "electric")
    other = choose(analytics_only, car, "trim", "electric")
    profile_recompute(shopper_id=sid)
    assert Profile.objects.get(shopper_id=sid).dominant.code == "sustainability"

    v3 = motivation_map_edit(base=weighted, user=None, changes={
        (car.pk, "trim", "electric", "sustainability"): None, (car.pk, "trim", "electric", "status"): 2.0})
    with django_capture_on_commit_callbacks() as callbacks:
        job = rescore_start(map=v3, user=None)
    assert len(callbacks) == 1  # the task is sent after commit...
    assert rescore_history(job.pk) == {"job": job.pk, "finished": True}  # ...and run here directly
    job.refresh_from_db()
    assert job.status == RescoreStatus.DONE and job.percent == 100
    assert job.done == job.total >= 2
    profile = Profile.objects.get(shopper_id=sid)
    assert max(profile.scores, key=profile.scores.get) == "status" and profile.map_version == v3.version
    for row in (event, other):
        row.refresh_from_db()
        assert row.scored_with == v3
        assert row.scores == {"status": 2.0}


@pytest.mark.django_db
def test_rescore_is_idempotent_and_resumable(car, weighted):
    sid = shopper()
    for option in ("sport", "electric", "classic"):
        choose(sid, car, "trim", option)
    job = RescoreJob.objects.create(map=weighted)
    assert rescore_run(job_id=job.pk, budget_seconds=0) is False  # out of time at once: resumes later
    job.refresh_from_db()
    assert job.status == RescoreStatus.RUNNING and job.done < job.total
    assert rescore_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == RescoreStatus.DONE
    assert not Event.objects.exclude(scored_with=weighted).exists()
    assert rescore_run(job_id=job.pk) is True  # a replay of a finished job does nothing
    # Starting again while a job is under way returns that job rather than a second one.
    running = RescoreJob.objects.create(map=weighted)
    assert rescore_start(map=weighted, user=None) == running


@pytest.mark.django_db
def test_a_finished_rescore_refreshes_the_report_rollups(car, weighted, settings, monkeypatch,
                                                          django_capture_on_commit_callbacks):
    """The reports group by the dominant motivation of the last rollup refresh: a rescore that
    changed the profiles queues a refresh of every day the events cover, once, when it is done."""
    from personalization.tasks import rollups as rollup_tasks

    sent = []
    monkeypatch.setattr(rollup_tasks.rollups_refresh, "delay", sent.append)
    sid = shopper()
    choose(sid, car, "trim", "sport")
    job = RescoreJob.objects.create(map=weighted)
    with django_capture_on_commit_callbacks(execute=True):
        assert rescore_run(job_id=job.pk, budget_seconds=0) is False
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        assert rescore_run(job_id=job.pk) is True
    covered = timezone.localdate() - timedelta(days=settings.ATELIER_EVENT_RETENTION_DAYS)
    assert sent == [covered.isoformat()]


@pytest.mark.django_db
def test_a_job_for_a_superseded_version_stops(car, weighted):
    job = RescoreJob.objects.create(map=weighted)
    motivation_map_edit(base=weighted, user=None, changes={(car.pk, "trim", "sport", "value"): 0.1})
    assert rescore_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == RescoreStatus.FAILED and "Superseded" in job.error


@pytest.mark.django_db
def test_profile_display_explains_in_the_active_language(car, weighted):
    sid = shopper()
    choose(sid, car, "wheels", "w17", previous=["w16"], days=0)
    choose(sid, car, "trim", "sport")
    choose(sid, car, "wheels", "w18", previous=["w17"], days=0.5)  # enough to pass the threshold
    profile_recompute(shopper_id=sid)
    shown = profile_display(sid)
    assert shown["dominant"] == {"code": "performance", "name": "Performance"}
    assert shown["scores"][0]["code"] == "performance"
    assert sum(row["share"] for row in shown["scores"]) == pytest.approx(1.0, abs=0.01)
    labels = [row["label"] for row in shown["evidence"]]
    assert "Chose 17-inch Aero over 16-inch Standard" in labels
    with translation.override("nl"):
        dutch = profile_display(sid)
    assert dutch["dominant"]["name"] == "Prestaties"
    assert any("17 inch Aero" in row["label"] and "16 inch standaard" in row["label"] for row in dutch["evidence"])


@pytest.mark.django_db
def test_seed_tags_the_demo_catalog_once(django_capture_on_commit_callbacks):
    from configurator.demo.catalog import PRODUCTS
    from configurator.demo.seed import demo_seed

    demo_seed()
    call_command("seed_personalization")
    call_command("seed_personalization")
    current = MotivationMap.objects.get(is_current=True)
    assert MotivationMap.objects.count() == 1 and current.version == 1
    tags = sum(len(o["motivations"]) for p in PRODUCTS for g in p["groups"] for o in g.get("options", ()))
    tags += sum(len(g.get("motivations") or {}) for p in PRODUCTS for g in p["groups"])
    assert MotivationWeight.objects.filter(map=current).count() == tags


# --- on a real worker ---------------------------------------------------------------------------

def wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail("the worker did not finish in time")


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_profile_recompute_and_rescore_run_on_a_real_worker(celery_worker_process, car, weighted):
    from personalization.tasks import profile_recompute as recompute_task

    sid = shopper()
    event = choose(sid, car, "trim", "electric")
    recompute_task.delay(str(sid))
    profile = wait_for(lambda: Profile.objects.filter(shopper_id=sid).first())
    # One click: the most probable motivation (not yet a dominant one past the threshold).
    assert max(profile.scores, key=profile.scores.get) == "sustainability"
    assert profile.map_version == weighted.version

    v3 = motivation_map_edit(base=weighted, user=None, changes={(car.pk, "trim", "electric", "status"): 3.0})
    job = rescore_start(map=v3, user=None)
    wait_for(lambda: RescoreJob.objects.filter(pk=job.pk, status=RescoreStatus.DONE).exists())
    event.refresh_from_db()
    assert event.scored_with_id == v3.pk
    assert event.scores == {"status": 3.0, "sustainability": 1.0}
    profile = Profile.objects.get(shopper_id=sid)
    assert max(profile.scores, key=profile.scores.get) == "status" and profile.map_version == v3.version
    worker_idle()  # a finished rescore queues a rollup refresh: let it end before the tables are emptied


def worker_idle(timeout: float = 60.0) -> None:
    """Waits until the worker has no task running or waiting. Its solo pool answers a control
    command only between tasks, so an answer with nothing active means it is idle."""
    import time

    from atelier.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=1.0)
        active, reserved = inspect.active(), inspect.reserved()
        if active and reserved and not any(active.values()) and not any(reserved.values()):
            return
        time.sleep(0.2)
    raise AssertionError("the worker was still busy")


def _shoppers_with_choices(car, n: int) -> list[uuid.UUID]:
    picks = (("trim", "sport"), ("trim", "electric"), ("wheels", "w16"), ("packs", "family"), ("wheels", "w18"))
    ids = []
    for i in range(n):
        sid = shopper()
        for j in range(1 + i % 3):
            group, option = picks[(i + j) % len(picks)]
            choose(sid, car, group, option, days=1.0 - j / 10)
        ids.append(sid)
    return ids


def _stored(sid) -> dict:
    return Profile.objects.filter(shopper_id=sid).values(
        "scores", "dominant", "confidence", "determined", "evidence", "event_count", "last_event_id", "depth",
        "depth_band", "depth_detail", "map_version", "running").first()


@pytest.mark.django_db
def test_a_batch_recompute_stores_what_one_at_a_time_stores(car, weighted):
    from personalization.services.profiles import active_motivations, profiles_recompute, weight_map_load

    ids = _shoppers_with_choices(car, 7)
    refused = shopper(personalization=False)
    idle = shopper()  # consented, no events yet
    Profile.objects.create(shopper_id=refused, scores={"value": 1.0})  # as if left from before a withdrawal
    single = {}
    for sid in ids:
        profile_recompute(shopper_id=sid)
        single[sid] = _stored(sid)
    Profile.objects.filter(shopper_id__in=ids).delete()
    written = profiles_recompute([*ids, refused, idle], motivation_map=weighted,
                                 weights=weight_map_load(weighted), motivations=active_motivations())
    assert {p.shopper_id for p in written} == {*ids, idle}
    assert {sid: _stored(sid) for sid in ids} == single
    assert not Profile.objects.filter(shopper_id=refused).exists()
    assert _stored(idle)["event_count"] == 0


@pytest.mark.django_db
def test_a_batch_recompute_takes_the_same_queries_for_many_shoppers_as_for_few(car, weighted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from personalization.services.profiles import active_motivations, profiles_recompute, weight_map_load

    weights, motivations = weight_map_load(weighted), active_motivations()
    # The first batch compiles the model (a few queries, then kept per process).
    profiles_recompute(_shoppers_with_choices(car, 1), motivation_map=weighted, weights=weights,
                       motivations=motivations)
    counts = []
    for n in (3, 30):
        ids = _shoppers_with_choices(car, n)
        with CaptureQueriesContext(connection) as queries:
            profiles_recompute(ids, motivation_map=weighted, weights=weights, motivations=motivations)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_rescore_walks_the_profiles_in_batches_from_where_the_last_ended(car, weighted, monkeypatch):
    """Each batch of outdated profiles is asked for after the last one done: a batch that asked
    from the start again would read every finished profile again (quadratic in shoppers)."""
    from personalization.services import motivations as service

    monkeypatch.setattr(service, "PROFILE_CHUNK", 4)
    ids = _shoppers_with_choices(car, 10)
    for sid in ids:
        profile_recompute(shopper_id=sid)
    newer = motivation_map_edit(base=weighted, user=None, note="more", changes={
        (car.pk, "trim", "classic", "practical"): 0.6})
    batches = []
    real = service.profiles_recompute
    monkeypatch.setattr(service, "profiles_recompute", lambda shoppers, **kw: batches.append(list(shoppers))
                        or real(shoppers, **kw))
    job = rescore_start(map=newer, user=None)
    assert rescore_run(job_id=job.pk, budget_seconds=60)
    outdated = [b for b in batches if b]
    assert [len(b) for b in outdated[:3]] == [4, 4, 2]
    assert sorted(outdated[0] + outdated[1] + outdated[2]) == sorted(ids)
    assert all(a[-1] < b[0] for a, b in itertools.pairwise(outdated[:3]))  # key order, no repeats
    assert set(Profile.objects.filter(shopper_id__in=ids).values_list("map_version", flat=True)) == {newer.version}


@pytest.mark.django_db
def test_the_sweep_looks_at_recent_shoppers_and_the_full_sweep_at_all(car, weighted):
    from personalization.services.profiles import SWEEP_WINDOW

    recent, old = shopper(), shopper()
    choose(recent, car, "trim", "sport", days=1)
    choose(old, car, "trim", "electric", days=SWEEP_WINDOW.days + 2)  # e.g. imported with its own date
    assert profiles_sweep() == {"recomputed": 1, "dropped": 0}
    assert Profile.objects.filter(shopper_id=recent).exists() and not Profile.objects.filter(shopper_id=old).exists()
    assert profiles_sweep(full=True) == {"recomputed": 1, "dropped": 0}
    assert Profile.objects.get(shopper_id=old).scores["sustainability"] > 0
    assert profiles_sweep_task(full=True) == {"recomputed": 0, "dropped": 0}


@pytest.mark.django_db
def test_each_run_of_a_rescore_goes_on_from_where_the_last_one_ended(car, weighted, monkeypatch):
    """The task runs a rescore a minute at a time. Each run goes on after the last event and
    profile done, and what is left is counted once, at the start: a run that walked from the
    start again (or counted every stale event again) would read all history already done, once
    a minute, and the rescore would grow with the square of the history."""
    from types import SimpleNamespace

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from personalization.services import motivations as service

    monkeypatch.setattr(service, "EVENT_CHUNK", 2)
    monkeypatch.setattr(service, "PROFILE_CHUNK", 1)
    clock = itertools.count()  # each look at the clock is a second later: a run does a batch or two
    monkeypatch.setattr(service, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    shoppers = sorted(_shoppers_with_choices(car, 3))  # 1 + 2 + 3 events
    for sid in shoppers:
        profile_recompute(shopper_id=sid)
    events = list(Event.objects.order_by("id").values_list("id", flat=True))
    newer = motivation_map_edit(base=weighted, user=None, note="more", changes={
        (car.pk, "trim", "classic", "practical"): 0.6})
    job = RescoreJob.objects.create(map=newer)

    assert rescore_run(job_id=job.pk, budget_seconds=3) is False
    job.refresh_from_db()
    assert job.events_after == events[3] and job.total == len(events) + len(shoppers)
    with CaptureQueriesContext(connection) as queries:
        assert rescore_run(job_id=job.pk, budget_seconds=3) is False
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "COUNT(" in s.upper()]  # counted once, in the first run
    assert [s for s in sql if "personalization_event" in s and f'"id" > {events[3]}' in s]
    assert not [s for s in sql if "personalization_event" in s and '"id" > 0' in s]
    job.refresh_from_db()
    assert job.events_after == events[-1]

    cursors = []
    for _ in shoppers:  # a profile a run, each after the last run's
        assert rescore_run(job_id=job.pk, budget_seconds=3) is False
        job.refresh_from_db()
        cursors.append(job.profiles_after)
    assert cursors == shoppers
    assert rescore_run(job_id=job.pk, budget_seconds=60) is True
    job.refresh_from_db()
    assert job.status == RescoreStatus.DONE and job.done == job.total
    assert not Event.objects.exclude(scored_with=newer).exists()
    assert set(Profile.objects.values_list("map_version", flat=True)) == {newer.version}


@pytest.mark.django_db
def test_event_scores_write_updates_exactly_the_events_given(car, weighted):
    """The UPDATE is bounded by the smallest and largest id and date given: events far apart
    (other months) are all written, an event between them that was not given is left alone."""
    from personalization.services.profiles import event_scores_write

    sid = shopper()
    old, between, new = (choose(sid, car, "trim", "sport", days=days) for days in (70, 35, 0.1))
    event_scores_write([(old.id, old.occurred_at, {"value": 0.5}), (new.id, new.occurred_at, {"status": 1.0})],
                       weighted.pk)
    for event in (old, between, new):
        event.refresh_from_db()
    assert (old.scored_with, old.scores) == (weighted, {"value": 0.5})
    assert (new.scored_with, new.scores) == (weighted, {"status": 1.0})
    assert (between.scored_with, between.scores) == (None, {})
    event_scores_write([], weighted.pk)  # nothing to write: no statement
