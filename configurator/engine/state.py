"""Selections in and out: normalization of shopper input, and the canonical plain-data form.

A state is the bit mask of chosen options plus the personal texts. Normalization applies the
defaults for steps the input does not mention and reports input it cannot understand.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from .catalog import MULTI, SINGLE, TEXT, Catalog, iter_bits

MAX_TEXT_INPUT = 200  # characters; longer input is refused before any rule looks at it


@dataclass(frozen=True, slots=True)
class State:
    mask: int
    texts: tuple[tuple[str, str], ...] = ()  # (group code, text), sorted

    def text(self, code: str) -> str:
        for group, value in self.texts:
            if group == code:
                return value
        return ""

    def with_mask(self, mask: int) -> State:
        return State(mask, self.texts)

    def with_text(self, code: str, value: str) -> State:
        texts = dict(self.texts)
        texts[code] = value
        return State(self.mask, tuple(sorted(texts.items())))


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem with the input itself. `code` is stable; the web layer words it."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def default_state(cat: Catalog) -> State:
    mask = 0
    for group in cat.groups:
        if group.default is not None:
            mask |= 1 << group.default
    return State(mask, tuple(sorted((g.code, "") for g in cat.groups if g.kind == TEXT)))


def normalize(cat: Catalog, raw: Any) -> tuple[State, dict[str, list[Issue]]]:
    """Shopper input -> State. Unknown steps or options and wrong types are reported, not raised."""
    errors: dict[str, list[Issue]] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return default_state(cat), {"selections": [Issue("not_an_object")]}
    for key in raw:
        if not isinstance(key, str) or key not in cat.group_by_code:
            errors.setdefault(str(key)[:60], []).append(Issue("unknown_group"))
    mask = 0
    texts: list[tuple[str, str]] = []
    for group in cat.groups:
        present = group.code in raw
        value = raw.get(group.code)
        if group.kind == TEXT:
            if value is None:
                value = ""
            if not isinstance(value, str):
                errors.setdefault(group.code, []).append(Issue("expected_text"))
                value = ""
            # Measured before cleaning (a cheap refusal) and after it: NFC can lengthen text,
            # and the canonical form must normalize to itself.
            value = clean_text(value) if len(value) <= MAX_TEXT_INPUT else value
            if len(value) > MAX_TEXT_INPUT:
                errors.setdefault(group.code, []).append(Issue("text_too_long", (("max", MAX_TEXT_INPUT),)))
                value = ""
            texts.append((group.code, value))
            continue
        if not present:
            if group.default is not None:
                mask |= 1 << group.default
            continue
        if group.kind == SINGLE:
            values = [] if value is None else [value]
            if isinstance(value, (list, dict, bool, int, float)):
                errors.setdefault(group.code, []).append(Issue("expected_option"))
                continue
        else:  # MULTI
            if value is None:
                value = []
            if not isinstance(value, list) or len(value) > len(group.options):
                errors.setdefault(group.code, []).append(Issue("expected_option_list"))
                continue
            values = value
        for code in values:
            option = cat.option_in(group, code) if isinstance(code, str) else None
            if option is None:
                errors.setdefault(group.code, []).append(
                    Issue("unknown_option", (("option", str(code)[:60]),))
                )
            else:
                mask |= 1 << option.index
    return State(mask, tuple(sorted(texts))), errors


def to_plain(cat: Catalog, state: State) -> dict[str, Any]:
    """The canonical, JSON-ready selections: every step present, lists sorted."""
    plain: dict[str, Any] = {}
    for group in cat.groups:
        if group.kind == TEXT:
            plain[group.code] = state.text(group.code)
            continue
        chosen = [cat.options[i].code for i in iter_bits(state.mask & group.mask)]
        if group.kind == MULTI:
            plain[group.code] = sorted(chosen)
        else:
            plain[group.code] = chosen[0] if chosen else None
    return plain


def fingerprint(cat: Catalog, state: State) -> str:
    """Stable across processes and catalog versions: a hash of the canonical selections that
    the picture depends on (sizes are left out: picking one never needs a new render)."""
    plain = to_plain(cat, state)
    for group in cat.groups:
        if group.size:
            del plain[group.code]
    payload = json.dumps(
        {"product": cat.slug, "selections": plain},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def selected_in(cat: Catalog, state: State, group_index: int) -> list[int]:
    return list(iter_bits(state.mask & cat.groups[group_index].mask))


def single_change(cat: Catalog, state: State, group_index: int, option_index: int | None) -> State:
    """Pick `option_index` in a single-choice step (None clears the step)."""
    group = cat.groups[group_index]
    mask = state.mask & ~group.mask
    if option_index is not None:
        mask |= 1 << option_index
    return state.with_mask(mask)


def valid_single(cat: Catalog, state: State) -> bool:
    """No single-choice step holds two options (normalized input can hold at most one)."""
    return all(
        (state.mask & g.mask).bit_count() <= 1 for g in cat.groups if g.kind == SINGLE
    )
