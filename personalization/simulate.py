"""Synthetic shoppers for the demo: motivation-biased journeys through the real services.

Every simulated shopper gets a hidden motivation mix, a consent choice, a country and a language.
They click options whose motivation tags match their mix (only what the studio offers without a
repair), personalize text, save, share, view and remix each other's shares, and order. Clicks
become events exactly as the studio makes them (`capture.choice_events`); builds, shares, remixes
and orders go through the configurator services, whose signal receivers write their events only
for shoppers who consented. A shopper who declines leaves builds and orders but no events.

Journeys are spread over the last `days` days and played in time order, so a share is viewed
only after it was made. The rows the services date "now" (events, builds, orders, the shopper)
are dated at the simulated moment, in the journey's transaction.

The ground truth is the demo catalog's motivation tags (`motivation_tags`), whatever the staff
map says. With `trace=True` every draw that depends on a shopper's hidden mix is recorded (a
`Trace` per shopper): what was on offer and what they did. That is all the Bayes-optimal
classifier of personalization.evaluation needs to compute the accuracy ceiling.

Co-creation depth: deeper builders (more steps changed, personal text, time) order more often
(`depth.order_boost`). This is a modelled effect, so the depth report says it is simulated.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from configurator.demo.catalog import MOTIVATIONS, PRODUCTS
from configurator.engine import MULTI, TEXT, Action, Catalog, option_status, quote, to_plain
from configurator.identity import Owner
from configurator.models import Build, Order, Product
from configurator.personal_text import text_problems
from configurator.services import BuildInvalid, build_remix, build_save, build_share, build_update, order_place
from configurator.snapshot import catalog_for
from personalization.capture import choice_events, event_dict
from personalization.depth import build_depth, order_boost
from personalization.models import ConsentChange, Event, EventType, Placement, Segment, Shopper
from personalization.services.campaigns import campaign_click_store, campaign_place
from personalization.services.events import events_record
from personalization.services.rollups import rollups_refresh
from personalization.services.segments import segment_materialize
from personalization.services.shoppers import consent_set

logger = logging.getLogger(__name__)

# The consent source of simulated shoppers: how `--if-empty` recognises them.
SOURCE = "simulated"

# How common each motivation is as a shopper's main reason to buy.
PREVALENCE = {"practical": 0.22, "status": 0.15, "self-expression": 0.20, "sustainability": 0.15,
              "value": 0.18, "performance": 0.10}
# Per motivation: how likely a shopper driven by it saves, shares (a saved build), orders (a
# complete saved build) and remixes (a share they view); and how much they click around.
RATES = {
    "practical":       {"save": 0.45, "share": 0.10, "order": 0.32, "remix": 0.25, "clicks": 5},
    "status":          {"save": 0.55, "share": 0.40, "order": 0.28, "remix": 0.20, "clicks": 8},
    "self-expression": {"save": 0.65, "share": 0.55, "order": 0.15, "remix": 0.50, "clicks": 12},
    "sustainability":  {"save": 0.50, "share": 0.25, "order": 0.22, "remix": 0.30, "clicks": 7},
    "value":           {"save": 0.35, "share": 0.08, "order": 0.18, "remix": 0.40, "clicks": 5},
    "performance":     {"save": 0.45, "share": 0.22, "order": 0.25, "remix": 0.25, "clicks": 8},
}
# Campaign messages (a live experiment on the home page, as `make run` seeds one): a shopper
# clicks a message framed for motivation m at 2% + 25% x their share of m, and orders at their
# rate x (1 + 0.8 x their share of m). So a message speaks most to those it is framed for, which
# is what the motivation-by-message report should find. Modelled, and the demo says so.
MESSAGE_CLICK = (0.02, 0.25)
MESSAGE_ORDER_LIFT = 0.8


def message_click_rate(mix: dict[str, float], motivation: str) -> float:
    return MESSAGE_CLICK[0] + MESSAGE_CLICK[1] * mix.get(motivation, 0.0)


def message_factor(mix: dict[str, float], motivation: str) -> float:
    """How much more likely to order a campaign message framed for `motivation` makes them."""
    return 1 + MESSAGE_ORDER_LIFT * mix.get(motivation, 0.0) if motivation else 1.0


# (country, share of shoppers, share of them browsing in Dutch)
COUNTRIES = (("NL", 0.40, 0.9), ("BE", 0.12, 0.6), ("DE", 0.12, 0.0), ("GB", 0.12, 0.0),
             ("FR", 0.08, 0.0), ("US", 0.10, 0.0), ("SE", 0.06, 0.0))
# A delivery address per country, valid for configurator.delivery (the postal code's format, a US state).
DEMO_ADDRESSES = {
    "NL": {"address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"},
    "BE": {"address_line1": "Grote Markt 1", "postal_code": "1000", "city": "Brussel"},
    "DE": {"address_line1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin"},
    "GB": {"address_line1": "1 Regent Street", "postal_code": "SW1Y 4NR", "city": "London"},
    "FR": {"address_line1": "1 rue de Rivoli", "postal_code": "75001", "city": "Paris"},
    "US": {"address_line1": "1 Market Street", "postal_code": "94105", "city": "San Francisco", "region": "CA"},
    "SE": {"address_line1": "Drottninggatan 1", "postal_code": "111 51", "city": "Stockholm"},
}
REFERRERS = (("instagram.com", "instagram"), ("www.facebook.com", "facebook"), ("t.co", "twitter"),
             ("web.whatsapp.com", "whatsapp"), ("", ""), ("www.pinterest.com", "pinterest"))
FIRST_NAMES = ("Anna", "Bram", "Chloe", "Daan", "Emma", "Finn", "Julia", "Lars", "Mila", "Noah", "Sara", "Tom")
LAST_NAMES = ("de Vries", "Jansen", "Peeters", "Müller", "Smith", "Martin", "Berg", "Visser", "Bakker")
TEXTS = ("ANNA", "Max", "Lotte", "Sam 7", "TEAM", "Noor", "Bram", "GO", "Kiki 22", "AJB", "KVD", "MJ", "LB", "ES")


@dataclass(frozen=True)
class Persona:
    """A simulated shopper. `mix` (motivation -> share, summing to 1) is hidden from the site:
    only their choices reveal it."""

    shopper_id: uuid.UUID
    mix: dict[str, float]
    main: str  # the largest share of the mix
    analytics: bool
    personalization: bool
    marketing: bool
    gpc: bool
    country: str
    language: str

    @property
    def records_events(self) -> bool:
        return self.analytics or self.personalization

    @property
    def owner(self) -> Owner:
        return Owner(shopper_id=self.shopper_id)

    def rate(self, what: str) -> float:
        return sum(share * RATES[m][what] for m, share in self.mix.items())


# One record per draw that depends on the mix (see personalization/evaluation/truth.py):
#   ("click", ((tags, add), ...) per step offered, (step index, action index))
#   ("text", tags, personalized)      ("rate", what, happened, factor, message)      ("clicks", n)
#   ("message", motivation the campaign message speaks to, clicked)
#   ("product", (tags of each product's options, ...), chosen index)
Trace = list[tuple]


@dataclass
class Report:
    shoppers: int = 0
    consented: int = 0
    events: int = 0
    counts: Counter = field(default_factory=Counter)  # saved, shared, viewed, remixed, ordered, skipped
    personas: list[Persona] = field(default_factory=list)
    profiles: int = 0  # profiles recomputed
    traces: dict[uuid.UUID, Trace] = field(default_factory=dict)  # with trace=True


def _weighted(rng: random.Random, pairs: list[tuple[Any, float]]) -> Any:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def draw_persona(rng: random.Random) -> Persona:
    leading = _weighted(rng, list(PREVALENCE.items()))
    raw = {m: rng.gammavariate(0.6, 1.0) for m in MOTIVATIONS}
    raw[leading] += 3.0  # one reason mostly dominates, the others colour it
    total = sum(raw.values())
    mix = {m: v / total for m, v in raw.items()}
    main = max(mix, key=mix.__getitem__)
    roll = rng.random()
    analytics = roll >= 0.15  # 15% decline everything
    personalization = roll >= 0.20  # 5% allow analytics only
    gpc = rng.random() < 0.06  # their browser sends Sec-GPC: marketing stays off
    marketing = personalization and rng.random() < 0.35 and not gpc
    country, _share, dutch = _weighted(rng, [(c, c[1]) for c in COUNTRIES])
    return Persona(
        shopper_id=uuid.uuid4(), mix=mix, main=main, analytics=analytics, personalization=personalization,
        marketing=marketing, gpc=gpc, country=country,
        language="nl" if rng.random() < dutch else "en",
    )


def motivation_tags() -> dict[str, dict[tuple[str, str], dict[str, float]]]:
    """Product slug -> (step, option) -> motivation weights, from the demo catalog (a text step's
    weights sit under (step, "")). The simulation's ground truth, whatever the map says."""
    tags: dict[str, dict[tuple[str, str], dict[str, float]]] = {}
    for product in PRODUCTS:
        by_option = tags.setdefault(product["slug"], {})
        for group in product["groups"]:
            if group.get("motivations"):
                by_option[(group["code"], "")] = group["motivations"]
            for option in group.get("options", []):
                if option.get("motivations"):
                    by_option[(group["code"], option["code"])] = option["motivations"]
    return tags


