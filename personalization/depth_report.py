"""The co-creation depth report: do shoppers who build more of their product order more, spend
more and share more? Per product × depth band and per motivation × depth band.

Who counts: shoppers who designed a product (a click, text, save or remix of it) in the date
range, within the product and segment filters. Their band per product is the one their profile
holds (Profile.depth_detail, see personalization.depth); a product the profile has no depth for
yet is "not measured". Conversion: they ordered that product (not cancelled) in the range.
Per motivation each shopper counts with their probability for it (the profile's probabilities
sum to 1), so every count there is an expected count.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.models import Order
from configurator.models.orders import OrderStatus
from personalization.charts import ChartSpec, Series
from personalization.depth import BANDS, DESIGN, HIGH_FROM, MEDIUM_FROM, band_of
from personalization.models import Event, EventType, Profile, SegmentMembership
from personalization.stats import wilson_interval

if TYPE_CHECKING:  # reports.py registers this report: it imports the report types at run time only
    from personalization.reports import Filters, Report

UNMEASURED = ""
BAND_ORDER = (*BANDS, UNMEASURED)
BAND_LABELS = {"low": gettext_lazy("Low depth"), "medium": gettext_lazy("Medium depth"),
               "high": gettext_lazy("High depth"), UNMEASURED: gettext_lazy("Not measured")}
BAND_COLOURS = {"low": "#9ecae1", "medium": "#4292c6", "high": "#08519c", UNMEASURED: "#8a8f98"}

Pair = tuple[uuid.UUID, int]  # (shopper, product)


@dataclass
class Tally:
    """Shoppers (or expected shoppers) of one band, and what they did."""

    shoppers: float = 0.0
    ordered: float = 0.0
    shared: float = 0.0
    orders: float = 0.0
    revenue: float = 0.0

    def add(self, weight: float, *, ordered: bool, shared: bool, orders: int, revenue: float) -> None:
        self.shoppers += weight
        self.ordered += weight * ordered
        self.shared += weight * shared
        self.orders += weight * orders
        self.revenue += weight * revenue

    @property
    def aov(self) -> float | None:
        return self.revenue / self.orders if self.orders > 0 else None


@dataclass(frozen=True)
class _Data:
    pairs: set[Pair]
    bands: dict[Pair, str]
    probabilities: dict[uuid.UUID, dict[str, float]]
    orders: dict[Pair, list[float]]
    shared: set[Pair]
    base: dict[int, list[float]]  # per product: every order total in the range


# ---------------------------------------------------------------- reading profiles


def _band(detail: Any, product: int) -> str:
    if not isinstance(detail, dict):
        return UNMEASURED
    entry = detail.get(str(product), detail.get(product))
    if not isinstance(entry, dict):
        return UNMEASURED
    if entry.get("band") in BANDS:
        return entry["band"]
    depth = entry.get("depth")
    return band_of(depth) if isinstance(depth, int | float) and not isinstance(depth, bool) else UNMEASURED


def probabilities(scores: Any) -> dict[str, float]:
    """A profile's motivation probabilities, renormalized to sum to 1; everything on
    "undetermined" ("") when it holds none."""
    found: dict[str, float] = {}
    if isinstance(scores, dict):
        for code, value in scores.items():
            number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
            if isinstance(code, str) and math.isfinite(number) and number > 0:
                found[code] = float(number)
    total = sum(found.values())
    return {code: p / total for code, p in found.items()} if total > 0 else {"": 1.0}


# ---------------------------------------------------------------- queries


def _events(f: Filters, start: datetime, end: datetime) -> QuerySet:
    qs = Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end, product__isnull=False)
    if f.product:
        qs = qs.filter(product_id=f.product)
    if f.segment:
        qs = qs.filter(shopper_id__in=SegmentMembership.objects.filter(segment_id=f.segment).values("shopper_id"))
    return qs


def _load(f: Filters, start: datetime, end: datetime) -> _Data:
    designing = _events(f, start, end).filter(type__in=DESIGN)
    pairs = set(designing.values_list("shopper_id", "product_id").distinct())
    profiles = Profile.objects.filter(shopper_id__in=designing.values("shopper_id")).values_list(
        "shopper_id", "scores", "depth_detail")
    details, probs = {}, {}
    for shopper_id, scores, detail in profiles:
        details[shopper_id], probs[shopper_id] = detail, probabilities(scores)
    bands = {(s, p): _band(details.get(s), p) for s, p in pairs}
    orders: dict[Pair, list[float]] = defaultdict(list)
    base: dict[int, list[float]] = defaultdict(list)
    found = Order.objects.exclude(status=OrderStatus.CANCELLED).filter(created_at__gte=start, created_at__lt=end)
    if f.product:
        found = found.filter(product_id=f.product)
    for owner, product, total in found.values_list("owner_key", "product_id", "total"):
        base[product].append(float(total))
        if (owner, product) in pairs:
            orders[(owner, product)].append(float(total))
    shared = set(_events(f, start, end).filter(type=EventType.BUILD_SHARED).values_list("shopper_id", "product_id").distinct())
    return _Data(pairs, bands, probs, orders, shared & pairs, base)


# ---------------------------------------------------------------- tallies


def per_product(data: _Data) -> dict[int, dict[str, Tally]]:
    tallies: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for pair in data.pairs:
        totals = data.orders.get(pair, [])
        tallies[pair[1]][data.bands[pair]].add(1.0, ordered=bool(totals), shared=pair in data.shared,
                                               orders=len(totals), revenue=sum(totals))
    return tallies


def per_motivation(data: _Data) -> dict[str, dict[str, Tally]]:
    """Each shopper once, in the band of their deepest product, weighted by each motivation's
    probability."""
    products: dict[uuid.UUID, list[int]] = defaultdict(list)
    for shopper, product in data.pairs:
        products[shopper].append(product)
    rank = {band: i for i, band in enumerate((UNMEASURED, *BANDS))}
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for shopper, items in products.items():
        band = max((data.bands[(shopper, p)] for p in items), key=rank.__getitem__)
        totals = [t for p in items for t in data.orders.get((shopper, p), [])]
        shared = any((shopper, p) in data.shared for p in items)
        for code, p in data.probabilities.get(shopper, {"": 1.0}).items():
            tallies[code][band].add(p, ordered=bool(totals), shared=shared, orders=len(totals), revenue=sum(totals))
    return tallies


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


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


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
        _("Conversion: shoppers who designed a product in the date range and ordered it (not cancelled) in the "
          "range. Order value index: the band's average order value against that of all the product's orders "
          "in the range (100 = the same)."),
        _("Deeper builders may simply be keener buyers: this shows an association, not what depth itself causes."),
    ]
    from personalization.simulate import simulated_shoppers_exist  # the simulator pulls in the services

    if simulated_shoppers_exist():
        notes.insert(0, _("Simulated shoppers are present: the demo's simulator makes deeper builders likelier "
                          "to order, so the depth effect shown here is simulated and proves nothing about real "
                          "shoppers."))
    return notes


def cocreation(f: Filters) -> Report:
    from personalization.reports import Report, Table, _days, _motivations, _product_names

    m, names = _motivations(), _product_names()
    data = _load(f, *_days(f))
    by_product, by_motivation = per_product(data), per_motivation(data)
    product_ids = [p for p in names if p in by_product]
    products = Table("by-product", _("Co-creation depth per product"), _headers(_("Product"), False), [
        _row(names[p], band, by_product[p][band], _mean(data.base.get(p, [])), False)
        for p in product_ids for band in BAND_ORDER if by_product[p][band].shoppers > 0])
    all_orders = [t for totals in data.base.values() for t in totals]
    codes = m.sort(set(by_motivation))
    motivations = Table("by-motivation", _("Co-creation depth per motivation"), _headers(_("Motivation"), True), [
        _row(m.name(c), band, by_motivation[c][band], _mean(all_orders), True)
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
