"""The motivation taxonomy and the versioned option -> motivation weight map. A map version is
never edited in place: an edit copies the base with the changes applied into the next version,
which becomes current. Rescoring history with a version is a resumable Celery job."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from personalization.models import (
    Event,
    Motivation,
    MotivationMap,
    MotivationWeight,
    Profile,
    RescoreJob,
    RescoreStatus,
)
from personalization.services.profiles import (
    EVENT_FIELDS,
    active_motivations,
    event_scores_write,
    events_scored,
    profiles_recompute,
    profiles_stale,
    weight_map_load,
)

# (product id, step code, option code ("" for a personal-text step), motivation code)
WeightKey = tuple[int, str, str, str]

TAXONOMY: tuple[dict, ...] = (
    {"code": "practical", "name_en": "Practical", "name_nl": "Praktisch", "colour": "#2f7fb8",
     "description_en": "Buys for everyday use: space, comfort, things that make life easier.",
     "description_nl": "Koopt voor dagelijks gebruik: ruimte, comfort, dingen die het leven makkelijker maken."},
    {"code": "status", "name_en": "Status", "name_nl": "Status", "colour": "#7b3fa0",
     "description_en": "Buys what shows success and taste: premium materials, the top trim.",
     "description_nl": "Koopt wat succes en smaak laat zien: luxe materialen, de topuitvoering."},
    {"code": "self-expression", "name_en": "Self-expression", "name_nl": "Zelfexpressie", "colour": "#e4572e",
     "description_en": "Buys to show who they are: bold colours, personal text, sharing the design.",
     "description_nl": "Koopt om te laten zien wie ze zijn: uitgesproken kleuren, eigen tekst, het ontwerp delen."},
    {"code": "sustainability", "name_en": "Sustainability", "name_nl": "Duurzaamheid", "colour": "#2e8b57",
     "description_en": "Buys with the planet in mind: electric, recycled and plant-based choices.",
     "description_nl": "Koopt met oog voor de planeet: elektrisch, gerecycled en plantaardig."},
    {"code": "value", "name_en": "Value", "name_nl": "Waar voor je geld", "colour": "#d9a400",
     "description_en": "Buys smart: the best price for what they need.",
     "description_nl": "Koopt slim: de beste prijs voor wat ze nodig hebben."},
    {"code": "performance", "name_en": "Performance", "name_nl": "Prestaties", "colour": "#c8102e",
     "description_en": "Buys for how it performs: sport trims, bigger wheels, technical gear.",
     "description_nl": "Koopt om de prestaties: sportuitvoeringen, grotere velgen, technische uitrusting."},
)

EVENT_CHUNK = 2000
PROFILE_CHUNK = 200


class MotivationMapInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- taxonomy and seed ----------------------------------------------------------------------

def demo_weights() -> dict[WeightKey, float]:
    """The demo catalog's motivation tags, for the demo products that are seeded here."""
    from configurator.demo.catalog import PRODUCTS
    from configurator.models import Product

    ids = dict(Product.objects.filter(slug__in=[p["slug"] for p in PRODUCTS]).values_list("slug", "pk"))
    weights: dict[WeightKey, float] = {}
    for data in PRODUCTS:
        product = ids.get(data["slug"])
        if product is None:
            continue
        for group in data["groups"]:
            for code, weight in (group.get("motivations") or {}).items():
                weights[(product, group["code"], "", code)] = float(weight)
            for option in group.get("options") or ():
                for code, weight in option["motivations"].items():
                    weights[(product, group["code"], option["code"], code)] = float(weight)
    return weights


@transaction.atomic
def motivation_map_seed() -> MotivationMap:
    """The six motivations, and map v1 from the demo catalog's tags. Idempotent: a motivation
    staff already have is left as they edited it; a demo product seeded after v1 (with no
    weights in the current map yet) is added as a new version."""
    motivations_ensure()
    weights = demo_weights()
    current = MotivationMap.objects.select_for_update().filter(is_current=True).first()
    if current is None and not MotivationMap.objects.exists():
        current = MotivationMap.objects.create(version=1, is_current=True, note="seed: demo catalog tags")
        _weights_create(current, weights)
        return current
    if current is None:  # versions exist but none is current: the newest becomes current
        current = MotivationMap.objects.select_for_update().order_by("-version").first()
        current.is_current = True
        current.save(update_fields=["is_current"])
    mapped = set(MotivationWeight.objects.filter(map=current).values_list("product_id", flat=True).distinct())
    missing = {key: w for key, w in weights.items() if key[0] not in mapped}
    if not missing:
        return current
    return motivation_map_edit(base=current, changes=missing, user=None, note="seed: demo products added")