def affinity(mix: dict[str, float], weights: dict[str, float] | None) -> float:
    return sum(mix.get(m, 0.0) * w for m, w in (weights or {}).items())


@dataclass
class Configurable:
    product: Product
    cat: Catalog
    tags: dict[tuple[str, str], dict[str, float]]


class Clock:
    """Simulated time: moves forward, never reaches the real now (scoring decays with age)."""

    def __init__(self, start: datetime, ceiling: datetime) -> None:
        self.at, self.ceiling = min(start, ceiling), ceiling

    def tick(self, rng: random.Random, low: float, high: float) -> datetime:
        self.at = min(self.at + timedelta(seconds=rng.uniform(low, high)), self.ceiling)
        return self.at


def _choices(cat: Catalog, plain: dict, tags: dict, mix: dict[str, float]) -> dict[str, list[tuple[Action, float]]]:
    """Step -> what the shopper may click there and how much they want it: options the studio
    offers (unticking a multi-choice option too), weighted by how well their tags match the mix."""
    result = quote(cat, plain)
    out: dict[str, list[tuple[Action, float]]] = {}
    for group in cat.groups:
        if group.kind == TEXT or group.size:  # a size says nothing about motivation: see _sized
            continue
        for index in group.options:
            option = cat.options[index]
            status = option_status(result.availability, index)
            fit = affinity(mix, tags.get((group.code, option.code)))
            if status == "available":
                out.setdefault(group.code, []).append((Action(group.code, option.code, True), 0.05 + 4 * fit * fit + fit))
            elif status == "selected" and group.kind == MULTI:
                out.setdefault(group.code, []).append((Action(group.code, option.code, False), 0.3 if fit < 0.15 else 0.02))
    return out


