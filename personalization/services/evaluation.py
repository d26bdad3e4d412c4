"""`manage.py evaluate_motivations`: how right the motivation reading is, against the best possible.

1. A roughly-right staff map: the demo catalog's tags (the simulator's ground truth) perturbed
   (lognormal weight noise, dropped tags, wrong tags) becomes the current map version.
2. Simulated shoppers (personalization.simulate, traced) go through the real services, so their
   real events are scored into real profiles with that map.
3. Scored against each shopper's known main motivation: the profiles (the choice model), the old
   tag sum on the same events (for comparison), the choice model with the exact map, and the
   ceiling: the Bayes-optimal posterior under the true generative model.
4. The map-learning job learns a new version from the stored choices; it is accepted, history is
   rescored, and the profiles are scored again.
5. The profile recompute of 200 events is timed with the current map's model.
The previous current map is made current again at the end. Every shopper and map version the
run made stays: run it on a database made for it (`make bench` uses a throwaway SQLite file).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.utils import timezone

from personalization.choice_model import Running, compile_model, features, loglik, posterior, score
from personalization.evaluation.metrics import evaluate
from personalization.evaluation.perturb import perturb_weights
from personalization.evaluation.truth import bayes_posterior, mix_samples
from personalization.models import Event, MotivationEvaluation, MotivationMap, Profile, RescoreJob, RescoreStatus
from personalization.scoring import score_events
from personalization.services.choice_models import model_for, offered_steps
from personalization.services.motivations import (
    demo_weights,
    motivation_map_create,
    motivation_map_make_current,
    rescore_run,
)
from personalization.services.profiles import EVENT_FIELDS, active_motivations, scoring_config, weight_map_load
from personalization.simulate import simulate


@dataclass(frozen=True)
class EvaluationSettings:
    shoppers: int = 1500
    seed: int = 1
    sigma: float = 0.5
    drop: float = 0.25
    wrong: int = 5
    samples: int = 1500  # mixes per leading motivation for the ceiling
    iterations: int = 30  # EM iterations of the learning job
    timing_runs: int = 300


def _nested(flat: dict) -> dict:
    out: dict = {}
    for (product, group, option, code), w in flat.items():
        out.setdefault((product, group, option), {})[code] = w
    return out


def _map_create(weights: dict, note: str) -> MotivationMap:
    created = motivation_map_create(weights=weights, note=note)
    motivation_map_make_current(motivation_map=created)
    return created


def _events(shopper_id) -> list[dict]:
    rows = Event.objects.filter(shopper_id=shopper_id).order_by("id").values(*EVENT_FIELDS)
    return [{**row, "product": row["product_id"], "build": row["build_id"]} for row in rows]


def _profiles(ids: list, classes: list[str]) -> np.ndarray:
    found = dict(Profile.objects.filter(shopper_id__in=ids).values_list("shopper_id", "scores"))
    uniform = np.full(len(classes), 1 / len(classes))
    rows = []
    for shopper_id in ids:
        scores = found.get(shopper_id) or {}
        row = np.array([float(scores.get(c, 0.0)) for c in classes])
        rows.append(row / row.sum() if row.sum() > 0 else uniform)
    return np.array(rows)


def _tag_sum(events: list[list[dict]], weights: dict, classes: list[str]) -> np.ndarray:
    """The old reading (decayed tag sums), as shares for comparison: the winner gets it all."""
    rows = []
    for shopper_events in events:
        result = score_events(shopper_events, weights, now=timezone.now(), motivations=classes, config=scoring_config())
        row = np.zeros(len(classes))
        if result.dominant in classes:
            row[classes.index(result.dominant)] = 1.0
        else:
            row[:] = 1 / len(classes)
        rows.append(row)
    return np.array(rows)


def _timing(events: list[list[dict]], model, runs: int) -> dict:
    """The profile recompute of one shopper with 200 events (real simulated events, renumbered)."""
    pool = [e for shopper_events in events for e in shopper_events]
    if not pool:
        return {"events": 0, "p50_ms": 0.0, "p99_ms": 0.0}
    start = timezone.now() - timedelta(days=3)
    sample = [{**pool[i % len(pool)], "id": i + 1, "occurred_at": start + timedelta(minutes=i)} for i in range(200)]
    times, refresh = [], []
    for _ in range(runs):
        began = time.perf_counter()
        score(sample, model)
        times.append((time.perf_counter() - began) * 1000)
    # The refresh after a click: the stored running profile of the first 199 events, read, one
    # new event folded in, the profile read off and stored again.
    running = Running()
    running.fold(sample[:-1], model)
    stored = json.dumps(running.as_json(model))
    for _ in range(runs):
        began = time.perf_counter()
        running = Running.from_json(json.loads(stored), model)
        running.fold(sample[-1:], model)
        running.profile(model)
        json.dumps(running.as_json(model))
        refresh.append((time.perf_counter() - began) * 1000)

    def percentile(values: list[float], q: float) -> float:
        return round(sorted(values)[min(len(values) - 1, int(q * len(values)))], 3)

    return {"events": 200, "runs": runs, "p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99),
            "refresh_p50_ms": percentile(refresh, 0.5), "refresh_p99_ms": percentile(refresh, 0.99)}


def motivations_evaluate(*, settings: EvaluationSettings, say: Callable[[str], None] = lambda _text: None) -> dict:
    classes = active_motivations()
    previous = MotivationMap.objects.filter(is_current=True).first()
    truth = demo_weights()
    if not truth:
        raise LookupError("No demo product: run `python manage.py seed_demo` first.")
    noisy = perturb_weights(truth, classes, sigma=settings.sigma, drop=settings.drop, wrong=settings.wrong,
                            seed=settings.seed)
    staff = _map_create(noisy, f"evaluation: roughly right (sigma {settings.sigma}, drop {settings.drop}, "
                               f"wrong {settings.wrong}, seed {settings.seed})")
    try:
        say(f"simulating {settings.shoppers} shoppers ...")
        report = simulate(shoppers=settings.shoppers, seed=settings.seed, trace=True)
        personas = [p for p in report.personas if p.personalization and p.shopper_id in report.traces]
        ids = [p.shopper_id for p in personas]
        truth_index = np.array([classes.index(p.main) for p in personas])
        events = [_events(shopper_id) for shopper_id in ids]
        results: dict = {"settings": settings.__dict__, "classes": classes, "scored_shoppers": len(ids),
                         "models": {}}
        say("scoring: the profiles, the old tag sum, the exact map ...")
        results["models"]["choice model, roughly-right map"] = evaluate(_profiles(ids, classes), truth_index, classes)
        results["models"]["old tag sum, roughly-right map"] = evaluate(
            _tag_sum(events, weight_map_load(staff), classes), truth_index, classes)
        exact = compile_model(_nested(truth), offered_steps(), classes)
        results["models"]["choice model, exact map"] = evaluate(
            np.array([posterior(loglik(features(e, exact), exact), exact) for e in events]), truth_index, classes)
        say("the ceiling: Bayes-optimal under the true model ...")
        mixes, log_prior = mix_samples(classes, settings.samples, settings.seed)
        ceiling = np.array([bayes_posterior(report.traces[i], mixes, log_prior, classes) for i in ids])
        results["models"]["ceiling (Bayes-optimal)"] = evaluate(ceiling, truth_index, classes)
        if settings.iterations:
            say("learning a map from the stored choices ...")
            results["learning"] = _learn_and_rescore(staff, settings)
            results["models"]["choice model, learned map"] = evaluate(_profiles(ids, classes), truth_index, classes)
        # The recompute as profiles run it: the current map's model (the learned one, read with
        # a secondary motivation, when the job ran), and the staff map's (read by step), which is
        # current until a learned version is accepted.
        current = MotivationMap.objects.get(is_current=True)
        results["timing"] = _timing(events, model_for(current, weight_map_load(current), classes), settings.timing_runs)
        if current.pk != staff.pk:
            results["timing_staff"] = _timing(events, model_for(staff, weight_map_load(staff), classes),
                                              settings.timing_runs)
    finally:
        if previous is not None:
            motivation_map_make_current(motivation_map=previous)
    top = results["models"]["ceiling (Bayes-optimal)"]["accuracy"]
    for measured in results["models"].values():
        measured["of_ceiling"] = round(measured["accuracy"] / top, 4) if top else 0.0
    MotivationEvaluation.objects.create(settings=settings.__dict__, results=results)
    return results


def _learn_and_rescore(staff: MotivationMap, settings: EvaluationSettings) -> dict:
    from personalization.services.learning import map_learning_run, map_learning_start, map_proposal_accept

    job = map_learning_start(base=staff, user=None, iterations=settings.iterations)
    job.refresh_from_db()
    while not map_learning_run(job_id=job.pk, budget_seconds=600.0):
        pass
    job.refresh_from_db()
    if job.proposed is None:
        raise RuntimeError(job.error or "the learning job proposed no map")
    map_proposal_accept(motivation_map=job.proposed, user=None)  # current, and history rescored (a job)
    for rescore in RescoreJob.objects.filter(map=job.proposed).exclude(status=RescoreStatus.DONE):
        while not rescore_run(job_id=rescore.pk, budget_seconds=600.0):
            pass
    return {"iterations": job.done, "log": job.log[-3:], "proposed_version": job.proposed.version}
