"""The configurator page as plain data: steps with their options' status and reasons, price,
what is missing, the preview, and a repair to offer. Views render it; no view logic here."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from configurator.conflict_costs import conflict_costs
from configurator.engine import Action, Catalog, Quote, State, normalize, option_status, quote, to_plain
from configurator.engine.catalog import MULTI, NO_MAX, TEXT, iter_bits
from configurator.engine.evaluate import Price, evaluate
from configurator.explain import conflict_reason, price_payload, relabel_price, repair_message, violation_message
from configurator.i18n import current_language, pick
from configurator.personal_text import text_problems
from configurator.previews import PreviewRef, preview_ref
from configurator.querystate import plain_from_query, query_from_plain
from configurator.selectors import ProductRef


@dataclass
class OptionView:
    id: str
    code: str
    name: str
    delta: Decimal
    swatch: str
    status: str
    checked: bool
    reasons: list[str] = field(default_factory=list)
    # In conflict: the change of the total once the repair it needs is applied (None: none exists).
    total_delta: Decimal | None = None


@dataclass
class TextView:
    value: str
    max_length: int
    allowed: str
    problems: list[str]
    price_per_char: Decimal
    flat_price: Decimal


@dataclass
class StepView:
    code: str
    name: str
    kind: str
    required: bool
    missing: bool
    max_count: int | None
    options: list[OptionView]
    text: TextView | None = None
    key: tuple = ()  # (catalog version, step, what it shows): the same key always looks the same

    @property
    def none_checked(self) -> bool:
        return not any(o.checked for o in self.options)


@dataclass
class StudioPage:
    product: ProductRef
    name: str
    steps: list[StepView]
    price_key: Price  # the engine's price: the same key always shows the same breakdown
    total: Decimal
    missing: list[str]
    valid: bool
    complete: bool
    problems: list[str]
    preview: PreviewRef
    query: str
    plain: dict[str, Any]
    catalog: Catalog = field(repr=False)
    shown: State = field(repr=False)  # what the preview shows
    lang: str = "en"
    digest: str = ""  # what the page shows, in short (sent back with the next click)
    repair: dict[str, Any] | None = None
    # Whether the preview URL draws: a build that breaks a rule (an old or hand-made link) has no
    # picture, and the page says so instead of showing a broken image.
    preview_ok: bool = True

    # The keys under which {% memo %} remembers each part (the templates and the view's quick
    # assembly of an update both use these; see views._update_html).
    @property
    def preview_memo(self) -> tuple:
        return ("preview", self.preview.version_id, self.preview.fingerprint)

    @property
    def price_memo(self) -> tuple:
        return ("price", self.product.version_id, self.price_key)

    @property
    def status_memo(self) -> tuple:
        # everything the status part shows
        return ("status", self.product.version_id, tuple(self.missing), self.valid, tuple(self.problems))

    @property
    def repair_memo(self) -> tuple | None:
        return None if self.repair else ("no-repair",)

    # Built on first use: an htmx update whose preview or price is a remembered fragment
    # (see {% memo %}) never needs them.
    @cached_property
    def price(self) -> dict[str, Any]:
        return price_payload(self.catalog, self.price_key)

    @cached_property
    def alt(self) -> str:
        return alt_text(self.catalog, self.shown, self.lang)


def _delta(cat: Catalog, state: State, index: int) -> Decimal:
    """What picking the option changes in price, against the step's current choice."""
    option = cat.options[index]
    group = cat.groups[option.group]
    if group.kind == MULTI:
        return option.price
    current = sum((cat.options[i].price for i in iter_bits(state.mask & group.mask)), Decimal(0))
    return option.price - current


