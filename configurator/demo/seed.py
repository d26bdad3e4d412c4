"""Writing the demo catalog into the database.

Idempotent and additive: rows are matched by slug or code and updated in place, nothing a staff
member added is removed, layer files already in storage are not drawn again, and publishing
makes a new catalog version only when the snapshot actually changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction

from configurator.models import (
    CatalogVersion,
    GroupKind,
    Option,
    OptionGroup,
    OptionLayer,
    Product,
    ProductView,
    Rule,
    TextPlacement,
)
from configurator.services.catalog import product_publish

from . import art
from .catalog import PRODUCTS


class _Writer(Protocol):
    def write(self, text: str) -> Any: ...


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    files: int = 0

    def summary(self) -> str:
        return (f"{self.created} rows created, {self.updated} updated, {self.unchanged} unchanged; "
                f"{self.files} layer files written")


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], tally: _Tally,
            existing: dict[str, Any] | None = None):
    """Create the row, or update only the fields whose value differs. `existing` holds the rows
    already loaded, by code (saves a query per row); uniqueness is the lookup's own guarantee."""
    obj = existing.get(lookup["code"]) if existing is not None else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        tally.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        tally.unchanged += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save(update_fields=changed)
    tally.updated += 1
    return obj


def _layer_file(slug: str, layer: str | None, tally: _Tally) -> str:
    """The storage name of a layer, drawn and written only if it is not stored yet."""
    if not layer:
        return ""
    name = art.storage_name(slug, layer)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(art.layer_png(slug, layer)))
        if saved != name:  # a concurrent seed got there first; keep the deterministic name
            default_storage.delete(saved)
        tally.files += 1
    return name


def _product(data: dict[str, Any], tally: _Tally) -> Product:
    slug = data["slug"]
    width, height = data["canvas"]
    return _upsert(Product, {"slug": slug}, {
        "name_en": data["name"]["en"],
        "name_nl": data["name"]["nl"],
        "description_en": data["description"]["en"],
        "description_nl": data["description"]["nl"],
        "base_price": Decimal(data["base_price"]),
        "lead_time_days": data["lead_time_days"],
        "canvas_width": width,
        "canvas_height": height,
        "position": data["position"],
    }, tally)


def _views(product: Product, data: dict[str, Any], tally: _Tally) -> dict[str, ProductView]:
    """The product's views by code. The first view a migration made from the single picture of
    an earlier seed ("main") takes the code of the demo's first view."""
    existing = {view.code: view for view in product.views.all()}
    first = data["views"][0]["code"]
    if first not in existing and "main" in existing:
        view = existing.pop("main")
        view.code = first
        view.save(update_fields=["code"])
        existing[first] = view
    views = {}
    for position, raw in enumerate(data["views"]):
        views[raw["code"]] = _upsert(ProductView, {"product": product, "code": raw["code"]}, {
            "name_en": raw["name"]["en"],
            "name_nl": raw["name"]["nl"],
            "base_layer": _layer_file(product.slug, raw["base_layer"], tally),
            "on_card": raw.get("on_card", True),
            "position": position,
        }, tally, existing)
    return views


def _option_layers(option: Option, raw: dict[str, Any], step_z: int, views: dict[str, ProductView],
                   first: str, tally: _Tally) -> None:
    wanted = {first: raw["layer"]} if raw.get("layer") else {}
    wanted.update(raw.get("views", {}))
    existing = {layer.view_id: layer for layer in option.layers.all()}
    z = raw["z"] if raw["z"] is not None else step_z
    for code, layer in wanted.items():
        view = views[code]
        row = existing.get(view.pk)
        values = {"image": _layer_file(option.group.product.slug, layer, tally), "tint": raw["tint"] or "", "z": z}
        if row is None:
            OptionLayer.objects.create(option=option, view=view, **values)
            tally.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save()
            tally.updated += 1
        else:
            tally.unchanged += 1


def _placements(group: OptionGroup, text: dict[str, Any], views: dict[str, ProductView], first: str,
                tally: _Tally) -> None:
    wanted = {first: (text["box"], text["z"]), **text.get("placements", {})}
    existing = {p.view_id: p for p in group.placements.all()}
    for code, (box, z) in wanted.items():
        x, y, w, h = box
        values = {"x": x, "y": y, "width": w, "height": h, "z": z}
        row = existing.get(views[code].pk)
        if row is None:
            TextPlacement.objects.create(group=group, view=views[code], **values)
            tally.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            TextPlacement.objects.filter(pk=row.pk).update(**values)
            tally.updated += 1
        else:
            tally.unchanged += 1