def _weights_create(target: MotivationMap, weights: Mapping[WeightKey, float]) -> None:
    ids = dict(Motivation.objects.values_list("code", "pk"))
    MotivationWeight.objects.bulk_create([
        MotivationWeight(map=target, product_id=product, group=group, option=option, motivation_id=ids[code],
                         weight=weight)
        for (product, group, option, code), weight in sorted(weights.items())
    ], batch_size=500)


# --- versions ---------------------------------------------------------------------------------

def map_weights(motivation_map: MotivationMap) -> dict[WeightKey, float]:
    rows = MotivationWeight.objects.filter(map=motivation_map).values_list(
        "product_id", "group", "option", "motivation__code", "weight")
    return {(p, g, o, m): w for p, g, o, m, w in rows}


def _validate(changes: Mapping[WeightKey, float | None]) -> list[str]:
    from configurator.models import Product

    errors = []
    codes = set(Motivation.objects.values_list("code", flat=True))
    products = set(Product.objects.values_list("pk", flat=True))
    for key, weight in changes.items():
        if not (isinstance(key, tuple) and len(key) == 4):
            errors.append(_("Not a weight key: %(key)r") % {"key": key})
            continue
        product, group, option, code = key
        if product not in products:
            errors.append(_("Unknown product %(product)s.") % {"product": product})
        if code not in codes:
            errors.append(_("Unknown motivation %(code)s.") % {"code": code})
        if not group or len(group) > 64 or len(option) > 64:
            errors.append(_("A step and option code of at most 64 characters are needed."))
        if weight is not None and (not isinstance(weight, int | float) or not math.isfinite(weight) or weight < 0):
            errors.append(_("A weight is a number of at least 0 (%(key)s).") % {"key": ".".join(map(str, key[1:]))})
    return errors


# The settings a staff edit carries over to the next version. What a learning job set (utilities,
# rates, prior, secondary) describes the learned version only: an edited version is read from
# its weights again.
STAFF_PARAMETERS = ("sensitivity", "spill", "price", "text_base", "share", "share_base", "threshold", "half_life_days",
                    "evidence_size")


def motivation_map_edit(*, base: MotivationMap, changes: Mapping[WeightKey, float | None],
                        user: AbstractBaseUser | None, note: str = "",
                        parameters: Mapping[str, Any] | None = None) -> MotivationMap:
    """The next version: a copy of `base` with `changes` applied (a weight of None or 0 removes
    the key) and `parameters` set over the base's staff settings, made current. The base is
    left untouched. With no effective change, returns `base` and creates nothing."""
    errors = _validate(changes)
    threshold = (parameters or {}).get("threshold")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 <= threshold <= 1):
        errors.append(_("The threshold is a probability from 0 to 1."))
    if errors:
        raise MotivationMapInvalid(errors)
    with transaction.atomic():
        list(MotivationMap.objects.select_for_update().filter(is_current=True))  # see motivation_map_create
        weights = map_weights(base)
        edited = dict(weights)
        for key, weight in changes.items():
            if weight:
                edited[key] = float(weight)
            else:
                edited.pop(key, None)
        settings = {k: v for k, v in (base.parameters or {}).items() if k in STAFF_PARAMETERS}
        settings.update({k: v for k, v in (parameters or {}).items() if k in STAFF_PARAMETERS})
        if edited == weights and settings == (base.parameters or {}):
            return base
        return motivation_map_create(
            weights=edited, user=user, parameters=settings,
            note=note or _("Edited from v%(version)s") % {"version": base.version},
        )


