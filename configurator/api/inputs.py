"""Hand-rolled parsing for the hottest endpoint (every option click posts a quote).

DRF serializers cost more per request than the whole engine does for a demo product, so the
quote input is checked here with the same messages; `serializers.QuoteInput` documents it.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from configurator.engine import Action

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")


def parse_quote(data: Any) -> tuple[str, dict, Action | None]:
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors: dict[str, Any] = {}
    product = data.get("product")
    if not isinstance(product, str) or not SLUG.match(product):
        errors["product"] = [_("Give the product's slug.")]
    selections = data.get("selections")
    if selections is None:
        selections = {}
    elif not isinstance(selections, dict):
        errors["selections"] = [_("Selections must be an object of step codes.")]
    action = None
    raw = data.get("action")
    if raw is not None:
        action = _action(raw, errors)
    if errors:
        raise ValidationError(errors)
    return product, selections, action


def _action(raw: Any, errors: dict) -> Action | None:
    if not isinstance(raw, dict):
        errors["action"] = [_("The action must be an object with a group and an option.")]
        return None
    group, option, selected = raw.get("group"), raw.get("option"), raw.get("selected", True)
    problems = {}
    if not isinstance(group, str) or not 0 < len(group) <= 40:
        problems["group"] = [_("Give the step's code.")]
    if option is not None and (not isinstance(option, str) or len(option) > 40):
        problems["option"] = [_("Give an option code, or null.")]
    if not isinstance(selected, bool):
        problems["selected"] = [_("Must be true or false.")]
    if problems:
        errors["action"] = problems
        return None
    return Action(group, option, selected)