def _pick(rng: random.Random, choices: dict[str, list[tuple[Action, float]]]) -> Action:
    """A step first (the more it holds that they want, the likelier), then an option in it: a
    step with many colours is not clicked more for having many."""
    step = _weighted(rng, [(options, max(w for _a, w in options)) for options in choices.values()])
    return _weighted(rng, step)


def _click_record(choices: dict[str, list[tuple[Action, float]]], action: Action, tags: dict) -> tuple:
    offered = tuple(tuple((tags.get((a.group, a.option)) or {}, a.selected) for a, _w in options)
                    for options in choices.values())
    for s, options in enumerate(choices.values()):
        for o, (a, _w) in enumerate(options):
            if a == action:
                return ("click", offered, (s, o))
    raise ValueError(action)


def _text_value(rng: random.Random, group) -> str | None:
    fits = [t for t in TEXTS if len(t) <= group.text.max_length and all(re.fullmatch(group.text.pattern, ch) for ch in t)]
    return rng.choice(fits) if fits else None


def _sized(cat: Catalog, plain: dict, persona: Persona) -> dict:
    """Every size step given the shopper's size (so the build can be ordered). Drawn from its own
    generator, per shopper and step, so the rest of the simulation (and its seed) is unchanged."""
    for group in cat.groups:
        if group.size and not plain.get(group.code) and group.options:
            pick = random.Random(f"{persona.shopper_id}:{group.code}").choice(group.options)
            plain = {**plain, group.code: cat.options[pick].code}
    return plain


