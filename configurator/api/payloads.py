"""Plain dicts for the API's responses, built from snapshots, engine results and builds."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from configurator.engine import Action, Catalog, Quote, to_plain
from configurator.explain import (
    availability_payload,
    errors_payload,
    price_payload,
    repair_payload,
    violations_payload,
)
from configurator.i18n import pick
from configurator.models import Build, Product
from configurator.selectors import ProductRef
from configurator.snapshot import catalog_for


def product_summary(product: Product) -> dict[str, Any]:
    return {
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "base_price": f"{product.base_price:.2f}",
        "currency": "EUR",
        "version": product.current_version.number,
    }


def catalog_payload(product: Product) -> dict[str, Any]:
    version = product.current_version
    cat = catalog_for(version.pk)  # compiled and cached per version: no snapshot read per request
    snapshot = cat.snapshot
    groups = []
    for raw, group in zip(snapshot["groups"], cat.groups, strict=True):
        entry: dict[str, Any] = {
            "code": group.code,
            "name": pick(group.name),
            "kind": group.kind,
            "required": group.required,
            "size": group.size,
            "default": raw.get("default"),
            "min": group.min_count,
            "max": raw.get("max"),
            "options": [
                {
                    "code": o["code"],
                    "name": pick(o["name"]),
                    "price": o["price"],
                    "swatch": o.get("swatch", ""),
                    "available": o.get("available", True)
                    and f"{group.code}.{o['code']}" not in snapshot.get("unreachable", []),
                }
                for o in raw["options"]
            ],
        }
        if group.text is not None:
            entry["text"] = {
                "max_length": group.text.max_length,
                "allowed": group.text.pattern,
                "price_per_char": f"{group.text.price_per_char:.2f}",
                "flat_price": f"{group.text.flat_price:.2f}",
            }
        groups.append(entry)
    rules = [
        {
            "code": r["code"],
            "kind": r["kind"],
            "subjects": r["subjects"],
            "targets": r["targets"],
            "condition": r.get("condition", "all"),
            "min": r.get("min"),
            "max": r.get("max"),
            "amount": r.get("amount", "0.00"),
            "explanation": pick(r["explanation"]),
        }
        for r in snapshot["rules"]
    ]
    return {**product_summary(product), "groups": groups, "rules": rules}


def quote_payload(cat: Catalog, product: ProductRef, result: Quote, action: Action | None) -> dict[str, Any]:
    evaluation = result.evaluation
    return {
        "product": product.slug,
        "version": product.version_number,
        "selections": to_plain(cat, evaluation.state),
        "valid": evaluation.valid,
        "complete": evaluation.complete,
        "missing": [{"step": code, "name": pick(cat.group_by_code[code].name)} for code in evaluation.missing],
        "violations": violations_payload(cat, evaluation.violations),
        "availability": availability_payload(cat, result),
        "price": price_payload(cat, evaluation.price),
        "fingerprint": evaluation.fingerprint,
        "repair": repair_payload(cat, result.repair, action),
    }


def quote_errors(result: Quote) -> dict[str, Any]:
    errors = errors_payload(result.errors)
    action_errors = errors.pop("action", None)
    out: dict[str, Any] = {}
    if errors:
        out["selections"] = errors
    if action_errors:
        out["action"] = action_errors
    return out


def _share_urls(request, build: Build) -> dict[str, str]:
    """`share_url` is the page a person opens (what to post or send); `shared_api_url` is the
    same build as JSON, for programs."""
    return {
        "share_url": request.build_absolute_uri(reverse("shared", args=[build.share_code])),
        "shared_api_url": request.build_absolute_uri(reverse("api:shared-build", args=[build.share_code])),
    }


def build_payload(request, build: Build, *, owner_view: bool) -> dict[str, Any]:
    """A build as its owner sees it (owner_view) or as anyone with the share code sees it."""
    data: dict[str, Any] = {
        "product": build.product.slug,
        "version": build.catalog_version.number,
        "name": build.name,
        "selections": build.selections,
        "price": build.price,
        "total": f"{build.total:.2f}",
        "fingerprint": build.fingerprint,
        "complete": build.is_complete,
        "status": build.status,
        "stale": build.is_stale,
        "remixed_from": build.remixed_from.share_code
        if build.remixed_from_id and build.remixed_from.is_shared else None,
        "created_at": build.created_at,
    }
    if build.is_shared:  # an ordered build that was never shared has no public address
        data["share_code"] = build.share_code
        data.update(_share_urls(request, build))
    if owner_view:
        data.update({
            "id": str(build.id),
            "forked_from": str(build.forked_from_id) if build.forked_from_id else None,
            "updated_at": build.updated_at,
        })
    else:
        data["remix_count"] = getattr(build, "remix_count", None)
        if data["remix_count"] is None:
            data["remix_count"] = build.remixes.count()
    return data