def _group_values(data: dict[str, Any], position: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name_en": data["name"]["en"],
        "name_nl": data["name"]["nl"],
        "kind": data["kind"],
        "position": position,
        "required": data["required"],
        "min_count": data.get("min", 0),
        "max_count": data.get("max"),
    }
    if data["kind"] == GroupKind.TEXT:
        text = data["text"]
        values.update({
            "max_length": text["max_length"],
            "allowed_pattern": text["pattern"],
            "price_per_char": Decimal(text["price_per_char"]),
            "flat_price": Decimal(text["flat_price"]),
            "font": text["font"],
            "text_colour": text["colour"],
        })
    return values


def _group(product: Product, data: dict[str, Any], position: int, tally: _Tally,
           groups: dict[str, OptionGroup], views: dict[str, ProductView], first: str) -> dict[str, Option]:
    lookup = {"product": product, "code": data["code"]}
    group = _upsert(OptionGroup, lookup, _group_values(data, position), tally, groups)
    if data["kind"] == GroupKind.TEXT:
        _placements(group, data["text"], views, first, tally)
    existing = {option.code: option for option in group.options.prefetch_related("layers")}
    options: dict[str, Option] = {}
    for index, raw in enumerate(data.get("options", [])):
        option = _upsert(Option, {"group": group, "code": raw["code"]}, {
            "name_en": raw["name"]["en"],
            "name_nl": raw["name"]["nl"],
            "price_delta": Decimal(raw["price"]),
            "swatch": raw["swatch"],
            "position": index,
        }, tally, existing)
        _option_layers(option, raw, data.get("z", 10), views, first, tally)
        options[f"{group.code}.{raw['code']}"] = option
    default = options[f"{group.code}.{data['default']}"] if data.get("default") else None
    if group.default_option_id != (default.pk if default else None):
        group.default_option = default
        group.full_clean(validate_unique=False, validate_constraints=False)
        group.save(update_fields=["default_option"])
    return options


def _rule(product: Product, data: dict[str, Any], position: int, options: dict[str, Option], tally: _Tally,
          rules: dict[str, Rule]) -> None:
    rule = _upsert(Rule, {"product": product, "code": data["code"]}, {
        "kind": data["kind"],
        "condition": data["condition"],
        "min_count": data["min"],
        "max_count": data["max"],
        "amount": Decimal(data["amount"]),
        "explanation_en": data["explanation"]["en"],
        "explanation_nl": data["explanation"]["nl"],
        "position": position,
    }, tally, rules)
    for relation, keys in (("subjects", data["subjects"]), ("targets", data["targets"])):
        wanted = {options[key].pk for key in keys}
        manager = getattr(rule, relation)
        if {option.pk for option in manager.all()} != wanted:
            manager.set(wanted)


def _seed_product(data: dict[str, Any], tally: _Tally) -> tuple[CatalogVersion, bool]:
    product = _product(data, tally)
    views = _views(product, data, tally)
    first = data["views"][0]["code"]
    groups = {group.code: group for group in product.groups.select_related("default_option")}
    options: dict[str, Option] = {}
    for position, group in enumerate(data["groups"]):
        options.update(_group(product, group, position, tally, groups, views, first))
    rules = {rule.code: rule for rule in product.rules.prefetch_related("subjects", "targets")}
    for position, rule in enumerate(data["rules"]):
        _rule(product, rule, position, options, tally, rules)
    previous = product.current_version_id
    version = product_publish(product=product, note="seed_demo")
    return version, version.pk != previous


def demo_seed(*, stdout: _Writer | None = None) -> list[CatalogVersion]:
    """Create or update the three demo products and publish them; returns their current versions."""
    versions = []
    with transaction.atomic():
        for data in PRODUCTS:
            tally = _Tally()
            version, published = _seed_product(data, tally)
            versions.append(version)
            if stdout is not None:
                state = "published" if published else "unchanged"
                stdout.write(f"{data['slug']}: {tally.summary()}; version {version.number} {state}\n")
    return versions
