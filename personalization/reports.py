"""Motivation reports: the queries behind the admin report pages and their CSV exports.

Each report is a function of Filters returning a Report of plain tables and chart specs; the
admin renders it, and the CSV export writes one of its tables. Reports read the rollups
(personalization.services.rollups) where they can; the top options read the events, because the
rollups keep no options.

Counts read from daily rollups are distinct shoppers per day: summed over a date range they are
shopper-days (a shopper active on three days counts three times). Rates are ratios of those.
The average order value is revenue per ordering shopper-day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from configurator.models import Option, Product
from personalization.charts import ChartSpec, Series
from personalization.models import Campaign, DailyRollup, Event, EventType, LineageRollup, Motivation, Segment, SegmentMembership

DEFAULT_DAYS = 90
UNKNOWN_COLOUR = "#8a8f98"
STEP_COLOURS = ("#5b6ee1", "#2f9e6e", "#e07a3f", "#b8408f")
TOP_OPTIONS = 10
TOP_BUILDS = 25


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    product: int | None = None
    segment: int | None = None

    @classmethod
    def default(cls) -> Filters:
        today = timezone.localdate()
        return cls(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclass
class Report:
    slug: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- shared lookups


@dataclass(frozen=True)
class _Motivations:
    names: dict[str, str]
    colours: dict[str, str]
    order: list[str]

    def name(self, code: str) -> str:
        return self.names.get(code) or (code if code else _("Undetermined"))

    def colour(self, code: str) -> str:
        return self.colours.get(code, UNKNOWN_COLOUR)

    def sort(self, codes) -> list[str]:
        known = [c for c in self.order if c in codes]
        return known + sorted(c for c in codes if c not in self.order)


def _motivations() -> _Motivations:
    nl = (get_language() or "en").startswith("nl")
    rows = list(Motivation.objects.order_by("position", "code").values("code", "name_en", "name_nl", "colour"))
    return _Motivations(
        names={r["code"]: (r["name_nl"] if nl and r["name_nl"] else r["name_en"]) for r in rows},
        colours={r["code"]: r["colour"] for r in rows},
        order=[r["code"] for r in rows] + [""],
    )


def _product_names() -> dict[int, str]:
    return {p.pk: str(p) for p in Product.objects.all()}


def _pct(part: float, whole: float) -> float:
    return round(100 * float(part) / float(whole), 1) if whole else 0.0


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _days(f: Filters) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(f.start, time.min))
    return start, timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min))


def _rollups(f: Filters, *, per_segment: bool = False) -> QuerySet:
    """Daily rollup rows in the filters: everyone's rows, or one segment's (the segment filter),
    or every segment's (per_segment)."""
    qs = DailyRollup.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.product:
        qs = qs.filter(product_id=f.product)
    if per_segment:
        qs = qs.filter(segment__isnull=False)
        return qs.filter(segment_id=f.segment) if f.segment else qs
    return qs.filter(segment_id=f.segment) if f.segment else qs.filter(segment__isnull=True)


BUCKETS = {"day": gettext_lazy("day"), "week": gettext_lazy("week"), "month": gettext_lazy("month")}


def _bucket(f: Filters) -> str:
    span = (f.end - f.start).days
    return "day" if span <= 62 else "week" if span <= 730 else "month"


# ---------------------------------------------------------------- the reports


