"""Engine results in the shopper's language.

The engine speaks in codes and masks; this module words them with Django's i18n and the
catalog's own texts, for the API and the pages alike.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from configurator.engine import Action, Catalog, Change, Issue, Quote, Repair, Violation, option_status
from configurator.engine.catalog import AVAILABILITY, EXCLUDES, REQUIRES, RuleDef, iter_bits
from configurator.i18n import pick


def issue_message(issue: Issue) -> str:
    params = dict(issue.params)
    messages = {
        "not_an_object": _("Selections must be an object of step codes."),
        "unknown_group": _("There is no such step."),
        "unknown_option": _("There is no option “%(option)s” in this step."),
        "expected_option": _("Choose one option code, or null."),
        "expected_option_list": _("Give a list of option codes."),
        "expected_text": _("Give the personal text as a string."),
        "text_too_long": _("The text is longer than %(max)s characters."),
        "text_step_has_no_option": _("A personal text step has no options to click."),
    }
    return messages.get(issue.code, _("This value is not valid.")) % params


def errors_payload(errors: dict[str, list[Issue]]) -> dict[str, list[str]]:
    return {field: [issue_message(i) for i in issues] for field, issues in errors.items()}


def option_name(cat: Catalog, index: int) -> str:
    return pick(cat.options[index].name)


def group_name(cat: Catalog, code: str) -> str:
    return pick(cat.group_by_code[code].name)


def names(cat: Catalog, mask: int) -> str:
    return ", ".join(option_name(cat, i) for i in iter_bits(mask))


def option_key_name(cat: Catalog, key: str) -> str:
    option = cat.option_by_key.get(key)
    return pick(option.name) if option else key


def conflict_reason(cat: Catalog, rule: RuleDef, blockers: int) -> str:
    """Why an option needs a repair, e.g. "Not with Electric: 18-inch wheels don't fit the battery"."""
    explanation = pick(rule.explanation)
    if not blockers:
        return explanation
    who = names(cat, blockers)
    if rule.kind == EXCLUDES:
        return _("Not with %(options)s: %(why)s") % {"options": who, "why": explanation}
    if rule.kind in (REQUIRES, AVAILABILITY):
        return _("Depends on %(options)s: %(why)s") % {"options": who, "why": explanation}
    return explanation


def violation_message(cat: Catalog, violation: Violation) -> str:
    if violation.kind == "rule":
        rule = next(r for r in cat.rules if r.code == violation.rule)
        return pick(rule.explanation)
    if violation.kind == "group_max":
        count = int(violation.detail)
        return ngettext(
            "Choose at most %(count)s option in “%(step)s”.",
            "Choose at most %(count)s options in “%(step)s”.",
            count,
        ) % {"count": count, "step": group_name(cat, violation.group)}
    if violation.kind == "unavailable":
        return _("%(option)s is not available.") % {"option": option_key_name(cat, violation.options[0])}
    if violation.kind == "text_length":
        count = int(violation.detail)
        return ngettext(
            "Use at most %(count)s character.", "Use at most %(count)s characters.", count
        ) % {"count": count}
    if violation.kind == "text_chars":
        return _("These characters are not allowed: %(chars)s") % {"chars": violation.detail}
    return _("This build is not valid.")


def _change_text(cat: Catalog, change: Change) -> str:
    group = cat.group_by_code[change.group]

    def label(codes: tuple[str, ...]) -> str:
        if not codes:
            return _("none")
        return ", ".join(pick(cat.option_in(group, c).name) for c in codes)

    return _("your %(step)s from %(before)s to %(after)s") % {
        "step": pick(group.name).lower(), "before": label(change.before), "after": label(change.after),
    }


def repair_message(cat: Catalog, repair: Repair, action: Action | None) -> str:
    """e.g. "Choosing Electric will change your wheels from 18-inch Sport to 17-inch Aero."."""
    changes = "; ".join(_change_text(cat, c) for c in repair.changes)
    if action is not None and action.option is not None:
        group = cat.group_by_code.get(action.group)
        option = cat.option_in(group, action.option) if group else None
        if option is not None:
            verb = _("Choosing %(option)s") if action.selected else _("Removing %(option)s")
            return _("%(doing)s will change %(changes)s.") % {
                "doing": verb % {"option": pick(option.name)}, "changes": changes,
            }
    return _("To make this build valid, Atelier will change %(changes)s.") % {"changes": changes}


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def price_label(cat: Catalog, kind: str | None, group: str | None, option: str | None, rule: str | None,
                fallback: str = "") -> str:
    """The label of one price line, in the active language."""
    if kind == "base":
        return _("Base price")
    if kind == "option":
        return option_key_name(cat, f"{group}.{option}")
    if kind == "text" and group in cat.group_by_code:
        return f"{_('Personal text')}: {group_name(cat, group)}"
    if kind == "rule":
        found = next((r for r in cat.rules if r.code == rule), None)
        return pick(found.explanation) if found else fallback
    return fallback


def price_payload(cat: Catalog, price) -> dict[str, Any]:
    lines = [
        {
            "kind": line.kind, "label": price_label(cat, line.kind, line.group, line.option, line.rule),
            "amount": money(line.amount), "group": line.group, "option": line.option, "rule": line.rule,
        }
        for line in price.lines
    ]
    return {"currency": price.currency, "lines": lines, "total": money(price.total)}


def relabel_price(cat: Catalog, price: dict[str, Any]) -> dict[str, Any]:
    """A frozen price breakdown with its labels in the active language (amounts untouched)."""
    lines = [
        {**line, "label": price_label(cat, line.get("kind"), line.get("group"), line.get("option"),
                                      line.get("rule"), line.get("label", ""))}
        for line in price.get("lines", [])
    ]
    return {**price, "lines": lines}


def availability_payload(cat: Catalog, quote: Quote) -> dict[str, dict[str, Any]]:
    avail = quote.availability
    reasons = avail.reasons()
    out: dict[str, dict[str, Any]] = {}
    for option in cat.options:
        if cat.groups[option.group].kind == "text":
            continue
        status = option_status(avail, option.index)
        entry: dict[str, Any] = {"status": status}
        if status == "conflict":
            why = [conflict_reason(cat, rule, blockers) for rule, blockers in reasons.get(option.index, [])]
            if option.group in avail.full_groups:
                max_count = cat.groups[option.group].max_count
                why.append(ngettext(
                    "You can choose at most %(count)s option here.",
                    "You can choose at most %(count)s options here.", max_count,
                ) % {"count": max_count})
            entry["reasons"] = why
            entry["rules"] = [rule.code for rule, _ in reasons.get(option.index, [])]
        elif status == "unavailable":
            entry["reasons"] = [
                _("Not available right now.") if not option.available
                else _("Cannot be combined with the rest of the collection.")
            ]
        out[option.key] = entry
    return out


def violations_payload(cat: Catalog, violations) -> list[dict[str, Any]]:
    return [
        {
            "kind": v.kind, "step": v.group, "rule": v.rule, "options": list(v.options),
            "message": violation_message(cat, v),
        }
        for v in violations
    ]


def repair_payload(cat: Catalog, repair: Repair | None, action: Action | None) -> dict[str, Any] | None:
    if repair is None:
        return None
    from configurator.engine import to_plain

    return {
        "message": repair_message(cat, repair, action),
        "changes": [
            {"step": c.group, "from": list(c.before), "to": list(c.after)} for c in repair.changes
        ],
        "fixes": violations_payload(cat, repair.causes),
        "selections": to_plain(cat, repair.state),
        "price": price_payload(cat, repair.evaluation.price),
        "valid": repair.evaluation.valid,
    }


def _value_label(cat: Catalog, code: str, value) -> str:
    group = cat.group_by_code.get(code)
    if group is None or value in (None, "", []):
        return ""
    if group.kind == "text":
        return f"“{value}”"
    values = value if isinstance(value, list) else [value]
    return ", ".join(pick(o.name) if (o := cat.option_in(group, v)) else v for v in values)


def diff_payload(cat_before: Catalog, cat_after: Catalog, before: dict, after: dict) -> list[dict[str, Any]]:
    """What changed between two plain selections, possibly across catalog versions."""
    out = []
    for code in dict.fromkeys([*before, *after]):
        if before.get(code) == after.get(code):
            continue
        out.append({
            "step": code,
            "from": before.get(code),
            "to": after.get(code),
            "from_label": _value_label(cat_before, code, before.get(code)),
            "to_label": _value_label(cat_after, code, after.get(code)),
            "step_name": pick(cat_after.group_by_code[code].name) if code in cat_after.group_by_code
            else pick(cat_before.group_by_code[code].name),
        })
    return out
