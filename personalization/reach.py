"""Reach and credit of shared designs, pure: which channel a visit to a share page came through,
and how an order (or a remix) down a chain of remixes is credited to the designs above it.

Channel: the visit's utm_source when it has one, else the site of its referrer, else "direct".
Known sources and sites are named alike (t.co, x.com and utm_source=twitter are all "x"); any
other site is its host name without "www.", "m." or "l.", so a blog that links a design shows up
under its own name.

Credit along a remix chain: a remix, a saved remix or an order counts in full (1) for the design
it was remixed from, its direct source, and half as much for each design further up the chain:
1/2 for the source's own source, 1/4 for the one above, and so on (CHAIN_DECAY). Full credit to
the direct source keeps every design's own numbers whole (what its page led to); the decaying
share tells the designs that started a chain that they did, without letting a long chain make an
old design look better than the one people actually saw. Credited figures therefore add up to
more than the orders there are: they rank designs, they are not a split of revenue.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

DIRECT = "direct"
SITE = "site"  # a link on this site itself (another share page's "Remixed from")
NOT_RECORDED = ""  # a remix whose visit was not recorded (no analytics consent): no channel
CHAIN_DECAY = 0.5
MAX_CHAIN = 20  # ancestors followed up a chain of remixes

# utm_source values as people and tools write them -> the channel.
SOURCE_ALIASES = {
    "twitter": "x", "x.com": "x", "t.co": "x", "tweet": "x",
    "fb": "facebook", "facebook.com": "facebook", "meta": "facebook", "messenger": "facebook",
    "ig": "instagram", "insta": "instagram", "instagram.com": "instagram",
    "pin": "pinterest", "pinterest.com": "pinterest",
    "wa": "whatsapp", "whatsapp.com": "whatsapp",
    "mail": "email", "e-mail": "email", "newsletter": "email",
    "li": "linkedin", "linkedin.com": "linkedin",
    "tiktok.com": "tiktok", "tg": "telegram",
}
# Referrer hosts (after dropping "www.") -> the channel; a key ending in "." matches any TLD.
HOST_CHANNELS = {
    "t.co": "x", "x.com": "x", "twitter.com": "x", "mobile.twitter.com": "x", "mobile.x.com": "x",
    "facebook.com": "facebook", "l.facebook.com": "facebook", "lm.facebook.com": "facebook",
    "m.facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook", "messenger.com": "facebook",
    "l.messenger.com": "facebook",
    "instagram.com": "instagram", "l.instagram.com": "instagram",
    "pinterest.": "pinterest", "pin.it": "pinterest",
    "wa.me": "whatsapp", "whatsapp.com": "whatsapp", "web.whatsapp.com": "whatsapp", "api.whatsapp.com": "whatsapp",
    "chat.whatsapp.com": "whatsapp",
    "linkedin.com": "linkedin", "lnkd.in": "linkedin",
    "reddit.com": "reddit", "out.reddit.com": "reddit", "old.reddit.com": "reddit",
    "tiktok.com": "tiktok", "t.me": "telegram", "web.telegram.org": "telegram",
    "google.": "google", "bing.com": "bing", "duckduckgo.com": "duckduckgo",
}
_CLEAN = re.compile(r"[^a-z0-9._-]+")
MAX_LENGTH = 60


def _host(value: str) -> str:
    """The site of a host name: lower case, without one "www.", "m.", "l." or "lm." in front."""
    host = value.strip().lower().rstrip(".")
    for prefix in ("www.", "m.", "l.", "lm."):
        if host.startswith(prefix) and "." in host[len(prefix):]:
            return host[len(prefix):]
    return host


def _known_host(host: str) -> str | None:
    if host in HOST_CHANNELS:
        return HOST_CHANNELS[host]
    for key, channel in HOST_CHANNELS.items():
        # pinterest.com, pinterest.co.uk, nl.pinterest.com, google.nl, …
        if key.endswith(".") and (host.startswith(key) or f".{key}" in f".{host}"):
            return channel
    for key, channel in HOST_CHANNELS.items():
        if not key.endswith(".") and host.endswith("." + key):  # a subdomain of a known site
            return channel
    return None


def channel_of(utm_source: str | None, referrer: str | None, own_host: str = "") -> str:
    """The channel of one visit: UTM source, else the referrer's site, else "direct"."""
    source = _CLEAN.sub("-", (utm_source or "").strip().lower()).strip("-._")[:MAX_LENGTH]
    if source:
        return SOURCE_ALIASES.get(source) or _known_host(source) or source
    host = _host(referrer or "")
    host = _CLEAN.sub("", host)[:MAX_LENGTH]
    if not host:
        return DIRECT
    if own_host and host == _host(own_host):
        return SITE
    return _known_host(host) or host


def clean_channel(value: object) -> str | None:
    """A channel read back from a stored event: the same alphabet and length, else None."""
    if not isinstance(value, str):
        return None
    cleaned = _CLEAN.sub("-", value.strip().lower()).strip("-._")[:MAX_LENGTH]
    return cleaned or None


def chain_credit(ancestors: Iterable[object]) -> list[tuple[object, float]]:
    """(design, credit) for the designs a remix or order credits: its direct source first (1),
    then each one further up (CHAIN_DECAY times the one below), at most MAX_CHAIN of them and
    each once (a chain that loops stops where it would repeat)."""
    credited, seen, weight = [], set(), 1.0
    for design in ancestors:
        if design in seen or len(credited) >= MAX_CHAIN:
            break
        seen.add(design)
        credited.append((design, weight))
        weight *= CHAIN_DECAY
    return credited


@dataclass
class Credit:
    remixes: float = 0.0
    orders: float = 0.0
    chain_orders: int = 0  # orders further down (credited less than in full)


def spread(direct: dict[uuid.UUID, tuple[int, int]], parents: dict[uuid.UUID, uuid.UUID | None]
           ) -> dict[uuid.UUID, Credit]:
    """Per design, its credited remixes and orders: `direct` (design -> its own remixes and
    orders) spread up each chain (`parents`: design -> its source) by chain_credit, and the
    orders that reached it from further down."""
    credit: dict[uuid.UUID, Credit] = defaultdict(Credit)
    for share, (remixes, orders) in direct.items():
        line, at = [], share
        while at is not None and len(line) < MAX_CHAIN:
            line.append(at)
            at = parents.get(at)
        for design, weight in chain_credit(line):
            credit[design].remixes += weight * remixes
            credit[design].orders += weight * orders
            if weight < 1:
                credit[design].chain_orders += orders
    return credit