def walk(rng: random.Random, item: Configurable, persona: Persona, plain: dict, clicks: int, clock: Clock,
         version_id: int, trace: Trace | None = None) -> tuple[dict, list[dict]]:
    """A walk of `clicks` clicks from `plain`: (the build it ends on, the events it made)."""
    cat, events = item.cat, []
    for _ in range(clicks):
        for _attempt in range(4):
            choices = _choices(cat, plain, item.tags, persona.mix)
            if not choices:
                break
            action = _pick(rng, choices)
            after = quote(cat, plain, action)
            if after.repair is None and after.evaluation.valid and not after.errors:
                new_plain = to_plain(cat, after.state)
                events += choice_events(cat, item.product.pk, version_id, plain, new_plain, action,
                                        clock.tick(rng, 4, 45))
                if trace is not None:
                    trace.append(_click_record(choices, action, item.tags))
                plain = new_plain
                break
    plain = _sized(cat, plain, persona)
    for group in cat.groups:  # personal text: a self-expression signal
        if group.kind != TEXT:
            continue
        text_tags = item.tags.get((group.code, "")) or {}
        personalizes = rng.random() < 0.05 + 0.9 * affinity(persona.mix, text_tags)
        if trace is not None:
            trace.append(("text", text_tags, personalizes))
        if personalizes:
            value = _text_value(rng, group)
            candidate = {**plain, group.code: value}
            result = quote(cat, candidate)
            if value and result.evaluation.valid and not text_problems(cat, result.state):
                new_plain = to_plain(cat, result.state)
                events += choice_events(cat, item.product.pk, version_id, plain, new_plain, None,
                                        clock.tick(rng, 10, 60))
                plain = new_plain
    return plain, events


@dataclass
class Share:
    build: Build
    at: datetime
    pull: float  # how far it spreads: a status or self-expression sharer's builds travel further


class Journey:
    """One shopper's visit, played in one transaction. Its tallies and shares count only once
    that transaction commits."""

    def __init__(self, rng: random.Random, persona: Persona, clock: Clock, trace: Trace | None = None) -> None:
        self.rng, self.persona, self.clock, self.trace = rng, persona, clock, trace
        self.wall = timezone.now()  # rows the services write from here on are dated "now"
        self.events = 0
        self.counts: Counter = Counter()
        self.shares: list[Share] = []
        self.consented = False
        self.message = ""  # the motivation the campaign message they saw speaks to

    def draw(self, what: str, factor: float = 1.0) -> bool:
        """Does the shopper do `what` (save, share, order, remix), at their rate times `factor`
        (and, for an order after a campaign message, times message_factor)? Recorded in the trace."""
        message = self.message if what == "order" else ""
        happened = self.rng.random() < self.persona.rate(what) * factor * message_factor(self.persona.mix, message)
        if self.trace is not None:
            self.trace.append(("rate", what, happened, factor, message))
        return happened

    def see_campaign(self, segments: list) -> None:
        """They open the home page, where a live experiment may show them a message (the site's own
        assignment and exposure, as the campaign tag does). They click it at message_click_rate."""
        p = self.persona
        purposes = [name for name in ("analytics", "personalization", "marketing") if getattr(p, name)]
        if not segments or not self.consented or not purposes:
            return
        for segment in segments:  # their consent is new: bring the experiment's segments up to date
            segment_materialize(segment=segment, now=self.clock.at)
        placed = campaign_place(shopper_id=p.shopper_id, purposes=purposes, records_events=p.records_events,
                                placement=Placement.HOME_HERO, now=self.clock.at)
        if placed is None:
            return
        self.message = placed.variant.motivation
        clicked = self.rng.random() < message_click_rate(p.mix, self.message)
        if self.trace is not None:
            self.trace.append(("message", self.message, clicked))
        if clicked and p.records_events:
            campaign_click_store(shopper_id=p.shopper_id, campaign=placed.campaign, variant=placed.variant,
                                 at=self.clock.tick(self.rng, 2, 30))

    def record(self, items: list[dict]) -> None:
        if items and self.persona.records_events:
            self.events += events_record(shopper_id=self.persona.shopper_id, items=items, fresh_keys=True)

    def dated(self, at: datetime, *, build: Build | None = None, order: Order | None = None, **extra) -> None:
        """Move what the last service call wrote "now" to the simulated moment."""
        self.events += Event.objects.filter(
            shopper_id=self.persona.shopper_id, occurred_at__gte=self.wall,
        ).update(occurred_at=at)
        if build is not None:
            Build.objects.filter(pk=build.pk).update(updated_at=at, **extra)
        if order is not None:
            Order.objects.filter(pk=order.pk).update(created_at=at)

    def start(self) -> None:
        p = self.persona
        shopper = consent_set(shopper_id=p.shopper_id, analytics=p.analytics, personalization=p.personalization,
                              marketing=p.marketing, gpc=p.gpc, source=SOURCE, language=p.language)
        if shopper is not None:
            at = self.clock.at
            Shopper.objects.filter(pk=p.shopper_id).update(created_at=at, consent_updated_at=at, country=p.country)
            ConsentChange.objects.filter(shopper_id=p.shopper_id).update(at=at)
            self.consented = True

    def finish(self) -> None:
        Shopper.objects.filter(pk=self.persona.shopper_id).update(last_seen_at=self.clock.at)

    def view(self, share: Share) -> None:
        arrival = share.at + timedelta(minutes=self.rng.uniform(2, 600))
        self.clock.at = min(max(self.clock.at, arrival), self.clock.ceiling)
        referrer, utm = self.rng.choice(REFERRERS)
        properties = {"referrer": referrer}
        if utm:
            properties["utm_source"] = utm
        self.record([event_dict(EventType.SHARE_VIEWED, self.clock.at, product=share.build.product_id,
                                build=str(share.build.pk), properties=properties)])
        self.counts["viewed"] += 1

    def remix(self, share: Share) -> Build:
        build = build_remix(source=share.build, owner=self.persona.owner)
        at = self.clock.tick(self.rng, 20, 120)
        self.dated(at, build=build, created_at=at)
        self.counts["remixed"] += 1
        return build

    def save(self, product: Product, plain: dict, draft: Build | None = None) -> Build:
        owner = self.persona.owner
        if draft is None:
            build = build_save(product=product, selections=plain, owner=owner)
        else:
            build = build_update(build=draft, owner=owner, selections=plain)
        at = self.clock.tick(self.rng, 10, 90)
        self.dated(at, build=build, saved_at=at, **({"created_at": at} if draft is None else {}))
        self.counts["saved"] += 1
        return build

    def share(self, build: Build) -> Build:
        build = build_share(build=build, owner=self.persona.owner)
        at = self.clock.tick(self.rng, 15, 300)
        self.dated(at, build=build, shared_at=at)
        self.counts["shared"] += 1
        mix = self.persona.mix
        self.shares.append(Share(build, at, 0.5 + 3 * mix["self-expression"] + 2 * mix["status"]))
        return build

    def order(self, build: Build) -> Order:
        p, rng = self.persona, self.rng
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{name.split()[0].lower()}.{p.shopper_id.hex[:8]}@example.com"
        order = order_place(build=build, owner=p.owner, name=name, email=email, country=p.country,
                            **DEMO_ADDRESSES[p.country], marketing_opt_in=p.marketing, language=p.language)
        at = self.clock.tick(rng, 120, 3 * 24 * 3600)  # some think it over for a few days
        self.dated(at, build=build, order=order)
        self.counts["ordered"] += 1
        return order