def motivation_map_create(*, weights: Mapping[WeightKey, float], note: str, user: AbstractBaseUser | None = None,
                          parameters: Mapping[str, Any] | None = None, current: bool = True,
                          learned_by: Any = None) -> MotivationMap:
    """A new version with `weights` (validated by the caller) under the next version number, made
    current unless `current` is False (a learned proposal). Versions are serialized: the number
    is taken under a lock on the current version."""
    with transaction.atomic():
        list(MotivationMap.objects.select_for_update().filter(is_current=True))
        version = (MotivationMap.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        if current:
            MotivationMap.objects.filter(is_current=True).update(is_current=False)
        created = MotivationMap.objects.create(
            version=version, is_current=current, created_by=user if user and user.is_authenticated else None,
            note=note[:200], parameters=dict(parameters or {}), learned_by=learned_by,
        )
        _weights_create(created, weights)
    return created


def motivation_map_make_current(*, motivation_map: MotivationMap) -> None:
    with transaction.atomic():
        MotivationMap.objects.filter(is_current=True).exclude(pk=motivation_map.pk).update(is_current=False)
        MotivationMap.objects.filter(pk=motivation_map.pk).update(is_current=True)


# --- rescoring history ----------------------------------------------------------------------

def rescore_start(*, map: MotivationMap, user: AbstractBaseUser | None) -> RescoreJob:
    """Start "rescore history with version N". N becomes the current version, so events and
    profiles made from now on agree with the rescored history. A job already under way for N
    is returned (and sent again: running a job twice is harmless) rather than doubled."""
    from personalization.tasks.motivations import rescore_history

    with transaction.atomic():
        motivation_map_make_current(motivation_map=map)
        job = (RescoreJob.objects.select_for_update()
               .filter(map=map, status__in=[RescoreStatus.QUEUED, RescoreStatus.RUNNING]).first())
        if job is None:
            job = RescoreJob.objects.create(
                map=map, requested_by=user if user and user.is_authenticated else None,
                total=Event.objects.count(),
            )
        job_id = job.pk
        transaction.on_commit(lambda: rescore_history.delay(job_id))
    return job


def _stale_events(motivation_map: MotivationMap):
    return Event.objects.exclude(scored_with=motivation_map)


def _outdated_profiles(motivation_map: MotivationMap):
    """Consented shoppers whose profile another map version computed, in key order."""
    return (Profile.objects.filter(shopper__personalization=True).exclude(map_version=motivation_map.version)
            .order_by("pk").values_list("pk", flat=True))


def _progress(job: RescoreJob, motivation_map: MotivationMap) -> None:
    """Done and total from what is left, counted once, when the job starts: each batch adds to
    done as it goes, and counting every stale event again at each run (every minute) would read
    the whole table each time."""
    events_left = _stale_events(motivation_map).count()
    profiles_left = _outdated_profiles(motivation_map).count()  # and the few the sweep would find
    job.total = Event.objects.count() + profiles_left
    job.done = max(job.total - events_left - profiles_left, 0)


def _rescore_events(job: RescoreJob, motivation_map: MotivationMap, deadline: float) -> bool:
    """The events not scored with the version, in id order from where the last run ended (an
    event written meanwhile has a higher id: the walk still comes to it)."""
    weights = weight_map_load(motivation_map)
    motivations = active_motivations()
    cursor = job.events_after
    while time.monotonic() < deadline:
        rows = list(_stale_events(motivation_map).filter(id__gt=cursor).order_by("id").values(*EVENT_FIELDS)[:EVENT_CHUNK])
        if not rows:
            return True
        scores = events_scored(rows, weights, motivations)
        event_scores_write([(row["id"], row["occurred_at"], scores.get(row["id"], {})) for row in rows],
                           motivation_map.pk)
        cursor = job.events_after = rows[-1]["id"]
        job.done = min(job.done + len(rows), job.total)
        RescoreJob.objects.filter(pk=job.pk).update(done=job.done, events_after=cursor)
        if not _still_current(motivation_map):
            return False
    return False


def _rescore_profiles(job: RescoreJob, motivation_map: MotivationMap, deadline: float) -> bool:
    """The profiles another version computed, then those behind their events or missing (what
    the sweep finds), in batches. Each list is walked in key order from where the last batch
    ended (for the outdated ones, also from where the last run ended): asking again from the
    start would pass over every profile already done, once per batch, and the rescore would
    grow with the square of the shoppers."""
    weights = weight_map_load(motivation_map)
    motivations = active_motivations()
    # A profile done with this version stays done, so the outdated ones go on from the job's
    # cursor; the stale ones are looked for from the start (one more pass over the shoppers).
    for pending, resumed in ((_outdated_profiles(motivation_map), True), (profiles_stale(), False)):
        after = job.profiles_after if resumed else None
        while True:
            if time.monotonic() >= deadline:
                return False
            shoppers = list((pending if after is None else pending.filter(pk__gt=after))[:PROFILE_CHUNK])
            if not shoppers:
                break
            profiles_recompute(shoppers, motivation_map=motivation_map, weights=weights, motivations=motivations)
            after = shoppers[-1]
            job.done = min(job.done + len(shoppers), job.total)
            if resumed:
                job.profiles_after = after
            RescoreJob.objects.filter(pk=job.pk).update(done=job.done, profiles_after=job.profiles_after)
            if not _still_current(motivation_map):
                return False
    return True


def _still_current(motivation_map: MotivationMap) -> bool:
    return MotivationMap.objects.filter(pk=motivation_map.pk, is_current=True).exists()


def rescore_run(*, job_id: int, budget_seconds: float = 60.0) -> bool:
    """Work on a rescore job for about `budget_seconds`: first every event not yet scored with
    the job's version, then the profiles not computed with it. Returns True when the job is
    finished (done, failed, or superseded by a newer version), False when more is left: the
    task sends itself again. Resumable and idempotent: what is already scored is skipped."""
    job = RescoreJob.objects.select_related("map").filter(pk=job_id).first()
    if job is None or job.status in (RescoreStatus.DONE, RescoreStatus.FAILED):
        return True
    motivation_map = job.map
    if not _still_current(motivation_map):
        _finish(job, RescoreStatus.FAILED, _("Superseded: another version became current."))
        return True
    if job.status == RescoreStatus.QUEUED:
        _progress(job, motivation_map)
    job.status = RescoreStatus.RUNNING
    job.save(update_fields=["status", "total", "done"])
    deadline = time.monotonic() + budget_seconds
    finished = _rescore_events(job, motivation_map, deadline) and _rescore_profiles(job, motivation_map, deadline)
    if not _still_current(motivation_map):
        _finish(job, RescoreStatus.FAILED, _("Superseded: another version became current."))
        return True
    if finished:
        job.done = job.total
        _finish(job, RescoreStatus.DONE)
        _rollups_after_rescore()
    return finished


def _rollups_after_rescore() -> None:
    """The reports group by the dominant motivation a rollup refresh saw: after a rescore,
    refresh every day the events still cover, so they follow the new profiles."""
    from personalization.tasks.rollups import rollups_refresh

    since = timezone.localdate() - timedelta(days=settings.ATELIER_EVENT_RETENTION_DAYS)
    transaction.on_commit(lambda: rollups_refresh.delay(since.isoformat()))


def rescore_fail(*, job_id: int, error: str) -> None:
    job = RescoreJob.objects.filter(pk=job_id).first()
    if job is not None and job.status != RescoreStatus.DONE:
        _finish(job, RescoreStatus.FAILED, error)


def _finish(job: RescoreJob, status: str, error: str = "") -> None:
    job.status, job.error, job.finished_at = status, error[:2000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "done"])



