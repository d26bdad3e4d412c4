"""Rules for personal text beyond length and characters (which the engine checks): it must fit
its placement in the chosen font, and it must not say a blocked word (the word lists staff edit
in admin, read by the pure matcher in configurator.moderation). The same checks run
on every keystroke (through the studio), before save and before order."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from configurator.engine import Catalog, State
from configurator.engine.catalog import TEXT
from configurator.lru import LRU
from configurator.moderation.matching import Matcher, WordLists
from configurator.render.compose import text_fits
from configurator.selectors import word_lists

BLOCKLIST_KEY = "atelier:word-lists"

# Every keystroke asks; this process remembers the lists for a few seconds
# (ATELIER_LOCAL_CACHE_SECONDS), so a word staff add is enforced everywhere within that time.
_local_matcher: LRU[Matcher] = LRU(1, ttl=settings.ATELIER_LOCAL_CACHE_SECONDS)
_built: list[tuple[WordLists, Matcher]] = []  # the last lists compiled, reused while they are unchanged


def word_matcher() -> Matcher:
    return _local_matcher.get(BLOCKLIST_KEY, _shared_matcher)


def _shared_matcher() -> Matcher:
    lists = cache.get(BLOCKLIST_KEY)
    if lists is None:
        lists = word_lists()
        cache.set(BLOCKLIST_KEY, lists, 600)
    if _built and _built[0][0] == lists:
        return _built[0][1]
    matcher = Matcher(lists)
    _built[:] = [(lists, matcher)]
    return matcher


def forget_blocked_words() -> None:
    cache.delete(BLOCKLIST_KEY)
    _local_matcher.clear()


def blocked_in(text: str) -> bool:
    """Whether the text says something on the blocked list, also in disguise (see
    configurator.moderation.matching). The shopper is told that, never which word."""
    return word_matcher().refuses(text)


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
        fits = all(text_fits(text, settings.FONT_DIR / spec.font, box) for box in spec.boxes)
        if len(text) <= spec.max_length and not fits:
            problems.setdefault(group.code, []).append(
                _("This text is too wide for its place in this font. Try fewer or narrower characters.")
            )
    return problems
