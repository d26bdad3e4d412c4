"""What a studio click tells: the events between two builds (plain selections) on one catalog
version. Pure: plain data in, plain event dicts out."""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from configurator.engine import MULTI, TEXT, Action, Catalog


def _codes(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]


def new_event_key() -> uuid.UUID:
    """A time-ordered UUID (version 7, RFC 9562): 48 bits of milliseconds, then random bits.
    New keys land at the end of the unique index instead of on a random page of it, which keeps
    the per-click insert cheap on a large event table."""
    millis = time.time_ns() // 1_000_000
    value = (millis & (2**48 - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def event_dict(type_: str, at: datetime, *, product: int | None = None, build: str | None = None,
               group: str = "", option: str = "", properties: dict | None = None, key: str | None = None) -> dict:
    return {
        "key": key or str(new_event_key()), "type": type_, "at": at.isoformat(), "product": product,
        "build": build, "group": group, "option": option, "properties": properties or {},
    }


def choice_events(cat: Catalog, product_id: int, version_id: int, before: dict, after: dict,
                  action: Action | None, at: datetime) -> list[dict]:
    """option_selected (with what it replaced and the price delta: the trade-off), option_removed
    and text_personalized events for every step that differs. A change the shopper did not
    click (a repair moved it) is marked "auto"."""
    events = []
    for group in cat.groups:
        code = group.code
        clicked = action is not None and action.group == code
        if group.kind == TEXT:
            old, new = before.get(code) or "", after.get(code) or ""
            if old != new:
                events.append(event_dict("text_personalized", at, product=product_id, group=code, properties={
                    "length": len(new), "cleared": not new, "version": version_id,
                }))
            continue
        old, new = _codes(before.get(code)), _codes(after.get(code))
        if old == new:
            continue
        prices = {cat.options[i].code: cat.options[i].price for i in group.options}
        offered = [prices[c] for c in prices]
        cheapest = min(offered) if offered else Decimal(0)
        added = [c for c in new if c not in old]
        removed = [c for c in old if c not in new]
        common = {"version": version_id, **({} if clicked else {"auto": True})}
        if group.kind == MULTI:
            for c in added:
                events.append(event_dict("option_selected", at, product=product_id, group=code, option=c, properties={
                    **common, "previous": [], "delta": str(prices.get(c, 0)), "price": str(prices.get(c, 0)),
                    "cheapest": prices.get(c, 0) == cheapest,
                }))
            for c in removed:
                events.append(event_dict("option_removed", at, product=product_id, group=code, option=c, properties={
                    **common, "delta": str(-prices.get(c, 0)),
                }))
            continue
        previous = old[0] if old else None
        if added:
            c = added[0]
            delta = prices.get(c, Decimal(0)) - (prices.get(previous, Decimal(0)) if previous else Decimal(0))
            events.append(event_dict("option_selected", at, product=product_id, group=code, option=c, properties={
                **common, "previous": [previous] if previous else [], "delta": str(delta),
                "price": str(prices.get(c, 0)), "cheapest": prices.get(c, 0) == cheapest,
            }))
        elif previous:
            events.append(event_dict("option_removed", at, product=product_id, group=code, option=previous,
                                     properties={**common, "delta": str(-prices.get(previous, 0))}))
    return events
