"""Importing a product package as a draft, and exporting a product as one.

An import writes the live (editable) catalog rows and never publishes: shoppers keep seeing the
published version until staff publish. A package is the whole product, so views, steps, options
and rules it does not name are removed from the draft (builds and orders keep their published
version's snapshot, which names no row). Everything happens in one transaction after the whole
package was found valid; layer images are stored through the storage API under names made from
their content, so a published version's pictures are never overwritten, and a failed import
removes the files it had stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from configurator.models import Option, OptionGroup, OptionLayer, Product, ProductView, Rule, TextPlacement
from configurator.packages.errors import PackageError, PackageInvalid
from configurator.packages.export import product_package
from configurator.packages.reader import PackageFiles
from configurator.packages.validate import Package, package_validate
from configurator.signals import product_package_imported, product_package_tag_codes


@dataclass
class PackageImport:
    """What an import did (or, for a dry run, would do)."""

    product: Product
    created: bool
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    files_stored: int = 0


def known_motivation_tags() -> set[str] | None:
    answers = [codes for _receiver, codes in product_package_tag_codes.send(sender=Product) if codes is not None]
    return set().union(*answers) if answers else None


def _storage_name(slug: str, body: bytes) -> str:
    return f"catalog/packages/{slug}/{hashlib.sha256(body).hexdigest()[:24]}.png"


class _Writer:
    """Writes one valid package's rows; `stored` lists the files it put in storage."""

    def __init__(self, package: Package, result: PackageImport) -> None:
        self.package = package
        self.result = result
        self.stored: list[str] = []
        self.names: dict[str, str] = {}

    def image(self, path: str | None) -> str:
        if not path:
            return ""
        if path not in self.names:
            body = self.package.files[path]
            name = _storage_name(self.package.slug, body)
            if not default_storage.exists(name):
                saved = default_storage.save(name, ContentFile(body))
                self.stored.append(saved)
                if saved != name:  # another import stored the same content meanwhile: keep the one name
                    default_storage.delete(saved)
                    self.stored.remove(saved)
                else:
                    self.result.files_stored += 1
            self.names[path] = name
        return self.names[path]

    def save(self, obj: models.Model, at: tuple, what: str) -> models.Model:
        try:
            obj.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            messages = [f"{name}: {'; '.join(errs)}" for name, errs in exc.message_dict.items()]
            raise PackageInvalid([PackageError(self.package.places(at), m) for m in messages]) from exc
        obj.save()
        self.result.counts[what] = self.result.counts.get(what, 0) + 1
        return obj

    def prune(self, queryset: models.QuerySet, keep: set[int], what: str) -> None:
        stale = queryset.exclude(pk__in=keep)
        count = stale.count()
        if count:
            stale.delete()
            self.result.removed[what] = count


def _set(obj: models.Model, values: dict[str, Any]) -> models.Model:
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


def _product(writer: _Writer, catalog: dict[str, Any], product: Product) -> Product:
    data = catalog["product"]
    width, height = data["canvas"]
    return writer.save(_set(product, {
        "slug": data["slug"], "name_en": data["name"]["en"], "name_nl": data["name"]["nl"],
        "description_en": data["description"]["en"], "description_nl": data["description"]["nl"],
        "base_price": data["base_price"], "lead_time_days": data["lead_time_days"], "canvas_width": width,
        "canvas_height": height, "position": data["position"],
    }), ("product",), "products")


def _views(writer: _Writer, catalog: dict[str, Any], product: Product) -> dict[str, ProductView]:
    existing = {view.code: view for view in product.views.all()}
    views = {}
    for position, raw in enumerate(catalog["views"]):
        view = existing.get(raw["code"]) or ProductView(product=product, code=raw["code"])
        views[raw["code"]] = writer.save(_set(view, {
            "name_en": raw["name"]["en"], "name_nl": raw["name"]["nl"], "base_layer": writer.image(raw["base_layer"]),
            "on_card": raw["on_card"], "position": position,
        }), raw["at"], "views")
    writer.prune(product.views.all(), {view.pk for view in views.values()}, "views")
    return views


def _step_values(raw: dict[str, Any], position: int) -> dict[str, Any]:
    values = {"name_en": raw["name"]["en"], "name_nl": raw["name"]["nl"], "kind": raw["kind"], "position": position,
              "required": raw["required"], "min_count": raw["min"], "max_count": raw["max"]}
    text = raw["text"]
    if text is not None:
        values.update({"max_length": text["max_length"], "allowed_pattern": text["pattern"],
                       "price_per_char": text["price_per_char"], "flat_price": text["flat_price"],
                       "font": text["font"], "text_colour": text["colour"]})
    return values


