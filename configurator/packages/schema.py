"""The published JSON Schema of the catalog file, and its errors worded for staff."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import PackageError, Places

FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schema" / f"product-package-{FORMAT_VERSION}.json"


@lru_cache(maxsize=1)
def package_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(package_schema())


def _show(value: Any) -> str:
    """A value as the file wrote it, cut short (a whole mapping may stand where a text belongs)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _def(name: str) -> dict[str, Any]:
    return package_schema()["$defs"][name]


def _shape_message(error: ValidationError) -> str | None:
    """Wording for a value that breaks one of the named formats (decimal, code, colour, ...)."""
    schema = error.schema
    if schema == _def("decimal"):
        return _("%(value)s is not a decimal amount: write it like \"12.50\" (in quotes) or as a whole number.") % {
            "value": _show(error.instance)}
    if error.validator not in ("pattern", "type"):
        return None
    if schema == _def("code"):
        return _("%(value)s is not a code: use lowercase letters, digits, '-' and '_' (at most 40).") % {
            "value": _show(error.instance)}
    if schema == _def("colour"):
        return _("%(value)s is not a colour: write it like \"#1a2b3c\" (in quotes).") % {
            "value": _show(error.instance)}
    if schema == _def("image"):
        return _("%(value)s is not a PNG path inside the package, such as \"layers/side/body.png\".") % {
            "value": _show(error.instance)}
    if schema == _def("slug"):
        return _("%(value)s is not a slug: use letters, digits, '-' and '_'.") % {"value": _show(error.instance)}
    return None


def _message(error: ValidationError) -> str:
    shaped = _shape_message(error)
    if shaped:
        return shaped
    kind, value = error.validator, error.validator_value
    if kind == "required":
        match = re.match(r"^'(.+)' is a required property", error.message)
        return _("“%(key)s” is missing.") % {"key": match.group(1) if match else value}
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return _("Unknown key: %(keys)s.") % {"keys": ", ".join(f"“{key}”" for key in extra)}
    if kind == "const":
        return _("Must be %(value)s.") % {"value": json.dumps(value)}
    if kind == "enum":
        return _("%(value)s is not one of %(allowed)s.") % {
            "value": _show(error.instance), "allowed": ", ".join(json.dumps(v) for v in value)}
    if kind == "type":
        return _("Expected %(expected)s, found %(value)s.") % {
            "expected": " or ".join(value) if isinstance(value, list) else value, "value": _show(error.instance)}
    if kind in ("minimum", "minLength", "minItems"):
        return _("Too small or too short: at least %(limit)s.") % {"limit": value}
    if kind in ("maximum", "maxLength", "maxItems"):
        return _("Too large or too long: at most %(limit)s.") % {"limit": value}
    if kind == "propertyNames":
        return _("%(value)s is not a valid name here.") % {"value": _show(error.instance)}
    return _("Not valid here: %(error)s") % {"error": error.message}


def schema_errors(data: Any, places: Places) -> list[PackageError]:
    """Every place where the catalog file breaks the schema, in file order."""
    found = []
    for error in _validator().iter_errors(data):
        if error.validator in ("oneOf", "anyOf") and error.context:
            shown = _shape_message(error) or _message(
                best_match(e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
                           and not (e.validator == "const" and e.validator_value == "")) or error)
            path = tuple(error.absolute_path)
        else:
            shown, path = _message(error), tuple(error.absolute_path)
        found.append((places.line(path) or 0, places.error(path, shown)))
    return [error for _line, error in sorted(found, key=lambda item: item[0])]
