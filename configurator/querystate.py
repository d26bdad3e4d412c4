"""A build's selections in a URL query, so that configurator pages, previews, reload and the
back button all work from the address alone.

    ?trim=electric&wheels=w17&packs=family&packs=tech&badge=MAX

A multiple-choice step always appears (an empty value means "none chosen"), so unticking every
option survives a round trip. Unknown keys are ignored, not errors: a URL is shopper input.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict

from configurator.engine import Catalog


class Query(dict):
    """A parsed query string, read like a QueryDict (get: the last value; getlist) but made
    without its per-value bookkeeping: every studio click parses two of them."""

    def get(self, key, default=None):
        values = dict.get(self, key)
        return values[-1] if values else default

    def getlist(self, key) -> list[str]:
        return list(dict.get(self, key, ()))

    def urlencode(self) -> str:
        return urlencode([(key, value) for key, values in self.items() for value in values])


def parse_query(text: str) -> Query:
    """`text` (a URL's query) parsed; more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS is a 400,
    as for any Django request."""
    query = Query()
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is not None and text and text.count("&") + 1 > limit:
        raise TooManyFieldsSent("The number of GET parameters exceeded DATA_UPLOAD_MAX_NUMBER_FIELDS.")
    for pair in text.split("&") if text else ():
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:  # as parse_qsl(keep_blank_values=True, errors="replace")
            key = unquote(key.replace("+", " "), errors="replace")
            value = unquote(value.replace("+", " "), errors="replace")
        query.setdefault(key, []).append(value)
    return query


def plain_from_query(cat: Catalog, query: QueryDict | Query) -> dict[str, Any]:
    """Raw selections (still to be normalized by the engine) from a query."""
    raw: dict[str, Any] = {}
    for group in cat.groups:
        if group.code not in query:
            continue
        if group.kind == "multi":
            raw[group.code] = [v for v in query.getlist(group.code) if v][: len(group.options)]
        elif group.kind == "text":
            raw[group.code] = query.get(group.code, "")[:200]
        else:
            raw[group.code] = query.get(group.code) or None
    return raw


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*\Z")  # what urlencode leaves as it is


def _pair(key: str, value: str) -> str:
    if _PLAIN.match(key) and _PLAIN.match(value):
        return f"{key}={value}"
    return urlencode([(key, value)])


def query_from_plain(cat: Catalog, plain: dict[str, Any]) -> str:
    """The canonical query for normalized selections (the same build gives the same string:
    exactly what urlencode would make, without quoting codes that need none)."""
    pairs: list[tuple[str, str]] = []
    for group in cat.groups:
        value = plain.get(group.code)
        if group.kind == "multi":
            values = sorted(value or [])
            pairs.extend((group.code, v) for v in values) if values else pairs.append((group.code, ""))
        elif group.kind == "text":
            if value:
                pairs.append((group.code, value))
        else:
            pairs.append((group.code, value or ""))
    return "&".join(_pair(key, value) for key, value in pairs)
