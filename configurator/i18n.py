"""Catalog text lives in one column per language (`name_en`, `name_nl`)."""

from django.utils import translation

LANGUAGE_CODES = ("en", "nl")


def current_language() -> str:
    lang = (translation.get_language() or "en")[:2]
    return lang if lang in LANGUAGE_CODES else "en"


def activate_query_language(request) -> str:
    """Pages without a language prefix (a shared design, its card) speak the visitor's language;
    `?lang=nl` asks for one, as the link from a Dutch page does. Activated for the rest of the
    request, so the response's Content-Language says it too. Returns the language in use."""
    code = request.GET.get("lang", "")
    if code in LANGUAGE_CODES:
        translation.activate(code)
        request.LANGUAGE_CODE = code
    return current_language()


def pick(texts: dict[str, str] | None, lang: str | None = None) -> str:
    """The text for `lang` (default: the active language), falling back to English."""
    if not texts:
        return ""
    lang = lang or current_language()
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


class LocalizedMixin:
    def localized(self, field: str, lang: str | None = None) -> str:
        return pick({code: getattr(self, f"{field}_{code}", "") for code in LANGUAGE_CODES}, lang)

    def texts(self, field: str) -> dict[str, str]:
        return {code: getattr(self, f"{field}_{code}", "") or "" for code in LANGUAGE_CODES}
