"""Motivation tag sums, and reading events. Profiles come from the choice model
(personalization/choice_model.py); what stays here:
- `coerce_event` / `unique_events`: events as plain data, odd ones dropped (shared with the
  choice model and co-creation depth);
- `event_signal`: what one event's option weights say, recorded on the event as its `scores`
  for the "what the choices say" report;
- `score_events`: the previous reading (decayed tag sums, the winner takes all), kept only so
  that `evaluate_motivations` can show how far the choice model has come.

The original description of the tag sum: a shopper's events and a weight map in, decayed scores, the dominant
motivation, a confidence and the evidence out. Pure: plain data, no ORM, no clock (`now` is
passed in), deterministic whatever the order of the events, and it never raises on odd input
(an event it cannot read counts for nothing).

Two levels, so that a stored event's scores never depend on the rest of a shopper's history:
- `event_signal`: what one event says by itself (its option's weights, a trade-off, a removal,
  personal text, a share), undecayed. This is what an event records as its `scores`.
- `score_events`: the profile. The signals decayed by age, plus patterns across events
  (consistently taking the cheapest option points to value).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

# (product id, step code, option code) -> {motivation code: weight}. A personal-text step's
# weights sit under the option code "".
WeightMap = Mapping[tuple[int, str, str], Mapping[str, float]]

SELECTED = "option_selected"
REMOVED = "option_removed"
TEXT = "text_personalized"
SHARED = "build_shared"


@dataclass(frozen=True, slots=True)
class ScoringConfig:
    half_life_days: float = 30.0
    tradeoff: float = 0.5  # the share of a given-up option's weights that is lost
    removed: float = 0.5  # the share of a removed option's weights that is lost
    auto: float = 0.2  # a change a repair made, not the shopper's click
    text: Mapping[str, float] = field(default_factory=lambda: {"self-expression": 0.8})  # text step without weights
    shared: Mapping[str, float] = field(default_factory=lambda: {"self-expression": 0.6})
    cheapest: Mapping[str, float] = field(default_factory=lambda: {"value": 0.5})  # per cheapest pick...
    cheapest_min: int = 3  # ...once the shopper took the cheapest option in this many distinct choices
    evidence_size: int = 8
    evidence_scale: float = 3.0  # total score at which the evidence factor of confidence reaches 63%


DEFAULT = ScoringConfig()


class EventIn(NamedTuple):
    """One event as scoring reads it. A named tuple, not a frozen dataclass: a profile recompute
    makes one per event, and a tuple is built three to four times faster."""

    id: int
    type: str
    occurred_at: datetime
    product: int | None = None
    group: str = ""
    option: str = ""
    build: str | None = None
    properties: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Evidence:
    event: int
    type: str
    product: int | None
    group: str
    option: str
    motivation: str
    contribution: float
    given_up: tuple[str, ...] = ()
    reason: str = "choice"  # choice | trade_off | auto | removed | text | shared | cheapest
    version: int | None = None  # the catalog version the event was made on, for labels

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event, "type": self.type, "product": self.product, "group": self.group,
            "option": self.option, "motivation": self.motivation, "contribution": self.contribution,
            "given_up": list(self.given_up), "reason": self.reason, "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class ProfileScores:
    scores: dict[str, float]
    dominant: str | None
    confidence: float
    evidence: tuple[Evidence, ...]
    event_scores: dict[int, dict[str, float]]  # per event id: its undecayed signal
    event_count: int
    last_event_id: int


# --- reading odd input ----------------------------------------------------------------------

def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def coerce_event(raw: Any) -> EventIn | None:
    """An EventIn from an EventIn, a mapping (as `Event.objects.values()` gives) or None if
    it has no usable id, type or time."""
    if isinstance(raw, EventIn):
        return raw
    if not isinstance(raw, dict | Mapping):  # dict first: the common case, and a cheap check
        return None
    event_id, type_, at = raw.get("id"), raw.get("type"), _aware(raw.get("occurred_at"))
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not isinstance(type_, str) or at is None:
        return None
    product = raw.get("product", raw.get("product_id"))
    build = raw.get("build", raw.get("build_id"))
    properties = raw.get("properties")
    if not isinstance(properties, dict | Mapping):
        properties = {}
    return EventIn(
        id=event_id, type=type_, occurred_at=at,
        product=product if isinstance(product, int) and not isinstance(product, bool) else None,
        group=_text(raw.get("group")), option=_text(raw.get("option")),
        build=str(build) if build is not None else None,
        properties=properties,
    )


def _weights(weights: WeightMap, product: int | None, group: str, option: str) -> dict[str, float]:
    """Non-negative, finite weights only: an option never counts against a motivation by
    itself (giving it up does)."""
    if product is None:
        return {}
    try:
        raw = weights.get((product, group, option)) or {}
        items = list(raw.items())
    except (AttributeError, TypeError):
        return {}
    return {str(code): w for code, value in items if (w := _number(value)) > 0}


def _given_up(event: EventIn) -> tuple[str, ...]:
    previous = event.properties.get("previous")
    if isinstance(previous, str):
        previous = [previous]
    if not isinstance(previous, list | tuple):
        return ()
    return tuple(sorted({p for p in previous if isinstance(p, str) and p and p != event.option}))


def _version(event: EventIn) -> int | None:
    version = event.properties.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


# --- one event --------------------------------------------------------------------------------

def event_signal(event: EventIn, weights: WeightMap, config: ScoringConfig = DEFAULT) -> list[Evidence]:
    """What one event says by itself, undecayed: one line per motivation it moves."""
    auto = event.properties.get("auto") is True
    factor = config.auto if auto else 1.0
    amounts: dict[str, float] = {}
    given_up: tuple[str, ...] = ()
    reason = "auto" if auto else "choice"
    if event.type == SELECTED and event.option:
        gained = _weights(weights, event.product, event.group, event.option)
        given_up = _given_up(event)
        lost: dict[str, float] = {}
        for code in given_up:
            for motivation, w in _weights(weights, event.product, event.group, code).items():
                lost[motivation] = max(lost.get(motivation, 0.0), w)
        if lost and not auto:
            reason = "trade_off"
        for motivation in gained.keys() | lost.keys():
            amount = gained.get(motivation, 0.0) - config.tradeoff * lost.get(motivation, 0.0)
            # Choosing an option that carries a motivation never counts against it.
            amounts[motivation] = max(amount, 0.0) if motivation in gained else amount
    elif event.type == REMOVED and event.option:
        reason = "removed"
        for motivation, w in _weights(weights, event.product, event.group, event.option).items():
            amounts[motivation] = -config.removed * w
    elif event.type == TEXT and event.group:
        reason = "text"
        tagged = _weights(weights, event.product, event.group, "") or {
            m: w for m, v in config.text.items() if (w := _number(v)) > 0
        }
        sign = -config.removed if event.properties.get("cleared") is True else 1.0
        amounts = {m: sign * w for m, w in tagged.items()}
    elif event.type == SHARED:
        reason = "shared"
        amounts = {m: w for m, v in config.shared.items() if (w := _number(v)) > 0}
    return [
        Evidence(event.id, event.type, event.product, event.group, event.option, motivation,
                 amount * factor, given_up, reason, _version(event))
        for motivation, amount in sorted(amounts.items()) if amount != 0.0
    ]


def decay(age_days: float, half_life_days: float) -> float:
    """The weight of a signal `age_days` old: 1 now, 1/2 after one half-life. Events dated in
    the future count as now."""
    if not half_life_days > 0 or not math.isfinite(half_life_days):
        return 1.0
    return 0.5 ** (max(_number(age_days), 0.0) / half_life_days)


# --- the profile ----------------------------------------------------------------------------

def unique_events(events: Iterable[Any]) -> list[EventIn]:
    """Readable events once per id (a replayed event counts once), oldest first."""
    seen: dict[int, EventIn] = {}
    try:
        iterator = iter(events)
    except TypeError:
        return []
    for raw in iterator:
        event = coerce_event(raw)
        if event is not None and event.id not in seen:
            seen[event.id] = event
    return sorted(seen.values(), key=lambda e: (e.occurred_at, e.id))


def _strongest_per_key(lines: list[tuple[tuple, Evidence, float]]) -> list[tuple[Evidence, float]]:
    """Of repeated signals (retyping a badge, sharing the same build twice) only the strongest
    counts, per motivation; ties go to the oldest event."""
    best: dict[tuple, tuple[Evidence, float]] = {}
    for key, line, amount in lines:
        held = best.get(key)
        if held is None or (abs(amount), -line.event) > (abs(held[1]), -held[0].event):
            best[key] = (line, amount)
    return list(best.values())


def _cheapest_lines(events: list[EventIn], now: datetime, config: ScoringConfig) -> list[tuple[Evidence, float]]:
    picks = [e for e in events if e.type == SELECTED and e.option and e.properties.get("cheapest") is True
             and e.properties.get("auto") is not True]
    if len({(e.product, e.group, e.option) for e in picks}) < config.cheapest_min:
        return []
    lines = []
    for e in picks:
        age = (now - e.occurred_at).total_seconds() / 86400
        for motivation, value in sorted(config.cheapest.items()):
            w = _number(value)
            if w > 0:
                ev = Evidence(e.id, e.type, e.product, e.group, e.option, motivation, w, (), "cheapest", _version(e))
                lines.append((ev, w * decay(age, config.half_life_days)))
    return lines


def _confidence(ranked: list[tuple[str, float]], config: ScoringConfig) -> float:
    """The margin between the top two (relative to the top) times the amount of evidence."""
    if not ranked or ranked[0][1] <= 0:
        return 0.0
    top = ranked[0][1]
    second = max(ranked[1][1], 0.0) if len(ranked) > 1 else 0.0
    margin = (top - second) / top
    total = sum(s for _, s in ranked if s > 0)
    amount = 1.0 - math.exp(-total / config.evidence_scale) if config.evidence_scale > 0 else 1.0
    return round(min(max(math.sqrt(margin) * amount, 0.0), 1.0), 4)


def score_events(events: Iterable[Any], weights: WeightMap, *, now: datetime,
                 motivations: Iterable[str] | None = None, config: ScoringConfig = DEFAULT) -> ProfileScores:
    """A profile from all of a shopper's events. `motivations` lists the codes to score (every
    one gets a score, signals for others are ignored); by default every code that appears."""
    now = _aware(now) or datetime.now(UTC)
    unique = unique_events(events)
    wanted = None if motivations is None else set(motivations)
    plain: list[tuple[Evidence, float]] = []
    repeated: list[tuple[tuple, Evidence, float]] = []
    event_scores: dict[int, dict[str, float]] = {}
    for event in unique:
        signal = [line for line in event_signal(event, weights, config) if wanted is None or line.motivation in wanted]
        event_scores[event.id] = {line.motivation: round(line.contribution, 6) for line in signal}
        factor = decay((now - event.occurred_at).total_seconds() / 86400, config.half_life_days)
        for line in signal:
            if line.reason in ("text", "shared") and line.contribution > 0:
                key = (event.type, event.product, event.group, event.build, line.motivation)
                repeated.append((key, line, line.contribution * factor))
            else:
                plain.append((line, line.contribution * factor))
    lines = plain + _strongest_per_key(repeated)
    lines += [line for line in _cheapest_lines(unique, now, config) if wanted is None or line[0].motivation in wanted]

    totals: dict[str, float] = dict.fromkeys(sorted(wanted or ()), 0.0)
    for line, amount in sorted(lines, key=lambda item: (item[0].event, item[0].motivation, item[0].reason)):
        totals[line.motivation] = totals.get(line.motivation, 0.0) + amount
    # Evidence against a motivation can cancel evidence for it, but not go below none.
    scores = {code: round(max(total, 0.0), 6) for code, total in sorted(totals.items())}
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    dominant = ranked[0][0] if ranked and ranked[0][1] > 0 else None
    strongest = sorted(lines, key=lambda item: (-abs(item[1]), item[0].event, item[0].motivation, item[0].reason))
    evidence = tuple(
        Evidence(e.event, e.type, e.product, e.group, e.option, e.motivation, round(amount, 4), e.given_up,
                 e.reason, e.version)
        for e, amount in strongest[: max(config.evidence_size, 0)] if round(amount, 4) != 0
    )
    return ProfileScores(
        scores=scores, dominant=dominant, confidence=_confidence(ranked, config), evidence=evidence,
        event_scores=event_scores, event_count=len(unique), last_event_id=max((e.id for e in unique), default=0),
    )
