"""Checks across the catalog file that a JSON Schema cannot express: codes that must be unique
or must exist, defaults, rule keys, text that must fit its placement, motivation tags."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from configurator.models.catalog import RESERVED_STEP_CODES
from configurator.render.compose import font, min_text_size, text_fits

from .errors import PackageError, Places

# The characters a text step's pattern is tried against to find the widest one it allows.
CANDIDATES = "".join(chr(n) for n in (*range(32, 127), *range(160, 256)))


def _duplicates(items: Iterable[dict[str, Any]], places: Places, what: str) -> list[PackageError]:
    seen: set[str] = set()
    errors = []
    for item in items:
        if item["code"] in seen:
            errors.append(places.error((*item["at"], "code"), _("The %(what)s code “%(code)s” is used twice.") % {
                "what": what, "code": item["code"]}))
        seen.add(item["code"])
    return errors


@lru_cache(maxsize=64)
def widest_character(pattern: str, font_name: str) -> str | None:
    """The widest character the pattern allows, in this font (None if it allows none)."""
    try:
        allowed = [ch for ch in CANDIDATES if re.fullmatch(pattern, ch)]
    except re.error:
        return None
    if not allowed:
        return None
    face = font(str(settings.FONT_DIR / font_name), 64)
    return max(allowed, key=face.getlength)


def _text_errors(step: dict[str, Any], pkg: dict[str, Any], places: Places) -> list[PackageError]:
    text = step["text"]
    errors = []
    try:
        re.compile(text["pattern"])
    except re.error as exc:
        return [places.error((*text["at"], "pattern"), _("Not a valid pattern: %(error)s") % {"error": exc})]
    widest = widest_character(text["pattern"], text["font"])
    if widest is None:
        errors.append(places.error((*text["at"], "pattern"), _("The pattern allows no character at all.")))
    views = {view["code"] for view in pkg["views"]}
    width, height = pkg["product"]["canvas"]
    for view, placement in text["placements"].items():
        x, y, w, h = placement["box"]
        if view not in views:
            errors.append(places.error(placement["at"], _("There is no view “%(view)s”.") % {"view": view}))
        if w < 1 or h < 1 or x + w > width or y + h > height:
            errors.append(places.error((*placement["at"], "box"), _(
                "The text box must have a size and lie inside the %(width)s×%(height)s canvas.") % {
                "width": width, "height": height}))
        elif widest is not None and not text_fits(widest * text["max_length"], settings.FONT_DIR / text["font"], (x, y, w, h)):
            errors.append(places.error((*placement["at"], "box"), _(
                "%(count)s × “%(char)s” (the widest character allowed) does not fit this %(width)s px wide box "
                "at the smallest text size, %(size)s px: make the box wider or the maximum length shorter."
            ) % {"count": text["max_length"], "char": widest, "width": w, "size": min_text_size((x, y, w, h))}))
    return errors


def _step_errors(step: dict[str, Any], pkg: dict[str, Any], places: Places) -> list[PackageError]:
    at, kind = step["at"], step["kind"]
    errors = _duplicates(step["options"], places, _("option"))
    if step["code"] in RESERVED_STEP_CODES:
        errors.append(places.error((*at, "code"), _(
            "“%(code)s” is a reserved word in the studio's address; choose another code.") % {"code": step["code"]}))
    if kind == "text":
        if step["options"]:
            errors.append(places.error((*at, "options"), _("A personal text step has no options.")))
        if step["default"]:
            errors.append(places.error((*at, "default"), _("A personal text step has no default option.")))
        return errors + _text_errors(step, pkg, places)
    codes = {option["code"] for option in step["options"]}
    if step["default"] and step["default"] not in codes:
        errors.append(places.error((*at, "default"), _("The default “%(code)s” is not one of this step's options.") % {
            "code": step["default"]}))
    if step["max"] is not None and step["max"] < step["min"]:
        errors.append(places.error((*at, "max"), _("The maximum must not be below the minimum.")))
    views = {view["code"] for view in pkg["views"]}
    for option in step["options"]:
        if kind == "size" and option["layers"]:
            errors.append(places.error((*option["at"], "layers"), _("A size is never drawn: leave out its layers.")))
        for view, layer in option["layers"].items():
            if view not in views:
                errors.append(places.error(layer["at"], _("There is no view “%(view)s”.") % {"view": view}))
    return errors


def _rule_errors(rule: dict[str, Any], keys: set[str], places: Places) -> list[PackageError]:
    errors = []
    for relation in ("subjects", "targets"):
        for index, key in rule[relation]:
            if key not in keys:
                errors.append(places.error((*rule["at"], relation, index), _(
                    "“%(key)s” is not an option of this product (write step.option, e.g. “case.steel”).") % {"key": key}))
    if rule["max"] is not None and rule["max"] < rule["min"]:
        errors.append(places.error((*rule["at"], "max"), _("The maximum must not be below the minimum.")))
    return errors


def _tag_errors(pkg: dict[str, Any], known: set[str] | None, places: Places) -> list[PackageError]:
    if known is None:
        return []
    errors = []
    for step in pkg["steps"]:
        tagged = [(step["at"], step["motivations"]), *((o["at"], o["motivations"]) for o in step["options"])]
        for at, tags in tagged:
            for code in tags:
                if code not in known:
                    errors.append(places.error((*at, "motivations", code), _(
                        "Unknown motivation “%(code)s” (known: %(known)s).") % {
                        "code": code, "known": ", ".join(sorted(known))}))
    return errors


def catalog_errors(pkg: dict[str, Any], places: Places, known_tags: set[str] | None = None) -> list[PackageError]:
    """Every problem between the parts of the catalog file (not its images, not its rules' logic)."""
    errors = _duplicates(pkg["views"], places, _("view"))
    errors += _duplicates(pkg["steps"], places, _("step"))
    errors += _duplicates(pkg["rules"], places, _("rule"))
    if pkg["product"]["base_price"] < 0:
        errors.append(places.error(("product", "base_price"), _("The base price must not be negative.")))
    keys: set[str] = set()
    for step in pkg["steps"]:
        errors += _step_errors(step, pkg, places)
        keys.update(f"{step['code']}.{o['code']}" for o in step["options"])
    for rule in pkg["rules"]:
        errors += _rule_errors(rule, keys, places)
    return errors + _tag_errors(pkg, known_tags, places)
