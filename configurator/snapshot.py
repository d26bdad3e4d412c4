"""Catalog snapshots: the live rows of a product turned into the plain JSON the engine reads,
and the in-process cache of compiled versions."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from configurator.engine import Catalog, compile_catalog
from configurator.lru import LRU
from configurator.models import CatalogVersion, GroupKind, Product


def _layers(option) -> dict[str, dict[str, Any]]:
    """The option's layer per view code (views without one are left out)."""
    return {
        layer.view.code: {"image": layer.image.name, "tint": layer.tint or None, "z": layer.z}
        for layer in sorted(option.layers.all(), key=lambda layer: (layer.view.position, layer.view_id))
        if layer.image
    }


def _views(product: Product) -> list[dict[str, Any]]:
    return [
        {"code": view.code, "name": view.texts("name"), "base_layer": view.base_layer.name or None,
         "on_card": view.on_card}
        for view in product.views.order_by("position", "id")
    ]


def product_snapshot(product: Product) -> dict[str, Any]:
    """Everything a build of this product depends on, as plain JSON.

    A size step is stored as a single-choice step marked `"size": true`: the engine treats it
    as one, and leaves it out of the render fingerprint."""
    groups = []
    for group in product.groups.order_by("position", "id").prefetch_related(
        "options__layers__view", "placements__view",
    ):
        options = sorted(group.options.all(), key=lambda o: (o.position, o.id))
        default = group.default_option.code if group.default_option_id and group.kind != GroupKind.TEXT else None
        raw: dict[str, Any] = {
            "code": group.code,
            "name": group.texts("name"),
            "kind": GroupKind.SINGLE.value if group.kind == GroupKind.SIZE else group.kind,
            "required": group.required,
            "default": default,
            "min": group.min_count,
            "max": group.max_count,
            "options": [
                {
                    "code": o.code,
                    "name": o.texts("name"),
                    "price": str(o.price_delta),
                    "available": o.is_available,
                    "swatch": o.swatch,
                    "layers": _layers(o) if group.kind != GroupKind.SIZE else {},
                }
                for o in options
            ],
        }
        if group.kind == GroupKind.SIZE:
            raw["size"] = True
        if group.kind == GroupKind.TEXT:
            raw["options"] = []
            raw["text"] = {
                "max_length": group.max_length,
                "pattern": group.allowed_pattern,
                "price_per_char": str(group.price_per_char),
                "flat_price": str(group.flat_price),
                "font": group.font,
                "colour": group.text_colour,
                "placements": {
                    p.view.code: {"box": [p.x, p.y, p.width, p.height], "z": p.z}
                    for p in sorted(group.placements.all(), key=lambda p: (p.view.position, p.view_id))
                },
            }
        groups.append(raw)
    rules = []
    for rule in product.rules.filter(is_active=True).prefetch_related("subjects__group", "targets__group"):
        rules.append({
            "code": rule.code,
            "kind": rule.kind,
            "subjects": sorted(o.key for o in rule.subjects.all()),
            "targets": sorted(o.key for o in rule.targets.all()),
            "condition": rule.condition,
            "min": rule.min_count,
            "max": rule.max_count,
            "amount": str(rule.amount),
            "explanation": rule.texts("explanation"),
        })
    return {
        "product": {
            "slug": product.slug,
            "name": product.texts("name"),
            "description": product.texts("description"),
            "base_price": str(product.base_price),
            "currency": "EUR",
            "canvas": [product.canvas_width, product.canvas_height],
            "views": _views(product),
        },
        "groups": groups,
        "rules": rules,
    }


def snapshot_checksum(snapshot: dict[str, Any]) -> str:
    body = {k: v for k, v in snapshot.items() if k not in ("unreachable", "witnesses")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# Compiled catalogs by version id. Versions never change, so entries never go stale.
version_cache: LRU[Catalog] = LRU(64)


def catalog_for(version: CatalogVersion | int) -> Catalog:
    version_id = version if isinstance(version, int) else version.pk
    if isinstance(version, CatalogVersion):
        return version_cache.get(version_id, lambda: compile_catalog(version.snapshot))
    return version_cache.get(
        version_id, lambda: compile_catalog(CatalogVersion.objects.values_list("snapshot", flat=True).get(pk=version_id))
    )
