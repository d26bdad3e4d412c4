"""Motivation reports: the queries behind the admin report pages and their CSV exports.

Each report is a function of Filters returning a Report of plain tables and chart specs; the
admin renders it, and the CSV export writes one of its tables. The motivation reports read
rollups (personalization.services.rollups), not the events: the top options OptionRollup, the
co-creation depth DepthRollup (personalization.services.depth_rollups).

Counts read from daily rollups are distinct shoppers per day: summed over a date range they are
shopper-days (a shopper active on three days counts three times). Rates are ratios of those.
The average order value is revenue per ordering shopper-day.

The motivation mix sums the shoppers' motivation probabilities (a profile is a probability per
motivation), with a Wilson interval per share (see motivation_mix). The funnel, the KPIs and the
top options group shoppers by their dominant motivation, and say so; the KPIs add an average
order value index against the products bought (see AovIndex). Segment rows take membership at
the time of the event (see personalization.services.rollups).
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
from personalization.depth_report import cocreation
from personalization.models import (
    Campaign,
    DailyRollup,
    LineageRollup,
    Motivation,
    OptionRollup,
    Segment,
    SegmentMembership,
)
from personalization.reach_report import reach
from personalization.stats import wilson_interval

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


def _share_interval(expected: float, n: int) -> tuple[float, float, float]:
    """The share `expected` / `n` and its 95% Wilson interval, in percent."""
    if not n:
        return 0.0, 0.0, 0.0
    expected = min(max(float(expected), 0.0), float(n))  # a float sum may overshoot by a hair
    low, high = wilson_interval(expected, n)
    return round(100 * expected / n, 1), round(100 * low, 1), round(100 * high, 1)


@dataclass
class _Mix:
    """Summed rollups per key (a product or a period) and motivation."""

    configured: dict[Any, int] = field(default_factory=lambda: defaultdict(int))  # every configuring shopper-day
    undetermined: dict[Any, int] = field(default_factory=lambda: defaultdict(int))  # those without a dominant
    expected: dict[tuple[Any, str], float] = field(default_factory=lambda: defaultdict(float))
    weight: dict[tuple[Any, str], float] = field(default_factory=lambda: defaultdict(float))

    @classmethod
    def of(cls, found: list[dict], key: str) -> _Mix:
        mix = cls()
        for r in found:
            k, code = r[key], r["motivation"]
            mix.configured[k] += r["configured"] or 0
            if code:
                mix.expected[(k, code)] += r["probability"] or 0.0
                mix.weight[(k, code)] += r.get("weight") or 0.0
            else:
                mix.undetermined[k] += r["configured"] or 0
        return mix

    def codes(self, m: _Motivations) -> list[str]:
        return m.sort({c for (_k, c), v in self.expected.items() if v > 0})

    def share(self, k: Any, code: str) -> tuple[float, float, float]:
        return _share_interval(self.expected.get((k, code), 0.0), self.configured[k])

    def unprofiled(self, k: Any) -> float:
        """Configuring shopper-days without a profile: each profile's probabilities sum to 1, so
        the rest of the count after the summed probabilities."""
        return max(0.0, self.configured[k] - sum(v for (key, _c), v in self.expected.items() if key == k))


def motivation_mix(f: Filters) -> Report:
    """Who configures what, as the sum of the shoppers' motivation probabilities.

    Per product and motivation, the expected shoppers are the summed probability of that
    motivation over the product's configuring shopper-days (DailyRollup.probability), and the
    share is that sum over n, the product's configuring shopper-days (every one of them: those
    without a profile add no probability, so the shares can add up to less than 100%).

    The interval is Wilson's 95% score interval with p̂ = share and n as above. Why that holds:
    a shopper's true motivation is unknown; given their profile it is "this motivation" with
    probability p_i, a Bernoulli(p_i) draw B_i. The share estimates the mean of B_i over the
    shoppers a sample like this one is drawn from. By the law of total variance,
    Var(B_i) = E[Var(B_i | p_i)] + Var(E[B_i | p_i]) = E[p_i(1 − p_i)] + Var(p_i) = p̄ − p̄²:
    unconditionally each B_i is Bernoulli(p̄), so the share of a sum of them over n has variance
    p̄(1 − p̄)/n, that of a binomial proportion, and the binomial's Wilson interval applies
    (summed probabilities are not whole numbers; the formula takes them as they are). Caveat:
    shopper-days of one shopper are not independent, so with many repeat visitors the interval
    is somewhat too narrow.
    """
    m, products = _motivations(), _product_names()
    rows = _rollups(f)
    mix = _Mix.of(list(rows.values("product_id", "motivation").annotate(
        configured=Sum("configured"), probability=Sum("probability"), weight=Sum("weight")).order_by()), "product_id")
    bucket = _bucket(f)
    period = F("day") if bucket == "day" else Trunc("day", bucket, output_field=DateField())
    trend_mix = _Mix.of(list(rows.annotate(period=period).values("period", "motivation").annotate(
        configured=Sum("configured"), probability=Sum("probability")).order_by("period")), "period")

    product_ids = [p for p in products if mix.configured.get(p)]
    codes = mix.codes(m)
    table = Table("by-product", _("Motivation mix per product"), [
        _("Product"), _("Motivation"), _("Expected shoppers (summed probability, shopper-days)"),
        _("Share of shoppers (%)"), _("95% interval low (%)"), _("95% interval high (%)"),
        _("Configuring shoppers (shopper-days)"), _("Choice weight"), _("Share of choice weight (%)"),
    ], [])
    for p in product_ids:
        weight_total = sum(v for (k, _c), v in mix.weight.items() if k == p)
        for c in codes:
            table.rows.append([products[p], m.name(c), round(mix.expected.get((p, c), 0.0), 2), *mix.share(p, c),
                               mix.configured[p], round(mix.weight.get((p, c), 0.0), 2),
                               _pct(mix.weight.get((p, c), 0.0), weight_total)])
    undetermined = Table("undetermined", _("Shoppers without a dominant motivation"), [
        _("Product"), _("Configuring shoppers (shopper-days)"), _("Undetermined (shopper-days)"),
        _("Undetermined (%)"),
    ], [[products[p], mix.configured[p], mix.undetermined[p], _pct(mix.undetermined[p], mix.configured[p])]
        for p in product_ids])

    periods = sorted(trend_mix.configured)
    time_codes = trend_mix.codes(m)
    trend = Table("over-time", _("Motivation mix over time (per %(bucket)s)") % {"bucket": BUCKETS[bucket]}, [
        _("Period"), _("Motivation"), _("Expected shoppers (summed probability, shopper-days)"),
        _("Share of shoppers (%)"), _("95% interval low (%)"), _("95% interval high (%)"),
    ], [[p.isoformat(), m.name(c), round(trend_mix.expected.get((p, c), 0.0), 2), *trend_mix.share(p, c)]
        for p in periods for c in time_codes])

    unprofiled = [round(mix.unprofiled(p), 2) for p in product_ids]
    mix_series = [Series(m.name(c), [mix.expected.get((p, c), 0.0) for p in product_ids], m.colour(c)) for c in codes]
    if any(unprofiled):
        mix_series.append(Series(_("No profile"), unprofiled, UNKNOWN_COLOUR))
    weighted = [c for c in m.sort({c for (_p, c), v in mix.weight.items() if v}) if c]
    charts = [
        ChartSpec("share", _("Motivation mix per product"),
                  _("For each product, the summed probability of each motivation over the shoppers who configured "
                    "it, as shares of its configuring shoppers."),
                  [products[p] for p in product_ids], mix_series),
        ChartSpec("share", _("What the choices say, per product"),
                  _("For each product, the summed motivation weight of the options chosen, as shares."),
                  [products[p] for p in product_ids],
                  [Series(m.name(c), [mix.weight.get((p, c), 0.0) for p in product_ids], m.colour(c))
                   for c in weighted]),
        ChartSpec("line", _("Motivation mix over time"),
                  _("Per %(bucket)s, the summed probability of each motivation as a share of the configuring "
                    "shoppers.") % {"bucket": BUCKETS[bucket]},
                  [p.isoformat() for p in periods],
                  [Series(m.name(c), [trend_mix.share(p, c)[0] for p in periods], m.colour(c)) for c in time_codes],
                  unit="%"),
    ]
    notes = [
        _("The mix sums probabilities: a shopper whose profile says status 0.6 and value 0.4 counts 0.6 toward "
          "status and 0.4 toward value. Shares are of the configuring shopper-days, with a 95% Wilson interval; "
          "shoppers without a profile count toward no motivation."),
        _("Undetermined: shoppers whose profile names no dominant motivation (none reached the threshold), or who "
          "have no profile. An undetermined profile's probabilities still count in the mix."),
    ]
    return Report("mix", _("Motivation mix"),
                  _("Who configures what, as summed motivation probabilities, and how it changes."),
                  [table, undetermined, trend], charts, notes)


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
                  [table], [chart], [_by_dominant_note()])


def _by_dominant_note() -> str:
    return _("Grouped by each shopper's dominant motivation: the most probable one, when it reaches the map's "
             "threshold; shoppers without one are Undetermined. The motivation mix sums probabilities instead.")


def _kpi_row(r: dict) -> dict[str, Any]:
    configured, ordered = r["configured"] or 0, r["ordered"] or 0
    return {
        "configured": configured, "ordered": ordered, "revenue": _money(r["revenue"]),
        "conversion": _pct(ordered, configured), "share": _pct(r["shared"] or 0, configured),
        "remix": _pct(r["remixed"] or 0, configured), "shared": r["shared"] or 0, "remixed": r["remixed"] or 0,
        "aov": _money((r["revenue"] or Decimal(0)) / ordered) if ordered else Decimal("0.00"),
    }


def _kpi_table(slug: str, title: str, first: str, named: list[tuple[str, dict]],
               index: list[float | None] | None = None) -> Table:
    """The KPIs per name; with `index` (one per name, in order), the AOV index as a last column."""
    headers = [first, _("Configured"), _("Ordered"), _("Revenue (EUR)"), _("Conversion rate (%)"),
               _("Average order value (EUR)"), _("Share rate (%)"), _("Remix rate (%)")]
    if index is not None:
        headers.append(_("AOV index (product average = 100)"))
    headers += [_("Conversion 95% interval (%)"), _("Share rate 95% interval (%)"), _("Remix rate 95% interval (%)")]
    rows = []
    for i, (name, k) in enumerate(named):
        row = [name, k["configured"], k["ordered"], k["revenue"], k["conversion"], k["aov"], k["share"], k["remix"]]
        if index is not None:
            row.append(_blank(index[i]))
        row += [_interval(k[key], k["configured"]) for key in ("ordered", "shared", "remixed")]
        rows.append(row)
    return Table(slug, title, headers, rows)


def _interval(hits: int, n: int) -> str:
    """A rate's 95% Wilson interval in percent, as "low – high" (blank without trials)."""
    if not n:
        return ""
    low, high = wilson_interval(min(hits, n), n)
    return f"{100 * low:.1f} – {100 * high:.1f}"


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


