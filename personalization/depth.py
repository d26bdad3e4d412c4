"""Co-creation depth: how much of a build the shopper made themselves ("I built it, therefore
I own it"). Pure: plain data in, dataclasses out, no ORM and no clock; it never raises on odd
input (an event it cannot read counts for nothing).

One score, the same for a build and for a shopper's work on a product:

    depth = steps + 2 × texts + min(minutes, 20) / 4 + remixes + 0.5 × repairs

- steps: distinct steps changed by the shopper (a build: steps that differ from the catalog's
  defaults; events: steps of the shopper's own clicks, not a repair's). One point each: every
  step is one decision the brand left to them.
- texts: personal-text steps filled in (their last text not cleared). Two points: writing your
  own words is the most personal act a configurator allows, and there is one such step per
  product at most in the demo, so it cannot swamp the steps.
- minutes: time spent designing, capped at 20 and worth a quarter point a minute (at most five
  points): time shows care, but it is also noise (a slow reader, a phone call), so it can never
  outweigh the choices themselves. Gaps between events count up to 5 minutes each, so a break
  is not design time.
- remixes: builds remixed from someone else's share. One point: adopting and adapting a design
  is a choice, and the edits made after it already count as steps.
- repairs: accepted repairs (a choice that broke a rule, fixed by the studio, and kept). Half a
  point: the shopper pushed against a constraint and went on, but the studio made the change.

Bands have fixed cut points so that they mean the same thing in every report and segment:
low below 3 (the default with a tweak or two), medium from 3 (a handful of decisions, or text
and time), high from 8 (many steps, and usually text and time as well). A shopper's depth is
that of their deepest product; with no product configured the band is "" (no depth).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from configurator.engine import TEXT, Catalog, default_state, normalize
from personalization.scoring import EventIn, coerce_event

SELECTED = "option_selected"
REMOVED = "option_removed"
TEXT_EVENT = "text_personalized"
SAVED = "build_saved"
REMIXED = "build_remixed"
# The events that are designing a product: they make it "configured" and time it.
DESIGN = frozenset({SELECTED, REMOVED, TEXT_EVENT, SAVED, REMIXED})

STEP_WEIGHT = 1.0
TEXT_WEIGHT = 2.0
MINUTES_CAP = 20.0
MINUTES_PER_POINT = 4.0
REMIX_WEIGHT = 1.0
REPAIR_WEIGHT = 0.5
GAP_CAP = timedelta(minutes=5)

LOW, MEDIUM, HIGH = "low", "medium", "high"
BANDS = (LOW, MEDIUM, HIGH)
MEDIUM_FROM = 3.0
HIGH_FROM = 8.0

# order_boost: the simulator's order-probability multiplier, linear in depth between these.
BOOST_MIN = 0.6
BOOST_MAX = 1.6
BOOST_PER_POINT = 0.1


@dataclass(frozen=True, slots=True)
class BuildDepth:
    steps: int
    texts: int
    minutes: float
    remixes: int
    repairs: int
    depth: float
    band: str

    def as_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "texts": self.texts, "minutes": self.minutes, "remixes": self.remixes,
                "repairs": self.repairs, "depth": self.depth, "band": self.band}


@dataclass(frozen=True, slots=True)
class ShopperDepth:
    depth: float
    band: str  # "" when the shopper configured no product
    per_product: dict[int, dict[str, Any]]  # product id -> BuildDepth.as_dict()


def _count(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return int(number) if math.isfinite(number) and number > 0 else 0


def _minutes(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def depth_score(*, steps: int = 0, texts: int = 0, minutes: float = 0.0, remixes: int = 0, repairs: int = 0) -> float:
    """The one depth score (see the module docstring), rounded to 2 decimals."""
    score = (STEP_WEIGHT * _count(steps) + TEXT_WEIGHT * _count(texts)
             + min(_minutes(minutes), MINUTES_CAP) / MINUTES_PER_POINT
             + REMIX_WEIGHT * _count(remixes) + REPAIR_WEIGHT * _count(repairs))
    return round(score, 2)


def band_of(depth: float) -> str:
    """low / medium / high by the fixed cut points (odd input is low)."""
    value = _minutes(depth)
    return HIGH if value >= HIGH_FROM else MEDIUM if value >= MEDIUM_FROM else LOW


def _measured(steps: int, texts: int, minutes: float, remixes: int, repairs: int) -> BuildDepth:
    steps, texts, remixes, repairs = _count(steps), _count(texts), _count(remixes), _count(repairs)
    minutes = round(_minutes(minutes), 1)
    depth = depth_score(steps=steps, texts=texts, minutes=minutes, remixes=remixes, repairs=repairs)
    return BuildDepth(steps, texts, minutes, remixes, repairs, depth, band_of(depth))


def build_depth(cat: Catalog, selections: Any, *, remix: bool = False, minutes: float = 0.0,
                repairs: int = 0) -> BuildDepth:
    """The depth of one build: its selections against the catalog's defaults (steps whose
    choice differs, personal texts filled), whether it is a remix, and, when known, the minutes
    spent on it and the repairs accepted. Selections the catalog cannot read count as the
    defaults (as the engine's normalization treats them)."""
    if not isinstance(cat, Catalog):
        return _measured(0, 0, minutes, int(remix is True), repairs)
    state, errors = normalize(cat, selections if isinstance(selections, dict) else {})
    default = default_state(cat)
    steps = texts = 0
    for group in cat.groups:
        if group.code in errors:  # an unreadable choice: the engine would not have taken it
            continue
        if group.kind == TEXT:
            texts += bool(state.text(group.code))
        elif state.mask & group.mask != default.mask & group.mask:
            steps += 1
    return _measured(steps, texts, minutes, int(remix is True), repairs)


# --- a shopper's events ----------------------------------------------------------------------

def _key(event: EventIn) -> tuple:
    """Everything this module reads of an event: duplicates of an id keep the smallest, so the
    result never depends on the order events come in."""
    return (event.occurred_at, event.type, event.product if event.product is not None else -1, event.group,
            event.option, event.properties.get("auto") is True, event.properties.get("cleared") is True)


def depth_events(events: Any) -> list[EventIn]:
    """Readable events with a product, once per id, oldest first."""
    if isinstance(events, str | bytes | Mapping):
        return []
    try:
        iterator = iter(events)
    except TypeError:
        return []
    best: dict[int, EventIn] = {}
    for raw in iterator:
        event = coerce_event(raw)
        if event is None or event.product is None:
            continue
        held = best.get(event.id)
        if held is None or _key(event) < _key(held):
            best[event.id] = event
    return sorted(best.values(), key=lambda e: (_key(e), e.id))


@dataclass
class _Product:
    """What depth reads of one product's events so far."""

    steps: set[str] = field(default_factory=set)
    texts: dict[str, bool] = field(default_factory=dict)  # step -> its newest text is filled
    repairs: int = 0  # distinct moments a repair changed a step
    last_repair: datetime | None = None
    remixes: set[str] = field(default_factory=set)
    designing: timedelta = timedelta()  # the gaps between design events, each capped
    last_design: datetime | None = None

    def add(self, e: EventIn) -> None:
        auto = e.properties.get("auto") is True
        if e.type in (SELECTED, REMOVED) and e.group:
            if not auto:
                self.steps.add(e.group)
            elif e.occurred_at != self.last_repair:  # events come oldest first
                self.repairs += 1
                self.last_repair = e.occurred_at
        elif e.type == TEXT_EVENT and e.group and not auto:
            self.texts[e.group] = e.properties.get("cleared") is not True
        elif e.type == REMIXED:
            self.remixes.add(str(e.build if e.build is not None else e.id))
        if e.type in DESIGN:
            if self.last_design is not None:
                self.designing += min(e.occurred_at - self.last_design, GAP_CAP)
            self.last_design = e.occurred_at

    def depth(self) -> BuildDepth:
        return _measured(len(self.steps), sum(self.texts.values()), self.designing.total_seconds() / 60,
                         len(self.remixes), self.repairs)


@dataclass
class DepthTally:
    """A shopper's depth so far, brought up to date one event at a time (oldest first), so that
    a profile recompute reads only the new events. JSON-able."""

    products: dict[int, _Product] = field(default_factory=dict)

    def add(self, events: Iterable[EventIn]) -> DepthTally:
        for e in events:
            if e.product is not None:
                self.products.setdefault(e.product, _Product()).add(e)
        return self

    def result(self) -> ShopperDepth:
        details = {product: held.depth() for product, held in sorted(self.products.items())
                   if held.last_design is not None}
        if not details:
            return ShopperDepth(0.0, "", {})
        deepest = max(d.depth for d in details.values())
        return ShopperDepth(deepest, band_of(deepest), {product: d.as_dict() for product, d in details.items()})

    def as_json(self) -> dict[str, list]:
        def at(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {str(product): [sorted(p.steps), p.texts, p.repairs, at(p.last_repair), sorted(p.remixes),
                               p.designing // timedelta(microseconds=1), at(p.last_design)]
                for product, p in self.products.items()}

    @classmethod
    def from_json(cls, data: Any) -> DepthTally | None:
        """The tally `as_json` wrote, or None if `data` is not one."""
        def at(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        out = cls()
        try:
            for product, (steps, texts, repairs, last_repair, remixes, designing, last_design) in data.items():
                out.products[int(product)] = _Product(
                    {str(s) for s in steps}, {str(g): bool(f) for g, f in texts.items()}, int(repairs),
                    at(last_repair), {str(r) for r in remixes}, timedelta(microseconds=int(designing)),
                    at(last_design))
        except (AttributeError, TypeError, ValueError):
            return None
        return out


def shopper_depth(events: Any) -> ShopperDepth:
    """Per product the shopper designed (any click, text, save or remix of it): steps they
    changed themselves, personal texts left filled, minutes designing, remixes made and repairs
    accepted (distinct moments a repair changed a step), scored with `depth_score`. The
    shopper's depth is their deepest product's."""
    return DepthTally().add(depth_events(events)).result()


# --- the simulator's effect -----------------------------------------------------------------

def order_boost(depth: float) -> float:
    """A multiplier on a simulated shopper's order probability: 0.6 with no depth, +0.1 per
    depth point, at most 1.6 (from depth 10, a deep builder). At the band cut points: 0.9 at 3
    (medium), 1.4 at 8 (high). Odd input counts as no depth. It is the demo's modelled IKEA
    effect, not a measured one."""
    return round(min(BOOST_MIN + BOOST_PER_POINT * _minutes(depth), BOOST_MAX), 4)


# ---------------------------------------------------------------- reading a profile (the report and its rollup)

UNMEASURED = ""  # a product the profile holds no depth for yet
_RANK = {UNMEASURED: 0, LOW: 1, MEDIUM: 2, HIGH: 3}


def product_band(detail: Any, product: int) -> str:
    """The band a profile's depth_detail holds for a product ("" when it holds none)."""
    if not isinstance(detail, dict):
        return UNMEASURED
    entry = detail.get(str(product), detail.get(product))
    if not isinstance(entry, dict):
        return UNMEASURED
    if entry.get("band") in BANDS:
        return entry["band"]
    depth = entry.get("depth")
    return band_of(depth) if isinstance(depth, int | float) and not isinstance(depth, bool) else UNMEASURED


def deepest(bands: Iterable[str]) -> str:
    """The deepest of some bands ("" when there are none, or none is measured)."""
    return max(bands, key=_RANK.__getitem__, default=UNMEASURED)


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
