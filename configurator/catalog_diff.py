"""What publishing would change: the difference between two catalog snapshots, as plain data.

Pure (no ORM, no request): the admin's publish confirmation words it (configurator/admin_publish.py).
Steps are keyed by code, options by "step.option", views and rules by code, so a renamed code
reads as one removed and one added. Snapshots published before products had views (one layer
per option, one box per personal text) are read the way the engine reads them, so an old version
does not look different from a new one only for its shape. What the check stores beside the
catalog ("unreachable", "witnesses") is not part of the catalog and never compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

DEFAULT_VIEW = "main"  # as configurator.engine.catalog: the one view of a snapshot without views


@dataclass(frozen=True)
class FieldChange:
    field: str  # e.g. "price", "layer:side", "text.max_length", "option_order"
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    key: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class SectionDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[ItemChange, ...] = ()
    # The items both snapshots have are in another order (the studio shows steps and views in order).
    reordered: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)


@dataclass(frozen=True)
class CatalogDiff:
    product: tuple[FieldChange, ...]
    views: SectionDiff
    steps: SectionDiff
    options: SectionDiff
    rules: SectionDiff

    @property
    def empty(self) -> bool:
        return not self.product and all(s.empty for s in (self.views, self.steps, self.options, self.rules))


def _money(value: Any) -> Any:
    """An amount as a Decimal ("10.0" and "10.00" are the same price); anything else as it is."""
    try:
        return Decimal(str(value if value is not None else "0"))
    except (InvalidOperation, ValueError):
        return value


def _views(product: dict[str, Any]) -> list[dict[str, Any]]:
    views = product.get("views")
    if not views:
        return [{"code": DEFAULT_VIEW, "name": {"en": "Main view", "nl": "Hoofdaanzicht"},
                 "base_layer": product.get("base_layer"), "on_card": True}]
    return views


def _layers(option: dict[str, Any], default_view: str) -> dict[str, Any]:
    if "layers" in option:
        return {str(view): layer for view, layer in (option["layers"] or {}).items() if layer}
    return {default_view: option["layer"]} if option.get("layer") else {}


def _placements(text: dict[str, Any], default_view: str) -> dict[str, Any]:
    if "placements" in text:
        return dict(text["placements"] or {})
    return {default_view: {"box": list(text.get("box", (0, 0, 200, 40))), "z": text.get("z", 100)}}


def _kind(group: dict[str, Any]) -> str:
    """A size is stored as a single choice marked "size": here it is a kind of its own."""
    kind = group.get("kind", "single")
    return "size" if kind == "single" and group.get("size") else kind


def _step_fields(group: dict[str, Any], default_view: str) -> dict[str, Any]:
    fields = {
        "name": group.get("name"),
        "kind": _kind(group),
        "required": bool(group.get("required", False)),
        "default": group.get("default"),
        "min": int(group.get("min") or 0),
        "max": group.get("max"),
    }
    text = group.get("text")
    if group.get("kind") == "text" and text is not None:
        fields.update({
            "text.max_length": text.get("max_length", 12),
            "text.pattern": text.get("pattern"),
            "text.price_per_char": _money(text.get("price_per_char")),
            "text.flat_price": _money(text.get("flat_price")),
            "text.font": text.get("font"),
            "text.colour": text.get("colour"),
        })
        for view, placement in _placements(text, default_view).items():
            fields[f"placement:{view}"] = placement
    return fields


def _option_fields(option: dict[str, Any], default_view: str) -> dict[str, Any]:
    fields = {
        "name": option.get("name"),
        "price": _money(option.get("price")),
        "available": bool(option.get("available", True)),
        "swatch": option.get("swatch", "") or "",
    }
    for view, layer in _layers(option, default_view).items():
        fields[f"layer:{view}"] = layer
    return fields


def _rule_fields(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": rule.get("kind"),
        "subjects": sorted(rule.get("subjects", [])),
        "targets": sorted(rule.get("targets", [])),
        "condition": rule.get("condition", "all"),
        "min": int(rule.get("min") or 0),
        "max": rule.get("max"),
        "amount": _money(rule.get("amount")),
        "explanation": rule.get("explanation"),
    }


def _product_fields(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": product.get("slug"),
        "name": product.get("name"),
        "description": product.get("description"),
        "base_price": _money(product.get("base_price")),
        "currency": product.get("currency", "EUR"),
        "canvas": list(product["canvas"]) if product.get("canvas") else None,
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    """Field by field, in the order the fields are listed (a field only one side has is None on
    the other: a layer added in a view)."""
    names = list(before) + [name for name in after if name not in before]
    return tuple(
        FieldChange(name, before.get(name), after.get(name))
        for name in names if before.get(name) != after.get(name)
    )


def _in_order(keys: list[str], other: set[str]) -> list[str]:
    return [key for key in keys if key in other]


def _section(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> SectionDiff:
    """`old` and `new` map each item's key to its fields, in the catalog's order."""
    common = set(old) & set(new)
    changed = []
    for key in new:
        if key in common:
            fields = _changes(old[key], new[key])
            if fields:
                changed.append(ItemChange(key, fields))
    return SectionDiff(
        added=tuple(key for key in new if key not in old),
        removed=tuple(key for key in old if key not in new),
        changed=tuple(changed),
        reordered=_in_order(list(old), common) != _in_order(list(new), common),
    )


@dataclass(frozen=True)
class _Indexed:
    product: dict[str, Any]
    views: dict[str, dict[str, Any]]
    steps: dict[str, dict[str, Any]]
    options: dict[str, dict[str, Any]]
    rules: dict[str, dict[str, Any]]


def _index(snapshot: dict[str, Any] | None) -> _Indexed:
    if snapshot is None:
        return _Indexed({}, {}, {}, {}, {})
    product = snapshot.get("product", {})
    views = _views(product)
    default_view = views[0]["code"]
    steps, options = {}, {}
    for group in snapshot.get("groups", []):
        steps[group["code"]] = _step_fields(group, default_view)
        codes = [option["code"] for option in group.get("options", [])]
        steps[group["code"]]["option_order"] = codes
        for option in group.get("options", []):
            options[f"{group['code']}.{option['code']}"] = _option_fields(option, default_view)
    return _Indexed(
        product=_product_fields(product),
        views={v["code"]: {"name": v.get("name"), "base_layer": v.get("base_layer"), "on_card": bool(v.get("on_card", True))}
               for v in views},
        steps=steps,
        options=options,
        rules={rule["code"]: _rule_fields(rule) for rule in snapshot.get("rules", [])},
    )


def _without_order(steps: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each step's option order cut to the options both sides have: adding an option is not a
    reordering (it is listed as added)."""
    result = {}
    for code, fields in steps.items():
        fields = dict(fields)
        if code in other:
            theirs = set(other[code]["option_order"])
            fields["option_order"] = [c for c in fields["option_order"] if c in theirs]
        result[code] = fields
    return result


def diff_snapshots(old: dict[str, Any] | None, new: dict[str, Any]) -> CatalogDiff:
    """What changes from `old` (the published version's snapshot; None: nothing published yet)
    to `new`: per views, steps, options and rules the keys added and removed and, for the items
    both have, each field that differs with its value before and after; and the product's own
    fields (name, description, base price, currency, canvas)."""
    a, b = _index(old), _index(new)
    return CatalogDiff(
        product=_changes(a.product, b.product) if old is not None else (),
        views=_section(a.views, b.views),
        steps=_section(_without_order(a.steps, b.steps), _without_order(b.steps, a.steps)),
        options=_section(a.options, b.options),
        rules=_section(a.rules, b.rules),
    )
