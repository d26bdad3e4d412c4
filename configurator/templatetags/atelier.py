"""Template helpers: money in the shopper's locale."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

register = template.Library()


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@register.filter
def eur(value) -> str:
    """€24,900.00 in English, € 24.900,00 in Dutch."""
    amount = _amount(value)
    if amount is None:
        return ""
    number = number_format(abs(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    sign = "−" if amount < 0 else ""
    if (get_language() or "en").startswith("nl"):
        return f"{sign}€\u00a0{number}"
    return f"{sign}€{number}"


@register.filter
def signed_eur(value) -> str:
    """A price change: +€650.00, −€200.00, or nothing for zero."""
    amount = _amount(value)
    if not amount:
        return ""
    return ("+" if amount > 0 else "") + eur(amount)
