"""A map that learns: expectation-maximization over the stored choices (personalization.learning),
run as a resumable Celery job, ending in a *proposed* map version that staff review as a diff and
accept (it becomes current and history is rescored with it).

Between slices the job keeps the learned model as map parameters (`job.state["params"]`), the
same JSON a map version stores, so a slice rebuilds it with compile_model and a lost worker loses
at most one iteration."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from personalization.choice_model import Features, Model, ModelParams, compile_model, features
from personalization.learning import SECONDARY, em_step, learned_params, learned_weights, stack
from personalization.models import Event, MapLearningJob, MotivationMap, RescoreJob, RescoreStatus
from personalization.services.choice_models import offered_steps
from personalization.services.motivations import map_weights, motivation_map_create, rescore_start
from personalization.services.profiles import EVENT_FIELDS, active_motivations, weight_map_load

ACTIVE = (RescoreStatus.QUEUED, RescoreStatus.RUNNING)
SHOPPER_CHUNK = 500
DIFF_THRESHOLD = 0.05


class LearningInvalid(ValueError):
    pass


# --- starting -------------------------------------------------------------------------------

def map_learning_start(*, base: MotivationMap, user: AbstractBaseUser | None, iterations: int = 30,
                       prior_strength: float = 1.0) -> MapLearningJob:
    """Start "learn a new map from the stored choices" with `base` as the prior. A job already
    queued or running for `base` is returned (and sent again: a second run of a job gives way to
    the first) rather than doubled."""
    from personalization.tasks.motivations import map_learn

    if not (isinstance(iterations, int) and iterations >= 1):
        raise LearningInvalid(_("At least one iteration is needed."))
    if not (isinstance(prior_strength, int | float) and math.isfinite(prior_strength) and prior_strength > 0):
        raise LearningInvalid(_("The prior strength is a number above 0."))
    with transaction.atomic():
        # The base row's lock serializes starts for one base: no two jobs for it at once.
        MotivationMap.objects.select_for_update().get(pk=base.pk)
        job = MapLearningJob.objects.filter(base=base, status__in=ACTIVE).first()
        if job is None:
            job = MapLearningJob.objects.create(
                base=base, requested_by=user if user and user.is_authenticated else None, total=iterations,
                state={"prior_strength": float(prior_strength)},
            )
        job_id = job.pk
        transaction.on_commit(lambda: map_learn.delay(job_id))
    return job


# --- the data -------------------------------------------------------------------------------

def _learning_shoppers(limit: int) -> list:
    """The consented shoppers with events, the most recently active first."""
    return list(
        Event.objects.filter(shopper__personalization=True).order_by().values("shopper_id")
        .annotate(last=Max("occurred_at")).order_by("-last", "shopper_id").values_list("shopper_id", flat=True)[:limit]
    )


def _events_by_shopper(shopper_ids: list) -> Iterable[list[dict]]:
    for start in range(0, len(shopper_ids), SHOPPER_CHUNK):
        chunk = shopper_ids[start:start + SHOPPER_CHUNK]
        grouped: dict = {shopper_id: [] for shopper_id in chunk}
        rows = Event.objects.filter(shopper_id__in=chunk).order_by("id").values("shopper_id", *EVENT_FIELDS)
        for row in rows.iterator(chunk_size=2000):
            grouped[row.pop("shopper_id")].append({**row, "product": row["product_id"], "build": row["build_id"]})
        yield from grouped.values()


def learning_features(*, motivations: list[str], model: Model, limit: int = 20000) -> list[Features]:
    """The features of every shopper with personalization consent and events (at most the
    `limit` most recently active), against `model`'s rows. The events themselves are dropped
    from each (only a profile's evidence needs them): 20,000 shoppers' events would not fit."""
    if tuple(motivations) != model.classes:
        raise LearningInvalid("the model's classes are not these motivations")
    return [replace(features(events, model), events={})
            for events in _events_by_shopper(_learning_shoppers(limit))]


# --- running --------------------------------------------------------------------------------

def _model(motivation_map: MotivationMap, motivations: list[str], params_json: dict | None = None) -> Model:
    params = ModelParams.from_json(motivation_map.parameters if params_json is None else params_json)
    # EM fits one class per motivation; the secondary colouring is how a learned map is read.
    return compile_model(weight_map_load(motivation_map), offered_steps(), motivations, replace(params, secondary=0.0))


def map_learning_run(*, job_id: int, budget_seconds: float = 60.0) -> bool:
    """Work on a learning job for about `budget_seconds` (at least one EM iteration per call, so
    a slice always gets somewhere), saving the model after every iteration. Returns True when
    the job is finished (proposed, failed, or taken over by a concurrent run of the same job),
    False when iterations are left: the task sends itself again."""
    job = MapLearningJob.objects.select_related("base").filter(pk=job_id).first()
    if job is None or job.status not in ACTIVE:
        return True
    deadline = time.monotonic() + budget_seconds
    base, motivations = job.base, active_motivations()
    if job.done < job.total:
        if job.status != RescoreStatus.RUNNING:
            job.status = RescoreStatus.RUNNING
            job.save(update_fields=["status"])
        anchor = _model(base, motivations)
        model = _model(base, motivations, job.state["params"]) if job.state.get("params") else anchor
        data = stack(learning_features(motivations=motivations, model=model), model)
        if not data.size:
            map_learning_fail(job_id=job.pk, error=_("No shopper with personalization consent has events to learn "
                                                     "from: there is nothing to learn a map from yet."))
            return True
        strength = float(job.state.get("prior_strength", 1.0))
        while job.done < job.total:
            model, loglik = em_step(data, model, anchor, prior_strength=strength, secondary=SECONDARY)
            if not _iteration_save(job, model, base, loglik, data.size):
                return True  # a concurrent run of this job got there first: it carries on
            if time.monotonic() >= deadline:
                break
    if job.done < job.total:
        return False
    _propose(job, motivations)
    return True


def _iteration_save(job: MapLearningJob, model: Model, base: MotivationMap, loglik: float, shoppers: int) -> bool:
    """Save the model after an iteration, unless another run saved this iteration already."""
    params = learned_params(model, ModelParams.from_json(base.parameters)).as_json()
    state = {**job.state, "params": params}
    log = [*job.log, {"iteration": job.done + 1, "loglik": round(loglik, 4), "shoppers": shoppers}]
    saved = MapLearningJob.objects.filter(pk=job.pk, done=job.done, status=RescoreStatus.RUNNING).update(
        done=job.done + 1, state=state, log=log)
    if saved:
        job.done, job.state, job.log = job.done + 1, state, log
    return bool(saved)


def _propose(job: MapLearningJob, motivations: list[str]) -> None:
    """The proposed version from the learned model: not current until staff accept it."""
    base = job.base
    params = ModelParams.from_json(job.state.get("params"))
    model = _model(base, motivations, params.as_json())
    weights = learned_weights(model, sensitivity=ModelParams.from_json(base.parameters).sensitivity)
    last = job.log[-1] if job.log else {}
    with transaction.atomic():
        locked = MapLearningJob.objects.select_for_update().get(pk=job.pk)
        if locked.status not in ACTIVE or locked.proposed_id:
            return  # a replay: the version is already proposed
        note = _("Learned from v%(version)s (job #%(job)s): %(iterations)s iterations on %(shoppers)s shoppers, "
                 "log-likelihood %(loglik)s") % {"version": base.version, "job": job.pk, "iterations": job.done,
                                                 "shoppers": last.get("shoppers", 0), "loglik": last.get("loglik")}
        proposed = motivation_map_create(
            weights=weights, note=note, user=job.requested_by, current=False, learned_by=job,
            parameters=replace(params, secondary=SECONDARY).as_json(),
        )
        job.proposed, job.status, job.finished_at = proposed, RescoreStatus.DONE, timezone.now()
        job.save(update_fields=["proposed", "status", "finished_at"])


def map_learning_fail(*, job_id: int, error: str) -> None:
    job = MapLearningJob.objects.filter(pk=job_id).first()
    if job is not None and job.status != RescoreStatus.DONE:
        job.status, job.error, job.finished_at = RescoreStatus.FAILED, error[:2000], timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


# --- reviewing ------------------------------------------------------------------------------

def _names(keys: Iterable[tuple[int, str, str]]) -> dict[tuple[int, str, str], tuple[str, str, str]]:
    """(product, step, option) -> the product's, step's and option's names, as the catalog says."""
    from configurator.i18n import pick
    from configurator.models import Product
    from configurator.snapshot import catalog_for

    keys = list(keys)
    products = Product.objects.in_bulk({p for p, _g, _o in keys})
    labels: dict[tuple[int, str, str], tuple[str, str]] = {}
    for product in products.values():
        cat = catalog_for(product.current_version_id) if product.current_version_id else None
        for group in cat.groups if cat else ():
            labels[(product.pk, group.code, "")] = (pick(group.name), _("(personal text)"))
            for i in group.options or ():
                labels[(product.pk, group.code, cat.options[i].code)] = (pick(group.name), pick(cat.options[i].name))
    out = {}
    for key in keys:
        product = products.get(key[0])
        step, option = labels.get(key, (key[1], key[2] or _("(personal text)")))
        out[key] = (str(product) if product else str(key[0]), step, option)
    return out


def _mix(motivation_map: MotivationMap, motivations: list[str]) -> dict[str, float]:
    """A version's class prior (the motivation mix it expects), uniform when it sets none."""
    prior = ModelParams.from_json(motivation_map.parameters).prior or {}
    raw = {c: max(float(prior.get(c, 0) or 0), 0.0) for c in motivations}
    total = sum(raw.values())
    if total <= 0:
        return {c: 1 / len(motivations) for c in motivations}
    return {c: raw[c] / total for c in motivations}


def map_proposal_diff(*, proposed: MotivationMap) -> dict:
    """What a learned version changes against its job's base version: the weights added, removed
    or changed by at least DIFF_THRESHOLD (largest change first), and the motivation mix."""
    job = MapLearningJob.objects.select_related("base").filter(pk=proposed.learned_by_id).first()
    if job is None:
        raise LearningInvalid(_("Version %(version)s was not learned from another version.") % {
            "version": proposed.version})
    base, learned = map_weights(job.base), map_weights(proposed)
    changed = []
    for key in base.keys() | learned.keys():
        before, after = base.get(key), learned.get(key)
        change = (after or 0.0) - (before or 0.0)
        if abs(change) >= DIFF_THRESHOLD - 1e-9:
            changed.append((key, before, after, change))
    names = _names({key[:3] for key, *_rest in changed})
    rows = [
        {"product": names[key[:3]][0], "step": names[key[:3]][1], "option": names[key[:3]][2], "motivation": key[3],
         "key": key, "base": before, "proposed": after, "change": round(change, 4),
         "kind": "added" if before is None else "removed" if after is None else "changed"}
        for key, before, after, change in changed
    ]
    rows.sort(key=lambda row: (-abs(row["change"]), row["key"]))
    active = active_motivations()
    motivations = active + sorted({key[3] for key in base.keys() | learned.keys()} - set(active))
    base_mix, learned_mix = _mix(job.base, motivations), _mix(proposed, motivations)
    mix = [{"motivation": c, "base": round(base_mix[c], 4), "proposed": round(learned_mix[c], 4),
            "change": round(learned_mix[c] - base_mix[c], 4)} for c in motivations]
    return {"base": job.base, "proposed": proposed, "job": job, "rows": rows, "mix": mix}


def map_proposal_accept(*, motivation_map: MotivationMap, user: AbstractBaseUser | None) -> RescoreJob:
    """Accept a proposed version: it becomes current and history is rescored with it (a job)."""
    return rescore_start(map=motivation_map, user=user)