def _steps(cat: Catalog, version_id: int, look: Look, only: Collection[str] | None, lang: str) -> list[StepView]:
    result, problems = look.result, look.problems
    state = result.state
    avail = result.availability
    reasons = avail.reasons()
    missing = set(result.evaluation.missing)
    text_violations: dict[str, list[str]] = {}
    for v in result.evaluation.violations:
        if v.kind.startswith("text"):
            text_violations.setdefault(v.group, []).append(violation_message(cat, v))
    steps = []
    for group in cat.groups:
        if only is not None and group.code not in only:
            continue
        options = []
        for index in group.options:
            option = cat.options[index]
            status = option_status(avail, index)
            why = [conflict_reason(cat, rule, blockers) for rule, blockers in reasons.get(index, [])]
            if status == "conflict" and group.index in avail.full_groups:
                why.append(_("You can choose at most %(count)s here.") % {"count": group.max_count})
            if status == "unavailable":
                why = [_("Not available right now.") if not option.available
                       else _("Cannot be combined with the rest of the collection.")]
            options.append(OptionView(
                id=f"o:{group.code}:{option.code}", code=option.code, name=pick(option.name, lang),
                delta=_delta(cat, state, index), swatch=option.swatch, status=status,
                checked=bool(state.mask >> index & 1), reasons=why, total_delta=look.costs.get(index),
            ))
        text = None
        if group.kind == TEXT:
            spec = group.text
            text = TextView(
                value=state.text(group.code), max_length=spec.max_length, allowed=spec.pattern,
                problems=text_violations.get(group.code, []) + problems.get(group.code, []),
                price_per_char=spec.price_per_char, flat_price=spec.flat_price,
            )
        steps.append(StepView(
            code=group.code, name=pick(group.name, lang), kind=group.kind, required=group.required,
            missing=group.code in missing,
            max_count=group.max_count if group.kind == MULTI and group.max_count != NO_MAX else None,
            options=options, text=text, key=(version_id, group.code, look.sketch.steps[group.code]),
        ))
    return steps


def _step_signatures(
    cat: Catalog, result: Quote, problems: dict[str, list[str]], costs: dict[int, Decimal | None]
) -> dict[str, tuple]:
    """What each step shows, as engine data (choices, availability masks, the rules behind each
    conflict, what each conflicting option costs after its repair, text and its problems): a
    step is re-sent to the browser only when this changes. Everything a StepView holds follows
    from it, so no words need building to compare."""
    state, avail = result.state, result.availability
    missing = result.evaluation.missing
    text_violations = [v for v in result.evaluation.violations if v.kind.startswith("text")]
    signatures = {}
    for group in cat.groups:
        m = group.mask
        signature: tuple = (
            group.code in missing, state.mask & m, avail.free & m, avail.unavailable & m,
            group.index in avail.full_groups,
            tuple((rule.code, bad & m, blockers) for rule, bad, blockers in avail.hits if bad & m),
            tuple((index, cost) for index, cost in costs.items() if m >> index & 1),
        )
        if group.kind == TEXT:
            signature += (
                state.text(group.code), tuple(problems.get(group.code, ())),
                tuple(v for v in text_violations if v.group == group.code),
            )
        signatures[group.code] = signature
    return signatures


@dataclass(frozen=True)
class Sketch:
    """A page as engine data: enough to tell which parts a click changed without building them."""

    fingerprint: str  # of the preview
    price: Any
    query: str
    missing: tuple[str, ...]
    valid: bool
    steps: dict[str, tuple]
    problems: tuple = ()  # the rule violations the status part lists (not the text ones)

    @cached_property
    def digests(self) -> dict[str, str]:
        """A short hash of what each part shows (the same keys changed_parts decides on)."""
        parts = {
            "preview": self.fingerprint,
            "price": self.price,
            "save": (self.query, self.valid),
            "missing": (self.missing, self.valid, self.problems),
        }
        parts.update({f"step:{code}": signature for code, signature in self.steps.items()})
        return {key: _part_hash(value) for key, value in parts.items()}

    def digest(self, version_id: int) -> str:
        """The page's digest, sent back by the browser with the next click (see parse_digest):
        the catalog version, then one short hash per part, in a fixed order."""
        return f"{version_id}." + ".".join(self.digests.values())


@lru_cache(maxsize=65536)
def _part_hash(value) -> str:
    """A short, process-independent hash of what a part shows (engine data: tuples, strings,
    numbers, frozen dataclasses). The same parts recur on every page, so it is remembered."""
    return hashlib.blake2b(repr(value).encode(), digest_size=6).hexdigest()


def parse_digest(cat: Catalog, version_id: int, text: str | None) -> dict[str, str] | None:
    """The per-part hashes of the page the browser shows, from the digest it sent; None when it
    is missing, malformed or of another catalog version (then the page before is recomputed).
    A forged digest can only make the answer send more or fewer parts to its own sender."""
    if not text or len(text) > 4000:
        return None
    version, _, rest = text.partition(".")
    keys = ["preview", "price", "save", "missing", *(f"step:{g.code}" for g in cat.groups)]
    values = rest.split(".")
    if version != str(version_id) or len(values) != len(keys) or not all(len(v) == 12 for v in values):
        return None
    return dict(zip(keys, values, strict=True))


