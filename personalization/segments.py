"""Segment rules: strict validation of the rules JSON, and its compilation to a filter over
Shopper.

The JSON staff build in admin:

    {"op": "and" | "or", "items": [condition | group, ...]}

with these conditions (one "kind" each):

    {"kind": "dominant", "motivation": "status"}               # undetermined profiles have none
    {"kind": "probability", "motivation": "status", "cmp": "gte" | "lte", "value": 0.6}   # 0 to 1
    {"kind": "score", "motivation": "value", "cmp": "gte" | "lte", "value": 0.5}          # legacy name
    {"kind": "determined", "value": true | false}
    {"kind": "depth", "cmp": "gte" | "lte", "value": 40}       # co-creation depth, 0 to 1000
    {"kind": "depth_band", "value": "low" | "medium" | "high"}
    {"kind": "configured", "product": 3}                      # has option_selected events for it
    {"kind": "event_count", "event": "build_shared", "days": 30, "cmp": "gte" | "lte" | "eq", "value": 1}
    {"kind": "ordered", "value": true | false}                # from configurator orders (owner_key)
    {"kind": "country", "values": ["NL", "BE"]}
    {"kind": "language", "value": "nl"}
    {"kind": "consent", "purpose": "marketing"}

The profile conditions read the shopper's motivation profile, and a shopper without a profile
never matches one of them:
- "probability": the profile's probability of the motivation (Profile.scores, which sum to 1);
  a motivation missing from the scores has probability 0.
- "score": the legacy name of "probability", kept because saved segments use it. It reads the
  same probability; its threshold is not limited to 0..1 (a saved one may predate probabilities:
  above 1, "gte" matches no one and "lte" every profile).
- "determined": true holds for a profile whose most probable motivation reached the map's
  threshold (it has a dominant motivation); false for a profile that did not ("undetermined").
  A shopper without any profile is neither: there is nothing to be undetermined about.
- "depth" and "depth_band": co-creation depth and its band ("I built it, therefore I own it").

An empty root group ({} or {"op": "and", "items": []}) matches everyone with the purpose's
consent. Validation is pure (plain data in, dataclasses or RulesInvalid out); compilation builds a
Django Q without running a query.

Consent: a segment's members must have consented to its purpose, and a signal may only be used
for a purpose it was consented for. The mapping (SIGNAL_CONSENT below):

- personalization segments: every signal (the members consented to personalization, which is what
  profiles, choices and orders are collected for);
- marketing segments: the contact data given at order (country, language) and consent itself need
  only marketing consent; motivation profiles, choices, event counts and orders are behavioural
  profiling, so a condition over them only holds for shoppers who *also* consented to
  personalization;
- analytics segments: events and orders (what analytics consent covers) and contact data; the
  motivation profile is personalization data and needs personalization consent too.

"Excluded for lack of consent" counts the shoppers who match the rules read without any consent
guard, minus the members. Every condition guard is a conjunction and the rules have no negation,
so members are always a subset of those matches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext as _

MAX_DEPTH = 3  # the root group is depth 1
MAX_CONDITIONS = 25
MAX_ITEMS = 25
MAX_COUNTRIES = 60
MAX_DAYS = 730
MAX_COUNT = 100_000
MAX_SCORE = 1_000_000.0
MAX_DEPTH_VALUE = 1000.0
DEPTH_BANDS = ("low", "medium", "high")

PURPOSES = ("analytics", "personalization", "marketing")
EVENT_TYPES = (
    "option_selected", "option_removed", "text_personalized", "build_saved", "build_shared", "share_viewed",
    "build_remixed", "order_placed", "campaign_shown", "campaign_clicked",
)
KINDS = ("dominant", "probability", "score", "determined", "depth", "depth_band", "configured", "event_count",
         "ordered", "country", "language", "consent")
PROFILE_KINDS = frozenset({"dominant", "probability", "score", "determined", "depth", "depth_band"})
# No "__" (it would read as a lookup), as a motivation's slug code.
_CODE = re.compile(r"^(?!.*__)[a-z0-9][a-z0-9_-]{0,39}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

# Which consents, besides the segment's own purpose, a condition needs to hold for a shopper.
_BEHAVIOUR = frozenset({"personalization"})
SIGNAL_CONSENT: dict[str, dict[str, frozenset[str]]] = {
    "personalization": {kind: frozenset() for kind in KINDS},
    "marketing": {
        **{kind: _BEHAVIOUR for kind in PROFILE_KINDS}, "configured": _BEHAVIOUR, "event_count": _BEHAVIOUR,
        "ordered": _BEHAVIOUR, "country": frozenset(), "language": frozenset(), "consent": frozenset(),
    },
    "analytics": {
        **{kind: _BEHAVIOUR for kind in PROFILE_KINDS}, "configured": frozenset(), "event_count": frozenset(),
        "ordered": frozenset(), "country": frozenset(), "language": frozenset(), "consent": frozenset(),
    },
}


class RulesInvalid(ValueError):
    """The rules, refused: `errors` are messages, each starting with where it applies."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Condition:
    kind: str
    motivation: str = ""
    product: int | None = None
    event: str = ""
    days: int = 0
    cmp: str = ""
    value: Any = None
    values: tuple[str, ...] = ()
    purpose: str = ""

    def as_json(self) -> dict[str, Any]:
        fields = {
            "dominant": ("motivation",), "probability": ("motivation", "cmp", "value"),
            "score": ("motivation", "cmp", "value"), "determined": ("value",), "depth": ("cmp", "value"),
            "depth_band": ("value",), "configured": ("product",),
            "event_count": ("event", "days", "cmp", "value"), "ordered": ("value",), "country": ("values",),
            "language": ("value",), "consent": ("purpose",),
        }[self.kind]
        out: dict[str, Any] = {"kind": self.kind}
        for name in fields:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Group:
    op: str
    items: tuple[Condition | Group, ...]

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "items": [item.as_json() for item in self.items]}

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        for item in self.items:
            found.extend(item.conditions() if isinstance(item, Group) else [item])
        return found


