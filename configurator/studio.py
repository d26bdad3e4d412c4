"""The configurator page as plain data: steps with their options' status and reasons, price,
what is missing, the preview, and a repair to offer. Views render it; no view logic here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from configurator.conflict_costs import conflict_costs
from configurator.engine import Action, Catalog, Quote, State, default_state, option_status, quote, to_plain
from configurator.engine.catalog import MULTI, NO_MAX, TEXT, iter_bits
from configurator.engine.evaluate import Price, evaluate
from configurator.explain import conflict_reason, price_payload, relabel_price, repair_message, violation_message
from configurator.i18n import current_language, pick
from configurator.personal_text import text_problems
from configurator.previews import PreviewRef, picture_query, preview_ref
from configurator.querystate import plain_from_query, query_from_plain
from configurator.selectors import ProductRef
from configurator.stepper import SUMMARY, Stepper, open_step
from configurator.stepper import stepper as make_stepper


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
    # In conflict, in the open step: the change of the total once the repair it needs is applied
    # (None: no repair exists, or the step is not open, so the page does not show it).
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
    shows: tuple = ()  # what the step shows, as engine data (see StudioBuild.parts)
    size: bool = False  # a size: a compact row of options (it never changes the picture)

    @property
    def none_checked(self) -> bool:
        return not any(o.checked for o in self.options)


@dataclass
class ViewTab:
    """One view of the product in the studio: the picture of the build in it (drawn when the
    view is opened), its thumbnail, and (without JavaScript) the link that shows it large."""

    code: str
    name: str
    url: str  # the preview of the build in this view
    href: str  # the studio with this view shown large
    current: bool
    zoom_url: str = ""  # the enlarged picture of this view
    thumb: str = ""  # the thumbnail: this view of the product as a new build starts


def view_code(cat: Catalog, value: str | None) -> str:
    """The view `?view=` asks for, or the first one (also for a code the product lacks)."""
    shown = cat.view(value) if value else None
    return (shown or cat.views[0]).code


def view_url(cat: Catalog, preview: PreviewRef, code: str) -> str:
    """The preview of one view; the first view's is the address without a view, as elsewhere."""
    return preview.url_for(None if code == cat.views[0].code else code)


def thumbnail_picture(cat: Catalog, preview: PreviewRef) -> PreviewRef:
    """What the view thumbnails show: the product as a new build starts, drawn where `preview`
    draws. A thumbnail is a way to turn the product, not a second preview: one picture per view
    and catalog version, shared by every shopper and kept by every browser, so a click draws
    only the view on screen, and another view is drawn when it is opened. A product whose
    defaults draw no picture shows the build itself."""
    new_build = cat.derived.get("new_build")  # worked out once per compiled catalog (Catalog.derived)
    if new_build is None:
        state = default_state(cat)
        evaluation = evaluate(cat, state)
        new_build = cat.derived["new_build"] = (evaluation.fingerprint, picture_query(cat, state)) \
            if evaluation.valid else ()
    if not new_build:
        return preview
    return replace(preview, fingerprint=new_build[0], query=new_build[1])


def view_tabs(cat: Catalog, preview: PreviewRef, current: str, query: str, step: str, lang: str) -> list[ViewTab]:
    link = "?" + "&".join(part for part in (query, f"step={step}" if step else "") if part)
    thumbs = thumbnail_picture(cat, preview)
    return [
        ViewTab(v.code, pick(v.name, lang), view_url(cat, preview, v.code),
                f"{link}&view={v.code}".replace("?&", "?"), v.code == current, preview.zoom_url(v.code),
                view_url(cat, thumbs, v.code))
        for v in cat.views
    ]


@dataclass
class StudioPage:
    product: ProductRef
    name: str
    steps: list[StepView]
    price_key: Price  # the engine's price, from which the breakdown is built
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
    repair: dict[str, Any] | None = None
    # Whether the preview URL draws: a build that breaks a rule (an old or hand-made link) has no
    # picture, and the page says so instead of showing a broken image.
    preview_ok: bool = True
    view: str = ""  # the view shown large (?view=; the first by default)
    build: StudioBuild | None = field(default=None, repr=False)

    @property
    def open_step(self) -> str:
        return self.build.step if self.build else ""

    @cached_property
    def stepper(self) -> Stepper | None:
        """The tabs, the open one and the summary's lines: built only when the page shows them
        (a click that changes no flag and leaves the summary closed never does)."""
        if self.build is None:
            return None
        result = self.build.result
        return make_stepper(self.catalog, result.state, result.evaluation.missing, self.build.step, self.lang,
                            _("Summary"))

    @cached_property
    def views(self) -> list[ViewTab]:
        """Every view, the current one marked: built only when the preview is sent."""
        return view_tabs(self.catalog, self.preview, self.view, self.query, self.open_step, self.lang)

    @property
    def view_url(self) -> str:
        """The preview of the view shown large."""
        return view_url(self.catalog, self.preview, self.view)

    @property
    def zoom_url(self) -> str:
        """The enlarged picture of the view shown large."""
        return self.preview.zoom_url(self.view)

    # Built on first use: an htmx update that leaves the price or the preview as they were
    # never needs them.
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


