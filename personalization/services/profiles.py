"""Profiles: computed by the choice model from a shopper's events. A profile keeps the model's
running sums, so the refresh after a click reads only the new events (`profile_refresh`); a
full recompute (`profile_recompute`) reads them all and is what a new map version, the sweep and
staff use. Both record on each event they read which map version scored it, and how."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from configurator.lru import LRU
from personalization.choice_model import Model, Running
from personalization.depth import DepthTally, depth_events
from personalization.models import Event, Motivation, MotivationMap, MotivationWeight, Profile, Shopper
from personalization.scoring import ScoringConfig, WeightMap, event_signal
from personalization.services.choice_models import model_for
from personalization.services.events import MAX_AGE

_weights: LRU[WeightMap] = LRU(8)
EVENT_FIELDS = ("id", "type", "occurred_at", "product_id", "group", "option", "build_id", "properties")


def scoring_config() -> ScoringConfig:
    return ScoringConfig(half_life_days=float(getattr(settings, "ATELIER_PROFILE_HALF_LIFE_DAYS", 30.0)))


def weight_map_load(motivation_map: MotivationMap | None) -> WeightMap:
    """A map version's weights as the scoring core reads them. A version never changes (an edit
    makes a new one), so they are kept per version in this process, as its compiled model is."""
    if motivation_map is None:
        return {}
    # The creation time too: a rolled-back test database can hand out a map's id again.
    return _weights.get((motivation_map.pk, motivation_map.created_at), lambda: _weights_read(motivation_map))


def _weights_read(motivation_map: MotivationMap) -> WeightMap:
    weights: dict[tuple[int, str, str], dict[str, float]] = {}
    if motivation_map is None:
        return weights
    rows = MotivationWeight.objects.filter(map=motivation_map).values_list(
        "product_id", "group", "option", "motivation__code", "weight")
    for product, group, option, code, weight in rows:
        weights.setdefault((product, group, option), {})[code] = weight
    return weights


def active_motivations() -> list[str]:
    return list(Motivation.objects.filter(active=True).values_list("code", flat=True))


def current_map() -> MotivationMap | None:
    return MotivationMap.objects.filter(is_current=True).first()


def _record_event_scores(rows: list[dict], event_scores: dict[int, dict[str, float]],
                         motivation_map: MotivationMap | None) -> int:
    """Write scored_with and scores on the events whose values differ (a replay writes nothing)."""
    map_id = motivation_map.pk if motivation_map else None
    wanted = ((row, event_scores.get(row["id"], {})) for row in rows)
    changed = [(row["id"], row["occurred_at"], scores) for row, scores in wanted
               if row["scored_with_id"] != map_id or row["scores"] != scores]
    if changed:
        event_scores_write(changed, map_id)
    return len(changed)


def event_scores_write(updates: list[tuple[int, Any, dict]], map_id: int | None) -> None:
    """Store (event id, occurred_at, scores) of many events, scored with map version `map_id`, in
    one statement. On PostgreSQL an UPDATE from arrays, joined on (id, occurred_at) so each row
    is found in its own month: Django's bulk_update builds a CASE of every id per column, which
    cost 30 of 35 s (in Python) for 20,000 events and made a rescore run at about 2,000 events a
    second.

    The join is bounded by the smallest and largest id and occurred_at of the updates: without
    bounds PostgreSQL joins by hashing every row of every month (a sequential scan of the whole
    table per statement, so a rescore in chunks grew with the square of the history); with them
    each month's primary key is read over that range only, which for a rescore chunk (ids in a
    row) is the chunk itself."""
    if not updates:
        return
    if connection.vendor != "postgresql":
        with transaction.atomic():
            Event.objects.bulk_update([Event(id=pk, scored_with_id=map_id, scores=scores)
                                       for pk, _at, scores in updates], ["scored_with", "scores"], batch_size=500)
        return
    table = connection.ops.quote_name(Event._meta.db_table)
    ids, moments = [u[0] for u in updates], [u[1] for u in updates]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} e SET scored_with_id = %s, scores = v.scores "  # noqa: S608 (the model's table)
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::jsonb[]) AS v(id, occurred_at, scores) "
            "WHERE e.id = v.id AND e.occurred_at = v.occurred_at "
            "AND e.id BETWEEN %s AND %s AND e.occurred_at BETWEEN %s AND %s",
            [map_id, ids, moments, [json.dumps(u[2]) for u in updates], min(ids), max(ids), min(moments), max(moments)])


def events_scored(events: list[dict], weights: WeightMap, motivations: list[str]) -> dict[int, dict[str, float]]:
    """What each event says by itself (its option's weights), as the events record it for the
    "what the choices say" report: event id -> motivation -> amount."""
    from personalization.scoring import coerce_event

    wanted, config, out = set(motivations), scoring_config(), {}
    for raw in events:
        event = coerce_event(raw)
        if event is not None:
            out[event.id] = {line.motivation: round(line.contribution, 6)
                             for line in event_signal(event, weights, config) if line.motivation in wanted}
    return out


def _rows(shopper_id: uuid.UUID, *, after: int = 0) -> tuple[list[dict], list[dict]]:
    """The shopper's events (those with an id above `after`) as stored and as scoring reads them."""
    rows = list(Event.objects.filter(shopper_id=shopper_id, id__gt=after).order_by("id").values(
        *EVENT_FIELDS, "scored_with_id", "scores"))
    return rows, _as_read(rows)


def _as_read(rows: list[dict]) -> list[dict]:
    return [{**row, "product": row["product_id"], "build": row["build_id"]} for row in rows]


def _locked_shopper(shopper_id: uuid.UUID) -> Shopper | None:
    """The shopper row, locked (it serializes recomputes of one shopper: the debounced task, the
    sweep and a rescore may meet), if they consented to personalization. Without consent there
    is no profile: any existing one is deleted."""
    shopper = Shopper.objects.select_for_update().filter(pk=shopper_id).only("pk", "personalization").first()
    if shopper is None or not shopper.personalization:
        Profile.objects.filter(shopper_id=shopper_id).delete()
        return None
    return shopper


RECOMPUTE_BATCH = 200  # shoppers per profiles_recompute transaction in the batch callers
PROFILE_FIELDS = ("scores", "dominant", "confidence", "determined", "evidence", "event_count", "last_event_id",
                  "depth", "depth_band", "depth_detail", "computed_at", "map_version", "running")


def _profile(shopper_id: uuid.UUID, running: Running, depth: DepthTally, model: Model,
             motivation_map: MotivationMap | None, motivation_ids: dict[str, int]) -> Profile:
    """The profile that the running sums and the depth tally give (not saved)."""
    result, shopper_depth = running.profile(model), depth.result()
    return Profile(
        shopper_id=shopper_id,
        scores=result.probabilities,
        dominant_id=motivation_ids.get(result.dominant) if result.dominant else None,
        confidence=result.confidence,
        determined=result.determined,
        evidence=[line.as_dict() for line in result.evidence],
        event_count=result.event_count,
        last_event_id=result.last_event_id,
        depth=shopper_depth.depth,
        depth_band=shopper_depth.band,
        depth_detail=shopper_depth.per_product,
        computed_at=timezone.now(),
        map_version=motivation_map.version if motivation_map else None,
        running={"model": running.as_json(model), "depth": depth.as_json()},
    )


def _profiles_save(profiles: list[Profile]) -> None:
    """Insert or update the profiles in one statement."""
    Profile.objects.bulk_create(profiles, update_conflicts=True, unique_fields=["shopper"],
                                update_fields=list(PROFILE_FIELDS))


def _motivation_ids() -> dict[str, int]:
    return dict(Motivation.objects.values_list("code", "pk"))


def _profile_save(shopper_id: uuid.UUID, running: Running, depth: DepthTally, model: Model,
                  motivation_map: MotivationMap | None) -> Profile:
    profile = _profile(shopper_id, running, depth, model, motivation_map, _motivation_ids())
    _profiles_save([profile])
    return profile


def profiles_recompute(shopper_ids: Iterable[uuid.UUID], *, motivation_map: MotivationMap | None,
                       weights: WeightMap, motivations: list[str]) -> list[Profile]:
    """Recompute the profiles of many shoppers from all their events with `motivation_map` (its
    weights preloaded), in one transaction: the shoppers are locked (as a single recompute locks
    its shopper), their events read in one query and their profiles written in one statement.
    Shoppers without personalization consent lose any profile. Returns the profiles written.
    A rescore, the sweep and the retention purge recompute thousands of shoppers this way: one
    at a time it is five round trips per shopper."""
    ids = sorted(set(shopper_ids))
    if not ids:
        return []
    with transaction.atomic():
        # Locked in key order, so two batches that share shoppers cannot deadlock.
        consented = list(Shopper.objects.select_for_update().filter(pk__in=ids, personalization=True)
                         .order_by("pk").values_list("pk", flat=True))
        Profile.objects.filter(shopper_id__in=ids).exclude(shopper_id__in=consented).delete()
        if not consented:
            return []
        model = model_for(motivation_map, weights, motivations)
        per_shopper: dict[uuid.UUID, list[dict]] = {sid: [] for sid in consented}
        for row in Event.objects.filter(shopper_id__in=consented).order_by("shopper_id", "id").values(
                "shopper_id", *EVENT_FIELDS, "scored_with_id", "scores").iterator(chunk_size=5000):
            per_shopper[row["shopper_id"]].append(row)
        motivation_ids, profiles, all_rows, event_scores = _motivation_ids(), [], [], {}
        for shopper_id, rows in per_shopper.items():
            events = _as_read(rows)
            running = Running()
            running.fold(events, model)
            profiles.append(_profile(shopper_id, running, DepthTally().add(depth_events(events)), model,
                                     motivation_map, motivation_ids))
            all_rows.extend(rows)
            event_scores.update(events_scored(events, weights, motivations))
        _profiles_save(profiles)
        _record_event_scores(all_rows, event_scores, motivation_map)
    return profiles


def profiles_recompute_in_batches(shopper_ids: list[uuid.UUID]) -> None:
    """Recompute many shoppers' profiles with the current map, RECOMPUTE_BATCH to a transaction."""
    motivation_map = current_map()
    weights, motivations = weight_map_load(motivation_map), active_motivations()
    for start in range(0, len(shopper_ids), RECOMPUTE_BATCH):
        profiles_recompute(shopper_ids[start:start + RECOMPUTE_BATCH], motivation_map=motivation_map, weights=weights,
                           motivations=motivations)


def profile_recompute(*, shopper_id: uuid.UUID, motivation_map: MotivationMap | None = None,
                      weights: WeightMap | None = None, motivations: list[str] | None = None) -> Profile | None:
    """Recompute the shopper's profile from all their events with the current map (or the
    given one, with its weights preloaded by a batch caller). Without personalization consent
    there is no profile: any existing one is deleted and None returned. Idempotent."""
    if motivation_map is None:
        motivation_map, weights = current_map(), None
    if weights is None:
        weights = weight_map_load(motivation_map)
    written = profiles_recompute([shopper_id], motivation_map=motivation_map, weights=weights,
                                 motivations=active_motivations() if motivations is None else motivations)
    return written[0] if written else None


def profile_refresh(*, shopper_id: uuid.UUID) -> Profile | None:
    """Bring the shopper's profile up to date with their events under the current map, reading
    only the events it has not counted yet: the profile keeps its running sums (`running`), and
    a choice model's likelihood adds up per event. It starts over from all events (as
    `profile_recompute`) when there is no running state, the model changed (a new map version,
    a catalog published, a motivation switched on or off), or a new event is older than the
    newest one counted. An event that commits late with a lower id than one already counted is
    missed here and found by the sweep (`profiles_stale`), which recomputes."""
    with transaction.atomic():
        if _locked_shopper(shopper_id) is None:
            return None
        profile = Profile.objects.filter(shopper_id=shopper_id).only("last_event_id", "running").first()
        motivation_map, motivations = current_map(), active_motivations()
        weights = weight_map_load(motivation_map)
        model = model_for(motivation_map, weights, motivations)
        stored = profile.running if profile is not None and isinstance(profile.running, dict) else {}
        running = Running.from_json(stored.get("model"), model)
        depth = DepthTally.from_json(stored.get("depth"))
        rows, events = _rows(shopper_id, after=profile.last_event_id) if profile is not None else ([], [])
        if running is None or depth is None or not running.fold(events, model):
            return profile_recompute(shopper_id=shopper_id, motivation_map=motivation_map, weights=weights,
                                     motivations=motivations)
        profile = _profile_save(shopper_id, running, depth.add(depth_events(events)), model,
                                motivation_map)
        _record_event_scores(rows, events_scored(events, weights, motivations), motivation_map)
    return profile


# A sweep runs every ATELIER_SWEEP_SECONDS: a profile computed this recently is still checked
# for an event that committed after its recompute read the events.
LATE_COMMIT_WINDOW = timedelta(minutes=10)


def profiles_stale(*, since: datetime | None = None) -> Iterable[uuid.UUID]:
    """Consented shoppers with events their profile has not counted (or with events and no
    profile); with `since`, only among shoppers with an event that occurred since then (found
    in the newest partitions alone). The newest id alone is not enough: ids are handed out at INSERT, so an event that
    commits late (a save's, in a request's transaction) can hold a lower id than one a recompute
    already counted. That can only happen within seconds of a recompute, so the events are
    counted only for profiles computed in the last LATE_COMMIT_WINDOW; for the others the index
    lookup of the newest id is enough."""
    mine = Event.objects.filter(shopper_id=OuterRef("pk")).order_by()
    # max(id) over the shopper's rows, not ORDER BY id DESC LIMIT 1: on the partitioned table
    # PostgreSQL serves the latter by walking every month's primary key backward, filtering on
    # the shopper, which reads the whole table once per shopper (minutes at 20,000 events); the
    # aggregate reads the shopper's few rows through (shopper_id, occurred_at).
    newest = mine.values("shopper_id").annotate(newest=Max("id")).values("newest")
    counted = mine.values("shopper_id").annotate(n=Count("id")).values("n")
    recent = timezone.now() - LATE_COMMIT_WINDOW
    shoppers = Shopper.objects.filter(personalization=True)
    if since is not None:
        shoppers = shoppers.filter(pk__in=Event.objects.filter(occurred_at__gte=since).values("shopper_id"))
    return (
        shoppers
        .alias(newest=Subquery(newest), counted=Subquery(counted))
        .filter(newest__isnull=False)
        .filter(Q(profile__isnull=True) | Q(newest__gt=F("profile__last_event_id"))
                | (Q(profile__computed_at__gte=recent) & ~Q(counted=F("profile__event_count"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# A sweep looks at the shoppers with an event dated in this window: an event is written dated
# at most MAX_AGE back (the events API refuses older ones; the server dates its own now), and
# the sweep runs every minute, so a day to spare is plenty. The daily full sweep (the beat's
# "profiles-sweep-full") finds the rest, such as events imported or simulated with older dates.
SWEEP_WINDOW = MAX_AGE + timedelta(days=1)


def profiles_sweep(*, limit: int = 2000, full: bool = False) -> dict[str, int]:
    """Catch up what a lost message or a broker outage left behind: recompute stale profiles
    (at most `limit` per run; the next run takes the rest) and drop the profiles of shoppers
    who withdrew personalization consent. Only shoppers with an event in the last SWEEP_WINDOW
    are looked at, unless `full`: finding the stale ones among every shopper grows with all of
    them (15 s at 100,000), among the recent ones with the recent events."""
    dropped, _ = Profile.objects.filter(shopper__personalization=False).delete()
    stale = list(profiles_stale(since=None if full else timezone.now() - SWEEP_WINDOW)[:limit])
    profiles_recompute_in_batches(stale)
    return {"recomputed": len(stale), "dropped": dropped}