CLICKS_SD = 2.5


def clicks_mean(mix: dict[str, float]) -> float:
    return sum(share * RATES[m]["clicks"] for m, share in mix.items())


def _clicks(rng: random.Random, persona: Persona) -> int:
    return max(2, int(rng.gauss(clicks_mean(persona.mix), CLICKS_SD)))


def _appeal(item: Configurable, mix: dict[str, float]) -> float:
    """How much a product speaks to the mix: performance-minded people configure the car."""
    fits = [affinity(mix, weights) for weights in item.tags.values()]
    return 0.3 + 10 * sum(fits) / len(fits) if fits else 0.3


def play(rng: random.Random, persona: Persona, clock: Clock, products: list[Configurable],
         shares: list[Share], trace: Trace | None = None, segments: list | None = None) -> Journey:
    """One shopper's whole visit: maybe a campaign message on the home page, maybe a share
    someone sent them, then one or two products."""
    journey = Journey(rng, persona, clock, trace)
    journey.start()
    journey.see_campaign(segments or [])
    by_id = {item.product.pk: item for item in products}
    appeal = [(item, _appeal(item, persona.mix)) for item in products]
    todo = [_weighted(rng, appeal)]
    if trace is not None:
        trace.append(("product", tuple(tuple(item.tags.values()) for item in products), products.index(todo[0])))
    if len(products) > 1 and rng.random() < 0.35:
        todo.append(_weighted(rng, [(item, w) for item, w in appeal if item is not todo[0]]))
    if shares and rng.random() < 0.3:
        share = _weighted(rng, [(s, s.pull) for s in shares[-200:]])
        journey.view(share)
        item = by_id.get(share.build.product_id)
        if item is not None and journey.draw("remix"):
            draft = journey.remix(share)
            _configure(journey, item, draft.selections, draft.catalog_version_id, rng.randint(1, 5), draft)
            todo = todo[1:]
    for item in todo:
        start = to_plain(item.cat, quote(item.cat, {}).state)
        clicks = _clicks(rng, persona)
        if trace is not None:
            trace.append(("clicks", clicks))
        _configure(journey, item, start, item.product.current_version_id, clicks)
    journey.finish()
    return journey