def _steps(cat: Catalog, build: StudioBuild, only: Collection[str] | None, lang: str) -> list[StepView]:
    if only is not None and not only:
        return []  # the summary alone, or a click that changed no step
    result, problems = build.result, build.text_problems
    shows = build.parts(cat)
    costs = build.costs(cat)
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
                checked=bool(state.mask >> index & 1), reasons=why, total_delta=costs.get(index),
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
            options=options, text=text, shows=shows[f"step:{group.code}"], size=group.size,
        ))
    return steps


@dataclass(frozen=True)
class StudioBuild:
    """One build as the studio sees it, in engine data: the engine's quote, personal-text
    problems, the state the preview shows and the canonical query. A click compares the build
    before it with the build after it (see changed_parts)."""

    result: Quote
    text_problems: dict[str, list[str]]
    shown: State  # what the preview shows (personal text that breaks a rule left out)
    shown_fingerprint: str
    plain: dict[str, Any]
    query: str
    drawable: bool = True  # the state the preview shows is a valid build (the preview URL draws it)
    step: str = ""  # the open step (?step=<code>; stepper.open_step)
    view: str = ""  # the view shown large (?view=<code>)

    @property
    def valid(self) -> bool:
        return self.result.evaluation.valid and not self.text_problems

    def costs(self, cat: Catalog) -> dict[int, Decimal | None]:
        """What the open step's options in conflict cost after their repair (conflict_costs,
        remembered): asked only of a build a page shows, never of a click that is refused."""
        return conflict_costs(cat, self.result.state, self.result.availability, cat.group_by_code.get(self.step))

    def parts(self, cat: Catalog) -> dict[str, Any]:
        """What each part of the page shows, as engine data: equal data, equal HTML (in one
        language), so a part is sent again only when its entry changes. "step:<code>" holds
        what a step shows: its choices, availability, the rules behind each conflict, what each
        conflicting option costs after its repair (the open step's only: the others show no
        price), and its text with its problems."""
        state, avail, evaluation = self.result.state, self.result.availability, self.result.evaluation
        parts: dict[str, Any] = {
            "preview": (self.shown_fingerprint, self.drawable, self.view),
            "price": evaluation.price,
            "save": (self.query, self.valid),
            "missing": (evaluation.missing, self.valid,
                        tuple(v for v in evaluation.violations if not v.kind.startswith("text"))),
        }
        # The stepper's tabs flag the steps still missing and Previous/Next follow the open step
        # (their links' addresses follow the build in the browser: studio.js). The summary lists
        # the choices (the query), the price and what is missing; a click sends it only while it
        # is open, as no click can change it unseen otherwise (opening it asks for it anew:
        # views.studio_summary).
        costs = self.costs(cat)
        parts["nav"] = (tuple(evaluation.missing), self.step)
        parts["summary"] = (self.query, evaluation.price, parts["missing"]) if self.step == SUMMARY else None
        for group in cat.groups:
            m = group.mask
            step: tuple = (
                group.code in evaluation.missing, state.mask & m, avail.free & m, avail.unavailable & m,
                group.index in avail.full_groups,
                tuple((rule.code, bad & m, blockers) for rule, bad, blockers in avail.hits if bad & m),
                tuple((index, cost) for index, cost in costs.items() if m >> index & 1),
            )
            if group.kind == TEXT:
                step += (
                    state.text(group.code), tuple(self.text_problems.get(group.code, ())),
                    tuple(v for v in evaluation.violations if v.kind.startswith("text") and v.group == group.code),
                )
            parts[f"step:{group.code}"] = step
        return parts


