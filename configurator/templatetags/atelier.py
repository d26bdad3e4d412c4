"""Template helpers: money in the shopper's locale."""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from configurator.lru import LRU

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
    """The save form's state: the build to save, and whether it can be. Every click changes it,
    so it is plain markup rather than a template (an htmx update assembles it directly)."""
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


@register.simple_tag
def digest_input(digest: str, oob: bool = False) -> SafeString:
    """The page's digest (see studio.Sketch.digest), which htmx sends back with each click."""
    return format_html('<input type="hidden" id="page-digest" name="_d" value="{}"{}>', digest,
                       mark_safe(' hx-swap-oob="true"' if oob else ""))  # noqa: S308 (constant markup)


def memo_key(*keys) -> tuple:
    """The key {% memo keys… %} remembers a fragment under: the active language, then the keys."""
    return (get_language(), *keys)


# Rendered fragments by (language, keys); see {% memo %}.
fragments: LRU[str] = LRU(4096)


class MemoNode(template.Node):
    def __init__(self, nodelist, keys) -> None:
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context) -> str:
        key = memo_key(*(k.resolve(context) for k in self.keys))
        return fragments.get(key, lambda: self.nodelist.render(context))


@register.tag
def memo(parser, token):
    """{% memo key1 key2 … %}…{% endmemo %}: render the block once per (language, keys) in this
    process, like {% cache %} without a cache server. Only for blocks whose output the keys (and
    the active language) fully determine: no CSRF tokens, no per-shopper data."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% memo %} needs at least one key")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, [parser.compile_filter(bit) for bit in bits])