def motivation_mix(f: Filters) -> Report:
    m, products = _motivations(), _product_names()
    rows = _rollups(f)
    by_product = list(rows.values("product_id", "motivation").annotate(
        shoppers=Sum("configured"), selections=Sum("selections"), weight=Sum("weight")).order_by())
    bucket = _bucket(f)
    period = F("day") if bucket == "day" else Trunc("day", bucket, output_field=DateField())
    over_time = list(rows.annotate(period=period).values("period", "motivation")
                     .annotate(shoppers=Sum("configured")).order_by("period"))

    product_ids = [p for p in products if any(r["product_id"] == p for r in by_product)]
    codes = m.sort({r["motivation"] for r in by_product})
    shoppers = {(r["product_id"], r["motivation"]): r["shoppers"] or 0 for r in by_product}
    weights = {(r["product_id"], r["motivation"]): r["weight"] or 0.0 for r in by_product}
    per_product = defaultdict(int)
    weight_per_product = defaultdict(float)
    for r in by_product:
        per_product[r["product_id"]] += r["shoppers"] or 0
        weight_per_product[r["product_id"]] += r["weight"] or 0.0
    table = Table("by-product", _("Motivation mix per product"), [
        _("Product"), _("Motivation"), _("Shoppers (shopper-days)"), _("Share of shoppers (%)"),
        _("Options selected"), _("Choice weight"), _("Share of choice weight (%)"),
    ], [])
    for r in sorted(by_product, key=lambda r: (product_ids.index(r["product_id"]), codes.index(r["motivation"]))):
        table.rows.append([
            products.get(r["product_id"], "?"), m.name(r["motivation"]), r["shoppers"] or 0,
            _pct(r["shoppers"] or 0, per_product[r["product_id"]]), r["selections"] or 0, round(r["weight"] or 0.0, 2),
            _pct(r["weight"] or 0.0, weight_per_product[r["product_id"]]),
        ])

    periods = sorted({r["period"] for r in over_time})
    time_codes = m.sort({r["motivation"] for r in over_time})
    per_period = defaultdict(int)
    for r in over_time:
        per_period[r["period"]] += r["shoppers"] or 0
    cell = {(r["period"], r["motivation"]): r["shoppers"] or 0 for r in over_time}
    trend = Table("over-time", _("Motivation mix over time (per %(bucket)s)") % {"bucket": BUCKETS[bucket]}, [
        _("Period"), _("Motivation"), _("Shoppers (shopper-days)"), _("Share of shoppers (%)"),
    ], [[p.isoformat(), m.name(c), cell.get((p, c), 0), _pct(cell.get((p, c), 0), per_period[p])]
        for p in periods for c in time_codes])

    weighted = [c for c in codes if c and any(weights.get((p, c)) for p in product_ids)]
    charts = [
        ChartSpec("share", _("Shoppers per product by dominant motivation"),
                  _("For each product, the share of the shoppers who configured it, by their dominant motivation."),
                  [products[p] for p in product_ids],
                  [Series(m.name(c), [shoppers.get((p, c), 0) for p in product_ids], m.colour(c)) for c in codes]),
        ChartSpec("share", _("What the choices say, per product"),
                  _("For each product, the summed motivation weight of the options chosen, as shares."),
                  [products[p] for p in product_ids],
                  [Series(m.name(c), [weights.get((p, c), 0.0) for p in product_ids], m.colour(c)) for c in weighted]),
        ChartSpec("line", _("Motivation mix over time"),
                  _("Per %(bucket)s, the share of configuring shoppers with each dominant motivation.")
                  % {"bucket": BUCKETS[bucket]},
                  [p.isoformat() for p in periods],
                  [Series(m.name(c), [_pct(cell.get((p, c), 0), per_period[p]) for p in periods], m.colour(c))
                   for c in time_codes], unit="%"),
    ]
    return Report("mix", _("Motivation mix"), _("Who configures what, by dominant motivation, and how it changes."),
                  [table, trend], charts)


def funnel(f: Filters) -> Report:
    m = _motivations()
    found = {r["motivation"]: r for r in _rollups(f).values("motivation").annotate(
        configured=Sum("configured"), saved=Sum("saved"), shared=Sum("shared"), ordered=Sum("ordered")).order_by()}
    codes = [c for c in m.sort(set(found)) if any(found[c][s] for s in ("configured", "saved", "shared", "ordered"))]
    steps = [("configured", _("Configured")), ("saved", _("Saved")), ("shared", _("Shared")), ("ordered", _("Ordered"))]
    table = Table("funnel", _("Funnel per dominant motivation"), [
        _("Motivation"), *[label for _s, label in steps],
        _("Saved of configured (%)"), _("Shared of configured (%)"), _("Ordered of configured (%)"),
    ], [])
    for c in codes:
        r = found[c]
        table.rows.append([m.name(c), *[r[s] or 0 for s, _label in steps],
                           *[_pct(r[s] or 0, r["configured"] or 0) for s in ("saved", "shared", "ordered")]])
    chart = ChartSpec("bar", _("Funnel per dominant motivation"),
                      _("Shopper-days that configured, saved, shared and ordered, for each dominant motivation."),
                      [m.name(c) for c in codes],
                      [Series(label, [found[c][s] or 0 for c in codes], STEP_COLOURS[i])
                       for i, (s, label) in enumerate(steps)])
    return Report("funnel", _("Funnel"), _("Configured → saved → shared → ordered, per dominant motivation."),
                  [table], [chart])


