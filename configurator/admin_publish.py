"""Publishing with a confirmation page: what a new version would change, before it is made.

The "Publish new catalog version" action (and the product page's "Review and publish…" link)
first shows, per product, the check's findings, the diff against the published version
(configurator.catalog_diff) and the saved builds that become stale. The page posts the checksum of
each snapshot it showed; publishing refuses a catalog that has changed since and shows the page
again. Wording only here: the plan is configurator.services.product_publish_plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from configurator.catalog_diff import FieldChange, SectionDiff
from configurator.engine.check import Finding
from configurator.findings import CatalogNames, finding_message
from configurator.i18n import pick
from configurator.models import GroupKind, Product, RuleKind
from configurator.models.catalog import ConditionMode
from configurator.services import CatalogChanged, CatalogNotPublishable, PublishPlan, product_publish, product_publish_plan
from configurator.snapshot import product_snapshot, snapshot_checksum
from configurator.templatetags.atelier import eur

MAX_AT_ONCE = 20  # products on one confirmation page: each is checked and diffed
FINDING_LEVELS = {"error": messages.ERROR, "warning": messages.WARNING}


def show_findings(request: HttpRequest, product: Product, findings: list[Finding], snapshot: dict) -> None:
    """Each finding of the product's catalog check as an admin message."""
    names = CatalogNames(snapshot)
    for finding in findings:
        text = _("%(product)s: %(message)s") % {"product": product.slug, "message": finding_message(finding, names)}
        messages.add_message(request, FINDING_LEVELS.get(finding.level, messages.WARNING), text)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Item:
    text: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class Section:
    title: str
    added: list[str]
    removed: list[str]
    changed: list[Item]
    reordered: str = ""


@dataclass
class ProductPage:
    plan: PublishPlan
    number: int
    errors: list[str]
    warnings: list[str]
    product_changes: list[Change]
    sections: list[Section]
    stale: list[str]
    draft_url: str


# Values --------------------------------------------------------------------------------------------


def _texts(value: Any) -> str:
    """A name or explanation in both languages: "Car · nl: Auto"."""
    if not isinstance(value, dict):
        return str(value or "—")
    english = value.get("en") or "—"
    others = [f"{lang}: {text}" for lang, text in value.items() if lang != "en" and text]
    return " · ".join([english, *others])


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _layer(value: dict | None) -> str:
    if not value:
        return "—"
    parts = [str(value.get("image", "")).rsplit("/", 1)[-1]]
    if value.get("tint"):
        parts.append(_("tint %(colour)s") % {"colour": value["tint"]})
    parts.append(_("z-order %(z)s") % {"z": value.get("z")})
    return ", ".join(parts)


def _placement(value: dict | None) -> str:
    if not value:
        return "—"
    x, y, width, height = value.get("box", (0, 0, 0, 0))
    return _("box at %(x)s, %(y)s, %(width)s × %(height)s, z-order %(z)s") % {
        "x": x, "y": y, "width": width, "height": height, "z": value.get("z"),
    }


def _kind(value: str | None, choices) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


