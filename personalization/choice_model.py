"""The motivation choice model: a latent-class multinomial logit. Pure: plain data in, plain data
out, no ORM and no clock (times come with the events).

Each shopper is taken to buy mainly for one motivation m (a latent class). A class has a utility
for every option; a click is read against everything the product offered (which step the
shopper opened, and which option in it):

    P(option o | product p, class m) = exp(u[o, m]) / sum over the options c of p of exp(u[c, m])

so choosing one of many colours that all carry self-expression says little about
self-expression, while choosing recycled fabric when most options carry none says a lot. That
denominator is the normalization for how often each motivation is on offer. What is selected
already cannot be chosen, so the build is followed from the product's defaults through the
events, and each click's denominator leaves out the options selected at that moment (a shopper
who keeps the standard wheels never "chooses" them).

A staff map's model reads a click in two parts instead (`click_loglik`): the step is opened for
the best it offers the class, then an option is picked within it,

    P(o | m) = exp(max u[s, m]) / sum over steps t of exp(max u[t, m]) * exp(u[o, m]) / sum over s of exp(u[., m])

(maxima and sums over what is on offer), so a step is not opened more for holding more options.
Read as one logit over the product, the classes whose tags sit on few options (sustainability)
or on options that are mostly selected already (value: the cheap defaults) came out too flat or
too sharp against the others, and the mix was biased (value under-read, status over-read, with
the exact map too). A learned map keeps the product logit: EM fits its utilities that way.

From a staff map (weights w[o, j] >= 0 per option and motivation) the utilities are

    u[o, m] = sensitivity * (√w[o, m] + spill * sum over j != m of √w[o, j]) - price[m] * p(o)

where p(o) is what the option costs above its step's cheapest, as a share of the product's whole
option price range (the sum of its steps' ranges): a class with a positive price weight (value)
prefers cheap options, so taking the cheapest and the amount given up in a trade-off enter the
same likelihood instead of a fixed bonus, weighed in money (3 EUR on laces is not 7,500 EUR on a
trim). A learned map
(personalization.learning) sets the utilities from the data instead.

Behaviours are binary choices in the same likelihood:
- personal text: for every text step of a product the shopper configured, they filled it or not;
- sharing: for every build they saved, they shared it or not;
- removing an option from a multiple-choice step: "not this one" (1 - P(o | s, m));
- how many clicks they made per product (Poisson), and which products they configured, once a
  learned map knows the rates.

The posterior P(m | events) = prior(m) * likelihood / evidence is the profile: a probability per
motivation (summing to 1), with the events that moved it most as evidence. Events are weighed by
age relative to the shopper's newest event (half-life), so recent choices count more but an
inactive shopper's profile does not fade into the prior.

`features` turns events into index arrays once; `loglik` scores them against a model. The
map-learning job stacks the same features of many shoppers (personalization.learning).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import numpy as np

from personalization.scoring import SELECTED, SHARED, TEXT, EventIn, Evidence, unique_events

REMOVED = "option_removed"
SAVED = "build_saved"
ORDERED = "order_placed"
VIEWED = "share_viewed"
REMIXED = "build_remixed"
# Behaviours a learned map knows a rate of per motivation: a configured product saved, a saved
# build ordered, a shared design someone viewed remixed.
BEHAVIOURS = ("save", "order", "remix")
_TINY = 1e-9


# --- inputs ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    """What one step offers: option codes with their prices and what a new build starts with
    (single or multiple choice), or a personal-text step (no options)."""

    product: int
    group: str
    options: tuple[str, ...] = ()
    prices: tuple[float, ...] = ()
    text: bool = False
    selected: tuple[str, ...] = ()  # the default selection
    multi: bool = False


@dataclass(frozen=True)
class ModelParams:
    """A map version's settings (MotivationMap.parameters). Every field has a default, so an
    empty JSON object is a valid model."""

    sensitivity: float = 1.5  # how strongly a weight of 1 pulls a choice
    spill: float = 0.2  # how much an option's other motivations count for a class
    # Per class, the utility lost over the product's whole option price range (see compile_model).
    price: Mapping[str, float] = field(default_factory=lambda: {"value": 1.0})
    text_base: float = -2.0  # the utility of personal text for a class with no weight on it
    share: Mapping[str, float] = field(default_factory=lambda: {"self-expression": 0.8, "status": 0.4})
    share_base: float = -1.5
    prior: Mapping[str, float] | None = None  # class prior; None: uniform
    threshold: float = 0.4  # "undetermined" below this top probability
    # How much a second motivation colours a shopper's choices (0: not modelled). Learned maps
    # set it (personalization.learning.SECONDARY): without it a shopper's clicks are read as if
    # one motivation alone made them all, and the probabilities come out too sure.
    secondary: float = 0.0
    half_life_days: float = 30.0
    evidence_size: int = 8
    # Set by the learning job: per step "product|group" and class, the utilities of the step's
    # options (instead of weights), per text step and class the probability of personal text,
    # per class the share rate and the clicks per configured product.
    utilities: Mapping[str, Mapping[str, list[float]]] | None = None
    text_rates: Mapping[str, Mapping[str, float]] | None = None
    share_rates: Mapping[str, float] | None = None
    click_rates: Mapping[str, float] | None = None
    product_rates: Mapping[str, Mapping[str, float]] | None = None  # class -> product id -> share
    behaviour_rates: Mapping[str, Mapping[str, float]] | None = None  # behaviour -> class -> probability

    @classmethod
    def from_json(cls, data: Any) -> ModelParams:
        """Parameters from JSON, ignoring unknown keys and values of the wrong type."""
        if not isinstance(data, Mapping):
            return cls()
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            value = data.get(name)
            if value is None:
                continue
            if isinstance(getattr(defaults, name), int | float) and not isinstance(value, bool) \
                    and isinstance(value, int | float) and math.isfinite(value):
                kwargs[name] = type(getattr(defaults, name))(value)
            elif isinstance(value, Mapping) and not isinstance(getattr(defaults, name), int | float):
                kwargs[name] = value
        return cls(**kwargs)

    def as_json(self) -> dict[str, Any]:
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None:
                out[name] = dict(value) if isinstance(value, Mapping) else value
        return out


def step_key(product: int, group: str) -> str:
    return f"{product}|{group}"


# --- the compiled model ---------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    params: ModelParams
    log_prior: np.ndarray  # (K,)
    steps: tuple[Step, ...]  # the choice steps, in the order of their rows
    option_row: dict[tuple[int, str, str], int]  # (product, group, option) -> row of U
    products: tuple[int, ...]  # the products with choice steps
    option_product: np.ndarray  # (G,) row -> index of its product
    option_step: np.ndarray  # (G,) row -> index of its step in `steps`
    product_mask: np.ndarray  # (P, G) bool: per product, its option rows
    step_rows: tuple[np.ndarray, ...]  # per step, its option rows
    defaults: dict[int, frozenset[int]]  # product -> rows selected in a new build
    utility: np.ndarray  # (G, K) per option row and class
    log_norm: np.ndarray  # (P, K) per product: logsumexp of its options' utilities
    text_steps: dict[tuple[int, str], int]  # (product, group) -> index into text_yes / text_no
    text_keys: tuple[tuple[int, str], ...]  # index -> (product, group)
    text_yes: np.ndarray  # (T, K) log P(personal text)
    text_no: np.ndarray  # (T, K) log P(no personal text)
    product_text: dict[int, tuple[int, ...]]  # product -> its text step indexes
    share_yes: np.ndarray  # (K,)
    share_no: np.ndarray  # (K,)
    click_rate: np.ndarray | None  # (K,) clicks per configured product, or None
    product_choice: np.ndarray | None  # (P, K) log P(configures product | class), or None
    behaviour_yes: np.ndarray | None  # (B, K) log P(behaviour | class) per BEHAVIOURS, or None
    behaviour_no: np.ndarray | None
    # With a secondary motivation the columns (K above) are (main, second) pairs: the main
    # motivation of each column, and the columns where second == main.
    main_of: np.ndarray
    pure: np.ndarray
    # How a click is read: a step opened for the best it offers the class, then an option in it
    # (a staff map's utilities), or one logit over the product (a learned map: EM fits that).
    by_step: bool = False

    @property
    def log_choice(self) -> np.ndarray:
        """(G, K) log P(option | its product, class)."""
        return self.utility - self.log_norm[self.option_product]

    @cached_property
    def product_blocks(self) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], ...]:
        """Per product: its option rows, where each of its steps starts among them (a step's
        rows are consecutive), each row's step among them, and every row's place in the block."""
        blocks = []
        for p_index in range(len(self.products)):
            block = np.flatnonzero(self.option_product == p_index)
            steps = self.option_step[block]
            first = np.r_[True, steps[1:] != steps[:-1]]  # a row that starts its step
            local = np.full(len(self.option_product), -1)
            local[block] = np.arange(len(block))
            blocks.append((block, np.flatnonzero(first), np.cumsum(first) - 1, local))
        return tuple(blocks)

    @cached_property
    def row_keys(self) -> tuple[str, ...]:
        """Per option row, "product|step|option"."""
        keys = [""] * len(self.option_row)
        for (product, group, option), row in self.option_row.items():
            keys[row] = option_key(product, group, option)
        return tuple(keys)

    @cached_property
    def key(self) -> str:
        """A fingerprint of everything the model reads events with: a running profile folded
        with another model is started over."""
        digest = hashlib.sha256(json.dumps(
            [self.classes, self.params.as_json(), self.row_keys, self.text_keys,
             sorted((p, sorted(rows)) for p, rows in self.defaults.items()), [s.multi for s in self.steps],
             self.by_step],
            default=str, sort_keys=True).encode())
        for array in (self.utility, self.log_prior, self.text_yes, self.text_no, self.share_yes, self.share_no,
                      self.click_rate, self.product_choice, self.behaviour_yes, self.behaviour_no, self.main_of):
            if array is not None:
                digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:32]


def _logsumexp(values: np.ndarray, axis: int = 0) -> np.ndarray:
    top = values.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(values - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _rate(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, 1e-4), 1 - 1e-4) if math.isfinite(number) else default


def compile_model(weights: Mapping[tuple[int, str, str], Mapping[str, float]], steps: Iterable[Step],
                  classes: Iterable[str], params: ModelParams | None = None) -> Model:
    """A model from a weight map ((product, step, option) -> {motivation: weight}; a text step's
    weights under option ""), the steps on offer and the motivation codes."""
    params = params or ModelParams()
    classes = tuple(classes)
    k = len(classes)
    index = {code: i for i, code in enumerate(classes)}
    choice_steps = tuple(s for s in steps if not s.text and s.options)
    text_list = [s for s in steps if s.text]

    def pull(raw: Mapping[str, float] | None) -> np.ndarray:
        """How much an option's weights pull each class: the square root of the weight, since a
        hand-written weight of 2 is seldom twice the pull of 1 (and overstated weights hurt)."""
        w = np.sqrt(vector(raw))
        return w + params.spill * (w.sum() - w)

    def vector(raw: Mapping[str, float] | None) -> np.ndarray:
        out = np.zeros(k)
        for code, w in (raw or {}).items():
            if code in index and isinstance(w, int | float) and math.isfinite(w) and w > 0:
                out[index[code]] = w
        return out

    price_weight = vector({c: abs(v) for c, v in params.price.items()}) * np.array(
        [1.0 if float(params.price.get(c, 0) or 0) >= 0 else -1.0 for c in classes]) if k else np.zeros(0)
    learned = params.utilities or {}
    products = tuple(sorted({s.product for s in choice_steps}))

    def step_prices(step: Step) -> np.ndarray:
        prices = np.array(step.prices, dtype=float) if len(step.prices) == len(step.options) else None
        return prices if prices is not None and np.isfinite(prices).all() else np.zeros(len(step.options))

    # A price is read in money: what an option costs above its step's cheapest, as a share of
    # what the product's options can add up to (every step's price range). A 3 EUR lace colour
    # is then no trade-off next to a 7,500 EUR trim; scaled per step they weighed the same.
    step_price = [step_prices(step) for step in choice_steps]
    price_range: dict[int, float] = {}
    for step, prices in zip(choice_steps, step_price, strict=True):
        price_range[step.product] = price_range.get(step.product, 0.0) + float(prices.max() - prices.min())
    rows, option_row, option_product, option_step = [], {}, [], []
    for s_index, step in enumerate(choice_steps):
        prices = step_price[s_index]
        whole = price_range[step.product]
        relative = (prices - prices.min()) / whole if whole > 0 else np.zeros(len(step.options))
        for o_index, code in enumerate(step.options):
            given = learned.get(option_key(step.product, step.group, code))
            if given is not None:
                u = np.array([_number(given.get(c)) for c in classes])
            else:
                u = params.sensitivity * pull(weights.get((step.product, step.group, code))) \
                    - price_weight * relative[o_index]
            option_row[(step.product, step.group, code)] = len(rows)
            option_product.append(products.index(step.product))
            option_step.append(s_index)
            rows.append(u)
    utility = np.array(rows, dtype=float).reshape(len(rows), k)
    product_of = np.array(option_product, dtype=int)
    log_norm = np.zeros((len(products), k))
    for p_index in range(len(products)):
        log_norm[p_index] = _logsumexp(utility[product_of == p_index], axis=0)

    text_rates = params.text_rates or {}
    yes, no, text_steps, product_text = [], [], {}, {}
    for t_index, step in enumerate(text_list):
        given = text_rates.get(step_key(step.product, step.group))
        if given is not None:
            p = np.array([_rate(given.get(c), 0.15) for c in classes])
            yes.append(np.log(p))
            no.append(np.log1p(-p))
        else:
            x = params.text_base + params.sensitivity * pull(weights.get((step.product, step.group, "")))
            yes.append(_log_sigmoid(x))
            no.append(_log_sigmoid(-x))
        text_steps[(step.product, step.group)] = t_index
        product_text.setdefault(step.product, ())
        product_text[step.product] += (t_index,)
    if params.share_rates:
        p = np.array([_rate(params.share_rates.get(c), 0.2) for c in classes])
        share_yes, share_no = np.log(p), np.log1p(-p)
    else:
        x = params.share_base + params.sensitivity * vector(params.share)
        share_yes, share_no = _log_sigmoid(x), _log_sigmoid(-x)
    click_rate = None
    if params.click_rates:
        click_rate = np.array([max(_number(params.click_rates.get(c)), 0.05) for c in classes])
    product_choice = None
    if params.product_rates and products:
        shares = np.array([[max(_number((params.product_rates.get(c) or {}).get(str(p))), 1e-4) for c in classes]
                           for p in products])
        product_choice = np.log(shares / shares.sum(axis=0, keepdims=True))
    behaviour_yes = behaviour_no = None
    if params.behaviour_rates:
        rates = np.array([[_rate((params.behaviour_rates.get(b) or {}).get(c), 0.3) for c in classes]
                          for b in BEHAVIOURS])
        behaviour_yes, behaviour_no = np.log(rates), np.log1p(-rates)

    prior = np.array([max(float((params.prior or {}).get(c, 0) or 0), 0.0) for c in classes]) \
        if params.prior else np.ones(k)
    prior = prior + 1e-6
    model = Model(
        classes=classes, params=params, log_prior=np.log(prior / prior.sum()), steps=choice_steps,
        option_row=option_row, products=products, option_product=product_of,
        option_step=np.array(option_step, dtype=int), utility=utility, log_norm=log_norm,
        product_mask=product_of[None, :] == np.arange(len(products))[:, None],
        step_rows=tuple(np.flatnonzero(np.array(option_step, dtype=int) == i) for i in range(len(choice_steps))),
        defaults={p: frozenset(option_row[(s.product, s.group, c)] for s in choice_steps if s.product == p
                               for c in s.selected if (s.product, s.group, c) in option_row) for p in products},
        text_steps=text_steps, text_keys=tuple(text_steps),
        text_yes=np.array(yes).reshape(len(yes), k), text_no=np.array(no).reshape(len(no), k),
        product_text=product_text, share_yes=share_yes, share_no=share_no, click_rate=click_rate,
        product_choice=product_choice, behaviour_yes=behaviour_yes, behaviour_no=behaviour_no,
        main_of=np.arange(k), pure=np.arange(k), by_step=not params.utilities,
    )
    return with_secondary(model, params.secondary) if params.secondary > 0 and k > 1 else model


def with_secondary(model: Model, share: float) -> Model:
    """The model with a column per (main, second) motivation: a shopper who buys mainly for one
    motivation, coloured by a second at `share`. Utilities mix linearly, rates mix as
    probabilities, and the second motivation is uniform a priori. Posteriors add the columns of
    each main motivation back up."""
    k = len(model.classes)
    pairs = [(i, j) for i in range(k) for j in range(k)]
    mains = np.array([i for i, _j in pairs])
    seconds = np.array([j for _i, j in pairs])
    weight = np.where(mains == seconds, 0.0, share)

    def mix(values: np.ndarray) -> np.ndarray:
        return (1 - weight) * values[..., mains] + weight * values[..., seconds]

    def mix_log(values: np.ndarray) -> np.ndarray:
        return np.log(mix(np.exp(values)))

    utility = mix(model.utility)
    log_norm = np.vstack([_logsumexp(utility[model.option_product == p], axis=0) for p in range(len(model.products))]) \
        if len(model.products) else np.zeros((0, len(pairs)))
    return replace(
        model, log_prior=model.log_prior[mains] - np.log(k), utility=utility, log_norm=log_norm,
        text_yes=mix_log(model.text_yes), text_no=mix_log(model.text_no),
        share_yes=mix_log(model.share_yes), share_no=mix_log(model.share_no),
        click_rate=mix(model.click_rate) if model.click_rate is not None else None,
        product_choice=mix_log(model.product_choice) if model.product_choice is not None else None,
        behaviour_yes=mix_log(model.behaviour_yes) if model.behaviour_yes is not None else None,
        behaviour_no=mix_log(model.behaviour_no) if model.behaviour_no is not None else None,
        main_of=mains, pure=np.flatnonzero(mains == seconds),
    )


def option_key(product: int, group: str, option: str) -> str:
    return f"{product}|{group}|{option}"


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


# --- features: what a shopper's events say, as index arrays -------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What evidence reads of an event's properties (a tally keeps events for its evidence).
_KEPT_PROPERTIES = ("previous", "cheapest", "version")


@dataclass(frozen=True)
class Features:
    """One shopper's observations against a model's rows. Each kind has parallel arrays: the
    row, the weight (decay) and the event id it came from (for evidence)."""

    choice_rows: np.ndarray
    choice_weights: np.ndarray
    choice_events: np.ndarray
    excluded: np.ndarray  # (n, G) bool: the options selected already at each click
    removed_rows: np.ndarray
    removed_weights: np.ndarray
    removed_events: np.ndarray
    text_rows: np.ndarray  # text step index
    text_filled: np.ndarray  # 1 filled, 0 left empty
    text_weights: np.ndarray
    text_events: np.ndarray  # the text event, or 0 for "left empty"
    shares: float  # saved builds shared (decayed)
    not_shared: float  # saved builds not shared (decayed)
    share_events: tuple[int, ...]
    clicks: float  # own option choices
    products: int  # products configured
    product_rows: np.ndarray  # index into model.products of each product configured
    behaviours: np.ndarray  # (B, 2) per BEHAVIOURS: how often it happened, how often not
    event_count: int
    last_event_id: int
    events: dict[int, EventIn]


def _decay(age_days: float, half_life: float) -> float:
    if not half_life > 0 or not math.isfinite(half_life):
        return 1.0
    return 0.5 ** (max(age_days, 0.0) / half_life)


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


def _decays(times: Sequence[datetime], newest: datetime, half_life: float) -> np.ndarray:
    """`_decay` of many events at once (the clicks are most of a shopper's events)."""
    if not half_life > 0 or not math.isfinite(half_life):
        return np.ones(len(times))
    ages = newest.timestamp() - np.fromiter((t.timestamp() for t in times), dtype=float, count=len(times))
    return 0.5 ** (np.maximum(ages, 0.0) / 86400 / half_life)


@dataclass
class Tally:
    """What a shopper's events so far leave behind for the next ones: the builds as they stand
    (a click is read against what was selected at that moment) and the facts the behaviour terms
    read (products configured, personal texts, saves, shares, orders, remixes). It stays small
    whatever the number of events, and `Running` stores it with a profile, so a recompute reads
    the new events only."""

    started: set[int] = field(default_factory=set)  # products whose build has started
    selected: set[int] = field(default_factory=set)  # option rows the builds hold now
    configured: dict[int, datetime] = field(default_factory=dict)  # product -> its newest own click
    texts: dict[tuple[int, str], tuple[datetime, bool, EventIn]] = field(default_factory=dict)  # newest
    saved: dict[str, datetime] = field(default_factory=dict)  # build -> when it was saved
    shared: dict[str, EventIn] = field(default_factory=dict)  # build -> its first share
    saved_products: set[int] = field(default_factory=set)
    ordered: set[str] = field(default_factory=set)
    views: int = 0
    remixes: int = 0
    clicks: int = 0  # own option choices
    removals: int = 0  # own removals
    event_count: int = 0
    last_event_id: int = 0
    newest: tuple[datetime, int] | None = None  # (time, id) of the newest event folded in

    def walk(self, unique: list[EventIn], model: Model) -> tuple[list, list, list]:
        """Fold events (oldest first, once each) in. Returns the shopper's own clicks among
        them: choices as (row, time, event id) with what was selected at each, and removals."""
        choice: list[tuple[int, datetime, int]] = []
        excluded: list[np.ndarray] = []
        removed: list[tuple[int, datetime, int]] = []
        selected = np.zeros(len(model.utility), dtype=bool)
        selected[list(self.selected)] = True
        for event in unique:
            own = event.properties.get("auto") is not True
            row = model.option_row.get((event.product, event.group, event.option)) \
                if event.type in (SELECTED, REMOVED) else None
            if row is not None:
                if event.product not in self.started:  # a new build starts with the product's defaults
                    self.started.add(event.product)
                    selected[list(model.defaults.get(event.product, ()))] = True
                if own:
                    self.configured[event.product] = event.occurred_at
                    if event.type == SELECTED:  # what this product held at that moment, but the option itself
                        at_click = selected & model.product_mask[model.option_product[row]]
                        at_click[row] = False
                        excluded.append(at_click)
                        choice.append((row, event.occurred_at, event.id))
                    else:
                        removed.append((row, event.occurred_at, event.id))
                if event.type == REMOVED:
                    selected[row] = False
                else:
                    step = model.option_step[row]
                    if not model.steps[step].multi:
                        selected[model.step_rows[step]] = False
                    selected[row] = True
            elif event.type == TEXT and (event.product, event.group) in model.text_steps:
                # The newest state of the text counts: filled, or cleared again.
                self.texts[(event.product, event.group)] = (
                    event.occurred_at, event.properties.get("cleared") is not True, event)
                self.configured.setdefault(event.product, event.occurred_at)
            elif event.type == SAVED and event.build:
                self.saved[event.build] = event.occurred_at
                self.saved_products.add(event.product)
            elif event.type == ORDERED and event.build:
                self.ordered.add(event.build)
            elif event.type == VIEWED:
                self.views += 1
            elif event.type == REMIXED:
                self.remixes += 1
            elif event.type == SHARED and event.build:
                self.shared.setdefault(event.build, event)
            self.event_count += 1
            self.last_event_id = max(self.last_event_id, event.id)
            self.newest = (event.occurred_at, event.id)
        self.selected = set(np.flatnonzero(selected).tolist())
        self.clicks += len(choice)
        self.removals += len(removed)
        return choice, excluded, removed

    # JSON: rows by option code, times in ISO 8601, events as short lists.
    def as_json(self, model: Model) -> dict[str, Any]:
        codes = model.row_keys
        return {
            "started": sorted(self.started), "selected": sorted(codes[r] for r in self.selected),
            "configured": [[p, t.isoformat()] for p, t in self.configured.items()],
            "texts": [[p, g, t.isoformat(), filled, _compact(e)] for (p, g), (t, filled, e) in self.texts.items()],
            "saved": [[b, t.isoformat()] for b, t in self.saved.items()],
            "shared": [[b, _compact(e)] for b, e in self.shared.items()],
            "saved_products": sorted(p for p in self.saved_products if p is not None), "ordered": sorted(self.ordered),
            "counts": [self.views, self.remixes, self.clicks, self.removals, self.event_count, self.last_event_id],
            "newest": [self.newest[0].isoformat(), self.newest[1]] if self.newest else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], model: Model) -> Tally:
        """The tally `as_json` wrote (for the same model); raises on anything else."""
        rows = {code: row for row, code in enumerate(model.row_keys)}
        at = datetime.fromisoformat
        views, remixes, clicks, removals, count, last = (int(n) for n in data["counts"])
        newest = data["newest"]
        return cls(
            started={int(p) for p in data["started"]}, selected={rows[code] for code in data["selected"]},
            configured={int(p): at(t) for p, t in data["configured"]},
            texts={(int(p), str(g)): (at(t), bool(filled), _expand(e)) for p, g, t, filled, e in data["texts"]},
            saved={str(b): at(t) for b, t in data["saved"]}, shared={str(b): _expand(e) for b, e in data["shared"]},
            saved_products={int(p) for p in data["saved_products"]}, ordered={str(b) for b in data["ordered"]},
            views=views, remixes=remixes, clicks=clicks, removals=removals, event_count=count, last_event_id=last,
            newest=(at(newest[0]), int(newest[1])) if newest else None,
        )