def _kpi_row(r: dict) -> dict[str, Any]:
    configured, ordered = r["configured"] or 0, r["ordered"] or 0
    return {
        "configured": configured, "ordered": ordered, "revenue": _money(r["revenue"]),
        "conversion": _pct(ordered, configured), "share": _pct(r["shared"] or 0, configured),
        "remix": _pct(r["remixed"] or 0, configured),
        "aov": _money((r["revenue"] or Decimal(0)) / ordered) if ordered else Decimal("0.00"),
    }


def _kpi_table(slug: str, title: str, first: str, named: list[tuple[str, dict]]) -> Table:
    return Table(slug, title, [
        first, _("Configured"), _("Ordered"), _("Revenue (EUR)"), _("Conversion rate (%)"),
        _("Average order value (EUR)"), _("Share rate (%)"), _("Remix rate (%)"),
    ], [[name, k["configured"], k["ordered"], k["revenue"], k["conversion"], k["aov"], k["share"], k["remix"]]
        for name, k in named])


def _rate_series(named: list[tuple[str, dict]]) -> list[Series]:
    return [Series(label, [k[key] for _n, k in named], STEP_COLOURS[i]) for i, (key, label) in enumerate(
        (("conversion", _("Conversion rate")), ("share", _("Share rate")), ("remix", _("Remix rate"))))]


def kpis(f: Filters) -> Report:
    m = _motivations()
    sums = {"configured": Sum("configured"), "shared": Sum("shared"), "remixed": Sum("remixed"),
            "ordered": Sum("ordered"), "revenue": Sum("revenue")}
    # Rows that only carry choice weight (no shopper of that motivation) have no KPIs.
    active = Q(configured__gt=0) | Q(ordered__gt=0) | Q(shared__gt=0) | Q(remixed__gt=0)
    per_motivation = {r["motivation"]: _kpi_row(r)
                      for r in _rollups(f).filter(active).values("motivation").annotate(**sums).order_by()}
    by_motivation = [(m.name(c), per_motivation[c]) for c in m.sort(set(per_motivation))]
    segments = dict(Segment.objects.values_list("pk", "name"))
    per_segment = [(segments.get(r["segment_id"], "?"), _kpi_row(r)) for r in
                   _rollups(f, per_segment=True).filter(active).values("segment_id").annotate(**sums).order_by()]
    per_segment.sort(key=lambda item: item[0].lower())
    tables = [
        _kpi_table("per-motivation", _("KPIs per dominant motivation"), _("Motivation"), by_motivation),
        _kpi_table("per-segment", _("KPIs per segment"), _("Segment"), per_segment),
    ]
    charts = [
        ChartSpec("bar", _("Rates per dominant motivation"),
                  _("Conversion, share and remix rate (% of configuring shopper-days) per dominant motivation."),
                  [n for n, _k in by_motivation], _rate_series(by_motivation), unit="%"),
        ChartSpec("bar", _("Average order value per dominant motivation"),
                  _("Revenue per ordering shopper-day, in euros, per dominant motivation."),
                  [n for n, _k in by_motivation],
                  [Series(_("Average order value"), [float(k["aov"]) for _n, k in by_motivation], STEP_COLOURS[0])],
                  unit=" €"),
        ChartSpec("bar", _("Rates per segment"),
                  _("Conversion, share and remix rate (% of configuring shopper-days) per segment."),
                  [n for n, _k in per_segment], _rate_series(per_segment), unit="%"),
    ]
    return Report("kpis", _("KPIs per motivation and segment"),
                  _("Conversion rate, average order value, share rate and remix rate."), tables, charts,
                  [_("Segments are their current members; rates are per configuring shopper-day.")])


def _option_names(product_ids: set[int]) -> dict[tuple[int, str, str], tuple[str, str]]:
    nl = (get_language() or "en").startswith("nl")
    rows = Option.objects.filter(group__product_id__in=product_ids).values(
        "group__product_id", "group__code", "code", "name_en", "name_nl", "group__name_en", "group__name_nl")
    return {(r["group__product_id"], r["group__code"], r["code"]): (
        (r["group__name_nl"] if nl and r["group__name_nl"] else r["group__name_en"]),
        (r["name_nl"] if nl and r["name_nl"] else r["name_en"])) for r in rows}