EVERYONE = Group("and", ())


# Validation ------------------------------------------------------------------------------------

def _number_between(value: Any, low: float, high: float) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
            and low <= value <= high)


class _Checker:
    def __init__(self, motivations: set[str] | None, products: set[int] | None, languages: set[str]) -> None:
        self.motivations = motivations
        self.products = products
        self.languages = languages
        self.errors: list[str] = []
        self.count = 0

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def group(self, data: Any, where: str, depth: int) -> Group | None:
        if not isinstance(data, dict):
            self.fail(where, _("A group must be an object with \"op\" and \"items\"."))
            return None
        unknown = set(data) - {"op", "items"}
        if unknown:
            self.fail(where, _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))})
        op = data.get("op", "and")
        if op not in ("and", "or"):
            self.fail(where, _("A group's operator is \"and\" or \"or\"."))
        items = data.get("items", [])
        if not isinstance(items, list):
            self.fail(where, _("A group's items must be a list."))
            return None
        if not items and depth > 1:
            self.fail(where, _("A group needs at least one condition."))
        if len(items) > MAX_ITEMS:
            self.fail(where, _("A group holds at most %(n)s items.") % {"n": MAX_ITEMS})
            return None
        parsed = []
        for index, item in enumerate(items):
            path = f"{where}.items[{index}]"
            if isinstance(item, dict) and "kind" not in item and ("items" in item or "op" in item):
                if depth >= MAX_DEPTH:
                    self.fail(path, _("Groups nest at most %(n)s levels deep.") % {"n": MAX_DEPTH})
                    continue
                child = self.group(item, path, depth + 1)
            else:
                child = self.condition(item, path)
            if child is not None:
                parsed.append(child)
        return Group(op if op in ("and", "or") else "and", tuple(parsed))

    def condition(self, data: Any, where: str) -> Condition | None:
        self.count += 1
        if self.count == MAX_CONDITIONS + 1:
            self.fail(where, _("A segment has at most %(n)s conditions.") % {"n": MAX_CONDITIONS})
        if not isinstance(data, dict):
            self.fail(where, _("A condition must be an object with a \"kind\"."))
            return None
        kind = data.get("kind")
        if kind not in KINDS:
            self.fail(where, _("Unknown condition kind %(kind)r.") % {"kind": str(kind)[:40]})
            return None
        allowed = {"kind", *Condition(kind).as_json()}
        unknown = set(data) - allowed
        if unknown:
            self.fail(where, _("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))})
        return getattr(self, f"_{kind}")(data, where)

    def _motivation(self, data: dict, where: str) -> str | None:
        code = data.get("motivation")
        if not isinstance(code, str) or not _CODE.match(code):
            self.fail(where, _("Choose a motivation."))
            return None
        if self.motivations is not None and code not in self.motivations:
            self.fail(where, _("Unknown motivation %(code)r.") % {"code": code})
            return None
        return code

    def _cmp(self, data: dict, where: str, allowed: tuple[str, ...]) -> str | None:
        cmp = data.get("cmp")
        if cmp not in allowed:
            self.fail(where, _("Compare with one of: %(ops)s.") % {"ops": ", ".join(allowed)})
            return None
        return cmp

    def _dominant(self, data: dict, where: str) -> Condition | None:
        code = self._motivation(data, where)
        return Condition("dominant", motivation=code) if code else None

    def _score(self, data: dict, where: str) -> Condition | None:
        code = self._motivation(data, where)
        cmp = self._cmp(data, where, ("gte", "lte"))
        value = data.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or abs(value) > MAX_SCORE:
            self.fail(where, _("A score threshold is a number."))
            return None
        return Condition("score", motivation=code, cmp=cmp, value=float(value)) if code and cmp else None

    def _probability(self, data: dict, where: str) -> Condition | None:
        code = self._motivation(data, where)
        cmp = self._cmp(data, where, ("gte", "lte"))
        value = data.get("value")
        if not _number_between(value, 0.0, 1.0):
            self.fail(where, _("A probability is a number from 0 to 1."))
            return None
        return Condition("probability", motivation=code, cmp=cmp, value=float(value)) if code and cmp else None

    def _determined(self, data: dict, where: str) -> Condition | None:
        value = data.get("value")
        if not isinstance(value, bool):
            self.fail(where, _("Say yes (true) or no (false)."))
            return None
        return Condition("determined", value=value)

    def _depth(self, data: dict, where: str) -> Condition | None:
        cmp = self._cmp(data, where, ("gte", "lte"))
        value = data.get("value")
        if not _number_between(value, 0.0, MAX_DEPTH_VALUE):
            self.fail(where, _("A depth is a number from 0 to %(n)s.") % {"n": int(MAX_DEPTH_VALUE)})
            return None
        return Condition("depth", cmp=cmp, value=float(value)) if cmp else None

    def _depth_band(self, data: dict, where: str) -> Condition | None:
        value = data.get("value")
        if value not in DEPTH_BANDS:
            self.fail(where, _("Choose a depth band: low, medium or high."))
            return None
        return Condition("depth_band", value=value)

    def _configured(self, data: dict, where: str) -> Condition | None:
        product = data.get("product")
        if isinstance(product, bool) or not isinstance(product, int) or product < 1:
            self.fail(where, _("Choose a product."))
            return None
        if self.products is not None and product not in self.products:
            self.fail(where, _("Unknown product %(id)s.") % {"id": product})
            return None
        return Condition("configured", product=product)

    def _event_count(self, data: dict, where: str) -> Condition | None:
        event, days, value = data.get("event"), data.get("days"), data.get("value")
        cmp = self._cmp(data, where, ("gte", "lte", "eq"))
        ok = True
        if event not in EVENT_TYPES:
            self.fail(where, _("Choose an event type."))
            ok = False
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            self.fail(where, _("The window is 1 to %(n)s days.") % {"n": MAX_DAYS})
            ok = False
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            self.fail(where, _("The count is a whole number from 0 to %(n)s.") % {"n": MAX_COUNT})
            ok = False
        return Condition("event_count", event=event, days=days, cmp=cmp, value=value) if ok and cmp else None

    def _ordered(self, data: dict, where: str) -> Condition | None:
        value = data.get("value")
        if not isinstance(value, bool):
            self.fail(where, _("Say yes (true) or no (false)."))
            return None
        return Condition("ordered", value=value)

    def _country(self, data: dict, where: str) -> Condition | None:
        values = data.get("values")
        if not isinstance(values, list) or not values or len(values) > MAX_COUNTRIES:
            self.fail(where, _("Choose 1 to %(n)s countries.") % {"n": MAX_COUNTRIES})
            return None
        codes = [v.upper() if isinstance(v, str) else v for v in values]
        bad = [str(v)[:10] for v in codes if not isinstance(v, str) or not _COUNTRY.match(v)]
        if bad:
            self.fail(where, _("Not a country code: %(codes)s.") % {"codes": ", ".join(bad)})
            return None
        return Condition("country", values=tuple(sorted(set(codes))))

    def _language(self, data: dict, where: str) -> Condition | None:
        value = data.get("value")
        if value not in self.languages:
            self.fail(where, _("Choose a language: %(codes)s.") % {"codes": ", ".join(sorted(self.languages))})
            return None
        return Condition("language", value=value)

    def _consent(self, data: dict, where: str) -> Condition | None:
        purpose = data.get("purpose")
        if purpose not in PURPOSES:
            self.fail(where, _("Choose a consent purpose."))
            return None
        return Condition("consent", purpose=purpose)


def rules_validate(data: Any, *, motivations: set[str] | None = None, products: set[int] | None = None,
                   languages: set[str] | None = None) -> Group:
    """The rules JSON, checked strictly, as a Group; RulesInvalid lists every problem. Pass the
    known motivation codes and product ids to check that they exist."""
    if data is None or data == {}:
        return EVERYONE
    checker = _Checker(motivations, products, languages or {code for code, _name in settings.LANGUAGES})
    group = checker.group(data, "rules", 1)
    if checker.errors or group is None:
        raise RulesInvalid(checker.errors or [_("rules: Unreadable rules.")])
    return group


def purpose_check(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise RulesInvalid([_("purpose: Choose analytics, personalization or marketing.")])
    return purpose


# Compilation -----------------------------------------------------------------------------------

def _count_events(cond: Condition, now: datetime):
    from personalization.models import Event

    since = now - timedelta(days=cond.days)
    events = Event.objects.filter(shopper=OuterRef("pk"), type=cond.event, occurred_at__gte=since,
                                  occurred_at__lte=now)
    if cond.cmp == "gte" and cond.value <= 1:
        # ">= 0" holds for everyone: an always-true Q (an empty Q() would vanish inside an OR).
        return Q(Exists(events)) if cond.value == 1 else Q(pk__isnull=False)
    if cond.cmp in ("eq", "lte") and cond.value == 0:
        return ~Q(Exists(events))
    counted = Coalesce(
        Subquery(events.order_by().values("shopper").annotate(n=Count("id")).values("n")[:1],
                 output_field=IntegerField()),
        Value(0),
    )
    lookup = {"gte": GreaterThanOrEqual, "lte": LessThanOrEqual, "eq": Exact}[cond.cmp]
    return Q(lookup(counted, cond.value))


def _probability_q(cond: Condition) -> Q:
    """A profile's probability of the motivation against the threshold; a motivation missing from
    its scores has probability 0 (so "<= 0.3" holds for it). No profile, no match."""
    q = Q(**{f"profile__scores__{cond.motivation}__{cond.cmp}": cond.value})
    zero_matches = cond.value <= 0 if cond.cmp == "gte" else cond.value >= 0
    if zero_matches:
        q |= Q(profile__isnull=False) & ~Q(**{"profile__scores__has_key": cond.motivation})
    return q


def condition_q(cond: Condition, now: datetime) -> Q:
    """One condition as a filter over Shopper, without any consent guard."""
    from configurator.models import Order
    from personalization.models import Event

    if cond.kind == "dominant":
        return Q(profile__dominant__code=cond.motivation)
    if cond.kind in ("probability", "score"):
        return _probability_q(cond)
    if cond.kind == "determined":
        return Q(profile__isnull=False, profile__determined=cond.value)
    if cond.kind == "depth":
        return Q(**{f"profile__depth__{cond.cmp}": cond.value})
    if cond.kind == "depth_band":
        return Q(profile__depth_band=cond.value)
    if cond.kind == "configured":
        return Q(Exists(Event.objects.filter(shopper=OuterRef("pk"), type="option_selected", product_id=cond.product)))
    if cond.kind == "event_count":
        return _count_events(cond, now)
    if cond.kind == "ordered":
        ordered = Q(Exists(Order.objects.filter(owner_key=OuterRef("pk"))))
        return ordered if cond.value else ~ordered
    if cond.kind == "country":
        return Q(country__in=list(cond.values))
    if cond.kind == "language":
        return Q(language=cond.value)
    if cond.kind == "consent":
        return Q(**{cond.purpose: True})
    raise ValueError(cond.kind)


def _consent_q(purposes: frozenset[str]) -> Q:
    return Q(**{p: True for p in sorted(purposes)})


def rules_q(group: Group, *, now: datetime, purpose: str | None = None) -> Q:
    """The rules as a Q over Shopper. With a `purpose`, each condition holds only for shoppers who
    consented to what its signal needs (SIGNAL_CONSENT); without one, the plain rules."""
    parts = []
    for item in group.items:
        if isinstance(item, Group):
            parts.append(rules_q(item, now=now, purpose=purpose))
            continue
        q = condition_q(item, now)
        needs = SIGNAL_CONSENT[purpose][item.kind] if purpose else frozenset()
        parts.append(q & _consent_q(needs) if needs else q)
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if group.op == "and" else combined | part
    return combined


def members_q(group: Group, *, purpose: str, now: datetime) -> Q:
    """Who belongs: consented to the segment's purpose, and matching the consent-guarded rules."""
    return Q(**{purpose_check(purpose): True}) & rules_q(group, now=now, purpose=purpose)


def rules_describe(group: Group) -> str:
    """A one-line reading of the rules for lists and logs."""
    def one(item: Condition | Group) -> str:
        if isinstance(item, Group):
            return f"({rules_describe(item)})"
        data = item.as_json()
        data.pop("kind")
        return f"{item.kind}(" + ", ".join(f"{k}={v}" for k, v in data.items()) + ")"

    if not group.items:
        return _("everyone")
    return f" {group.op.upper()} ".join(one(item) for item in group.items)
