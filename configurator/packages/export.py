"""Writing a product's live (draft) catalog out as a package: the catalog file and its layer
images, read through the storage API. Importing the result gives the same catalog."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from configurator.models import GroupKind, Option, OptionGroup, Product
from configurator.signals import product_package_exporting

from .errors import PackageError, PackageInvalid
from .schema import FORMAT_VERSION
from .validate import Tags


class _Images:
    """Storage names -> paths in the package: one file per stored image, however often used."""

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}

    def path(self, name: str, wanted: str) -> str:
        if name not in self.paths:
            used = set(self.paths.values())
            stem, n = wanted.removesuffix(".png"), 2
            while wanted in used:
                wanted, n = f"{stem}-{n}.png", n + 1
            self.paths[name] = wanted
        return self.paths[name]

    def files(self) -> dict[str, bytes]:
        out = {}
        for name, path in self.paths.items():
            try:
                with default_storage.open(name, "rb") as stored:
                    out[path] = stored.read()
            except (OSError, ValueError) as exc:
                raise PackageInvalid([PackageError(name, _("This layer cannot be read from storage: %(error)s") % {
                    "error": exc})]) from exc
        return out


def _texts(obj: Any, field: str) -> dict[str, str]:
    texts = obj.texts(field)
    return texts if texts.get("nl") else {"en": texts["en"]}


def _tags(product: Product) -> Tags:
    tags: Tags = {}
    for _receiver, response in product_package_exporting.send(sender=Product, product=product):
        for key, weights in (response or {}).items():
            tags.setdefault(key, {}).update(weights)
    return tags


def _option(option: Option, step: OptionGroup, tags: Tags, images: _Images) -> dict[str, Any]:
    raw: dict[str, Any] = {"code": option.code, "name": _texts(option, "name"), "price": str(option.price_delta)}
    if option.swatch:
        raw["swatch"] = option.swatch
    if not option.is_available:
        raw["available"] = False
    if tags.get((step.code, option.code)):
        raw["motivations"] = tags[(step.code, option.code)]
    layers = {}
    for layer in sorted(option.layers.all(), key=lambda layer: (layer.view.position, layer.view_id)):
        if not layer.image or step.kind == GroupKind.SIZE:
            continue
        path = images.path(layer.image.name, f"layers/{layer.view.code}/{step.code}-{option.code}.png")
        layers[layer.view.code] = {"image": path, **({"tint": layer.tint} if layer.tint else {}), "z": layer.z}
    if layers:
        raw["layers"] = layers
    return raw


def _step(step: OptionGroup, tags: Tags, images: _Images) -> dict[str, Any]:
    raw: dict[str, Any] = {"code": step.code, "name": _texts(step, "name"), "kind": step.kind,
                           "required": step.required}
    if step.kind != GroupKind.TEXT:
        raw["default"] = step.default_option.code if step.default_option_id else None
    if step.kind == GroupKind.MULTI or step.min_count or step.max_count is not None:
        raw.update({"min": step.min_count, "max": step.max_count})
    if tags.get((step.code, "")):
        raw["motivations"] = tags[(step.code, "")]
    if step.kind == GroupKind.TEXT:
        raw["text"] = {
            "max_length": step.max_length, "pattern": step.allowed_pattern, "price_per_char": str(step.price_per_char),
            "flat_price": str(step.flat_price), "font": step.font, "colour": step.text_colour,
            "placements": {
                p.view.code: {"box": [p.x, p.y, p.width, p.height], "z": p.z}
                for p in sorted(step.placements.all(), key=lambda p: (p.view.position, p.view_id))
            },
        }
    else:
        options = sorted(step.options.all(), key=lambda o: (o.position, o.id))
        raw["options"] = [_option(option, step, tags, images) for option in options]
    return raw


def _rule(rule) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "code": rule.code, "kind": rule.kind,
        "subjects": sorted(o.key for o in rule.subjects.all()), "targets": sorted(o.key for o in rule.targets.all()),
        "condition": rule.condition, "min": rule.min_count, "max": rule.max_count, "amount": str(rule.amount),
        "explanation": {"en": rule.explanation_en, "nl": rule.explanation_nl},
    }
    if not rule.is_active:
        raw["active"] = False
    return raw


def product_package(product: Product) -> dict[str, bytes]:
    """The package of the product's live catalog: catalog.yaml and its images, by path."""
    images = _Images()
    tags = _tags(product)
    views = []
    for view in product.views.order_by("position", "id"):
        raw: dict[str, Any] = {"code": view.code, "name": _texts(view, "name")}
        if view.base_layer:
            raw["base_layer"] = images.path(view.base_layer.name, f"layers/{view.code}/base.png")
        raw["on_card"] = view.on_card
        views.append(raw)
    steps = product.groups.order_by("position", "id").select_related("default_option").prefetch_related(
        "options__layers__view", "placements__view")
    catalog = {
        "format_version": FORMAT_VERSION,
        "product": {
            "slug": product.slug, "name": _texts(product, "name"), "description": product.texts("description"),
            "base_price": str(product.base_price), "lead_time_days": product.lead_time_days,
            "canvas": [product.canvas_width, product.canvas_height], "position": product.position,
        },
        "views": views,
        "steps": [_step(step, tags, images) for step in steps],
        "rules": [_rule(rule) for rule in product.rules.order_by("position", "id").prefetch_related(
            "subjects__group", "targets__group")],
    }
    text = yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True, width=110)
    header = ("# Atelier product package, format version 1. The JSON Schema is\n"
              "# configurator/packages/schema/product-package-1.json in the Atelier repository.\n")
    return {"catalog.yaml": (header + text).encode(), **images.files()}


def package_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def package_write(files: dict[str, bytes], target: Path) -> Iterable[str]:
    """Write the package to a folder, or to a zip file when `target` ends in .zip."""
    if target.suffix.lower() == ".zip":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(package_zip(files))
        return [str(target)]
    written = []
    for name, body in sorted(files.items()):
        path = target.joinpath(*PurePosixPath(name).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written.append(str(path))
    return written