def _options(writer: _Writer, raw: dict[str, Any], step: OptionGroup, views: dict[str, ProductView]) -> dict[str, Option]:
    existing = {option.code: option for option in step.options.all()}
    options = {}
    for position, item in enumerate(raw["options"]):
        option = existing.get(item["code"]) or Option(group=step, code=item["code"])
        options[f"{step.code}.{item['code']}"] = writer.save(_set(option, {
            "name_en": item["name"]["en"], "name_nl": item["name"]["nl"], "price_delta": item["price"],
            "swatch": item["swatch"], "is_available": item["available"], "position": position,
        }), item["at"], "options")
        option.layers.all().delete()
        for code, layer in item["layers"].items():
            writer.save(OptionLayer(option=option, view=views[code], image=writer.image(layer["image"]),
                                    tint=layer["tint"] or "", z=layer["z"]), layer["at"], "layers")
    writer.prune(step.options.all(), {option.pk for option in options.values()}, "options")
    return options


def _steps(writer: _Writer, catalog: dict[str, Any], product: Product, views: dict[str, ProductView]) -> dict[str, Option]:
    existing = {step.code: step for step in product.groups.all()}
    options: dict[str, Option] = {}
    kept = set()
    for position, raw in enumerate(catalog["steps"]):
        step = existing.get(raw["code"]) or OptionGroup(product=product, code=raw["code"])
        step.default_option = None  # set again once its options are written
        writer.save(_set(step, _step_values(raw, position)), raw["at"], "steps")
        kept.add(step.pk)
        step_options = _options(writer, raw, step, views)
        options.update(step_options)
        if raw["default"]:
            step.default_option = step_options[f"{step.code}.{raw['default']}"]
            step.save(update_fields=["default_option"])
        step.placements.all().delete()
        for code, place in (raw["text"] or {}).get("placements", {}).items():
            x, y, width, height = place["box"]
            writer.save(TextPlacement(group=step, view=views[code], x=x, y=y, width=width, height=height, z=place["z"]),
                        place["at"], "placements")
    writer.prune(product.groups.all(), kept, "steps")
    return options


def _rules(writer: _Writer, catalog: dict[str, Any], product: Product, options: dict[str, Option]) -> None:
    existing = {rule.code: rule for rule in product.rules.all()}
    kept = set()
    for position, raw in enumerate(catalog["rules"]):
        rule = existing.get(raw["code"]) or Rule(product=product, code=raw["code"])
        writer.save(_set(rule, {
            "kind": raw["kind"], "condition": raw["condition"], "min_count": raw["min"], "max_count": raw["max"],
            "amount": raw["amount"], "explanation_en": raw["explanation"]["en"],
            "explanation_nl": raw["explanation"]["nl"], "is_active": raw["active"], "position": position,
        }), raw["at"], "rules")
        rule.subjects.set([options[key] for _i, key in raw["subjects"]])
        rule.targets.set([options[key] for _i, key in raw["targets"]])
        kept.add(rule.pk)
    writer.prune(product.rules.all(), kept, "rules")


def _write(package: Package, result: PackageImport) -> None:
    writer = _Writer(package, result)
    try:
        with transaction.atomic():
            product = _product(writer, package.catalog, result.product)
            views = _views(writer, package.catalog, product)
            options = _steps(writer, package.catalog, product, views)
            _rules(writer, package.catalog, product, options)
            product_package_imported.send(sender=Product, product=product, tags=package.tags)
    except BaseException:
        for name in writer.stored:  # nothing of a failed import stays behind
            default_storage.delete(name)
        raise


def product_package_import(*, files: PackageFiles, dry_run: bool = False) -> PackageImport:
    """Create or update the package's product as a draft (never published here). Raises
    PackageInvalid with every problem found; then nothing was written."""
    package = package_validate(files, known_tags=known_motivation_tags())
    try:
        with transaction.atomic():
            product = Product.objects.select_for_update().filter(slug=package.slug).first()
            result = PackageImport(product=product or Product(slug=package.slug, base_price=Decimal("0")),
                                   created=product is None, dry_run=dry_run)
            if not dry_run:
                _write(package, result)
    except IntegrityError as exc:  # the same new product, imported twice at once: one of them wins
        raise PackageInvalid([PackageError(package.places(("product", "slug")), _(
            "Another import of “%(slug)s” was saved at the same moment; nothing of this one was written. "
            "Import it again to update that product.") % {"slug": package.slug})]) from exc
    return result


def product_package_export(*, product: Product) -> dict[str, bytes]:
    """The product's live (draft) catalog as a package: catalog.yaml and its images by path."""
    return product_package(product)