@dataclass(frozen=True)
class AovIndex:
    """Per motivation, what it pays against the average of the products it buys.

    For a product p, AOV(p) is its revenue per ordering shopper-day over all its orders in the
    filters, and AOV(p, m) the same over the orders of shoppers of dominant motivation m. The
    index of m on p is 100 × AOV(p, m) / AOV(p); m's index is those averaged over the products,
    weighted by m's orders of each. So 100 means "pays what the product's buyers pay on average",
    whatever the products: a motivation that buys the dearest product at its average price is at
    100, not rich.
    """

    combined: dict[str, float | None]  # motivation -> index
    per_product: list[dict[str, Any]]  # motivation, product, ordered, aov, product_aov, index


def aov_index(found: list[dict]) -> AovIndex:
    """The AOV index from rollup sums per product_id and motivation (ordered, revenue). Pure."""
    totals: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
    for r in found:
        totals[r["product_id"]][0] += r["ordered"] or 0
        totals[r["product_id"]][1] += r["revenue"] or Decimal(0)
    weighted: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # sum of orders × index, orders
    per_product = []
    for r in found:
        ordered, revenue = r["ordered"] or 0, r["revenue"] or Decimal(0)
        product_ordered, product_revenue = totals[r["product_id"]]
        if not ordered or not product_revenue:
            continue
        aov, product_aov = revenue / ordered, product_revenue / product_ordered
        index = float(100 * aov / product_aov)
        weighted[r["motivation"]][0] += ordered * index
        weighted[r["motivation"]][1] += ordered
        per_product.append({"motivation": r["motivation"], "product_id": r["product_id"], "ordered": ordered,
                            "aov": _money(aov), "product_aov": _money(product_aov), "index": round(index, 1)})
    combined = {code: (round(total / n, 1) if n else None) for code, (total, n) in weighted.items()}
    return AovIndex(combined, per_product)


