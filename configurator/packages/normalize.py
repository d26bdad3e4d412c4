"""The catalog file's data in one regular shape, whatever was written.

`normalize` never raises: a value of the wrong type (already reported by the JSON Schema) is
replaced by a harmless default, so the checks after it can still run and every problem in the
package is reported at once. Each item keeps its key path (`at`) for its error's place.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

DECIMAL = re.compile(r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$")
DEFAULT_PATTERN = r"[A-Za-z0-9 .\-]"


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[tuple[int, dict]]:
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def decimal(value: Any) -> Decimal | None:
    """A decimal written as "12.50" or 12 (never a float: 0.1 has no exact binary value)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and DECIMAL.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _money(value: Any) -> Decimal:
    return (decimal(value) if value is not None else None) or Decimal("0")


def _texts(value: Any) -> dict[str, str]:
    value = _dict(value)
    return {"en": _str(value.get("en")), "nl": _str(value.get("nl"))}


def _motivations(value: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in _dict(value).items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def _layers(value: Any, at: tuple) -> dict[str, dict[str, Any]]:
    layers = {}
    for view, raw in _dict(value).items():
        raw = _dict(raw)
        layers[str(view)] = {"image": _str(raw.get("image")), "tint": _str(raw.get("tint")) or None,
                             "z": _int(raw.get("z"), 10), "at": (*at, "layers", str(view))}
    return layers


def _option(raw: dict, at: tuple) -> dict[str, Any]:
    return {
        "code": _str(raw.get("code")), "name": _texts(raw.get("name")), "price": _money(raw.get("price")),
        "swatch": _str(raw.get("swatch")), "available": _bool(raw.get("available"), True),
        "motivations": _motivations(raw.get("motivations")), "layers": _layers(raw.get("layers"), at), "at": at,
    }


def _text(raw: Any, at: tuple) -> dict[str, Any]:
    raw = _dict(raw)
    placements = {}
    for view, place in _dict(raw.get("placements")).items():
        place = _dict(place)
        box = place.get("box")
        box = tuple(box) if isinstance(box, list) and len(box) == 4 and all(_int(n, None) is not None for n in box) \
            else (0, 0, 200, 40)
        placements[str(view)] = {"box": box, "z": _int(place.get("z"), 100), "at": (*at, "placements", str(view))}
    return {
        "max_length": _int(raw.get("max_length"), 12), "pattern": _str(raw.get("pattern"), DEFAULT_PATTERN),
        "price_per_char": _money(raw.get("price_per_char")), "flat_price": _money(raw.get("flat_price")),
        "font": _str(raw.get("font"), "DejaVuSans-Bold.ttf"), "colour": _str(raw.get("colour"), "#ffffff"),
        "placements": placements, "at": at,
    }


def _step(raw: dict, at: tuple) -> dict[str, Any]:
    kind = _str(raw.get("kind"), "single")
    step = {
        "code": _str(raw.get("code")), "name": _texts(raw.get("name")), "kind": kind,
        "required": _bool(raw.get("required"), True), "default": _str(raw.get("default")) or None,
        "min": _int(raw.get("min"), 0), "max": _int(raw.get("max"), None),
        "motivations": _motivations(raw.get("motivations")),
        "options": [_option(o, (*at, "options", i)) for i, o in _items(raw.get("options"))],
        "has_options": "options" in raw, "text": None, "at": at,
    }
    if kind == "text":
        step["text"] = _text(raw.get("text"), (*at, "text"))
    return step


def _rule(raw: dict, at: tuple) -> dict[str, Any]:
    keys = lambda name: [(i, k) for i, k in enumerate(raw.get(name) or []) if isinstance(k, str)] \
        if isinstance(raw.get(name), list) else []  # noqa: E731
    return {
        "code": _str(raw.get("code")), "kind": _str(raw.get("kind")), "subjects": keys("subjects"),
        "targets": keys("targets"), "condition": _str(raw.get("condition"), "all"), "min": _int(raw.get("min"), 0),
        "max": _int(raw.get("max"), None), "amount": _money(raw.get("amount")),
        "explanation": _texts(raw.get("explanation")), "active": _bool(raw.get("active"), True), "at": at,
    }


def normalize(data: Any) -> dict[str, Any]:
    data = _dict(data)
    product = _dict(data.get("product"))
    canvas = product.get("canvas")
    canvas = tuple(canvas) if isinstance(canvas, list) and len(canvas) == 2 and all(
        _int(n, 0) > 0 for n in canvas) else (800, 600)
    return {
        "product": {
            "slug": _str(product.get("slug")), "name": _texts(product.get("name")),
            "description": _texts(product.get("description")), "base_price": _money(product.get("base_price")),
            "lead_time_days": _int(product.get("lead_time_days"), 10), "canvas": canvas,
            "position": _int(product.get("position"), 0),
        },
        "views": [
            {"code": _str(v.get("code")), "name": _texts(v.get("name")), "base_layer": _str(v.get("base_layer")) or None,
             "on_card": _bool(v.get("on_card"), True), "at": ("views", i)}
            for i, v in _items(data.get("views"))
        ],
        "steps": [_step(s, ("steps", i)) for i, s in _items(data.get("steps"))],
        "rules": [_rule(r, ("rules", i)) for i, r in _items(data.get("rules"))],
    }
