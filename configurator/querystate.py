"""A build's selections in a URL query, so that configurator pages, previews, reload and the
back button all work from the address alone.

    ?trim=electric&wheels=w17&packs=family&packs=tech&badge=MAX

A multiple-choice step always appears (an empty value means "none chosen"), so unticking every
option survives a round trip. Unknown keys are ignored, not errors: a URL is shopper input.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from configurator.engine import Catalog

RESERVED = {"b", "utm_source", "utm_medium", "utm_campaign", "ref"}


def plain_from_query(cat: Catalog, query: QueryDict) -> dict[str, Any]:
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


def query_from_plain(cat: Catalog, plain: dict[str, Any]) -> str:
    """The canonical query for normalized selections (the same build gives the same string)."""
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
    return urlencode(pairs)