def _compact(event: EventIn) -> list:
    kept = {k: event.properties[k] for k in _KEPT_PROPERTIES if k in event.properties}
    return [event.id, event.type, event.occurred_at.isoformat(), event.product, event.group, event.option,
            event.build, kept]


def _expand(data: list) -> EventIn:
    event_id, type_, at, product, group, option, build, properties = data
    return EventIn(int(event_id), str(type_), datetime.fromisoformat(at), product, group, option, build,
                   dict(properties))


def features(events: Iterable[Any], model: Model, tally: Tally | None = None) -> Features:
    """The observations in a shopper's events (any order, replays counted once, odd events
    ignored) as index arrays against `model`. Given the `tally` of earlier events (which is
    brought up to date), the clicks are those of `events` and the rest is read from the tally."""
    return _features(unique_events(events), model, tally)


def _features(unique: list[EventIn], model: Model, tally: Tally | None) -> Features:
    """`features` of events already read once each, oldest first (`unique_events`)."""
    tally = tally if tally is not None else Tally()
    choice, excluded, removed = tally.walk(unique, model)
    newest = tally.newest[0] if tally.newest else EPOCH
    half_life = model.params.half_life_days

    def weight(at: datetime) -> float:
        return _decay(_days(newest, at), half_life)

    text_rows, filled, text_weights, text_events = [], [], [], []
    for product, at in tally.configured.items():
        for t_index in model.product_text.get(product, ()):
            held = tally.texts.get(model.text_keys[t_index])
            text_rows.append(t_index)
            filled.append(1.0 if held and held[1] else 0.0)
            text_weights.append(weight(held[0] if held else at))
            text_events.append(held[2].id if held else 0)
    saved = {b: weight(at) for b, at in tally.saved.items()}

    def arrays(rows: list[tuple[int, datetime, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not rows:
            return np.zeros(0, dtype=int), np.zeros(0), np.zeros(0, dtype=np.int64)
        r, at, e = zip(*rows, strict=True)
        return np.array(r, dtype=int), _decays(at, newest, half_life), np.array(e, dtype=np.int64)

    c_rows, c_weights, c_events = arrays(choice)
    r_rows, r_weights, r_events = arrays(removed)
    configured = tally.configured.keys()
    return Features(
        choice_rows=c_rows, choice_weights=c_weights, choice_events=c_events,
        excluded=np.array(excluded).reshape(len(excluded), len(model.utility)),
        removed_rows=r_rows, removed_weights=r_weights, removed_events=r_events,
        text_rows=np.array(text_rows, dtype=int), text_filled=np.array(filled), text_weights=np.array(text_weights),
        text_events=np.array(text_events, dtype=np.int64),
        shares=sum(saved.get(b, 1.0) for b in tally.shared),
        not_shared=sum(w for b, w in saved.items() if b not in tally.shared),
        share_events=tuple(e.id for e in tally.shared.values()),
        clicks=float(tally.clicks), products=len(configured),
        product_rows=np.array([model.products.index(p) for p in configured if p in model.products], dtype=int),
        behaviours=np.array([
            [len(tally.saved_products & configured), len(configured - tally.saved_products)],
            [len(tally.saved.keys() & tally.ordered), len(tally.saved.keys() - tally.ordered)],
            [tally.remixes, max(tally.views - tally.remixes, 0)],
        ], dtype=float),
        event_count=tally.event_count, last_event_id=tally.last_event_id,
        events={e.id: e for e in unique} | {e.id: e for _t, _f, e in tally.texts.values()}
        | {e.id: e for e in tally.shared.values()},
    )


# --- scoring --------------------------------------------------------------------------------

CLICK_KINDS = ("choice", "removed")


def _log1m_exp(x: np.ndarray) -> np.ndarray:
    """log(1 - exp(x)) for x <= 0, stable."""
    x = np.minimum(x, -_TINY)
    return np.where(x > -0.693, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def excluded_mass(feats: Features, log_choice: np.ndarray) -> np.ndarray:
    """(n, K) per click, the probability the full product would give the options that were
    selected already (and so not on offer)."""
    return feats.excluded @ np.exp(log_choice)


def _log1m(mass: np.ndarray) -> np.ndarray:
    return np.log1p(-np.minimum(mass, 1 - 1e-9))


def click_loglik(rows: np.ndarray, excluded: np.ndarray, model: Model) -> np.ndarray:
    """(n, K) log P(click | class) read by step: the shopper opens a step of the product for
    the best it offers them (a step is not opened more for holding more options: twelve
    colours are one step, not twelve chances), then picks one of the step's options. What
    is on offer is the product's options but those selected at that moment (`excluded`)."""
    out = np.zeros((len(rows), model.utility.shape[1]))
    if not len(rows):
        return out
    excluded = np.asarray(excluded, dtype=bool)
    product_of = model.option_product[rows]
    for p_index in np.unique(product_of):
        clicks = np.flatnonzero(product_of == p_index)
        block, starts, segment, local = model.product_blocks[p_index]
        utility = model.utility[block]  # (g, K) this product's options
        at = local[rows[clicks]]  # each click's option within the block
        offered = ~excluded[np.ix_(clicks, block)]
        offered[np.arange(len(clicks)), at] = True
        masked = np.where(offered[:, :, None], utility[None, :, :], -np.inf)
        best = np.maximum.reduceat(masked, starts, axis=1)  # (n, steps, K); -inf: nothing on offer
        top = best.max(axis=1)
        opened = np.log(np.exp(best - top[:, None, :]).sum(axis=1)) + top
        step = segment[at]
        in_step = offered & (segment[None, :] == step[:, None])
        shift = utility.max(axis=0)
        within = np.log(in_step.astype(float) @ np.exp(utility - shift)) + shift
        out[clicks] = best[np.arange(len(clicks)), step] - opened + utility[at] - within
    return out


def contributions(feats: Features, model: Model) -> dict[str, np.ndarray]:
    """Per kind of observation, the log-likelihood rows (n, K), already weighed."""
    log_choice = model.log_choice
    k = len(model.log_prior)
    chosen = click_loglik(feats.choice_rows, feats.excluded, model) if model.by_step \
        else log_choice[feats.choice_rows] - _log1m(excluded_mass(feats, log_choice))
    out = {
        "choice": chosen * feats.choice_weights[:, None],
        "removed": _log1m_exp(log_choice[feats.removed_rows]) * feats.removed_weights[:, None],
        "text": (np.where(feats.text_filled[:, None] > 0, model.text_yes[feats.text_rows], model.text_no[feats.text_rows])
                 * feats.text_weights[:, None]) if len(feats.text_rows) else np.zeros((0, k)),
        "share": (feats.shares * model.share_yes + feats.not_shared * model.share_no)[None, :],
    }
    if model.click_rate is not None and feats.products:
        out["clicks"] = (feats.clicks * np.log(model.click_rate) - model.click_rate * feats.products)[None, :]
    if model.product_choice is not None and len(feats.product_rows):
        out["products"] = model.product_choice[feats.product_rows]
    if model.behaviour_yes is not None:
        out["behaviours"] = feats.behaviours[:, :1] * model.behaviour_yes + feats.behaviours[:, 1:] * model.behaviour_no
    return out


def loglik(feats: Features, model: Model) -> np.ndarray:
    """(K,) the log-likelihood of a shopper's observations under each class."""
    total = np.zeros(len(model.log_prior))
    for rows in contributions(feats, model).values():
        if len(rows):
            total += rows.sum(axis=0)
    return total


def posterior(log_likelihood: np.ndarray, model: Model) -> np.ndarray:
    if not len(model.classes):  # no active motivation: nothing to say
        return np.zeros(0)
    joint = log_likelihood + model.log_prior
    joint = joint - joint.max()
    p = np.bincount(model.main_of, weights=np.exp(joint), minlength=len(model.classes))
    return p / p.sum()


@dataclass(frozen=True, slots=True)
class Profile:
    probabilities: dict[str, float]  # sums to 1
    dominant: str | None  # None: undetermined (no probability reaches the threshold) or no events
    confidence: float  # the top probability
    determined: bool
    evidence: tuple[Evidence, ...]
    event_count: int
    last_event_id: int


def _reason(event: EventIn | None, kind: str) -> str:
    if kind == "choice" and event is not None:
        if event.properties.get("cheapest") is True:
            return "cheapest"
        return "trade_off" if event.properties.get("previous") else "choice"
    if kind == "text":
        return "text" if event is not None else "no_text"
    return {"removed": "removed", "share": "shared"}.get(kind, kind)


# A candidate for the evidence: (amount, kind, order within its kind, event id, motivation index).
Candidate = tuple[float, str, int, int, int]


def _strongest(kind: str, rows: np.ndarray, ids: np.ndarray, model: Model, top: int, first: int = 0) -> list[Candidate]:
    """The `top` observations of one kind that point to a motivation most: per observation, the
    motivation it points to most and how much more likely it is under that motivation than on
    average over all of them (a log-likelihood ratio, in nats)."""
    if not len(rows):
        return []
    pure = rows[:, model.pure]  # one column per motivation
    ratios = pure - pure.mean(axis=1, keepdims=True)
    best = ratios.argmax(axis=1)
    amounts = ratios[np.arange(len(rows)), best]
    return [(float(amounts[r]), kind, first + int(r), int(ids[r]) if r < len(ids) else 0, int(best[r]))
            for r in np.argsort(-amounts, kind="stable")[:max(top, 0)]]


def _evidence(candidates: list[Candidate], events: Mapping[int, EventIn], model: Model,
              top: int) -> tuple[Evidence, ...]:
    """The observations that moved the profile most, strongest first."""
    lines = []
    for amount, kind, _order, event_id, best in candidates:
        if amount < 1e-3:
            continue
        event = events.get(event_id)
        given_up = ()
        if event is not None and kind == "choice":
            previous = event.properties.get("previous")
            if isinstance(previous, list):
                given_up = tuple(sorted(p for p in previous if isinstance(p, str) and p))
        version = event.properties.get("version") if event is not None else None
        lines.append(Evidence(
            event_id, event.type if event else kind, event.product if event else None,
            event.group if event else "", event.option if event else "", model.classes[best],
            round(amount, 4), given_up, _reason(event, kind),
            version if isinstance(version, int) and not isinstance(version, bool) else None,
        ))
    lines.sort(key=lambda line: (-line.contribution, line.event, line.motivation))
    return tuple(lines[:max(top, 0)])


@dataclass
class Running:
    """A shopper's profile kept up to date one batch of events at a time: the tally, the
    clicks' log-likelihood summed with the weights they have as of the newest event, and the
    strongest clicks for the evidence. A newer event only shrinks every earlier click's weight
    by the same factor, so folding events in batches gives the same profile as scoring them all
    at once, and a recompute costs the new events only. Events must come in order: `fold`
    refuses one older than the newest folded in (the caller then starts over from all events).
    Stored as JSON with the profile, for the model it was folded with (`Model.key`)."""

    tally: Tally = field(default_factory=Tally)
    clicks: np.ndarray | None = None  # (K,)
    strongest: dict[str, list[tuple[Candidate, EventIn]]] = field(default_factory=dict)

    def fold(self, events: Iterable[Any], model: Model) -> bool:
        """Add `events` (newer than all folded so far); False, changing nothing, if one is not."""
        unique = unique_events(events)
        before = self.tally.newest
        if before is not None and unique and (unique[0].occurred_at, unique[0].id) <= before:
            return False
        if self.clicks is None:
            self.clicks = np.zeros(len(model.log_prior))
        first = {"choice": self.tally.clicks, "removed": self.tally.removals}
        feats = _features(unique, model, self.tally)
        if before is not None and self.tally.newest is not None:
            factor = _decay(_days(self.tally.newest[0], before[0]), model.params.half_life_days)
            if factor != 1.0:
                self.clicks = self.clicks * factor
                self.strongest = {kind: [((c[0] * factor, *c[1:]), e) for c, e in held]
                                  for kind, held in self.strongest.items()}
        parts = contributions(feats, model)
        top = model.params.evidence_size
        for kind, ids in (("choice", feats.choice_events), ("removed", feats.removed_events)):
            rows = parts[kind]
            if len(rows):
                self.clicks = self.clicks + rows.sum(axis=0)
                new = [(c, feats.events[c[3]]) for c in _strongest(kind, rows, ids, model, top, first[kind])]
                merged = self.strongest.get(kind, []) + new
                merged.sort(key=lambda held: (-held[0][0], held[0][2]))
                self.strongest[kind] = merged[:max(top, 0)]
        return True

    def profile(self, model: Model) -> Profile:
        feats = features((), model, self.tally)
        parts = {kind: rows for kind, rows in contributions(feats, model).items() if kind not in CLICK_KINDS}
        total = np.zeros(len(model.log_prior)) if self.clicks is None else self.clicks.copy()
        for rows in parts.values():
            if len(rows):
                total += rows.sum(axis=0)
        probabilities = posterior(total, model)
        tally = self.tally
        if not len(probabilities):
            return Profile({}, None, 0.0, False, (), tally.event_count, tally.last_event_id)
        best = int(np.argsort(-probabilities, kind="stable")[0])
        confidence = float(probabilities[best])
        informative = tally.event_count > 0 and bool(tally.clicks or len(feats.text_rows) or feats.shares
                                                      or tally.removals)
        determined = informative and confidence >= model.params.threshold
        top = model.params.evidence_size
        ids = {"text": feats.text_events, "share": np.array(feats.share_events[:1] or (0,), dtype=np.int64)}
        candidates = [c for kind, rows in parts.items()
                      for c in _strongest(kind, rows, ids.get(kind, np.zeros(0, dtype=np.int64)), model, top)]
        events = dict(feats.events)
        for held in self.strongest.values():
            candidates += [c for c, _e in held]
            events.update((e.id, e) for _c, e in held)
        return Profile(
            probabilities={code: round(float(p), 6) for code, p in zip(model.classes, probabilities, strict=True)},
            dominant=model.classes[best] if determined else None,
            confidence=round(confidence, 6), determined=determined,
            evidence=_evidence(candidates, events, model, top),
            event_count=tally.event_count, last_event_id=tally.last_event_id,
        )

    def as_json(self, model: Model) -> dict[str, Any]:
        return {
            "model": model.key, "tally": self.tally.as_json(model),
            "clicks": [] if self.clicks is None else self.clicks.tolist(),
            "strongest": {kind: [[list(c), _compact(e)] for c, e in held] for kind, held in self.strongest.items()},
        }

    @classmethod
    def from_json(cls, data: Any, model: Model) -> Running | None:
        """The running profile stored for `model`, or None (another model, or unreadable)."""
        if not isinstance(data, Mapping) or data.get("model") != model.key:
            return None
        try:
            clicks = np.array(data["clicks"], dtype=float)
            if clicks.shape not in ((0,), (len(model.log_prior),)):
                return None
            return cls(
                tally=Tally.from_json(data["tally"], model), clicks=clicks if len(clicks) else None,
                strongest={str(kind): [((float(c[0]), str(c[1]), int(c[2]), int(c[3]), int(c[4])), _expand(e))
                                       for c, e in held] for kind, held in data["strongest"].items()},
            )
        except (KeyError, TypeError, ValueError, IndexError):
            return None


def score(events: Iterable[Any], model: Model) -> Profile:
    """A shopper's profile from all their events."""
    running = Running()
    running.fold(events, model)
    return running.profile(model)
