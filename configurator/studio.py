"""The configurator page as plain data: steps with their options' status and reasons, price,
what is missing, the preview, and a repair to offer. Views render it; no view logic here."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from configurator.engine import Action, Catalog, Quote, State, option_status, quote, to_plain
from configurator.engine.catalog import MULTI, NO_MAX, TEXT, iter_bits
from configurator.explain import conflict_reason, price_payload, relabel_price, repair_message, violation_message
from configurator.i18n import pick
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

    @property
    def none_checked(self) -> bool:
        return not any(o.checked for o in self.options)

    @property
    def signature(self) -> tuple:
        """What the step shows; a step is re-sent to the browser only when this changes."""
        texts = (self.text.value, tuple(self.text.problems)) if self.text else ()
        return (self.missing, texts, tuple((o.status, o.checked, tuple(o.reasons)) for o in self.options))


@dataclass
class StudioPage:
    product: ProductRef
    name: str
    steps: list[StepView]
    price: dict[str, Any]
    total: Decimal
    missing: list[str]
    valid: bool
    complete: bool
    problems: list[str]
    preview: PreviewRef
    alt: str
    query: str
    plain: dict[str, Any]
    repair: dict[str, Any] | None = None


def _delta(cat: Catalog, state: State, index: int) -> Decimal:
    """What picking the option changes in price, against the step's current choice."""
    option = cat.options[index]
    group = cat.groups[option.group]
    if group.kind == MULTI:
        return option.price
    current = sum((cat.options[i].price for i in iter_bits(state.mask & group.mask)), Decimal(0))
    return option.price - current


def _steps(cat: Catalog, result: Quote, problems: dict[str, list[str]]) -> list[StepView]:
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
                id=f"o:{group.code}:{option.code}", code=option.code, name=pick(option.name),
                delta=_delta(cat, state, index), swatch=option.swatch, status=status,
                checked=bool(state.mask >> index & 1), reasons=why,
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
            code=group.code, name=pick(group.name), kind=group.kind, required=group.required,
            missing=group.code in missing,
            max_count=group.max_count if group.kind == MULTI and group.max_count != NO_MAX else None,
            options=options, text=text,
        ))
    return steps


def alt_text(cat: Catalog, state: State) -> str:
    """A sentence describing the preview, e.g. "City car: Electric, Chili red, …, badge “MAX”"."""
    parts = []
    for group in cat.groups:
        if group.kind == TEXT:
            text = state.text(group.code)
            if text:
                parts.append(f"{pick(group.name).lower()} “{text}”")
            continue
        names = [pick(cat.options[i].name) for i in iter_bits(state.mask & group.mask)]
        if names:
            parts.append(f"{pick(group.name).lower()}: {', '.join(names)}")
    return f"{pick(cat.name)} — " + "; ".join(parts)


def _preview_state(cat: Catalog, state: State, problems: dict, result: Quote) -> State:
    """What the picture shows: personal text that breaks a rule is left out, never drawn."""
    bad = set(problems) | {v.group for v in result.evaluation.violations if v.kind.startswith("text")}
    for code in bad:
        state = state.with_text(code, "")
    return state


def studio_page(
    cat: Catalog, product: ProductRef, query: QueryDict, action: Action | None = None, *, repair_base: str = ""
) -> StudioPage:
    raw = plain_from_query(cat, query)
    result = quote(cat, raw, action)
    state = result.state
    problems = text_problems(cat, state)
    shown = _preview_state(cat, state, problems, result)
    evaluation = result.evaluation
    shown_eval = quote(cat, to_plain(cat, shown)).evaluation if shown != state else evaluation
    plain = to_plain(cat, state)
    page = StudioPage(
        product=product,
        name=pick(cat.name),
        steps=_steps(cat, result, problems),
        price=price_payload(cat, evaluation.price),
        total=evaluation.price.total,
        missing=[pick(cat.group_by_code[code].name) for code in evaluation.missing],
        valid=evaluation.valid and not problems,
        complete=evaluation.complete,
        problems=[violation_message(cat, v) for v in evaluation.violations if not v.kind.startswith("text")],
        preview=preview_ref(cat, product.version_id, shown, shown_eval.fingerprint),
        alt=alt_text(cat, shown),
        query=query_from_plain(cat, plain),
        plain=plain,
    )
    if result.repair is not None:
        repaired = to_plain(cat, result.repair.state)
        page.repair = {
            "message": repair_message(cat, result.repair, action),
            "apply_query": query_from_plain(cat, repaired),
            "cancel_query": repair_base,
        }
    return page


def changed_parts(before: StudioPage | None, after: StudioPage) -> dict[str, Any]:
    """Which parts of the page a click changed: the htmx response sends only those."""
    if before is None:
        return {"preview": True, "price": True, "missing": True, "steps": after.steps}
    old = {s.code: s.signature for s in before.steps}
    return {
        "preview": before.preview.fingerprint != after.preview.fingerprint,
        "price": before.price != after.price or before.query != after.query,
        "missing": before.missing != after.missing or before.valid != after.valid,
        "steps": [s for s in after.steps if old.get(s.code) != s.signature],
    }


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
