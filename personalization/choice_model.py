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

From a staff map (weights w[o, j] >= 0 per option and motivation) the utilities are

    u[o, m] = sensitivity * (√w[o, m] + spill * sum over j != m of √w[o, j]) - price[m] * p(o)

where p(o) is the option's price within its step (0 the cheapest, 1 the dearest): a class with a
positive price weight (value) prefers cheap options, so taking the cheapest and the amount given
up in a trade-off enter the same likelihood instead of a fixed bonus. A learned map
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

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
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
    price: Mapping[str, float] = field(default_factory=lambda: {"value": 1.0, "status": -0.3})
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

    @property
    def log_choice(self) -> np.ndarray:
        """(G, K) log P(option | its product, class)."""
        return self.utility - self.log_norm[self.option_product]


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
    rows, option_row, option_product, option_step = [], {}, [], []
    for s_index, step in enumerate(choice_steps):
        prices = np.array(step.prices or [0.0] * len(step.options), dtype=float)
        spread = prices.max() - prices.min() if len(prices) else 0.0
        relative = (prices - prices.min()) / spread if spread > 0 else np.zeros(len(step.options))
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
        main_of=np.arange(k), pure=np.arange(k),
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


def features(events: Iterable[Any], model: Model) -> Features:
    """The observations in a shopper's events (any order, replays counted once, odd events
    ignored) as index arrays against `model`."""
    unique = unique_events(events)
    newest = unique[-1].occurred_at if unique else datetime(1970, 1, 1, tzinfo=UTC)
    half_life = model.params.half_life_days
    choice: list[tuple[int, float, int]] = []
    excluded: list[np.ndarray] = []
    selected = np.zeros(len(model.utility), dtype=bool)  # what the shopper's builds hold now
    started: set[int] = set()
    removed: list[tuple[int, float, int]] = []
    configured: dict[int, float] = {}  # product -> the weight of its newest own click
    texts: dict[tuple[int, str], tuple[float, int, bool]] = {}
    saved: dict[str, float] = {}
    shared: dict[str, int] = {}
    saved_products: set[int] = set()
    ordered: set[str] = set()
    views = remixes = 0
    for event in unique:
        weight = _decay((newest - event.occurred_at).total_seconds() / 86400, half_life)
        own = event.properties.get("auto") is not True
        row = model.option_row.get((event.product, event.group, event.option)) \
            if event.type in (SELECTED, REMOVED) else None
        if row is not None:
            if event.product not in started:  # a new build starts with the product's defaults
                started.add(event.product)
                selected[list(model.defaults.get(event.product, ()))] = True
            if own:
                configured[event.product] = weight
                if event.type == SELECTED:  # what this product held at that moment, but the option itself
                    at_click = selected & model.product_mask[model.option_product[row]]
                    at_click[row] = False
                    excluded.append(at_click)
                    choice.append((row, weight, event.id))
                else:
                    removed.append((row, weight, event.id))
            if event.type == REMOVED:
                selected[row] = False
            else:
                step = model.option_step[row]
                if not model.steps[step].multi:
                    selected[model.step_rows[step]] = False
                selected[row] = True
        elif event.type == TEXT and (event.product, event.group) in model.text_steps:
            # The newest state of the text counts: filled, or cleared again.
            texts[(event.product, event.group)] = (weight, event.id, event.properties.get("cleared") is not True)
            configured.setdefault(event.product, weight)
        elif event.type == SAVED and event.build:
            saved[event.build] = weight
            saved_products.add(event.product)
        elif event.type == ORDERED and event.build:
            ordered.add(event.build)
        elif event.type == VIEWED:
            views += 1
        elif event.type == REMIXED:
            remixes += 1
        elif event.type == SHARED and event.build:
            shared.setdefault(event.build, event.id)
    text_rows, filled, text_weights, text_events = [], [], [], []
    for product, weight in configured.items():
        for t_index in model.product_text.get(product, ()):
            held = texts.get(model.text_keys[t_index])
            text_rows.append(t_index)
            filled.append(1.0 if held and held[2] else 0.0)
            text_weights.append(held[0] if held else weight)
            text_events.append(held[1] if held else 0)
    shares = sum(saved.get(b, 1.0) for b in shared)
    not_shared = sum(w for b, w in saved.items() if b not in shared)

    def arrays(rows: list[tuple[int, float, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not rows:
            return np.zeros(0, dtype=int), np.zeros(0), np.zeros(0, dtype=np.int64)
        r, w, e = zip(*rows, strict=True)
        return np.array(r, dtype=int), np.array(w), np.array(e, dtype=np.int64)

    c_rows, c_weights, c_events = arrays(choice)
    r_rows, r_weights, r_events = arrays(removed)
    return Features(
        choice_rows=c_rows, choice_weights=c_weights, choice_events=c_events,
        excluded=np.array(excluded).reshape(len(excluded), len(model.utility)),
        removed_rows=r_rows, removed_weights=r_weights, removed_events=r_events,
        text_rows=np.array(text_rows, dtype=int), text_filled=np.array(filled), text_weights=np.array(text_weights),
        text_events=np.array(text_events, dtype=np.int64),
        shares=shares, not_shared=not_shared, share_events=tuple(shared.values()),
        clicks=float(len(choice)), products=len(configured),
        product_rows=np.array([model.products.index(p) for p in configured if p in model.products], dtype=int),
        behaviours=np.array([
            [len(saved_products & configured.keys()), len(configured.keys() - saved_products)],
            [len(saved.keys() & ordered), len(saved.keys() - ordered)],
            [remixes, max(views - remixes, 0)],
        ], dtype=float),
        event_count=len(unique), last_event_id=max((e.id for e in unique), default=0),
        events={e.id: e for e in unique},
    )


# --- scoring --------------------------------------------------------------------------------

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


def contributions(feats: Features, model: Model) -> dict[str, np.ndarray]:
    """Per kind of observation, the log-likelihood rows (n, K), already weighed."""
    log_choice = model.log_choice
    k = len(model.log_prior)
    out = {
        "choice": (log_choice[feats.choice_rows] - _log1m(excluded_mass(feats, log_choice)))
        * feats.choice_weights[:, None],
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


def _evidence(feats: Features, model: Model, parts: dict[str, np.ndarray], top: int) -> tuple[Evidence, ...]:
    """The observations that moved the profile most: per observation, the motivation it points
    to most and how much more likely it is under that motivation than on average over all of
    them (a log-likelihood ratio, in nats), strongest first."""
    ids = {"choice": feats.choice_events, "removed": feats.removed_events, "text": feats.text_events,
           "share": np.array(feats.share_events[:1] or (0,), dtype=np.int64), "clicks": np.zeros(1, dtype=np.int64),
           "products": np.zeros(len(feats.product_rows), dtype=np.int64),
           "behaviours": np.zeros(len(BEHAVIOURS), dtype=np.int64)}
    candidates: list[tuple[float, str, int, int]] = []  # (amount, kind, row, motivation index)
    for kind, rows in parts.items():
        if not len(rows):
            continue
        pure = rows[:, model.pure]  # one column per motivation
        ratios = pure - pure.mean(axis=1, keepdims=True)
        best = ratios.argmax(axis=1)  # the motivation each observation points to most
        amounts = ratios[np.arange(len(rows)), best]
        for r in np.argsort(-amounts, kind="stable")[:max(top, 0)]:  # only the strongest can make the list
            if amounts[r] >= 1e-3:
                candidates.append((float(amounts[r]), kind, int(r), int(best[r])))
    lines = []
    for amount, kind, r, best in candidates:
        event_id = int(ids[kind][r]) if r < len(ids[kind]) else 0
        event = feats.events.get(event_id)
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


def score(events: Iterable[Any], model: Model) -> Profile:
    """A shopper's profile from all their events."""
    feats = features(events, model)
    parts = contributions(feats, model)
    total = np.zeros(len(model.log_prior))
    for rows in parts.values():
        if len(rows):
            total += rows.sum(axis=0)
    probabilities = posterior(total, model)
    if not len(probabilities):
        return Profile({}, None, 0.0, False, (), feats.event_count, feats.last_event_id)
    order = np.argsort(-probabilities, kind="stable")
    best = int(order[0]) if len(order) else 0
    confidence = float(probabilities[best]) if len(order) else 0.0
    informative = feats.event_count > 0 and bool(len(feats.choice_rows) or len(feats.text_rows) or feats.shares
                                                  or len(feats.removed_rows))
    determined = informative and confidence >= model.params.threshold
    return Profile(
        probabilities={code: round(float(p), 6) for code, p in zip(model.classes, probabilities, strict=True)},
        dominant=model.classes[best] if determined else None,
        confidence=round(confidence, 6), determined=determined,
        evidence=_evidence(feats, model, parts, model.params.evidence_size),
        event_count=feats.event_count, last_event_id=feats.last_event_id,
    )
