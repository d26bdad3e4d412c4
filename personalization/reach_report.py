"""The reach and credit report: where visits to shared designs come from (per channel and per
product), what they lead to (remixes, remixes their makers saved, orders), per motivation of the
sharer, and the shared designs that led to most orders down their chains of remixes.

Read from the reach rollup (personalization.services.reach): rows per day, shared design and
channel. Filters: the date range (the day of the visit), the product, and the segment of the
sharer. Rates are per visit, with 95% Wilson intervals; a visit counts once per visitor, design
and day. Credit down a chain of remixes follows personalization.reach.chain_credit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.models import Build
from personalization.charts import ChartSpec, Series
from personalization.models import Profile, ReachRollup, SegmentMembership
from personalization.reach import CHAIN_DECAY, DIRECT, MAX_CHAIN, NOT_RECORDED, SITE, chain_credit
from personalization.services.reach import ATTRIBUTION_DAYS
from personalization.stats import wilson_interval

if TYPE_CHECKING:  # reports.py registers this report: it imports the report types at run time only
    from personalization.reports import Filters, Report, Table

TOP_DESIGNS = 25
CHANNEL_NAMES = {
    "x": "X", "facebook": "Facebook", "instagram": "Instagram", "pinterest": "Pinterest", "whatsapp": "WhatsApp",
    "linkedin": "LinkedIn", "reddit": "Reddit", "tiktok": "TikTok", "telegram": "Telegram", "google": "Google",
    "bing": "Bing", "duckduckgo": "DuckDuckGo", "email": gettext_lazy("E-mail"), "copy": gettext_lazy("Copied link"),
    "native": gettext_lazy("Share sheet (phone)"), "embed": gettext_lazy("Embed on another site"),
    SITE: gettext_lazy("This site"), DIRECT: gettext_lazy("Direct (no source)"),
    NOT_RECORDED: gettext_lazy("Not recorded (no analytics consent)"),
}
COUNTS = ("visits", "remixed", "saved", "ordered", "remixes", "orders", "revenue")
CHANNEL_COLOURS = ("#5b6ee1", "#2f9e6e", "#e07a3f")


def channel_name(code: str) -> str:
    return str(CHANNEL_NAMES.get(code, code))


def _rows(f: Filters, *, segment: bool = True) -> QuerySet:
    qs = ReachRollup.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.product:
        qs = qs.filter(product_id=f.product)
    if f.segment and segment:
        qs = qs.filter(share__owner_key__in=_members(f))
    return qs


def _members(f: Filters) -> QuerySet:
    return SegmentMembership.objects.filter(segment_id=f.segment).values("shopper_id")


def _sums() -> dict:
    return {name: Sum(name) for name in COUNTS}


def _rate(hits: int, n: int) -> list[float | str]:
    """A rate per visit in percent and its 95% Wilson interval (blank without visits)."""
    if not n:
        return ["", "", ""]
    hits = min(hits, n)
    low, high = wilson_interval(hits, n)
    return [round(100 * hits / n, 2), round(100 * low, 2), round(100 * high, 2)]


def _rate_headers() -> list[str]:
    headers = []
    for name in (_("Remix rate"), _("Save rate"), _("Order rate")):
        headers += [_("%(rate)s (%%)") % {"rate": name}, _("%(rate)s 95%% low (%%)") % {"rate": name},
                    _("%(rate)s 95%% high (%%)") % {"rate": name}]
    return headers


def _count_headers() -> list[str]:
    return [_("Visits"), _("Visits with a remix"), _("… and the remix saved"), _("Visits with an order")]


def _cells(r: dict) -> list:
    visits = r["visits"] or 0
    return [visits, r["remixed"] or 0, r["saved"] or 0, r["ordered"] or 0,
            *_rate(r["remixed"] or 0, visits), *_rate(r["saved"] or 0, visits), *_rate(r["ordered"] or 0, visits),
            r["remixes"] or 0, r["orders"] or 0, (r["revenue"] or Decimal(0)).quantize(Decimal("0.01"))]


def _tail_headers() -> list[str]:
    return [_("Remixes"), _("Orders"), _("Revenue (EUR)")]


def _channel_order(found: list[dict]) -> list[dict]:
    """Most visits first; the row of remixes without a recorded visit last."""
    return sorted(found, key=lambda r: (r["channel"] == NOT_RECORDED, -(r["visits"] or 0), -(r["remixes"] or 0),
                                        channel_name(r["channel"])))


# ---------------------------------------------------------------- credit down the chains


@dataclass
class _Credit:
    remixes: float = 0.0
    orders: float = 0.0
    chain_orders: int = 0  # orders further down (credited less than in full)


@dataclass
class _Chains:
    credit: dict[uuid.UUID, _Credit] = field(default_factory=lambda: defaultdict(_Credit))


def _parents(shares: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each design's source (the design it was remixed from), up every chain: a query a level."""
    parents: dict[uuid.UUID, uuid.UUID | None] = {}
    wanted = set(shares)
    for _level in range(MAX_CHAIN):
        wanted -= set(parents)
        if not wanted:
            break
        found = dict(Build.objects.filter(pk__in=wanted).values_list("pk", "remixed_from_id"))
        parents.update({pk: found.get(pk) for pk in wanted})
        wanted = {p for p in found.values() if p}
    return parents


