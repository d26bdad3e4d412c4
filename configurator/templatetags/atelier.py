"""Template helpers: money in the shopper's locale."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _amount(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _eur(amount: Decimal, language: str) -> str:
    """Formatting is the same for the same amount in the same language: remember it."""
    number = number_format(abs(amount), decimal_pos=2, use_l10n=True, force_grouping=True)
    sign = "−" if amount < 0 else ""
    if language.startswith("nl"):
        return f"{sign}€\u00a0{number}"
    return f"{sign}€{number}"


@register.filter
def eur(value) -> str:
    """€24,900.00 in English, € 24.900,00 in Dutch."""
    amount = _amount(value)
    if amount is None:
        return ""
    return _eur(amount, get_language() or "en")


@register.filter
def signed_eur(value) -> str:
    """A price change: +€650.00, −€200.00, or nothing for zero."""
    amount = _amount(value)
    if not amount:
        return ""
    return ("+" if amount > 0 else "") + eur(amount)


@register.simple_tag
def save_state(query: str, valid: bool, oob: bool = False) -> SafeString:
    """The save form's state: the build to save, and whether it can be (the studio's `save`
    partial; `oob` when an htmx update swaps it out of band)."""
    return format_html(
        '<div class="save-state" id="save-state"{}>\n  <input type="hidden" name="state" value="{}">\n'
        '  <button type="submit"{}>{}</button>\n</div>',
        # The two attribute snippets are constant markup: format_html would escape their quotes.
        mark_safe(' hx-swap-oob="true"' if oob else ""), query,  # noqa: S308
        mark_safe("" if valid else ' disabled aria-disabled="true"'), _("Save"),  # noqa: S308
    )


@register.simple_tag
def once_input() -> SafeString:
    """A form's one-time token (configurator/idempotency.py): a retried post of the form saves
    or orders once and gets the first answer."""
    from configurator.idempotency import FORM_FIELD, form_token_new

    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, form_token_new())