def _configure(journey: Journey, item: Configurable, plain: dict, version_id: int, clicks: int,
               draft: Build | None = None) -> None:
    """Click around, then maybe save (a remix is always kept), share and order."""
    rng, persona = journey.rng, journey.persona
    if version_id != item.product.current_version_id:  # a remix of a build on an older catalog
        item = Configurable(item.product, catalog_for(version_id), item.tags)
    plain, events = walk(rng, item, persona, plain, clicks, journey.clock, version_id, journey.trace)
    journey.record(events)
    if draft is None and not journey.draw("save"):
        return
    build = journey.save(item.product, plain, draft)
    if journey.draw("share"):
        build = journey.share(build)
    boost = 1.3 if draft is not None else 1.0  # a remix starts from a design someone liked
    boost *= order_boost(build_depth(item.cat, plain, remix=draft is not None).depth)  # a modelled effect
    if build.is_complete and journey.draw("order", boost):
        journey.order(build)


def _products() -> list[Configurable]:
    tags = motivation_tags()
    products = Product.objects.filter(is_active=True, current_version__isnull=False).order_by("position", "pk")
    return [Configurable(p, catalog_for(p.current_version_id), tags.get(p.slug, {})) for p in products]


def simulated_shoppers_exist() -> bool:
    return ConsentChange.objects.filter(source=SOURCE).exists()


def simulate(*, shoppers: int, seed: int | None = None, days: int = 60,
             progress: Callable[[int], None] | None = None, trace: bool = False) -> Report:
    """Play `shoppers` journeys spread over the last `days` days. Adds shoppers on every run
    (their ids are always new; `seed` fixes their behaviour). With `trace`, the report keeps
    each shopper's Trace. Raises LookupError without a published product."""
    products = _products()
    if not products:
        raise LookupError("No published product: run `python manage.py seed_demo` first.")
    rng = random.Random(seed)
    now = timezone.now()
    ceiling = now - timedelta(minutes=1)
    span = timedelta(days=max(days, 1))
    plans = sorted(((now - span * rng.random(), draw_persona(rng), rng.random()) for _ in range(shoppers)),
                   key=lambda plan: plan[0])
    report = Report()
    shares: list[Share] = []
    segments = list(Segment.objects.filter(active=True, campaigns__active=True,
                                           campaigns__placement=Placement.HOME_HERO).distinct())
    # In-process tasks would "send" the confirmations of fake orders: they go nowhere.
    quiet = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend") \
        if settings.CELERY_TASK_ALWAYS_EAGER else nullcontext()
    with quiet:
        for start, persona, salt in plans:
            journey_rng = random.Random(f"{seed}:{salt}") if seed is not None else random.Random()
            journey_trace: Trace | None = [] if trace else None
            try:
                with transaction.atomic():
                    journey = play(journey_rng, persona, Clock(start, ceiling), products, shares, journey_trace,
                                   segments)
            except BuildInvalid as exc:  # a catalog rule the walk did not foresee: skip this shopper
                logger.warning("simulated shopper %s skipped: %s", persona.shopper_id.hex[:8], exc.errors)
                report.counts["skipped"] += 1
            else:
                report.personas.append(persona)
                if journey_trace is not None:
                    report.traces[persona.shopper_id] = journey_trace
                report.shoppers += 1
                report.consented += journey.consented
                report.events += journey.events
                report.counts.update(journey.counts)
                shares.extend(journey.shares)
            if progress is not None:
                progress(1)
    report.profiles = _recompute_profiles([p.shopper_id for p in report.personas if p.records_events])
    for segment in Segment.objects.filter(active=True):  # segments read the new profiles
        segment_materialize(segment=segment)
    rollups_refresh(since=(now - span).date())  # the reports read these
    return report


def _recompute_profiles(shopper_ids: list[uuid.UUID]) -> int:
    """Bring the new shoppers' profiles up to date, with the current map loaded once. Those the
    debounced task already recomputed (in-process tasks run at each journey's commit) are
    skipped; with a real worker this does now what the worker does soon after."""
    from personalization.services.profiles import profiles_recompute_in_batches, profiles_stale

    stale = [sid for start in range(0, len(shopper_ids), 500)
             for sid in profiles_stale().filter(pk__in=shopper_ids[start:start + 500])]
    profiles_recompute_in_batches(stale)
    return len(stale)