@dataclass(frozen=True)
class Look:
    """One build as the studio sees it: the engine's quote, personal-text problems, the state
    the preview shows, and its sketch."""

    result: Quote
    problems: dict[str, list[str]]
    shown: State
    plain: dict[str, Any]
    query: str
    sketch: Sketch
    costs: dict[int, Decimal | None]  # see conflict_costs
    drawable: bool = True  # the state the preview shows is a valid build (the preview URL draws it)


def studio_look(cat: Catalog, query: QueryDict, action: Action | None = None) -> Look:
    result = quote(cat, plain_from_query(cat, query), action)
    state, evaluation = result.state, result.evaluation
    problems = text_problems(cat, state)
    shown = _preview_state(cat, state, problems, result)
    shown_evaluation = evaluate(cat, shown) if shown != state else evaluation
    shown_fingerprint = shown_evaluation.fingerprint
    plain = to_plain(cat, state)
    canonical = query_from_plain(cat, plain)
    valid = evaluation.valid and not problems
    costs = conflict_costs(cat, state, result.availability)
    sketch = Sketch(shown_fingerprint, evaluation.price, canonical, evaluation.missing, valid,
                    _step_signatures(cat, result, problems, costs),
                    tuple(v for v in evaluation.violations if not v.kind.startswith("text")))
    return Look(result, problems, shown, plain, canonical, sketch, costs, drawable=shown_evaluation.valid)


def alt_text(cat: Catalog, state: State, lang: str | None = None) -> str:
    """A sentence describing the preview, e.g. "City car: Electric, Chili red, …, badge “MAX”"."""
    lang = lang or current_language()
    parts = []
    for group in cat.groups:
        if group.kind == TEXT:
            text = state.text(group.code)
            if text:
                parts.append(f"{pick(group.name, lang).lower()} “{text}”")
            continue
        names = [pick(cat.options[i].name, lang) for i in iter_bits(state.mask & group.mask)]
        if names:
            parts.append(f"{pick(group.name, lang).lower()}: {', '.join(names)}")
    return f"{pick(cat.name, lang)} — " + "; ".join(parts)


def _preview_state(cat: Catalog, state: State, problems: dict, result: Quote) -> State:
    """What the picture shows: personal text that breaks a rule is left out, never drawn."""
    bad = set(problems) | {v.group for v in result.evaluation.violations if v.kind.startswith("text")}
    for code in bad:
        state = state.with_text(code, "")
    return state


def studio_page(
    cat: Catalog, product: ProductRef, query: QueryDict, action: Action | None = None, *, repair_base: str = ""
) -> StudioPage:
    """The whole page for the build in `query` (after `action`, if any)."""
    return page_from_look(cat, product, studio_look(cat, query, action), action, repair_base=repair_base)


def page_from_look(
    cat: Catalog, product: ProductRef, look: Look, action: Action | None = None, *,
    repair_base: str = "", steps: Collection[str] | None = None,
) -> StudioPage:
    """The page for `look`; with `steps`, only those steps are built (an htmx update sends no
    others)."""
    lang = current_language()
    result = look.result
    evaluation = result.evaluation
    shown = look.shown
    page = StudioPage(
        product=product,
        name=pick(cat.name, lang),
        steps=_steps(cat, product.version_id, look, steps, lang),
        price_key=evaluation.price,
        total=evaluation.price.total,
        missing=[pick(cat.group_by_code[code].name, lang) for code in evaluation.missing],
        valid=look.sketch.valid,
        complete=evaluation.complete,
        problems=[violation_message(cat, v) for v in evaluation.violations if not v.kind.startswith("text")],
        preview=PreviewRef(product.version_id, look.sketch.fingerprint,
                           look.query if shown == result.state else query_from_plain(cat, to_plain(cat, shown))),
        query=look.query,
        plain=look.plain,
        catalog=cat,
        shown=shown,
        lang=lang,
        digest=look.sketch.digest(product.version_id),
        preview_ok=look.drawable,
    )
    page.repair = _repair_offer(cat, result, action, repair_base or None, evaluation.price.total)
    return page