class _Wording:
    """Field labels and values for one product's diff: option keys named from the snapshot each
    side belongs to (a removed option from the published one, an added one from the new one)."""

    def __init__(self, old: dict | None, new: dict) -> None:
        self.old, self.new = CatalogNames(old), CatalogNames(new)
        self.views = {v["code"]: pick(v.get("name")) for s in (old, new) if s
                      for v in s.get("product", {}).get("views", [])}

    def label(self, name: str) -> str:
        if name.startswith("layer:"):
            return _("layer in view %(view)s") % {"view": self._view(name[6:])}
        if name.startswith("placement:"):
            return _("text placement in view %(view)s") % {"view": self._view(name[10:])}
        labels = {
            "slug": _("slug"), "name": _("name"), "description": _("description"), "base_price": _("base price"),
            "currency": _("currency"), "canvas": _("preview size"), "base_layer": _("base layer"),
            "on_card": _("on the social card"), "kind": _("kind"), "required": _("required"),
            "default": _("default option"), "min": _("minimum"), "max": _("maximum"),
            "option_order": _("order of the options"), "text.max_length": _("maximum length"),
            "text.pattern": _("allowed characters"), "text.price_per_char": _("price per character"),
            "text.flat_price": _("flat price"), "text.font": _("font"), "text.colour": _("text colour"),
            "price": _("price delta"), "available": _("available"), "swatch": _("swatch colour"),
            "subjects": _("subjects / condition"), "targets": _("targets"), "condition": _("condition"),
            "amount": _("price adjustment"), "explanation": _("explanation"),
        }
        return labels.get(name, name)

    def _view(self, code: str) -> str:
        name = self.views.get(code)
        return f"“{name}” ({code})" if name else f"“{code}”"

    def value(self, section: str, key: str, name: str, value: Any, names: CatalogNames) -> str:
        if value is None or value == [] or value == "":
            return "—"
        if name in ("name", "description", "explanation"):
            return _texts(value)
        if name in ("base_price", "price", "amount", "text.price_per_char", "text.flat_price"):
            return eur(value)
        if isinstance(value, bool):
            return _yes_no(value)
        if name.startswith("layer:"):
            return _layer(value)
        if name.startswith("placement:"):
            return _placement(value)
        if name == "kind":
            return _kind(value, RuleKind if section == "rules" else GroupKind)
        if name == "condition":
            return _kind(value, ConditionMode)
        if name == "default":
            return names.option(f"{key}.{value}")
        if name in ("subjects", "targets"):
            return ", ".join(names.option(k) for k in value)
        if name == "canvas":
            return " × ".join(str(n) for n in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def changes(self, section: str, key: str, fields: tuple[FieldChange, ...]) -> list[Change]:
        return [Change(self.label(f.field), self.value(section, key, f.field, f.before, self.old),
                       self.value(section, key, f.field, f.after, self.new)) for f in fields]


# Sections --------------------------------------------------------------------------------------------


def _item_name(section: str, key: str, snapshot: dict | None, names: CatalogNames) -> str:
    """An added or removed item as staff know it, with what it costs where it has a price."""
    if section == "options":
        step, code = key.split(".", 1)
        option = next((o for g in (snapshot or {}).get("groups", []) if g["code"] == step
                       for o in g.get("options", []) if o["code"] == code), {})
        price = eur(option.get("price") or 0)
        return _("%(option)s in step %(step)s, price delta %(price)s") % {
            "option": names.option(key), "step": names.group(step), "price": price,
        }
    if section == "steps":
        return names.group(key)
    if section == "rules":
        rule = next((r for r in (snapshot or {}).get("rules", []) if r["code"] == key), {})
        return f"“{key}” ({_kind(rule.get('kind'), RuleKind)}): {pick(rule.get('explanation'))}"
    view = next((v for v in (snapshot or {}).get("product", {}).get("views", []) if v["code"] == key), {})
    return f"“{pick(view.get('name'))}” ({key})" if view.get("name") else f"“{key}”"


def _section(name: str, title: str, diff: SectionDiff, plan: PublishPlan, wording: _Wording) -> Section:
    old = plan.current.snapshot if plan.current else None
    changed = []
    for item in diff.changed:
        if name == "options":
            text = wording.new.option(item.key)
        elif name == "steps":
            text = wording.new.group(item.key)
        else:
            text = _item_name(name, item.key, plan.snapshot, wording.new)
        changed.append(Item(text, wording.changes(name, item.key, item.fields)))
    reordered = ""
    if diff.reordered and name in ("steps", "views"):
        reordered = _("Their order changed.")
    return Section(
        title=title,
        added=[_item_name(name, key, plan.snapshot, wording.new) for key in diff.added],
        removed=[_item_name(name, key, old, wording.old) for key in diff.removed],
        changed=changed,
        reordered=reordered,
    )


def _stale_lines(plan: PublishPlan, number: int) -> list[str]:
    builds = plan.builds
    if plan.current is None:
        return [_("Nothing is published yet, so no saved design becomes stale.")]
    current = plan.current.number
    lines = [_("A saved design is stale when the product's published version is no longer the one it was made with.")]
    if not builds.stale:
        lines.append(_("No saved design is on version %(current)s, so none becomes stale.") % {"current": current})
    else:
        lines.append(ngettext(
            "%(count)s saved design is on version %(current)s and becomes stale: it keeps version %(current)s with "
            "its choices and frozen price and can still be ordered as it is; if it is shared, its page offers a copy "
            "updated to version %(number)s.",
            "%(count)s saved designs are on version %(current)s and become stale: each keeps version %(current)s "
            "with its choices and frozen price and can still be ordered as it is; a shared one's page offers a copy "
            "updated to version %(number)s.",
            builds.stale,
        ) % {"count": builds.stale, "current": current, "number": number})
    fates = builds.fates
    if fates.checked:
        lines.append(_(
            "Updated to version %(number)s as they are: %(invalid)s would not be valid (an option removed or "
            "switched off, or a rule that now forbids the combination), %(incomplete)s would miss a newly required "
            "step and %(repriced)s would cost a different amount."
        ) % {"number": number, "invalid": fates.invalid, "incomplete": fates.incomplete, "repriced": fates.repriced})
    if fates.checked < builds.stale:
        lines.append(_("Only the %(checked)s most recent of them were checked against version %(number)s.") % {
            "checked": fates.checked, "number": number})
    if builds.older:
        lines.append(ngettext(
            "%(count)s saved design is on an older version and was stale already.",
            "%(count)s saved designs are on older versions and were stale already.",
            builds.older,
        ) % {"count": builds.older})
    return lines


def product_page(plan: PublishPlan) -> ProductPage:
    names = CatalogNames(plan.snapshot)
    wording = _Wording(plan.current.snapshot if plan.current else None, plan.snapshot)
    number = plan.number
    diff = plan.diff
    sections = [
        _section("views", _("Views"), diff.views, plan, wording),
        _section("steps", _("Steps"), diff.steps, plan, wording),
        _section("options", _("Options and prices"), diff.options, plan, wording),
        _section("rules", _("Rules"), diff.rules, plan, wording),
    ]
    return ProductPage(
        plan=plan,
        number=number,
        errors=[finding_message(f, names) for f in plan.errors],
        warnings=[finding_message(f, names) for f in plan.findings if f.level != "error"],
        product_changes=wording.changes("product", "", diff.product),
        sections=[s for s in sections if s.added or s.removed or s.changed or s.reordered],
        stale=_stale_lines(plan, number),
        draft_url=reverse("configurator:draft", args=[plan.product.slug]),
    )


# Pages -------------------------------------------------------------------------------------------------


def confirm_page(model_admin, request: HttpRequest, products: list[Product], *, status: int = 200) -> TemplateResponse:
    pages = [product_page(product_publish_plan(product=product)) for product in products]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Publish new catalog versions"),
        "pages": pages,
        "publishable": [page for page in pages if page.plan.publishable],
        "changelist_url": reverse("admin:configurator_product_changelist"),
    }
    return TemplateResponse(request, "admin/configurator/product/publish.html", context, status=status)


