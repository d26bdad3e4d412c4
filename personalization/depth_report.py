"""The co-creation depth report: do shoppers who build more of their product order more, spend
more and share more? Per product × depth band and per motivation × depth band.

Read from the depth rollup (personalization.services.depth_rollups), whose definitions it shows:
a shopper counts, per product, in the cohort of the day they first designed it (a click, text,
save or remix), in the date range and within the product and segment filters (a segment's
members from when they joined it); per motivation each shopper counts once, on the first day they
designed anything (with the product filter: that product), in the band of their deepest product.
Conversion: they ordered it (not cancelled) within CONVERSION_DAYS of that day. Bands and
motivation probabilities are those the profiles held when the rollup last recomputed the day. Per
motivation each shopper counts with their probability for it (the profile's probabilities sum to
1), so every count there is an expected count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from personalization.charts import ChartSpec, Series
from personalization.depth import BANDS, HIGH_FROM, MEDIUM_FROM, UNMEASURED, probabilities
from personalization.models import DepthRollup
from personalization.services.depth_rollups import CONVERSION_DAYS
from personalization.stats import wilson_interval

if TYPE_CHECKING:  # reports.py registers this report: it imports the report types at run time only
    from personalization.reports import Filters, Report

__all__ = ["cocreation", "probabilities"]

BAND_ORDER = (*BANDS, UNMEASURED)
BAND_LABELS = {"low": gettext_lazy("Low depth"), "medium": gettext_lazy("Medium depth"),
               "high": gettext_lazy("High depth"), UNMEASURED: gettext_lazy("Not measured")}
BAND_COLOURS = {"low": "#9ecae1", "medium": "#4292c6", "high": "#08519c", UNMEASURED: "#8a8f98"}
_SUMS = ("shoppers", "ordered", "shared", "orders", "revenue")


@dataclass
class Tally:
    """Shoppers (or expected shoppers) of one band, and what they did."""

    shoppers: float = 0.0
    ordered: float = 0.0
    shared: float = 0.0
    orders: float = 0.0
    revenue: float = 0.0

    @property
    def aov(self) -> float | None:
        return self.revenue / self.orders if self.orders > 0 else None


# ---------------------------------------------------------------- reading the rollup


def _rollups(f: Filters) -> QuerySet:
    qs = DepthRollup.objects.filter(day__gte=f.start, day__lte=f.end)
    return qs.filter(segment_id=f.segment) if f.segment else qs.filter(segment__isnull=True)


def _tallies(qs: QuerySet, key: str, whole: bool) -> dict[Any, dict[str, Tally]]:
    """Summed rollup rows per `key` and band. `whole`: summed over every motivation the counts are
    whole shoppers, so the float sums are rounded back to them."""
    tallies: dict[Any, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for r in qs.values(key, "band").annotate(**{n: Sum(n) for n in _SUMS}).order_by():
        counts = [round(r[n]) if whole else r[n] for n in _SUMS[:4]]
        tallies[r[key]][r["band"]] = Tally(*counts, revenue=round(r["revenue"], 2))
    return tallies


def _base(tallies: Iterable[Tally]) -> float | None:
    """The average order value over all of them: what the order value index compares with."""
    tallies = list(tallies)
    orders = sum(t.orders for t in tallies)
    return sum(t.revenue for t in tallies) / orders if orders > 0 else None


# ---------------------------------------------------------------- rows and charts


def _pct(value: float) -> float:
    return round(100 * value, 1)


def _rate(part: float, whole: float) -> tuple[float | str, float | str, float | str]:
    """A rate and its 95% Wilson interval, in percent. Expected counts are used as counts."""
    if whole <= 0:
        return "", "", ""
    part = min(max(part, 0.0), whole)
    low, high = wilson_interval(part, whole)
    return _pct(part / whole), _pct(low), _pct(high)


def _count(value: float, expected: bool) -> float | int:
    return round(value, 2) if expected else round(value)


def _money(value: float | None) -> Decimal | str:
    return "" if value is None else Decimal(f"{value:.2f}")


def _index(aov: float | None, base: float | None) -> float | str:
    return round(100 * aov / base, 1) if aov is not None and base else ""


def _row(name: str, band: str, t: Tally, base_aov: float | None, expected: bool) -> list[Any]:
    return [name, str(BAND_LABELS[band]), _count(t.shoppers, expected), _count(t.ordered, expected),
            *_rate(t.ordered, t.shoppers), _money(t.aov), _index(t.aov, base_aov), _count(t.shared, expected),
            *_rate(t.shared, t.shoppers)]


def _headers(first: str, expected: bool) -> list[str]:
    shoppers = _("Shoppers (expected)") if expected else _("Shoppers")
    ordered = _("Ordered (expected)") if expected else _("Ordered")
    shared = _("Shared (expected)") if expected else _("Shared")
    return [first, _("Depth band"), shoppers, ordered, _("Conversion rate (%)"), _("Conversion 95% low (%)"),
            _("Conversion 95% high (%)"), _("Average order value (EUR)"), _("Order value index"), shared,
            _("Share rate (%)"), _("Share rate 95% low (%)"), _("Share rate 95% high (%)")]


def _chart(title: str, description: str, names: list[str], tallies: list[dict[str, Tally]]) -> ChartSpec:
    present = [b for b in BAND_ORDER if any(t.get(b) and t[b].shoppers > 0 for t in tallies)]
    series = [Series(str(BAND_LABELS[b]), [_pct(t[b].ordered / t[b].shoppers) if t.get(b) and t[b].shoppers > 0
                                           else 0.0 for t in tallies], BAND_COLOURS[b]) for b in present]
    return ChartSpec("bar", title, description, names, series, unit="%")


def _notes() -> list[str]:
    notes = [
        _("Depth bands: low below %(medium)s, medium from %(medium)s, high from %(high)s points of co-creation "
          "depth. A shopper's band per product comes from their profile; \"Not measured\" means the profile has "
          "no depth for that product yet.") % {"medium": f"{MEDIUM_FROM:g}", "high": f"{HIGH_FROM:g}"},
        _("Per motivation, each shopper counts with their probability for that motivation (a profile's "
          "probabilities sum to 1), so shoppers, orders and shares there are expected counts, and a shopper's "
          "band is that of their deepest product. The 95% intervals treat expected counts as counts: read them "
          "as approximate."),
        _("Who counts: a shopper who designed a product counts once, on the first day they designed it (per "
          "motivation: the first day they designed anything), when that day is in the date range; a segment's "
          "members count from when they joined it. Conversion: they ordered it (not cancelled) within %(days)s "
          "days of that day. Bands and motivations are those the profiles held at the last rollup refresh of "
          "that day (a rescore refreshes them). Order value index: the band's average order value against that "
          "of every band in the table (100 = the same).") % {"days": CONVERSION_DAYS},
        _("Deeper builders may simply be keener buyers: this shows an association, not what depth itself causes."),
    ]
    from personalization.simulate import simulated_shoppers_exist  # the simulator pulls in the services

    if simulated_shoppers_exist():
        notes.insert(0, _("Simulated shoppers are present: the demo's simulator makes deeper builders likelier "
                          "to order, so the depth effect shown here is simulated and proves nothing about real "
                          "shoppers."))
    return notes


def cocreation(f: Filters) -> Report:
    from personalization.reports import Report, Table, _motivations, _product_names

    m, names = _motivations(), _product_names()
    rows = _rollups(f)
    by_product = _tallies(rows.filter(product_id=f.product) if f.product else rows.filter(product__isnull=False),
                          "product_id", True)
    # Per motivation each shopper once: the rows without a product, or the one product's.
    by_motivation = _tallies(rows.filter(product_id=f.product) if f.product else rows.filter(product__isnull=True),
                             "motivation", False)
    product_ids = [p for p in names if p in by_product]
    products = Table("by-product", _("Co-creation depth per product"), _headers(_("Product"), False), [
        _row(names[p], band, by_product[p][band], _base(by_product[p].values()), False)
        for p in product_ids for band in BAND_ORDER if by_product[p][band].shoppers > 0])
    base = _base(t for bands in by_motivation.values() for t in bands.values())
    codes = m.sort(set(by_motivation))
    motivations = Table("by-motivation", _("Co-creation depth per motivation"), _headers(_("Motivation"), True), [
        _row(m.name(c), band, by_motivation[c][band], base, True)
        for c in codes for band in BAND_ORDER if by_motivation[c][band].shoppers > 0])
    charts = [
        _chart(_("Conversion by depth band, per product"),
               _("For each product, the share of the shoppers who designed it that ordered it, by depth band."),
               [names[p] for p in product_ids], [by_product[p] for p in product_ids]),
        _chart(_("Conversion by depth band, per motivation"),
               _("For each motivation, the expected share of its shoppers who ordered, by depth band (shoppers "
                 "weighted by their probability for the motivation)."),
               [m.name(c) for c in codes], [by_motivation[c] for c in codes]),
    ]
    return Report("depth", _("Co-creation depth"),
                  _("Do shoppers who build more of their product order more, spend more and share more? Conversion, "
                    "order value and share rate by co-creation depth band, per product and per motivation, with 95% "
                    "Wilson intervals."), [products, motivations], charts, _notes())