def studio_build(cat: Catalog, query: QueryDict, action: Action | None = None) -> StudioBuild:
    result = quote(cat, plain_from_query(cat, query), action)
    state, evaluation = result.state, result.evaluation
    problems = text_problems(cat, state)
    shown = _preview_state(cat, state, problems, result)
    shown_evaluation = evaluate(cat, shown) if shown != state else evaluation
    plain = to_plain(cat, state)
    return StudioBuild(
        result=result, text_problems=problems, shown=shown, shown_fingerprint=shown_evaluation.fingerprint,
        plain=plain, query=query_from_plain(cat, plain), drawable=shown_evaluation.valid,
        step=open_step(cat, query.get("step")), view=view_code(cat, query.get("view")),
    )


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
    cat: Catalog, product: ProductRef, query: QueryDict, action: Action | None = None, *, repair_base: str = "",
    steps: Collection[str] | None = None,
) -> StudioPage:
    """The whole page for the build in `query` (after `action`, if any); with `steps`, only
    those steps are built."""
    return page_from_build(cat, product, studio_build(cat, query, action), action, repair_base=repair_base,
                           steps=steps)


def page_from_build(
    cat: Catalog, product: ProductRef, build: StudioBuild, action: Action | None = None, *,
    repair_base: str = "", steps: Collection[str] | None = None,
) -> StudioPage:
    """The page for `build`; with `steps`, only those steps are built (an htmx update sends no
    others)."""
    lang = current_language()
    result = build.result
    evaluation = result.evaluation
    shown = build.shown
    page = StudioPage(
        product=product,
        name=pick(cat.name, lang),
        steps=_steps(cat, build, steps, lang),
        price_key=evaluation.price,
        total=evaluation.price.total,
        missing=[pick(cat.group_by_code[code].name, lang) for code in evaluation.missing],
        valid=build.valid,
        complete=evaluation.complete,
        problems=[violation_message(cat, v) for v in evaluation.violations if not v.kind.startswith("text")],
        preview=product.preview(build.shown_fingerprint, picture_query(cat, shown)),
        query=build.query,
        plain=build.plain,
        catalog=cat,
        shown=shown,
        lang=lang,
        preview_ok=build.drawable,
        view=build.view or cat.views[0].code,
        build=build,
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


def changed_parts(cat: Catalog, before: StudioBuild | None, after: StudioBuild) -> dict[str, Any]:
    """Which parts of the page a click changed (the htmx response sends only those): "preview",
    "price", "save", "missing", "nav" (the stepper's tabs and Previous/Next) and "summary" say
    whether each changed, and "steps" lists the codes of the steps that did. With no page
    before, everything changed."""
    old = before.parts(cat) if before is not None else {}
    new = after.parts(cat)
    changed = {key for key, value in new.items() if old.get(key, _NOTHING) != value}
    return {
        **{part: part in changed for part in ("preview", "price", "save", "missing", "nav", "summary")},
        "steps": [group.code for group in cat.groups if f"step:{group.code}" in changed],
    }


_NOTHING = object()


@dataclass
class StudioUpdate:
    page: StudioPage  # the page to send: its changed parts (or, on a conflict, the kept build)
    parts: dict[str, Any]
    conflict: bool
    before: dict[str, Any] | None  # the build before the click, and after it (plain selections)
    after: dict[str, Any]


def studio_update(
    cat: Catalog, product: ProductRef, query: QueryDict, action: Action | None, previous: QueryDict | None,
) -> StudioUpdate:
    """An htmx click. `previous` is the build the browser showed before the click (None: not
    known, so every part is sent). A click that conflicts keeps that build on screen and offers
    the repair; otherwise only the parts that changed are built."""
    after = studio_build(cat, query, action)
    before = studio_build(cat, previous) if previous is not None else None
    if after.result.repair is not None and action is not None and before is not None:
        shown = page_from_build(cat, product, before)
        # Cancel returns to the build on screen, also when that is a fresh page's (no query).
        shown.repair = _repair_offer(cat, after.result, action, before.query, before.result.evaluation.price.total)
        return StudioUpdate(shown, changed_parts(cat, None, before), True, before.plain, before.plain)
    parts = changed_parts(cat, before, after)
    repair_base = previous.urlencode() if previous is not None and after.result.repair is not None else ""
    page = page_from_build(cat, product, after, action, repair_base=repair_base, steps=set(parts["steps"]))
    return StudioUpdate(page, parts, False, before.plain if before is not None else None, after.plain)


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
