"""Catalog check findings in plain staff language.

The engine reports findings as stable codes with rule codes and option keys; this module words
them for the admin, naming each option by its catalog name and its key so staff can find it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from configurator.engine import Catalog
from configurator.engine.catalog import MULTI, SINGLE
from configurator.engine.check import Finding
from configurator.i18n import pick

if TYPE_CHECKING:
    from configurator.services.unreachable import UnreachableRecomputed


class CatalogNames:
    """Option and step names from a product snapshot, keyed by "group.option" and group code."""

    def __init__(self, snapshot: dict[str, Any] | None) -> None:
        self.options: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        for group in (snapshot or {}).get("groups", []):
            self.groups[group["code"]] = pick(group.get("name"))
            for option in group.get("options", []):
                self.options[f"{group['code']}.{option['code']}"] = pick(option.get("name"))

    def option(self, key: str | None) -> str:
        name = self.options.get(key or "")
        return f"“{name}” ({key})" if name else f"“{key}”"

    def group(self, code: str) -> str:
        name = self.groups.get(code)
        return f"“{name}” ({code})" if name else f"“{code}”"


def picture_findings(cat: Catalog) -> list[Finding]:
    """Options shoppers would pick without seeing a change: in a step that is drawn (some option
    has a layer in some view), an option with no layer in any view. A single-choice step may
    have one such option (such as "no stripes"); two of them would look alike. Sizes are never
    drawn, so they are left out."""
    findings = []
    for group in cat.groups:
        if group.size or group.kind not in (SINGLE, MULTI):
            continue
        bare = [i for i in group.options if not cat.options[i].layers]
        if len(bare) == len(group.options) or (group.kind == SINGLE and len(bare) < 2):
            continue
        findings += [Finding("warning", "option_not_pictured", option=cat.options[i].key) for i in bare]
    return findings


def _rule_message(code: str) -> str | None:
    """Wording for the findings about one rule, with %(rule)s in it."""
    messages = {
        "no_subjects": _("Rule “%(rule)s” has no subjects, so it never applies."),
        "no_targets": _("Rule “%(rule)s” has no targets, so it never applies."),
        "excludes_itself": _(
            "Rule “%(rule)s” has the same option as subject and target, so that option can never be chosen."
        ),
        "requires_itself": _("Rule “%(rule)s” only requires its own subjects, so it has no effect."),
        "cardinality_unreachable": _(
            "Rule “%(rule)s” asks for more options than it lists, so no build can satisfy it."
        ),
        "condition_impossible": _(
            "Rule “%(rule)s” needs two options of the same single-choice step at once, "
            "so its targets are never offered."
        ),
    }
    return messages.get(code)


def finding_message(finding: Finding, names: CatalogNames) -> str:
    """One sentence per finding, naming the rule code and the options involved."""
    code = finding.code
    rule_message = _rule_message(code)
    if rule_message is not None:
        return rule_message % {"rule": finding.rule}
    if code == "default_breaks_rule":
        options = ", ".join(names.option(key) for key in finding.detail) or "—"
        return _(
            "The default build breaks rule “%(rule)s” (options involved: %(options)s). Shoppers would "
            "start with a product they cannot order: change a default option or the rule."
        ) % {"rule": finding.rule, "options": options}
    if code == "default_unavailable":
        return _(
            "The default option %(option)s is switched off. Shoppers would start with an option they "
            "cannot have: choose another default or make the option available."
        ) % {"option": names.option(finding.option)}
    if code == "default_over_max":
        step = finding.detail[0] if finding.detail else ""
        return _("Step %(step)s has more default options than its maximum number of choices.") % {
            "step": names.group(step)
        }
    if code == "option_unreachable":
        if finding.detail:
            return _(
                "Option %(option)s can never be part of a valid build. Rules involved: %(rules)s."
            ) % {"option": names.option(finding.option), "rules": ", ".join(finding.detail)}
        return _("Option %(option)s can never be part of a valid build.") % {
            "option": names.option(finding.option)
        }
    if code == "option_undecided":
        return _(
            "Whether option %(option)s fits in a valid build could not be settled in time, so it "
            "stays on offer. Rules involved: %(rules)s."
        ) % {"option": names.option(finding.option), "rules": ", ".join(finding.detail) or "-"}
    if code == "option_not_pictured":
        return _(
            "Option %(option)s has no layer in any view, so choosing it does not change the picture. "
            "Upload a layer for it in at least one view."
        ) % {"option": names.option(finding.option)}
    if code == "snapshot_invalid":
        return _("The catalog could not be read: %(error)s") % {"error": "; ".join(finding.detail)}
    return _("The catalog check reported “%(code)s” (rule: %(rule)s, option: %(option)s).") % {
        "code": code, "rule": finding.rule or "—", "option": finding.option or "—",
    }


def unreachable_recomputed_message(result: UnreachableRecomputed) -> str:
    """What recomputing a version's unreachable options changed (services.unreachable), in words."""
    version = f"{result.version.product.slug} v{result.version.number}"
    if result.error:
        return _("%(version)s: the catalog could not be read, nothing changed: %(error)s") % {
            "version": version, "error": result.error}
    names = CatalogNames(result.version.snapshot)
    parts = []
    if result.removed:
        parts.append(_("offered again, as a valid complete build holds them: %(options)s") % {
            "options": ", ".join(names.option(key) for key in result.removed)})
    if result.added:
        parts.append(_("no longer offered, as no valid complete build holds them: %(options)s") % {
            "options": ", ".join(names.option(key) for key in result.added)})
    if result.undecided:
        parts.append(_("not settled in time, so left on offer: %(options)s") % {
            "options": ", ".join(names.option(key) for key in result.undecided)})
    if not parts:
        return _("%(version)s: unchanged.") % {"version": version}
    return f"{version}: " + "; ".join(parts) + "."
