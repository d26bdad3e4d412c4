"""Hypothesis strategies for the engine: small random catalogs, and shopper input for them.

Catalogs are kept small (2-4 option steps, at most 12 options in all) so that a test can
enumerate every build of one and check the engine against brute force.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from configurator.engine import Action, Catalog, compile_catalog
from configurator.engine.check import unreachable_options

MAX_OPTIONS = 12
RULE_KINDS = ("requires", "excludes", "availability", "cardinality", "price")


@cache
def rarely(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in `one_in` draws, shrinking to False (hypothesis draws the ends of an
    integer range far more often than that)."""
    return st.sampled_from((False,) * (one_in - 1) + (True,))


@dataclass(frozen=True)
class Published:
    """A snapshot as publishing stores it (unreachable options marked) and its compiled catalog."""

    snapshot: dict[str, Any]
    cat: Catalog

    @property
    def option_groups(self) -> list[dict[str, Any]]:
        return [g for g in self.snapshot["groups"] if g["kind"] != "text"]


def publish(snapshot: dict[str, Any]) -> Published:
    """Mark the unreachable options as publishing does, then compile what a build would load."""
    cat = compile_catalog(snapshot)
    snapshot = {**snapshot, "unreachable": [cat.options[i].key for i in unreachable_options(cat)]}
    return Published(snapshot, compile_catalog(snapshot))


@cache
def money(low: int, high: int) -> st.SearchStrategy[str]:
    """A two-decimal amount as the snapshot writes it (str of a DecimalField value)."""
    return st.integers(low, high).map(
        lambda cents: f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    )


def _option_group(draw, code: str, n_options: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(("single", "multi")))
    codes = tuple(f"o{i}" for i in range(n_options))
    low = draw(st.integers(0, min(2, n_options))) if kind == "multi" else 0
    high = draw(st.none() | st.integers(low, n_options)) if kind == "multi" else None
    return {
        "code": code,
        "name": {"en": f"Step {code}", "nl": f"Stap {code}"},
        "kind": kind,
        "required": draw(st.booleans()),
        "default": draw(st.none() | st.sampled_from(codes)),
        "min": low,
        "max": high,
        "options": [
            {
                "code": c,
                "name": {"en": f"Option {code}.{c}", "nl": f"Optie {code}.{c}"},
                "price": draw(money(-20_000, 100_000)),
                "available": not draw(rarely(8)),
            }
            for c in codes
        ],
    }


def _text_group(draw) -> dict[str, Any]:
    return {
        "code": "badge",
        "name": {"en": "Badge", "nl": "Badge"},
        "kind": "text",
        "required": draw(st.booleans()),
        "default": None,
        "min": 0,
        "max": None,
        "options": [],
        "text": {
            "max_length": draw(st.integers(1, 10)),
            "pattern": draw(st.sampled_from((r"[A-Z0-9 ]", r"[A-Za-z0-9 .\-]", r"[a-z]"))),
            "price_per_char": draw(money(0, 1_000)),
            "flat_price": draw(money(0, 5_000)),
        },
    }


def _keys(draw, pool: tuple[str, ...], max_size: int = 3) -> list[str]:
    if draw(rarely(10)):
        return []  # the admin allows a rule without subjects or targets
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=max_size, unique=True))


def _rule(draw, code: str, groups: list[tuple[str, ...]]) -> dict[str, Any]:
    """Mostly a merchandiser's rule (subjects from one step, targets from another: "Electric
    excludes the 18-inch wheels"); now and then one over any options at all."""
    kind = draw(st.sampled_from(RULE_KINDS))
    every = tuple(k for g in groups for k in g)
    if not draw(rarely(4)):
        first = draw(st.integers(0, len(groups) - 1))
        second = (first + draw(st.integers(1, len(groups) - 1))) % len(groups)
        subject_pool, target_pool = groups[first], groups[second]
    else:
        subject_pool = target_pool = every
    rule: dict[str, Any] = {
        "code": code,
        "kind": kind,
        "subjects": _keys(draw, subject_pool),
        "targets": _keys(draw, target_pool) if kind in ("requires", "excludes", "availability") else [],
        "condition": draw(st.sampled_from(("all", "any"))),
        "min": 0,
        "max": None,
        "amount": "0.00",
        "explanation": {"en": f"Rule {code}", "nl": f"Regel {code}"},
    }
    if kind == "cardinality":
        rule["subjects"] = draw(st.lists(st.sampled_from(every), min_size=1, max_size=4, unique=True))
        rule["min"] = draw(st.integers(0, 2))
        rule["max"] = draw(st.none() | st.integers(rule["min"], 3))
    if kind == "price":
        rule["amount"] = draw(money(-30_000, 30_000))
    return rule


