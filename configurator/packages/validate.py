"""Validating a whole product package: every problem is collected, each with its place, and
nothing is written. A valid package comes back as a `Package`, ready for the import service.

Order: the catalog file is read; the JSON Schema, the cross-checks and the images are checked
together (so one run reports them all); when all of that is clean, the catalog the package
describes is built as the snapshot the engine reads and given the same catalog check as
publishing (contradicting rules, unreachable options, options that do not change the picture),
reported with the rule codes and option keys involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from configurator.engine import SnapshotError, compile_catalog
from configurator.engine.check import Finding, check_catalog
from configurator.findings import CatalogNames, finding_message, picture_findings

from .checks import catalog_errors
from .errors import PackageError, PackageInvalid, Places
from .images import image_errors, image_references
from .normalize import normalize
from .parse import load_catalog
from .reader import Limits, PackageFiles
from .schema import schema_errors

CENT = Decimal("0.01")
# (step code, option code or "" for the step itself) -> {motivation code: weight}
Tags = dict[tuple[str, str], dict[str, float]]


@dataclass(frozen=True, slots=True)
class Package:
    """A valid package: its catalog (normalized), its files, and the snapshot it would publish
    (with the images named by their paths in the package)."""

    catalog: dict[str, Any]
    files: dict[str, bytes]
    snapshot: dict[str, Any]
    places: Places

    @property
    def slug(self) -> str:
        return self.catalog["product"]["slug"]

    @property
    def tags(self) -> Tags:
        tags: Tags = {}
        for step in self.catalog["steps"]:
            if step["motivations"]:
                tags[(step["code"], "")] = dict(step["motivations"])
            for option in step["options"]:
                if option["motivations"]:
                    tags[(step["code"], option["code"])] = dict(option["motivations"])
        return tags


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def _group(step: dict[str, Any], views: list[str]) -> dict[str, Any]:
    """One step as `configurator.snapshot.product_snapshot` writes it."""
    order = {code: i for i, code in enumerate(views)}
    kind = step["kind"]
    raw: dict[str, Any] = {
        "code": step["code"], "name": step["name"], "kind": "single" if kind == "size" else kind,
        "required": step["required"], "default": step["default"] if kind != "text" else None,
        "min": step["min"], "max": step["max"],
        "options": [
            {"code": o["code"], "name": o["name"], "price": money(o["price"]), "available": o["available"],
             "swatch": o["swatch"],
             "layers": {} if kind == "size" else {
                 view: {"image": layer["image"], "tint": layer["tint"], "z": layer["z"]}
                 for view, layer in sorted(o["layers"].items(), key=lambda item: order.get(item[0], 0))}}
            for o in step["options"]
        ],
    }
    if kind == "size":
        raw["size"] = True
    if kind == "text":
        text = step["text"]
        raw["options"] = []
        raw["text"] = {
            "max_length": text["max_length"], "pattern": text["pattern"],
            "price_per_char": money(text["price_per_char"]), "flat_price": money(text["flat_price"]),
            "font": text["font"], "colour": text["colour"],
            "placements": {view: {"box": list(p["box"]), "z": p["z"]}
                           for view, p in sorted(text["placements"].items(), key=lambda item: order.get(item[0], 0))},
        }
    return raw


def package_snapshot(pkg: dict[str, Any]) -> dict[str, Any]:
    """The catalog snapshot the package describes, in the shape publishing stores."""
    product = pkg["product"]
    views = [view["code"] for view in pkg["views"]]
    return {
        "product": {
            "slug": product["slug"], "name": product["name"], "description": product["description"],
            "base_price": money(product["base_price"]), "currency": "EUR", "canvas": list(product["canvas"]),
            "views": [{"code": v["code"], "name": v["name"], "base_layer": v["base_layer"], "on_card": v["on_card"]}
                      for v in pkg["views"]],
        },
        "groups": [_group(step, views) for step in pkg["steps"]],
        "rules": [
            {"code": r["code"], "kind": r["kind"], "subjects": sorted(k for _i, k in r["subjects"]),
             "targets": sorted(k for _i, k in r["targets"]), "condition": r["condition"], "min": r["min"],
             "max": r["max"], "amount": money(r["amount"]), "explanation": r["explanation"]}
            for r in pkg["rules"] if r["active"]
        ],
    }


def _finding_place(finding: Finding, pkg: dict[str, Any]) -> tuple:
    for rule in pkg["rules"]:
        if finding.rule and rule["code"] == finding.rule:
            return rule["at"]
    for step in pkg["steps"]:
        if finding.code == "default_over_max" and finding.detail and step["code"] == finding.detail[0]:
            return step["at"]
        for option in step["options"]:
            if finding.option == f"{step['code']}.{option['code']}":
                return option["at"]
    return ()


def engine_errors(pkg: dict[str, Any], snapshot: dict[str, Any], places: Places) -> list[PackageError]:
    """The publishing check on the catalog the package describes: every finding, warnings
    included, is an error here (a package is meant to publish cleanly)."""
    try:
        cat = compile_catalog(snapshot)
    except SnapshotError as exc:
        return [places.error((), _("The catalog could not be read: %(error)s") % {"error": exc})]
    findings, _dead = check_catalog(cat)
    findings += picture_findings(cat)
    names = CatalogNames(snapshot)
    return [places.error(_finding_place(f, pkg), finding_message(f, names)) for f in findings]


def package_validate(files: PackageFiles, *, known_tags: set[str] | None = None,
                     limits: Limits | None = None) -> Package:
    """The valid package, or PackageInvalid with every problem found."""
    limits = limits or Limits.current()
    name = files.catalog_name
    if len(files.catalog) > limits.max_catalog_bytes:
        raise PackageInvalid([PackageError(name, _("The catalog file is larger than %(limit)s bytes.") % {
            "limit": limits.max_catalog_bytes})])
    data, lines = load_catalog(name, files.catalog)
    places = Places(name, lines)
    errors = schema_errors(data, places)
    pkg = normalize(data)
    errors += catalog_errors(pkg, places, known_tags)
    errors += image_errors(image_references(pkg), files.files, pkg["product"]["canvas"], limits.max_pixels, places)
    if errors:
        raise PackageInvalid(errors)
    snapshot = package_snapshot(pkg)
    errors = engine_errors(pkg, snapshot, places)
    if errors:
        raise PackageInvalid(errors)
    return Package(pkg, files.files, snapshot, places)
