"""The reach and credit report: where visits to shared designs come from (per channel and per
product), what they lead to (remixes, remixes their makers saved, orders), per motivation of the
sharer, and the shared designs that led to most orders down their chains of remixes.

Read from the reach rollup (personalization.services.reach): rows per day, shared design and
channel, and their credit down the chains of remixes (personalization.reach.chain_credit), spread
per day and credited design by the refresh (ReachCredit); the report sums, ranks and keeps the top
designs in SQL. Filters: the date range (the day of the visit), the product, and the segment of
the sharer. Rates are per visit, with 95% Wilson intervals; a visit counts once per visitor,
design and day.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.models import Build
from personalization.charts import ChartSpec, Series
from personalization.models import Profile, ReachCredit, ReachRollup, SegmentMembership
from personalization.reach import CHAIN_DECAY, DIRECT, NOT_RECORDED, SITE
from personalization.services.reach import ATTRIBUTION_DAYS
from personalization.services.reach import chains as chains  # re-exported: the credit walked live
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
# The refresh spreads each day's remixes and orders up the chains (ReachCredit,
# personalization.services.reach.credit_rows); chains() walks the same credit live.


def _credit(f: Filters) -> QuerySet:
    """The credit rows of the days and product, of the designs the filters show: shared (the
    rollup holds no others), of the product (a remix has its source's product, so the row's
    product is the design's), by a sharer in the segment. Credit climbs every chain, whoever
    shared the designs below."""
    qs = ReachCredit.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.product:
        qs = qs.filter(product_id=f.product)
    if f.segment:
        qs = qs.filter(design__owner_key__in=_members(f))
    return qs


def _credit_sums() -> dict:
    return {"remixes": Sum("remixes"), "orders": Sum("orders")}


def _dominant(owner: str) -> Coalesce:
    """The dominant motivation today of the shopper in the outer row's `owner` field ("" if none)."""
    return Coalesce(Subquery(Profile.objects.filter(shopper_id=OuterRef(owner), dominant__isnull=False)
                             .values("dominant__code")[:1]), Value(""))


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

    by_motivation = _motivation_table(f, rows, m)
    top = _top_designs(f, products, m)

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


def _motivation_table(f: Filters, rows: QuerySet, m) -> Table:
    from personalization.reports import Table

    found = {r["sharer_motivation"]: r for r in
             rows.values("sharer_motivation").annotate(designs=Count("share_id", distinct=True), **_sums()).order_by()}
    credited = {r["sharer_motivation"]: r for r in
                _credit(f).values("sharer_motivation").annotate(**_credit_sums()).order_by()}
    table = Table("by-motivation", _("Reach per motivation of the sharer"), [
        _("Sharer's motivation"), _("Shared designs visited or remixed"), *_count_headers(), *_rate_headers(),
        *_tail_headers(), _("Credited remixes (whole chain)"), _("Credited orders (whole chain)"),
    ], [])
    empty = {**dict.fromkeys(COUNTS, 0), "designs": 0}
    for code in m.sort(set(found) | set(credited)):
        own, c = found.get(code, empty), credited.get(code, {"remixes": 0.0, "orders": 0.0})
        table.rows.append([m.name(code), own["designs"], *_cells(own), round(c["remixes"], 2), round(c["orders"], 2)])
    return table


def _top_designs(f: Filters, products, m) -> Table:
    """The TOP_DESIGNS shown designs with most credited orders (then remixes), ranked in SQL."""
    from personalization.reports import Table

    ranked = list(_credit(f).values("design_id").annotate(**_credit_sums(), chain_orders=Sum("chain_orders"))
                  .order_by("-orders", "-remixes", "design_id")[:TOP_DESIGNS])
    ids = [r["design_id"] for r in ranked]
    builds = {b["pk"]: b for b in Build.objects.filter(pk__in=ids).annotate(motivation=_dominant("owner_key"))
              .values("pk", "name", "share_code", "product_id", "motivation")}
    own = {r["share_id"]: r for r in _rows(f, segment=False).filter(share_id__in=ids)
           .values("share_id").annotate(**_sums()).order_by()}
    table = Table("top-designs", _("Shared designs that led to most orders"), [
        _("Design"), _("Share code"), _("Product"), _("Sharer's motivation"), _("Visits"), _("Remixes"),
        _("Orders of its remixes"), _("Orders further down the chain"), _("Credited orders (whole chain)"),
        _("Credited remixes (whole chain)"), _("Revenue of its remixes (EUR)"),
    ], [])
    for c in ranked:
        b, o = builds[c["design_id"]], own.get(c["design_id"]) or {}
        table.rows.append([
            b["name"] or str(b["pk"])[:8], b["share_code"], products.get(b["product_id"], "?"), m.name(b["motivation"]),
            o.get("visits") or 0, o.get("remixes") or 0, o.get("orders") or 0, c["chain_orders"],
            round(c["orders"], 2), round(c["remixes"], 2), (o.get("revenue") or Decimal(0)).quantize(Decimal("0.01")),
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
        _("Rates are per visit with a 95% Wilson interval. The sharer's motivation is their dominant one when the "
          "day was last recomputed (the rollups recompute the last month every 10 minutes), in the top designs "
          "their dominant one today; the segment filter applies to the sharer."),
    ]