@st.composite
def snapshots(draw) -> dict[str, Any]:
    """A raw catalog snapshot: 2-4 option steps (single or multi, 1-4 options each, some switched
    off), maybe a personal text step, and 1-7 rules of every kind."""
    n_groups = draw(st.integers(2, 4))
    groups = []
    left = MAX_OPTIONS
    for g in range(n_groups):
        most = min(4, left - (n_groups - g - 1))
        n_options = draw(st.integers(2, most)) if most >= 2 and not draw(rarely(5)) else 1
        left -= n_options
        groups.append(_option_group(draw, f"g{g}", n_options))
    if draw(st.booleans()):
        groups.insert(draw(st.integers(0, len(groups))), _text_group(draw))
    keys = [tuple(f"{g['code']}.{o['code']}" for o in g["options"]) for g in groups if g["options"]]
    rules = [_rule(draw, f"r{i}", keys) for i in range(draw(st.integers(1, 7)))]
    return {
        "product": {"slug": "tiny", "name": {"en": "Tiny"}, "base_price": draw(money(0, 500_000))},
        "groups": groups,
        "rules": rules,
    }


def catalogs() -> st.SearchStrategy[Published]:
    return snapshots().map(publish)


# Shopper input -------------------------------------------------------------------------------

_TEXT_ALPHABET = st.sampled_from((
    "A", "Z", "7", " ", "a", "e", "\u0301", "é", "\u0958", "\u2126", "\t", "!", "ß", "\U0001f600", "\n",
))


def texts() -> st.SearchStrategy[str]:
    """Personal text: short or near the input limit, with spaces, accents, combining marks and
    characters whose NFC form is longer than themselves (U+0958)."""
    return st.one_of(
        st.text(_TEXT_ALPHABET, max_size=12),
        st.text(_TEXT_ALPHABET, min_size=185, max_size=205),
        st.text(max_size=8),
    )


@st.composite
def selections(draw, pub: Published) -> dict[str, Any]:
    """Well-formed input: known steps and options, right types (the build may break rules)."""
    raw: dict[str, Any] = {}
    for group in pub.snapshot["groups"]:
        if draw(rarely(5)):
            continue  # step left out: its default applies
        codes = tuple(o["code"] for o in group["options"])
        if group["kind"] == "single":
            raw[group["code"]] = draw(st.sampled_from((*codes, None)))
        elif group["kind"] == "multi":
            raw[group["code"]] = draw(st.lists(st.sampled_from(codes), unique=True, max_size=len(codes)))
        else:
            raw[group["code"]] = draw(texts())
    return raw


_JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=True), st.text(max_size=5)
)
JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def garbage_selections(draw, pub: Published) -> Any:
    """Any input a client could send: not an object, unknown steps and options, wrong types,
    lists for single steps, duplicates, too long text, mixed with good values."""
    if draw(rarely(6)):
        return draw(JSON | st.lists(JSON, max_size=3))
    raw: dict[Any, Any] = draw(selections(pub))
    group_codes = [g["code"] for g in pub.snapshot["groups"]]
    option_codes = sorted({o["code"] for g in pub.option_groups for o in g["options"]} | {"nope", ""})
    bad_value = st.one_of(
        JSON,
        st.sampled_from(option_codes),
        st.lists(st.sampled_from(option_codes) | JSON, max_size=6),
        st.text(min_size=201, max_size=260),
        st.sampled_from(group_codes),
    )
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(group_codes) | st.text(max_size=6) | st.integers() | st.none())
        raw[key] = draw(bad_value)
    return raw


def actions(pub: Published) -> st.SearchStrategy[Action]:
    """A well-formed click: a known option of a known step (or clearing a single step)."""
    choices = []
    for group in pub.option_groups:
        codes = [o["code"] for o in group["options"]]
        if group["kind"] == "single":
            choices.append(st.builds(Action, st.just(group["code"]), st.none() | st.sampled_from(codes)))
        else:
            choices.append(st.builds(Action, st.just(group["code"]), st.sampled_from(codes), st.booleans()))
    return st.one_of(choices)


def garbage_actions(pub: Published) -> st.SearchStrategy[Action]:
    group_codes = [g["code"] for g in pub.snapshot["groups"]]
    option_codes = sorted({o["code"] for g in pub.option_groups for o in g["options"]})
    return actions(pub) | st.builds(
        Action,
        st.sampled_from(group_codes) | st.text(max_size=5) | JSON,
        st.sampled_from(option_codes) | st.none() | JSON,
        st.booleans() | JSON,
    )
