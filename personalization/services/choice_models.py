"""The compiled choice model of a map version: its weights and parameters, the steps the current
catalogs offer (with what a new build starts with) and the active motivations. A map version
and a catalog version never change, so the compiled model is kept per (map, catalog versions,
motivations) in this process."""

from __future__ import annotations

from configurator.lru import LRU
from configurator.models import Product
from configurator.snapshot import catalog_for
from personalization.choice_model import Model, ModelParams, Step, compile_model
from personalization.models import MotivationMap
from personalization.scoring import WeightMap

_compiled: LRU[Model] = LRU(16)


def offered_steps() -> list[Step]:
    """Every step of every published product's current catalog version."""
    from configurator.engine import MULTI, TEXT, quote, to_plain

    steps = []
    for product_id, version_id in Product.objects.filter(current_version__isnull=False).order_by("pk").values_list(
            "pk", "current_version_id"):
        cat = catalog_for(version_id)
        defaults = to_plain(cat, quote(cat, {}).state)  # what a new build starts with
        for group in cat.groups:
            if group.kind == TEXT:
                steps.append(Step(product_id, group.code, text=True))
            elif group.options and not group.size:  # a size is fit, not motivation
                options = [cat.options[i] for i in group.options]
                chosen = defaults.get(group.code)
                chosen = [chosen] if isinstance(chosen, str) else list(chosen or [])
                steps.append(Step(product_id, group.code, tuple(o.code for o in options),
                                  tuple(float(o.price) for o in options), selected=tuple(chosen),
                                  multi=group.kind == MULTI))
    return steps


def _versions() -> tuple[int, ...]:
    return tuple(Product.objects.filter(current_version__isnull=False).order_by("pk").values_list(
        "current_version_id", flat=True))


def model_for(motivation_map: MotivationMap | None, weights: WeightMap, motivations: list[str]) -> Model:
    """The model of `motivation_map` (its `weights` preloaded by the caller)."""
    # The creation time too: a rolled-back test database can hand out a map's id again.
    key = (motivation_map.pk if motivation_map else None, motivation_map.created_at if motivation_map else None,
           _versions(), tuple(motivations))
    params = ModelParams.from_json(motivation_map.parameters if motivation_map else {})
    return _compiled.get(key, lambda: compile_model(weights, offered_steps(), motivations, params))