def _aov_table(m: _Motivations, index: AovIndex) -> Table:
    products = _product_names()
    order = m.sort({r["motivation"] for r in index.per_product})
    rows = sorted(index.per_product, key=lambda r: (order.index(r["motivation"]), products.get(r["product_id"], "")))
    return Table("aov-per-product", _("Average order value per product and dominant motivation"), [
        _("Motivation"), _("Product"), _("Ordered"), _("Average order value (EUR)"),
        _("Product average order value (EUR)"), _("AOV index (product average = 100)"),
    ], [[m.name(r["motivation"]), products.get(r["product_id"], "?"), r["ordered"], r["aov"], r["product_aov"],
         r["index"]] for r in rows])


def _rate_series(named: list[tuple[str, dict]]) -> list[Series]:
    return [Series(label, [k[key] for _n, k in named], STEP_COLOURS[i]) for i, (key, label) in enumerate(
        (("conversion", _("Conversion rate")), ("share", _("Share rate")), ("remix", _("Remix rate"))))]


def kpis(f: Filters) -> Report:
    m = _motivations()
    sums = {"configured": Sum("configured"), "shared": Sum("shared"), "remixed": Sum("remixed"),
            "ordered": Sum("ordered"), "revenue": Sum("revenue")}
    # Rows that only carry choice weight or probability (no shopper of that motivation) have no KPIs.
    active = Q(configured__gt=0) | Q(ordered__gt=0) | Q(shared__gt=0) | Q(remixed__gt=0)
    rows = _rollups(f).filter(active)
    per_motivation = {r["motivation"]: _kpi_row(r) for r in rows.values("motivation").annotate(**sums).order_by()}
    codes = m.sort(set(per_motivation))
    by_motivation = [(m.name(c), per_motivation[c]) for c in codes]
    index = aov_index(list(rows.filter(ordered__gt=0).values("product_id", "motivation").annotate(
        ordered=Sum("ordered"), revenue=Sum("revenue")).order_by()))
    segments = dict(Segment.objects.values_list("pk", "name"))
    per_segment = [(segments.get(r["segment_id"], "?"), _kpi_row(r)) for r in
                   _rollups(f, per_segment=True).filter(active).values("segment_id").annotate(**sums).order_by()]
    per_segment.sort(key=lambda item: item[0].lower())
    tables = [
        _kpi_table("per-motivation", _("KPIs per dominant motivation"), _("Motivation"), by_motivation,
                   [index.combined.get(c) for c in codes]),
        _aov_table(m, index),
        _kpi_table("per-segment", _("KPIs per segment"), _("Segment"), per_segment),
    ]
    indexed = [c for c in codes if index.combined.get(c) is not None]
    charts = [
        ChartSpec("bar", _("Rates per dominant motivation"),
                  _("Conversion, share and remix rate (% of configuring shopper-days) per dominant motivation."),
                  [n for n, _k in by_motivation], _rate_series(by_motivation), unit="%"),
        ChartSpec("bar", _("Average order value per dominant motivation"),
                  _("Revenue per ordering shopper-day, in euros, per dominant motivation."),
                  [n for n, _k in by_motivation],
                  [Series(_("Average order value"), [float(k["aov"]) for _n, k in by_motivation], STEP_COLOURS[0])],
                  unit=" €"),
        ChartSpec("bar", _("Average order value index per dominant motivation"),
                  _("Per dominant motivation, its average order value against that of the same products' orders "
                    "(100 = the product average), weighted by its orders of each product."),
                  [m.name(c) for c in indexed],
                  [Series(_("AOV index"), [index.combined[c] for c in indexed], STEP_COLOURS[1])]),
        ChartSpec("bar", _("Rates per segment"),
                  _("Conversion, share and remix rate (% of configuring shopper-days) per segment."),
                  [n for n, _k in per_segment], _rate_series(per_segment), unit="%"),
    ]
    notes = [
        _by_dominant_note(),
        _("AOV index: for each product, the motivation's average order value over that of all the product's orders "
          "in these filters, × 100, combined across products weighted by the motivation's orders. 100 means it "
          "pays the average of what it buys, so buying dearer products alone does not raise it."),
        _("Segment KPIs take membership at the time of the event: a member's events count from when they joined "
          "the segment. Rates are per configuring shopper-day."),
    ]
    return Report("kpis", _("KPIs per motivation and segment"),
                  _("Conversion rate, average order value, share rate and remix rate."), tables, charts, notes)