def _repair_offer(
    cat: Catalog, result: Quote, action: Action | None, cancel_query: str | None, shown_total: Decimal
) -> dict | None:
    """The engine's repair of a conflicting click, as the page offers it: what changes, the
    total after it and the difference from the total on screen; Apply, and Cancel back to
    `cancel_query` (None: there is no build to go back to, as for a broken build from a URL)."""
    if result.repair is None:
        return None
    total = result.repair.evaluation.price.total
    return {
        "message": repair_message(cat, result.repair, action),
        "apply_query": query_from_plain(cat, to_plain(cat, result.repair.state)),
        "cancel": cancel_query is not None,
        "cancel_query": cancel_query or "",
        "total": total,
        "difference": total - shown_total,
    }


ALL_PARTS = {"preview": True, "price": True, "save": True, "missing": True}  # and the steps


def changed_parts(before: Sketch | dict[str, str] | None, after: Sketch) -> dict[str, Any]:
    """Which parts of the page a click changed (the htmx response sends only those); "steps"
    holds the codes of the steps that changed. `before` is the page's sketch, or its digests."""
    if before is None:
        return {**ALL_PARTS, "steps": list(after.steps)}
    old = before.digests if isinstance(before, Sketch) else before
    new = after.digests
    return {
        **{part: old.get(part) != new[part] for part in ALL_PARTS},
        "steps": [code for code in after.steps if old.get(f"step:{code}") != new[f"step:{code}"]],
    }


@dataclass
class StudioUpdate:
    page: StudioPage  # the page to send: its changed parts (or, on a conflict, the kept build)
    parts: dict[str, Any]
    conflict: bool
    before: dict[str, Any] | None  # the build before the click, and after it (plain selections)
    after: dict[str, Any]


def studio_update(
    cat: Catalog, product: ProductRef, query: QueryDict, action: Action | None, previous: QueryDict | None,
    digest: str | None = None,
) -> StudioUpdate:
    """An htmx click. `previous` is the build the browser showed before the click, and `digest`
    the digest of that page (see Sketch.digest); with a valid digest the page before need not be
    worked out again. A click that conflicts keeps that build on screen and offers the repair;
    otherwise only what changed is built."""
    after = studio_look(cat, query, action)
    if after.result.repair is not None and action is not None and previous is not None:
        before = studio_look(cat, previous)
        shown = page_from_look(cat, product, before)
        # Cancel returns to the build on screen, also when that is a fresh page's (no query).
        shown.repair = _repair_offer(cat, after.result, action, before.query, before.result.evaluation.price.total)
        return StudioUpdate(shown, changed_parts(None, before.sketch), True, before.plain, before.plain)
    before_parts: Sketch | dict[str, str] | None = None
    before_plain = None
    if previous is not None:
        before_parts = parse_digest(cat, product.version_id, digest)
        if before_parts is None:
            look = studio_look(cat, previous)
            before_parts, before_plain = look.sketch, look.plain
        else:
            before_plain = to_plain(cat, normalize(cat, plain_from_query(cat, previous))[0])
    parts = changed_parts(before_parts, after.sketch)
    repair_base = previous.urlencode() if previous is not None and after.result.repair is not None else ""
    page = page_from_look(cat, product, after, action, repair_base=repair_base, steps=set(parts["steps"]))
    return StudioUpdate(page, parts, False, before_plain, after.plain)


@dataclass
class BuildSummary:
    build: Any
    preview: PreviewRef
    alt: str
    choices: list[tuple[str, str]]
    price: dict[str, Any]


def build_summary(build) -> BuildSummary:
    """A saved build as pages show it: its own catalog version, its frozen price."""
    from configurator.engine import normalize
    from configurator.snapshot import catalog_for

    cat = catalog_for(build.catalog_version_id)
    state, _errors = normalize(cat, build.selections)
    choices = []
    for group in cat.groups:
        if group.kind == TEXT:
            value = state.text(group.code)
        else:
            value = ", ".join(pick(cat.options[i].name) for i in iter_bits(state.mask & group.mask))
        if value:
            choices.append((pick(group.name), value))
    return BuildSummary(
        build=build,
        preview=preview_ref(cat, build.catalog_version_id, state, build.fingerprint),
        alt=alt_text(cat, state),
        choices=choices,
        price=relabel_price(cat, build.price),
    )