def top_options(f: Filters) -> Report:
    m, products = _motivations(), _product_names()
    start, end = _days(f)
    # The shopper's own clicks only: a change a repair made for them says nothing about them.
    events = Event.objects.filter(type=EventType.OPTION_SELECTED, occurred_at__gte=start, occurred_at__lt=end,
                                  product__isnull=False, properties__auto__isnull=True)
    if f.product:
        events = events.filter(product_id=f.product)
    if f.segment:
        events = events.filter(shopper_id__in=SegmentMembership.objects.filter(segment_id=f.segment).values("shopper_id"))
    found = list(events.values("shopper__profile__dominant__code", "product_id", "group", "option").annotate(
        selections=Count("id"), shoppers=Count("shopper_id", distinct=True)).order_by("-selections"))
    names = _option_names({r["product_id"] for r in found})
    per_motivation: dict[str, list[dict]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for r in found:
        code = r["shopper__profile__dominant__code"] or ""
        per_motivation[code].append(r)
        totals[code] += r["selections"]
    table = Table("top-options", _("Top options per dominant motivation"), [
        _("Motivation"), _("Rank"), _("Product"), _("Step"), _("Option"), _("Selections"), _("Shoppers"),
        _("Share of the motivation's selections (%)"),
    ], [])
    charts = []
    for code in m.sort(set(per_motivation)):
        top = per_motivation[code][:TOP_OPTIONS]
        labels = []
        for rank, r in enumerate(top, start=1):
            step, option = names.get((r["product_id"], r["group"], r["option"]), (r["group"], r["option"]))
            labels.append(option)
            table.rows.append([m.name(code), rank, products.get(r["product_id"], "?"), step, option,
                               r["selections"], r["shoppers"], _pct(r["selections"], totals[code])])
        charts.append(ChartSpec(
            "bar", _("Top options: %(motivation)s") % {"motivation": m.name(code)},
            _("The %(n)s options most often chosen by shoppers whose dominant motivation is %(motivation)s.")
            % {"n": len(top), "motivation": m.name(code)},
            labels[:5], [Series(_("Selections"), [r["selections"] for r in top[:5]], m.colour(code))]))
    return Report("options", _("Top options"), _("The options each motivation chooses most (the shoppers' own clicks)."),
                  [table], charts, [_("Read from the events, so only the retention period is covered.")])


def _lineage_rows(f: Filters) -> QuerySet:
    qs = LineageRollup.objects.filter(build__shared_at__gte=_days(f)[0], build__shared_at__lt=_days(f)[1])
    if f.product:
        qs = qs.filter(product_id=f.product)
    if f.segment:
        qs = qs.filter(build__owner_key__in=SegmentMembership.objects.filter(segment_id=f.segment).values("shopper_id"))
    return qs


def lineage(f: Filters) -> Report:
    m, products = _motivations(), _product_names()
    rows = _lineage_rows(f)
    top = list(rows.order_by("-remixes", "-orders", "-views", "build_id").values(
        "build_id", "build__name", "build__share_code", "product_id", "sharer_motivation", "views", "remixes",
        "orders", "revenue")[:TOP_BUILDS])
    builds = Table("builds", _("Shared builds that spread most"), [
        _("Build"), _("Share code"), _("Product"), _("Sharer's motivation"), _("Views"), _("Remixes"),
        _("Orders of remixes"), _("Revenue (EUR)"),
    ], [[r["build__name"] or str(r["build_id"])[:8], r["build__share_code"], products.get(r["product_id"], "?"),
         m.name(r["sharer_motivation"]), r["views"], r["remixes"], r["orders"], _money(r["revenue"])] for r in top])
    per = {r["sharer_motivation"]: r for r in rows.values("sharer_motivation").annotate(
        builds=Count("build_id"), views=Sum("views"), remixes=Sum("remixes"), orders=Sum("orders"),
        revenue=Sum("revenue")).order_by()}
    codes = sorted(per, key=lambda c: (-(per[c]["remixes"] or 0) / per[c]["builds"], m.sort(set(per)).index(c)))

    def each(c: str, key: str) -> float:
        return round((per[c][key] or 0) / per[c]["builds"], 2)

    spread = Table("by-motivation", _("Spread per sharer motivation"), [
        _("Sharer's motivation"), _("Shared builds"), _("Views"), _("Remixes"), _("Orders of remixes"),
        _("Revenue (EUR)"), _("Views per shared build"), _("Remixes per shared build"), _("Orders per shared build"),
    ], [[m.name(c), per[c]["builds"], per[c]["views"] or 0, per[c]["remixes"] or 0, per[c]["orders"] or 0,
         _money(per[c]["revenue"]), each(c, "views"), each(c, "remixes"), each(c, "orders")] for c in codes])
    charts = [
        ChartSpec("bar", _("Which motivations spread most"),
                  _("Remixes and orders of remixes per shared build, by the sharer's dominant motivation."),
                  [m.name(c) for c in codes],
                  [Series(_("Remixes per shared build"), [each(c, "remixes") for c in codes], STEP_COLOURS[0]),
                   Series(_("Orders per shared build"), [each(c, "orders") for c in codes], STEP_COLOURS[1])]),
        ChartSpec("bar", _("Share page views per shared build"),
                  _("How often a shared build's page was viewed, by the sharer's dominant motivation."),
                  [m.name(c) for c in codes],
                  [Series(_("Views per shared build"), [each(c, "views") for c in codes], STEP_COLOURS[2])]),
    ]
    return Report("lineage", _("Build lineage"),
                  _("Which shared builds spread: views, remixes and orders, credited to the sharer."),
                  [spread, builds], charts, [_("Builds shared in the date range; a remix's orders count for the build "
                                               "it was remixed from.")])


# ---------------------------------------------------------------- campaign lift


def _lift_service() -> Callable[..., Any] | None:
    try:
        from personalization.services.campaigns import campaign_lift
    except ImportError:
        return None
    return campaign_lift


def _pp(value: float | None) -> float | str:
    """A rate or a difference of rates, in percent (points); blank when there is none."""
    return "" if value is None else round(100 * value, 2)


def campaign_lift(f: Filters) -> Report:
    report = Report("lift", _("Campaign lift"), _("Conversion of shoppers shown a campaign against its holdout."))
    headers = [_("Campaign"), _("Segment"), _("Shown"), _("Converted (shown)"), _("Conversion shown (%)"),
               _("Holdout"), _("Converted (holdout)"), _("Conversion holdout (%)"), _("Lift (points)"),
               _("95% interval low (points)"), _("95% interval high (points)"), _("Relative lift (%)"),
               _("Enough data"), _("Significant")]
    table = Table("lift", _("Campaign lift"), headers, [])
    report.tables.append(table)
    service = _lift_service()
    if service is None:
        report.notes.append(_("Campaign lift is not available: the lift statistics are not installed yet."))
        return report
    campaigns = Campaign.objects.select_related("segment").order_by("name")
    if f.product:
        campaigns = campaigns.filter(Q(product_id=f.product) | Q(product__isnull=True))
    if f.segment:
        campaigns = campaigns.filter(segment_id=f.segment)
    names, shown, held = [], [], []
    for campaign in campaigns:
        d = service(campaign=campaign).as_dict()
        t, h = d["treatment"], d["holdout"]
        table.rows.append([campaign.name, campaign.segment.name, t["exposed"], t["converted"], _pp(t["rate"]),
                           h["exposed"], h["converted"], _pp(h["rate"]), _pp(d["absolute"]), _pp(d["low"]),
                           _pp(d["high"]), _pp(d["relative"]), _("yes") if d["enough_data"] else _("no"),
                           _("yes") if d["significant"] else _("no")])
        names.append(campaign.name)
        shown.append(100 * (t["rate"] or 0))
        held.append(100 * (h["rate"] or 0))
    report.charts.append(ChartSpec(
        "bar", _("Conversion: shown against holdout"),
        _("For each campaign, the conversion rate of the shoppers shown it and of its holdout group, in percent."),
        names, [Series(_("Shown"), shown, STEP_COLOURS[0]), Series(_("Holdout"), held, STEP_COLOURS[2])], unit="%"))
    report.notes.append(_("Each campaign's whole run counts; the date range does not apply. The lift is significant "
                          "when its 95% interval leaves out zero."))
    return report


REPORTS: dict[str, tuple[Any, Callable[[Filters], Report]]] = {
    "mix": (gettext_lazy("Motivation mix"), motivation_mix),
    "funnel": (gettext_lazy("Funnel"), funnel),
    "kpis": (gettext_lazy("KPIs per motivation and segment"), kpis),
    "options": (gettext_lazy("Top options"), top_options),
    "lineage": (gettext_lazy("Build lineage"), lineage),
    "lift": (gettext_lazy("Campaign lift"), campaign_lift),
}


def report_build(*, slug: str, filters: Filters) -> Report:
    return REPORTS[slug][1](filters)
