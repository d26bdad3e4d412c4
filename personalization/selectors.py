"""Reads of the personalization app: a shopper's profile as they see it ("why you see this")
and as staff read its evidence, in the active language."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.utils.translation import gettext as _

from configurator.i18n import current_language, pick
from personalization.models import Motivation, Profile

logger = logging.getLogger(__name__)


def motivation_names(lang: str | None = None) -> dict[str, str]:
    lang = lang or current_language()
    return {m.code: m.localized_name for m in _with_names(Motivation.objects.all(), lang)}


def _with_names(motivations, lang: str):
    for m in motivations:
        m.localized_name = pick({"en": m.name_en, "nl": m.name_nl}, lang) or m.code
        yield m


class _Names:
    """Product, step and option names from the catalog version an event was made on (or the
    product's published one), loaded once per version."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._catalogs: dict[int, Any] = {}
        self._current: dict[int, int | None] = {}

    def _catalog(self, product: Any, version: Any):
        from configurator.models import Product
        from configurator.snapshot import catalog_for

        if not isinstance(version, int) and isinstance(product, int):
            if product not in self._current:
                self._current[product] = (Product.objects.filter(pk=product)
                                          .values_list("current_version_id", flat=True).first())
            version = self._current[product]
        if not isinstance(version, int):
            return None
        if version not in self._catalogs:
            try:
                self._catalogs[version] = catalog_for(version)
            except Exception:  # a version deleted or unreadable: fall back to the codes
                logger.warning("catalog version %s is not readable for labels", version, exc_info=True)
                self._catalogs[version] = None
        return self._catalogs[version]

    def names(self, item: dict) -> dict[str, str]:
        group, option = str(item.get("group") or ""), str(item.get("option") or "")
        given_up = [str(c) for c in item.get("given_up") or [] if isinstance(c, str)]
        cat = self._catalog(item.get("product"), item.get("version"))
        if cat is None:
            return {"product": "", "step": group, "option": option, "given_up": ", ".join(given_up)}
        step = cat.group_by_code.get(group)

        def option_name(code: str) -> str:
            found = cat.option_by_key.get(f"{group}.{code}")
            return pick(found.name, self.lang) if found else code

        return {
            "product": pick(cat.name, self.lang),
            "step": pick(step.name, self.lang) if step else group,
            "option": option_name(option),
            "given_up": ", ".join(option_name(code) for code in given_up),
        }


def evidence_label(item: dict, names: _Names) -> str:
    n = names.names(item)
    reason = item.get("reason")
    negative = (item.get("contribution") or 0) < 0
    if reason == "trade_off" or (reason == "choice" and n["given_up"]):
        return _("Chose %(option)s over %(given_up)s") % n
    if reason == "auto":
        return _("%(option)s was chosen for you (%(step)s)") % n
    if reason == "removed":
        return _("Removed %(option)s (%(step)s)") % n
    if reason == "text":
        return (_("Removed your personal text: %(step)s") if negative else _("Added your personal text: %(step)s")) % n
    if reason == "shared":
        return _("Shared your %(product)s design") % n if n["product"] else _("Shared your design")
    if reason == "cheapest":
        return _("Chose the lowest price: %(option)s (%(step)s)") % n
    return _("Chose %(option)s (%(step)s)") % n


def evidence_rows(evidence: Any, lang: str | None = None) -> list[dict]:
    """A profile's stored evidence with readable labels and motivation names."""
    lang = lang or current_language()
    names, motivations = _Names(lang), motivation_names(lang)
    rows = []
    for item in evidence if isinstance(evidence, list) else []:
        if not isinstance(item, dict):
            continue
        code = str(item.get("motivation") or "")
        rows.append({
            "label": evidence_label(item, names),
            "motivation": motivations.get(code, code),
            "motivation_code": code,
            "contribution": float(item.get("contribution") or 0.0),
        })
    return rows


def profile_display(shopper_id: uuid.UUID) -> dict | None:
    """The shopper's profile for their Privacy page, or None if they have none."""
    profile = Profile.objects.select_related("dominant").filter(shopper_id=shopper_id).first()
    if profile is None:
        return None
    lang = current_language()
    motivations = list(_with_names(Motivation.objects.filter(active=True), lang))
    raw = profile.scores if isinstance(profile.scores, dict) else {}
    scores = {m.code: max(float(raw.get(m.code) or 0.0), 0.0) for m in motivations}
    total = sum(scores.values())
    dominant = None
    if profile.dominant is not None:
        dominant = {"code": profile.dominant.code,
                    "name": pick({"en": profile.dominant.name_en, "nl": profile.dominant.name_nl}, lang)}
    return {
        "scores": [
            {"code": m.code, "name": m.localized_name, "score": round(scores[m.code], 3),
             "share": round(scores[m.code] / total, 3) if total > 0 else 0.0}
            for m in sorted(motivations, key=lambda m: (-scores[m.code], m.position, m.code))
        ],
        "dominant": dominant,
        "confidence": float(profile.confidence),
        "evidence": [{k: row[k] for k in ("label", "motivation", "contribution")}
                     for row in evidence_rows(profile.evidence, lang)],
    }


def shopper_data_counts(shopper_id: uuid.UUID | None) -> dict[str, int] | None:
    """What is held for this browser's shopper id (the My data page), or None without one."""
    from configurator.models import Build, Order
    from personalization.models import ConsentChange, Event, Shopper

    if shopper_id is None:
        return None
    return {
        "record": Shopper.objects.filter(pk=shopper_id).exists(),
        "events": Event.objects.filter(shopper_id=shopper_id).count(),
        "consent_changes": ConsentChange.objects.filter(shopper_id=shopper_id).count(),
        "builds": Build.objects.filter(owner_key=shopper_id).count(),
        "orders": Order.objects.filter(owner_key=shopper_id).count(),
    }
