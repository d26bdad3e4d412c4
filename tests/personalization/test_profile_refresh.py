"""A profile kept up to date from its new events only: the choice model's running sums and the
depth tally, folded in batches, give what scoring all events at once gives; a refresh reads
only the events it has not counted, and starts over when it cannot go forward; a burst of
clicks from several web processes queues one refresh."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from configurator import tasks as configurator_tasks
from personalization.choice_model import ModelParams, Running, Step, compile_model, score
from personalization.depth import DepthTally, depth_events, shopper_depth
from personalization.models import Event, Profile
from personalization.services import consent_set
from personalization.services.motivations import motivation_map_edit, motivation_map_seed
from personalization.services.profiles import profile_recompute, profile_refresh
from personalization.tasks import profiles as profile_tasks

CLASSES = ("practical", "status", "self-expression", "sustainability", "value", "performance")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
STEPS = (
    Step(1, "colour", ("red", "blue", "green", "gold"), (0, 0, 10, 40), selected=("red",)),
    Step(1, "fabric", ("cotton", "recycled", "silk"), (0, 20, 90), selected=("cotton",)),
    Step(1, "extras", ("rack", "lamp", "bell"), (5, 15, 1), multi=True),
    Step(1, "badge", text=True),
    Step(2, "trim", ("base", "sport", "eco"), (0, 50, 30), selected=("base",)),
)
WEIGHTS = {
    (1, "colour", "green"): {"sustainability": 0.5, "self-expression": 0.4},
    (1, "colour", "gold"): {"status": 0.9},
    (1, "fabric", "recycled"): {"sustainability": 1.0},
    (1, "fabric", "silk"): {"status": 0.8},
    (1, "extras", "rack"): {"practical": 0.9},
    (1, "extras", "lamp"): {"practical": 0.4, "performance": 0.3},
    (1, "badge", ""): {"self-expression": 1.0},
    (2, "trim", "sport"): {"performance": 1.0},
    (2, "trim", "eco"): {"sustainability": 0.7, "value": 0.3},
}
OPTIONS = [(s.product, s.group, o) for s in STEPS if not s.text for o in s.options]


def model(**params):
    return compile_model(WEIGHTS, STEPS, CLASSES, ModelParams(**params))


event_kinds = st.one_of(
    st.tuples(st.just("option_selected"), st.sampled_from(OPTIONS), st.booleans()),
    st.tuples(st.just("option_removed"), st.sampled_from([o for o in OPTIONS if o[1] == "extras"]), st.just(False)),
    st.tuples(st.just("text_personalized"), st.just((1, "badge", "")), st.booleans()),
    st.tuples(st.sampled_from(["build_saved", "build_shared", "order_placed"]), st.sampled_from([(1, "", ""), (2, "", "")]),
              st.booleans()),
    st.tuples(st.sampled_from(["share_viewed", "build_remixed"]), st.just((1, "", "")), st.booleans()),
)


def to_events(kinds: list, gaps: list[int]) -> list[dict]:
    events, at = [], NOW
    for i, ((kind, (product, group, option), flag), gap) in enumerate(zip(kinds, gaps, strict=False)):
        at += timedelta(hours=gap)  # gaps of 0 give events at the same moment
        properties = {"auto": True} if kind == "option_selected" and flag else {}
        if kind == "text_personalized" and flag:
            properties = {"cleared": True}
        events.append({"id": i + 1, "type": kind, "occurred_at": at, "product": product, "group": group,
                       "option": option, "build": f"b{product}-{i % 3}" if kind.startswith(("build", "order")) else None,
                       "properties": properties})
    return events


@settings(max_examples=120, deadline=None)
@given(st.lists(event_kinds, max_size=40), st.lists(st.integers(0, 400), min_size=40, max_size=40),
       st.lists(st.integers(1, 40), max_size=6), st.sampled_from([0.0, 0.4]))
def test_folding_in_batches_gives_what_scoring_all_at_once_gives(kinds, gaps, cuts, secondary):
    m = model(secondary=secondary, half_life_days=7.0)
    events = to_events(kinds, gaps)
    whole = score(events, m)
    running, start = Running(), 0
    for cut in [*sorted(set(cuts)), len(events)]:
        assert running.fold(events[start:cut], m)
        # Stored and read back between batches, as a profile is.
        running = Running.from_json(json.loads(json.dumps(running.as_json(m))), m)
        start = max(start, cut)
    batched = running.profile(m)
    assert batched.probabilities == pytest.approx(whole.probabilities, abs=2e-6)
    assert (batched.event_count, batched.last_event_id, batched.determined) == (
        whole.event_count, whole.last_event_id, whole.determined)
    assert [(e.event, e.motivation) for e in batched.evidence] == [(e.event, e.motivation) for e in whole.evidence]
    assert [e.contribution for e in batched.evidence] == pytest.approx([e.contribution for e in whole.evidence],
                                                                       abs=2e-4)


def test_folding_refuses_an_event_older_than_the_newest_counted():
    m = model()
    events = to_events([("option_selected", (1, "fabric", "silk"), False)] * 3, [1, 1, 1])
    running = Running()
    assert running.fold(events[1:], m)
    stored = running.as_json(m)
    assert not running.fold(events[:1], m)
    assert running.as_json(m) == stored  # nothing changed
    assert not running.fold(events[2:], m)  # an event counted already is not new either


def test_a_running_profile_belongs_to_the_model_it_was_folded_with():
    m, other = model(), model(sensitivity=2.0)
    running = Running()
    running.fold(to_events([("option_selected", (1, "fabric", "silk"), False)], [1]), m)
    data = running.as_json(m)
    assert Running.from_json(data, m) is not None
    assert Running.from_json(data, other) is None
    assert Running.from_json({**data, "clicks": [1.0]}, m) is None
    assert Running.from_json("odd", m) is None


@settings(max_examples=80, deadline=None)
@given(st.lists(event_kinds, max_size=40), st.lists(st.integers(0, 30), min_size=40, max_size=40),
       st.lists(st.integers(1, 40), max_size=5))
def test_depth_in_batches_is_depth_of_all_events(kinds, gaps, cuts):
    events = [{**e, "occurred_at": NOW + (e["occurred_at"] - NOW) / 60} for e in to_events(kinds, gaps)]  # minutes
    tally, start = DepthTally(), 0
    for cut in [*sorted(set(cuts)), len(events)]:
        tally = DepthTally.from_json(json.loads(json.dumps(tally.add(depth_events(events[start:cut])).as_json())))
        start = max(start, cut)
    assert tally.result() == shopper_depth(events)
    assert DepthTally.from_json("odd") is None


# --- the service -----------------------------------------------------------------------------

@pytest.fixture
def weighted(car):
    v1 = motivation_map_seed()
    return motivation_map_edit(base=v1, user=None, note="car", changes={
        (car.pk, "trim", "sport", "performance"): 1.0,
        (car.pk, "trim", "electric", "sustainability"): 1.0,
        (car.pk, "wheels", "w16", "value"): 0.8,
        (car.pk, "wheels", "w18", "performance"): 0.8,
        (car.pk, "packs", "family", "practical"): 1.0,
    })


def shopper() -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=False, source="banner")
    return shopper_id


def choose(shopper_id, car, group, option, *, minutes: float) -> Event:
    return Event.objects.create(type="option_selected", occurred_at=timezone.now() - timedelta(minutes=minutes),
                                shopper_id=shopper_id, product=car, group=group, option=option,
                                properties={"version": car.current_version_id})


def same(a: Profile, b: Profile) -> None:
    assert a.scores == pytest.approx(b.scores, abs=2e-6)
    assert (a.event_count, a.last_event_id, a.depth, a.depth_band, a.depth_detail) == (
        b.event_count, b.last_event_id, b.depth, b.depth_band, b.depth_detail)
    assert [e["event"] for e in a.evidence] == [e["event"] for e in b.evidence]


@pytest.mark.django_db
def test_a_refresh_reads_only_the_new_events_and_agrees_with_a_full_recompute(car, weighted):
    sid = shopper()
    for i, (group, option) in enumerate([("trim", "sport"), ("wheels", "w16"), ("wheels", "w18")] * 5):
        choose(sid, car, group, option, minutes=60 - i)
    first = profile_refresh(shopper_id=sid)  # no running state yet: all events
    assert first.event_count == 15
    newest = choose(sid, car, "packs", "family", minutes=1)
    with CaptureQueriesContext(connection) as queries:
        refreshed = profile_refresh(shopper_id=sid)
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "personalization_event"' in q["sql"]]
    assert len(reads) == 1 and f'"id" > {first.last_event_id}' in reads[0].replace("personalization_event.", "")
    assert refreshed.last_event_id == newest.pk and refreshed.event_count == 16
    newest.refresh_from_db()
    assert newest.scored_with == weighted and newest.scores == {"practical": 1.0}
    same(refreshed, profile_recompute(shopper_id=sid))


@pytest.mark.django_db
def test_a_refresh_starts_over_for_an_older_event_or_a_new_map(car, weighted):
    sid = shopper()
    choose(sid, car, "trim", "sport", minutes=5)
    profile_refresh(shopper_id=sid)
    choose(sid, car, "trim", "electric", minutes=30)  # older than what was counted
    late = profile_refresh(shopper_id=sid)
    assert late.event_count == 2
    same(late, profile_recompute(shopper_id=sid))

    newer = motivation_map_edit(base=weighted, user=None, note="more", changes={
        (car.pk, "trim", "electric", "value"): 1.0})
    rescored = profile_refresh(shopper_id=sid)  # nothing new, but another map: all events again
    assert rescored.map_version == newer.version
    assert rescored.scores["value"] > late.scores["value"]
    same(rescored, profile_recompute(shopper_id=sid))


@pytest.mark.django_db
def test_a_refresh_with_unreadable_running_state_recomputes(car, weighted):
    sid = shopper()
    choose(sid, car, "trim", "sport", minutes=5)
    profile_refresh(shopper_id=sid)
    Profile.objects.filter(shopper_id=sid).update(running={"model": "x", "depth": [1]})
    choose(sid, car, "wheels", "w18", minutes=1)
    same(profile_refresh(shopper_id=sid), profile_recompute(shopper_id=sid))


@pytest.mark.django_db
def test_a_burst_of_clicks_across_web_processes_queues_one_refresh(monkeypatch, settings):
    settings.ATELIER_PROFILE_DEBOUNCE_SECONDS = 5
    sent = []
    monkeypatch.setattr(configurator_tasks, "enqueue_on_commit", lambda task, key, **kw: sent.append(key))
    sid = uuid.uuid4()
    cache.delete(f"profile-refresh:{sid}")
    profile_tasks.profile_refresh_soon(sid)
    profile_tasks._queued.discard(str(sid))  # another process: its own memory is empty
    profile_tasks.profile_refresh_soon(sid)
    assert sent == [str(sid)]
    cache.delete(f"profile-refresh:{sid}")  # the window is over
    profile_tasks._queued.discard(str(sid))
    profile_tasks.profile_refresh_soon(sid)
    assert sent == [str(sid)] * 2