def chains(direct: dict[uuid.UUID, tuple[int, int]]) -> dict[uuid.UUID, _Credit]:
    """Per design, its credited remixes and orders: `direct` (design -> its own remixes and
    orders) spread up each chain by chain_credit, and the orders that reached it from further down."""
    parents = _parents({share for share, (remixes, orders) in direct.items() if remixes or orders})
    credit: dict[uuid.UUID, _Credit] = defaultdict(_Credit)
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


# ---------------------------------------------------------------- the report


def reach(f: Filters) -> Report:
    from personalization.reports import Report, Table, _motivations, _product_names

    m, products = _motivations(), _product_names()
    rows = _rows(f)
    counts = [*_count_headers(), *_rate_headers(), *_tail_headers()]

    per_channel = _channel_order(list(rows.values("channel").annotate(**_sums()).order_by()))
    by_channel = Table("by-channel", _("Reach per channel"), [_("Channel"), *counts],
                       [[channel_name(r["channel"]), *_cells(r)] for r in per_channel])
    order = {r["channel"]: i for i, r in enumerate(per_channel)}
    per_product = sorted(rows.values("channel", "product_id").annotate(**_sums()).order_by(),
                         key=lambda r: (order.get(r["channel"], 0), products.get(r["product_id"], "")))
    by_product = Table("by-channel-product", _("Reach per channel and product"), [_("Channel"), _("Product"), *counts],
                       [[channel_name(r["channel"]), products.get(r["product_id"], "?"), *_cells(r)]
                        for r in per_product])

    # Credit climbs every chain, whoever shared the designs below: the segment picks whose designs show.
    per_share = {r["share_id"]: r for r in _rows(f, segment=False).values("share_id").annotate(**_sums()).order_by()}
    credit = chains({share: (r["remixes"] or 0, r["orders"] or 0) for share, r in per_share.items()})
    shown = _shown(f, set(credit))
    by_motivation = _motivation_table(rows, {s: c for s, c in credit.items() if s in shown}, shown, m)
    top = _top_designs(per_share, credit, shown, products, m)

    charted = [r for r in per_channel if r["channel"] != NOT_RECORDED][:12]
    charts = [
        ChartSpec("bar", _("Visits per channel"),
                  _("Visits to shared designs' pages per channel (a visitor once a day), and those followed by a "
                    "remix and by an order."),
                  [channel_name(r["channel"]) for r in charted],
                  [Series(label, [r[key] or 0 for r in charted], CHANNEL_COLOURS[i]) for i, (key, label) in
                   enumerate((("visits", _("Visits")), ("remixed", _("Visits with a remix")),
                              ("ordered", _("Visits with an order"))))]),
        ChartSpec("bar", _("Order rate per channel"),
                  _("Visits followed by an order, as a percentage of the channel's visits."),
                  [channel_name(r["channel"]) for r in charted],
                  [Series(_("Order rate"), [_rate(r["ordered"] or 0, r["visits"] or 0)[0] or 0 for r in charted],
                          CHANNEL_COLOURS[1])], unit="%"),
    ]
    return Report("reach", _("Reach and credit"),
                  _("Where visits to shared designs come from, what they lead to, and which sharers and designs "
                    "led to orders."), [by_channel, by_product, by_motivation, top], charts, notes())