# --- product packages -------------------------------------------------------------------------

def motivations_ensure() -> None:
    """The six motivations of the taxonomy, as seeding makes them (a motivation staff already
    have is left as they edited it)."""
    for position, item in enumerate(TAXONOMY):
        Motivation.objects.get_or_create(code=item["code"], defaults={**item, "position": position})


def motivation_codes() -> set[str]:
    """The motivation codes a product package may tag options with."""
    return set(Motivation.objects.values_list("code", flat=True)) or {item["code"] for item in TAXONOMY}


def product_motivation_tags(*, product_id: int) -> dict[tuple[str, str], dict[str, float]]:
    """The current map's weights for one product: (step, option or "") -> {motivation: weight}."""
    current = MotivationMap.objects.filter(is_current=True).first()
    tags: dict[tuple[str, str], dict[str, float]] = {}
    if current is None:
        return tags
    rows = MotivationWeight.objects.filter(map=current, product_id=product_id).values_list(
        "group", "option", "motivation__code", "weight").order_by("group", "option", "motivation__position")
    for group, option, code, weight in rows:
        tags.setdefault((group, option), {})[code] = weight
    return tags


def product_motivation_tags_replace(*, product_id: int, tags: Mapping[tuple[str, str], Mapping[str, float]],
                                    note: str) -> MotivationMap | None:
    """Make the product's weights in the motivation map exactly `tags` (an imported package is
    the whole product, so tags of options it no longer has go too). Other products' weights
    are carried over. A change makes the next map version, current; no change makes none.
    Returns the current map (None when there is none and nothing to add)."""
    wanted: dict[WeightKey, float] = {
        (product_id, group, option, code): float(weight)
        for (group, option), weights in tags.items() for code, weight in weights.items() if weight
    }
    with transaction.atomic():
        current = MotivationMap.objects.select_for_update().filter(is_current=True).first()
        if current is None:
            if not wanted:
                return None
            motivations_ensure()
            if not MotivationMap.objects.exists():
                return motivation_map_create(weights=wanted, note=note)
            current = MotivationMap.objects.order_by("-version").first()
        old = {key: w for key, w in map_weights(current).items() if key[0] == product_id}
        changes: dict[WeightKey, float | None] = {key: None for key in old if key not in wanted}
        changes.update({key: w for key, w in wanted.items() if old.get(key) != w})
        if not changes and current.is_current:
            return current
        return motivation_map_edit(base=current, changes=changes, user=None, note=note)