def _option_names(product_ids: set[int]) -> dict[tuple[int, str, str], tuple[str, str]]:
    nl = (get_language() or "en").startswith("nl")
    rows = Option.objects.filter(group__product_id__in=product_ids).values(
        "group__product_id", "group__code", "code", "name_en", "name_nl", "group__name_en", "group__name_nl")
    return {(r["group__product_id"], r["group__code"], r["code"]): (
        (r["group__name_nl"] if nl and r["group__name_nl"] else r["group__name_en"]),
        (r["name_nl"] if nl and r["name_nl"] else r["name_en"])) for r in rows}


def top_options(f: Filters) -> Report:
    m, products = _motivations(), _product_names()
    rows = OptionRollup.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.product:
        rows = rows.filter(product_id=f.product)
    rows = rows.filter(segment_id=f.segment) if f.segment else rows.filter(segment__isnull=True)
    found = list(rows.values("motivation", "product_id", "group", "option").annotate(
        selections=Sum("selections"), shoppers=Sum("shoppers")).order_by(
        "-selections", "-shoppers", "product_id", "group", "option"))
    names = _option_names({r["product_id"] for r in found})
    per_motivation: dict[str, list[dict]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for r in found:
        code = r["motivation"]
        per_motivation[code].append(r)
        totals[code] += r["selections"]
    table = Table("top-options", _("Top options per dominant motivation"), [
        _("Motivation"), _("Rank"), _("Product"), _("Step"), _("Option"), _("Selections"),
        _("Shoppers (shopper-days)"), _("Share of the motivation's selections (%)"),
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
                  [table], charts, [
                      _("Counted per day from the option rollup: shoppers are distinct per day, so over several days "
                        "they are shopper-days (a shopper who chose an option on three days counts three times). "
                        "The motivation is the shopper's dominant motivation at the last rollup refresh of that day "
                        "(a rescore refreshes them); a segment's members count from when they joined it. Days "
                        "before the retention period keep their counts."),
                      _by_dominant_note()])


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


# ---------------------------------------------------------------- campaign KPIs


def _rate_cells(hits: int, n: int) -> list[float | str]:
    """A rate in percent and its 95% Wilson interval (blank without shoppers)."""
    if not n:
        return ["", "", ""]
    low, high = wilson_interval(hits, n)
    return [round(100 * hits / n, 2), round(100 * low, 2), round(100 * high, 2)]


def _number(value: float | None, digits: int = 2) -> float | str:
    return "" if value is None else round(value, digits)


def campaign_kpis(f: Filters) -> Report:
    from personalization.services.experiments import UNDETERMINED
    from personalization.services.experiments import campaign_kpis as kpis_of

    m = _motivations()
    rate = [_("%(rate)s (%%)"), _("%(rate)s 95%% low (%%)"), _("%(rate)s 95%% high (%%)")]

    def rate_headers(name: str) -> list[str]:
        return [h % {"rate": name} for h in rate]

    headers = [_("Campaign"), _("Segment"), _("Shown"), *rate_headers(_("Click-through")), _("Ordered"),
               *rate_headers(_("Conversion")), _("Revenue (EUR)"), _("Revenue per visitor (EUR)"),
               _("AOV index (product average = 100)"), _("Cost (EUR)"), _("Cost per order (EUR)"),
               _("Orders added over the control"), _("Cost per added order (EUR)"), _("Return on spend")]
    table = Table("campaigns", _("KPIs per campaign"), headers, [])
    per_motivation: dict[str, list] = {}
    campaigns = Campaign.objects.select_related("segment").order_by("name")
    if f.product:
        campaigns = campaigns.filter(Q(product_id=f.product) | Q(product__isnull=True))
    if f.segment:
        campaigns = campaigns.filter(segment_id=f.segment)
    for campaign in campaigns:
        k, by_motivation = kpis_of(campaign=campaign)
        a = k.shown
        table.rows.append([
            campaign.name, campaign.segment.name, a.exposed, *_rate_cells(a.clicked, a.exposed), a.converted,
            *_rate_cells(a.converted, a.exposed), _money(Decimal(str(round(a.revenue, 2)))),
            _number(a.revenue_per_visitor), _number(a.order_value_index, 1), _money(campaign.cost),
            _number(k.cost_per_order), _number(k.orders_added, 1), _number(k.cost_per_added_order),
            _number(k.return_on_spend),
        ])
        for code, arm in by_motivation.items():
            totals = per_motivation.setdefault(code, [0, 0, 0, 0.0])
            totals[0] += arm.exposed
            totals[1] += arm.clicked
            totals[2] += arm.converted
            totals[3] += arm.revenue
    codes = m.sort({c for c in per_motivation if c != UNDETERMINED})
    if UNDETERMINED in per_motivation:
        codes.append(UNDETERMINED)
    motivation_table = Table("campaigns-per-motivation", _("Campaign KPIs per motivation"), [
        _("Motivation"), _("Shown"), *rate_headers(_("Click-through")), _("Ordered"),
        *rate_headers(_("Conversion")), _("Revenue per visitor (EUR)")], [])
    for code in codes:
        shown, clicked, ordered, revenue = per_motivation[code]
        motivation_table.rows.append([m.name(code) if code else _("Undetermined"), shown,
                                      *_rate_cells(clicked, shown), ordered, *_rate_cells(ordered, shown),
                                      _number(revenue / shown if shown else None)])
    notes = [
        _("Shown: shoppers who saw one of the campaign's variants (the control is left out). Click-through: of "
          "them, the share who clicked it; conversion: the share who ordered after first seeing it. Revenue per "
          "visitor: their orders' revenue over all shown shoppers. AOV index: each order against its product's "
          "average order, × 100."),
        _("Cost per order: the cost staff entered over the orders of shown shoppers (attributed). Orders added: "
          "those orders minus what the control's conversion rate would have given the same shoppers, so cost per "
          "added order is the incremental cost. Return on spend: (revenue − cost) / cost, attributed."),
        _("Per motivation, shoppers count under the motivation their profile reads today. Each campaign's whole "
          "run counts; the date range does not apply. Intervals are 95% Wilson score intervals."),
    ]
    chart = ChartSpec(
        "bar", _("Click-through and conversion per campaign"),
        _("For each campaign, the share of shown shoppers who clicked it and who ordered, in percent."),
        [row[0] for row in table.rows],
        [Series(_("Click-through"), [float(row[3] or 0) for row in table.rows], STEP_COLOURS[0]),
         Series(_("Conversion"), [float(row[7] or 0) for row in table.rows], STEP_COLOURS[1])], unit="%")
    return Report("campaigns", _("Campaign KPIs"),
                  _("Click-through, conversion, revenue per visitor, cost per order and return on spend."),
                  [table, motivation_table], [chart], notes)


REPORTS: dict[str, tuple[Any, Callable[[Filters], Report]]] = {
    "mix": (gettext_lazy("Motivation mix"), motivation_mix),
    "funnel": (gettext_lazy("Funnel"), funnel),
    "kpis": (gettext_lazy("KPIs per motivation and segment"), kpis),
    "options": (gettext_lazy("Top options"), top_options),
    "lineage": (gettext_lazy("Build lineage"), lineage),
    "lift": (gettext_lazy("Campaign lift"), campaign_lift),
    "campaigns": (gettext_lazy("Campaign KPIs"), campaign_kpis),
    "depth": (gettext_lazy("Co-creation depth"), cocreation),
    "reach": (gettext_lazy("Reach and credit"), reach),
}


def report_build(*, slug: str, filters: Filters) -> Report:
    return REPORTS[slug][1](filters)
