"""Rules for personal text beyond length and characters (which the engine checks): it must fit
its placement in the chosen font, and it must not contain a blocked word. The same checks run
on every keystroke (through the studio), before save and before order."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from configurator.engine import Catalog, State
from configurator.engine.catalog import TEXT
from configurator.lru import LRU
from configurator.models import BlockedWord
from configurator.render.compose import text_fits

BLOCKLIST_KEY = "atelier:blocked-words"
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def fold(text: str) -> str:
    """Lowercase, accents and look-alike digits removed, spaces and punctuation dropped."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(LEET))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


# Every keystroke asks; this process remembers the list for a few seconds
# (ATELIER_LOCAL_CACHE_SECONDS), so a word staff add is enforced everywhere within that time.
_local_words: LRU[frozenset[str]] = LRU(1, ttl=settings.ATELIER_LOCAL_CACHE_SECONDS)


def blocked_words() -> frozenset[str]:
    return _local_words.get(BLOCKLIST_KEY, _shared_blocked_words)


def _shared_blocked_words() -> frozenset[str]:
    words = cache.get(BLOCKLIST_KEY)
    if words is None:
        words = frozenset(fold(w) for w in BlockedWord.objects.values_list("word", flat=True) if fold(w))
        cache.set(BLOCKLIST_KEY, words, 600)
    return words


def forget_blocked_words() -> None:
    cache.delete(BLOCKLIST_KEY)
    _local_words.clear()


def blocked_in(text: str) -> bool:
    folded = fold(text)
    return any(word in folded for word in blocked_words())


def unprintable(text: str) -> bool:
    """Control characters (NUL among them) and lone surrogates: whatever a step's allowed
    characters say, no font draws them and PostgreSQL cannot store a NUL."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def text_problems(cat: Catalog, state: State) -> dict[str, list[str]]:
    """Step code -> what is wrong with its personal text (blocklist, fit)."""
    problems: dict[str, list[str]] = {}
    for group in cat.groups:
        if group.kind != TEXT:
            continue
        text = state.text(group.code)
        if not text:
            continue
        if blocked_in(text):
            problems.setdefault(group.code, []).append(
                _("This text contains a word we cannot print. Please choose something else.")
            )
        if unprintable(text):
            problems.setdefault(group.code, []).append(
                _("This text contains a control character, which cannot be printed.")
            )
        spec = group.text
        if len(text) <= spec.max_length and not text_fits(text, settings.FONT_DIR / spec.font, spec.box):
            problems.setdefault(group.code, []).append(
                _("This text is too wide for its place in this font. Try fewer or narrower characters.")
            )
    return problems
