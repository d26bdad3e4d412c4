"""How the experiment report writes its figures (admin, campaign page): a rate as a percentage
and its lift in percentage points, money in euros, the order value index as an index; in the
admin's language (14,58% in Dutch). Missing figures are a dash.

    {{ lift.variant_value|figure:"rate" }}  14.58%
    {{ lift.absolute|lift:"rate" }}         +1.55 pp
    {{ lift.relative|lift:"share" }}        +10.6%
    {{ lift.chance_to_beat_control|figure:"share" }}  60.3%
"""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

register = template.Library()

# unit: (multiplier, decimals, suffix of a figure, suffix of a lift)
UNITS = {
    "rate": (100, 2, "%", " pp"),  # a proportion of shoppers; its lift is in percentage points
    "share": (100, 1, "%", "%"),  # a share or a relative lift
    "eur": (1, 2, "", ""),
    "index": (1, 1, "", ""),
}
DASH = "–"


def _number(value, unit: str, signed: bool) -> str:
    multiplier, decimals, figure_suffix, lift_suffix = UNITS[unit]
    scaled = float(value) * multiplier
    text = number_format(round(scaled, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if not signed:
        return f"{text}{figure_suffix}"
    sign = "+" if scaled > 0 else ""
    if lift_suffix == " pp":
        return gettext("%(value)s pp") % {"value": f"{sign}{text}"}
    return f"{sign}{text}{lift_suffix}"


@register.filter
def figure(value, unit: str) -> str:
    """A measured figure: 14.58% for a rate, 1,377.54 for euros."""
    return DASH if value is None else _number(value, unit, signed=False)


@register.filter
def lift(value, unit: str) -> str:
    """A difference, signed: +1.55 pp for a rate, +637.75 for euros, +10.6% for a relative lift."""
    return DASH if value is None else _number(value, unit, signed=True)
