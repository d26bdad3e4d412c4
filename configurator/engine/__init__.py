"""The configuration engine: pure Python over a compiled catalog snapshot, no ORM, no request.

    cat = compile_catalog(snapshot)
    result = quote(cat, {"trim": "electric"}, action=Action("trim", "electric"))

`quote` never raises on shopper input: problems with the input come back in `errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import MULTI, SINGLE, TEXT, Catalog, SnapshotError, compile_catalog, iter_bits
from .evaluate import Availability, Evaluation, Violation, availability, evaluate, option_status
from .repair import Pins, distance, minimal_repair
from .state import Issue, State, default_state, fingerprint, normalize, to_plain


@dataclass(frozen=True, slots=True)
class Action:
    """A shopper's click: pick `option` in `group` (None clears a single-choice step); in a
    multiple-choice step `selected` says whether the option goes on or off."""

    group: str
    option: str | None = None
    selected: bool = True


@dataclass(frozen=True, slots=True)
class Change:
    group: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Repair:
    state: State
    changes: tuple[Change, ...]
    causes: tuple[Violation, ...]  # what was broken before the repair
    evaluation: Evaluation


@dataclass(frozen=True, slots=True)
class Quote:
    evaluation: Evaluation
    availability: Availability
    repair: Repair | None
    errors: dict[str, list[Issue]]

    @property
    def state(self) -> State:
        return self.evaluation.state


def apply_action(cat: Catalog, state: State, action: Action) -> tuple[State, Pins, dict[str, list[Issue]]]:
    group = cat.group_by_code.get(action.group) if isinstance(action.group, str) else None
    if group is None:
        return state, Pins(), {"action": [Issue("unknown_group")]}
    if group.kind == TEXT:
        return state, Pins(), {"action": [Issue("text_step_has_no_option")]}
    option = None
    if action.option is not None:
        option = cat.option_in(group, action.option) if isinstance(action.option, str) else None
        if option is None:
            return state, Pins(), {"action": [Issue("unknown_option", (("option", str(action.option)[:60]),))]}
    if group.kind == SINGLE:
        mask = state.mask & ~group.mask
        if option is not None:
            mask |= 1 << option.index
        return state.with_mask(mask), Pins(groups=frozenset({group.index})), {}
    if option is None:
        return state, Pins(), {"action": [Issue("expected_option")]}
    bit = 1 << option.index
    if action.selected:
        return state.with_mask(state.mask | bit), Pins(on=bit), {}
    return state.with_mask(state.mask & ~bit), Pins(off=bit), {}


def changes_between(cat: Catalog, before: int, after: int, skip: frozenset[int] = frozenset()) -> tuple[Change, ...]:
    out = []
    for group in cat.groups:
        if group.kind == TEXT or group.index in skip:
            continue
        a, b = before & group.mask, after & group.mask
        if a != b:
            out.append(Change(
                group.code,
                tuple(cat.options[i].code for i in iter_bits(a)),
                tuple(cat.options[i].code for i in iter_bits(b)),
            ))
    return tuple(out)


NO_PINS = Pins()


def repair_state(
    cat: Catalog, state: State, pins: Pins = NO_PINS, current: Evaluation | None = None
) -> Repair | None:
    """The minimal repair of `state`'s option choices; None when it is valid or cannot be repaired.
    `current`: the evaluation of `state`, when the caller has it already."""
    current = current or evaluate(cat, state)
    option_problems = tuple(v for v in current.violations if not v.kind.startswith("text"))
    if not option_problems:
        return None
    mask = minimal_repair(cat, state.mask, pins)
    if mask is None:
        return None
    repaired = state.with_mask(mask)
    skip = pins.groups
    return Repair(repaired, changes_between(cat, state.mask, mask, skip), option_problems, evaluate(cat, repaired))


def quote(cat: Catalog, selections: Any, action: Action | None = None) -> Quote:
    state, errors = normalize(cat, selections)
    pins = Pins()
    if action is not None and not errors:
        state, pins, action_errors = apply_action(cat, state, action)
        errors.update(action_errors)
    result = evaluate(cat, state)
    repair = repair_state(cat, state, pins, result) if not result.valid else None
    return Quote(result, availability(cat, state), repair, errors)


__all__ = [
    "MULTI",
    "SINGLE",
    "TEXT",
    "Action",
    "Availability",
    "Catalog",
    "Change",
    "Evaluation",
    "Issue",
    "Pins",
    "Quote",
    "Repair",
    "SnapshotError",
    "State",
    "Violation",
    "apply_action",
    "availability",
    "changes_between",
    "compile_catalog",
    "default_state",
    "distance",
    "evaluate",
    "fingerprint",
    "minimal_repair",
    "normalize",
    "option_status",
    "quote",
    "repair_state",
    "to_plain",
]