def publish_confirmed(model_admin, request: HttpRequest, products: list[Product]) -> HttpResponse | None:
    """The confirmation page's post: publish each product whose catalog is still the one shown.
    If any has changed since (its checksum differs), nothing is published and the page is shown
    again with the new diff (409)."""
    # The snapshot alone decides the checksum (what the check adds beside it is left out of it).
    changed = [p for p in products if snapshot_checksum(product_snapshot(p)) != request.POST.get(f"checksum-{p.pk}")]
    if changed:
        messages.error(request, _(
            "The catalog of %(products)s changed after the confirmation page was shown, so nothing was published. "
            "Check the changes below again."
        ) % {"products": ", ".join(p.slug for p in changed)})
        return confirm_page(model_admin, request, products, status=409)
    note = _("Published in admin by %(user)s") % {"user": request.user.get_username()}
    for product in products:
        _publish_one(request, product, note, request.POST[f"checksum-{product.pk}"])
    return None


def _publish_one(request: HttpRequest, product: Product, note: str, checksum: str) -> None:
    previous = product.current_version_id
    try:
        version = product_publish(product=product, note=note, expected_checksum=checksum)
    except CatalogChanged:  # changed between the check above and the product's lock
        messages.error(request, _("%(product)s was not published: its catalog changed a moment ago. Try again.") % {
            "product": product.slug})
        return
    except CatalogNotPublishable as exc:
        messages.error(request, _("%(product)s was not published; fix these errors first.") % {"product": product.slug})
        show_findings(request, product, exc.findings, product_snapshot(product))
        return
    if version.pk == previous:
        messages.info(request, _("%(product)s: nothing changed since version %(number)s, so no new version was made.") % {
            "product": product.slug, "number": version.number})
    else:
        messages.success(request, _("%(product)s: published as version %(number)s.") % {
            "product": product.slug, "number": version.number})