def _shown(f: Filters, shares: set[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The credited designs the filters show (shared, of the product, by a sharer in the segment),
    with their name, share code, product and the sharer's dominant motivation today."""
    builds = Build.objects.filter(pk__in=shares, shared_at__isnull=False)
    if f.product:
        builds = builds.filter(product_id=f.product)
    if f.segment:
        builds = builds.filter(owner_key__in=_members(f))
    found = {b["pk"]: b for b in builds.values("pk", "name", "share_code", "product_id", "owner_key")}
    dominant = dict(Profile.objects.filter(shopper_id__in={b["owner_key"] for b in found.values()},
                                           dominant__isnull=False).values_list("shopper_id", "dominant__code"))
    for b in found.values():
        b["motivation"] = dominant.get(b["owner_key"], "")
    return found


def _motivation_table(rows: QuerySet, credit: dict[uuid.UUID, _Credit], shown: dict[uuid.UUID, dict], m) -> Table:
    from personalization.reports import Table

    found = {r["sharer_motivation"]: r for r in rows.values("sharer_motivation").annotate(**_sums()).order_by()}
    designs: dict[str, set] = defaultdict(set)
    for code, share in rows.values_list("sharer_motivation", "share_id").distinct():
        designs[code].add(share)
    credited: dict[str, list[_Credit]] = defaultdict(list)
    for share, c in credit.items():
        credited[shown[share]["motivation"]].append(c)
    table = Table("by-motivation", _("Reach per motivation of the sharer"), [
        _("Sharer's motivation"), _("Shared designs visited or remixed"), *_count_headers(), *_rate_headers(),
        *_tail_headers(), _("Credited remixes (whole chain)"), _("Credited orders (whole chain)"),
    ], [])
    empty = dict.fromkeys(COUNTS, 0)
    for code in m.sort(set(found) | set(credited)):
        table.rows.append([m.name(code), len(designs[code]), *_cells(found.get(code, empty)),
                           round(sum(c.remixes for c in credited[code]), 2),
                           round(sum(c.orders for c in credited[code]), 2)])
    return table


def _top_designs(per_share: dict, credit: dict[uuid.UUID, _Credit], shown: dict[uuid.UUID, dict], products,
                 m) -> Table:
    from personalization.reports import Table

    ranked = sorted((s for s in shown if credit[s].orders or credit[s].remixes),
                    key=lambda s: (-credit[s].orders, -credit[s].remixes, str(s)))
    table = Table("top-designs", _("Shared designs that led to most orders"), [
        _("Design"), _("Share code"), _("Product"), _("Sharer's motivation"), _("Visits"), _("Remixes"),
        _("Orders of its remixes"), _("Orders further down the chain"), _("Credited orders (whole chain)"),
        _("Credited remixes (whole chain)"), _("Revenue of its remixes (EUR)"),
    ], [])
    for share in ranked[:TOP_DESIGNS]:
        b, own, c = shown[share], per_share.get(share) or {}, credit[share]
        table.rows.append([
            b["name"] or str(share)[:8], b["share_code"], products.get(b["product_id"], "?"), m.name(b["motivation"]),
            own.get("visits") or 0, own.get("remixes") or 0, own.get("orders") or 0, c.chain_orders,
            round(c.orders, 2), round(c.remixes, 2), (own.get("revenue") or Decimal(0)).quantize(Decimal("0.01")),
        ])
    return table


def notes() -> list[str]:
    return [
        _("A visit is a visitor's first view of a shared design's page on a day, recorded only for visitors who "
          "allow analytics. Its channel is the link's utm_source, else the site it came from (t.co is X, "
          "l.facebook.com is Facebook, and so on), else Direct."),
        _("A remix, a remix its maker saved and an order count for the maker's last visit to that design's page "
          "before the remix, within %(days)s days; orders within %(days)s days of that visit. Remixes whose maker's "
          "visit was not recorded count under Not recorded, on the day of the remix.") % {"days": ATTRIBUTION_DAYS},
        _("Credit down a chain of remixes: a remix or an order counts in full for the design it was remixed from, "
          "%(half)s for that design's own source, %(quarter)s for the one above, and so on. The credited figures "
          "rank designs and sharers; they add up to more than the orders there are.")
        % {"half": f"{CHAIN_DECAY:g}", "quarter": f"{CHAIN_DECAY ** 2:g}"},
        _("Rates are per visit with a 95% Wilson interval. The sharer's motivation is their dominant one today; "
          "the segment filter applies to the sharer."),
    ]
