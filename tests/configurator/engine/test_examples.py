"""The engine's explained behaviour on a tiny hand-written car catalog, plus regressions the
property tests found (kept as plain examples so they run on every test run)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from configurator.engine import Action, Change, default_state, normalize, quote, to_plain
from configurator.engine.evaluate import PriceLine, availability, option_status

from .strategies import publish


def _group(code, kind, options, *, required=False, default=None, max_count=None):
    return {
        "code": code, "name": {"en": code}, "kind": kind, "required": required, "default": default,
        "min": 0, "max": max_count,
        "options": [{"code": c, "name": {"en": c}, "price": p, "available": a} for c, p, a in options],
    }


def _rule(code, kind, subjects, targets=(), *, condition="all", amount="0.00"):
    return {
        "code": code, "kind": kind, "subjects": list(subjects), "targets": list(targets),
        "condition": condition, "min": 0, "max": None, "amount": amount,
        "explanation": {"en": code, "nl": code},
    }


CAR = {
    "product": {"slug": "car", "name": {"en": "Car"}, "base_price": "20000.00"},
    "groups": [
        _group("trim", "single", [("classic", "0.00", True), ("electric", "6000.00", True),
                                  ("sport", "3000.00", True)], required=True, default="classic"),
        _group("wheels", "single", [("w17", "0.00", True), ("w18", "800.00", True)], required=True, default="w17"),
        _group("packs", "multi", [("family", "500.00", True), ("tech", "700.00", True),
                                  ("sport", "900.00", True)], max_count=2),
        {
            "code": "badge", "name": {"en": "Badge"}, "kind": "text", "required": False, "default": None,
            "min": 0, "max": None, "options": [],
            "text": {"max_length": 8, "pattern": "[A-Z0-9 ]", "price_per_char": "5.00", "flat_price": "10.00"},
        },
    ],
    "rules": [
        _rule("electric-no-18", "excludes", ["trim.electric"], ["wheels.w18"]),
        _rule("pack-discount", "price", ["packs.family", "packs.tech"], amount="-200.00"),
        _rule("sport-pack-sport-trim", "availability", ["trim.sport"], ["packs.sport"], condition="any"),
    ],
}


@pytest.fixture(scope="module")
def car():
    return publish(CAR).cat


def test_electric_trim_with_18_inch_wheels_is_repaired_by_changing_the_wheels_to_17_inch(car):
    result = quote(car, {"trim": "classic", "wheels": "w18"}, action=Action("trim", "electric"))

    assert [v.rule for v in result.evaluation.violations] == ["electric-no-18"]
    assert result.repair.changes == (Change("wheels", ("w18",), ("w17",)),)
    assert to_plain(car, result.repair.state)["trim"] == "electric"
    assert result.repair.evaluation.valid


def test_electric_trim_is_offered_as_a_conflict_naming_the_rule_and_the_18_inch_wheels(car):
    state, _ = normalize(car, {"wheels": "w18"})
    electric = car.option_by_key["trim.electric"].index

    avail = availability(car, state)

    assert option_status(avail, electric) == "conflict"
    [(rule, blockers)] = avail.reasons()[electric]
    assert rule.code == "electric-no-18"
    assert car.mask_keys(blockers) == ["wheels.w18"]


def test_both_packs_chosen_get_the_pack_discount(car):
    price = quote(car, {"packs": ["family", "tech"]}).evaluation.price

    assert PriceLine("rule", Decimal("-200.00"), rule="pack-discount") in price.lines
    assert price.total == Decimal("21000.00")


def test_one_pack_alone_gets_no_discount(car):
    price = quote(car, {"packs": ["tech"]}).evaluation.price

    assert [line for line in price.lines if line.kind == "rule"] == []
    assert price.total == Decimal("20700.00")


def test_badge_text_is_priced_flat_plus_per_character(car):
    price = quote(car, {"badge": "  GO  "}).evaluation.price

    assert PriceLine("text", Decimal("20.00"), "badge") in price.lines


def test_badge_text_longer_than_allowed_is_a_text_length_violation(car):
    violations = quote(car, {"badge": "TOOLONGTEXT"}).evaluation.violations

    assert [(v.kind, v.group, v.detail) for v in violations] == [("text_length", "badge", "8")]


def test_badge_text_with_characters_outside_the_pattern_is_a_text_chars_violation(car):
    violations = quote(car, {"badge": "ab!"}).evaluation.violations

    assert [(v.kind, v.group, v.detail) for v in violations] == [("text_chars", "badge", "!ab")]


def test_sport_pack_without_sport_trim_is_repaired_by_choosing_the_sport_trim(car):
    result = quote(car, {}, action=Action("packs", "sport", True))

    assert result.repair.changes == (Change("trim", ("classic",), ("sport",)),)


def test_unknown_steps_options_and_bad_types_are_reported_not_raised(car):
    result = quote(car, {"colour": "red", "trim": "rocket", "packs": "family", "wheels": ["w17"]})

    assert {code: [i.code for i in issues] for code, issues in result.errors.items()} == {
        "colour": ["unknown_group"],
        "trim": ["unknown_option"],
        "packs": ["expected_option_list"],
        "wheels": ["expected_option"],
    }


# Regressions found by the property tests --------------------------------------------------


def test_a_click_naming_its_step_with_a_list_is_an_error_not_a_crash(car):
    result = quote(car, {}, action=Action(["trim"], "electric"))

    assert [i.code for i in result.errors["action"]] == ["unknown_group"]
    assert result.state == default_state(car)


def test_text_that_unicode_normalization_lengthens_past_the_input_limit_is_refused(car):
    # U+0958 has no composed form: NFC turns each into two characters (200 -> 400).
    state, errors = normalize(car, {"badge": "\u0958" * 200})

    assert [i.code for i in errors["badge"]] == ["text_too_long"]
    assert state.text("badge") == ""


def test_clicking_a_switched_off_option_offers_no_repair_that_keeps_it():
    cat = publish({
        "product": {"slug": "p", "base_price": "0.00"},
        "groups": [_group("extras", "multi", [("a", "0.00", False), ("b", "0.00", True)])],
        "rules": [],
    }).cat

    result = quote(cat, {}, action=Action("extras", "a", True))

    assert [v.kind for v in result.evaluation.violations] == ["unavailable"]
    assert result.repair is None


def test_a_step_over_its_maximum_holding_an_unreachable_option_is_repaired_minimally():
    # extras.b is unreachable (it needs base.x and base.y, and base.x needs extras.a, but extras
    # takes one option). With both extras chosen, dropping both (2 changes) beats keeping
    # extras.a and adding base.x and base.y (3 changes).
    cat = publish({
        "product": {"slug": "p", "base_price": "0.00"},
        "groups": [
            _group("base", "multi", [("x", "0.00", True), ("y", "0.00", True)]),
            _group("extras", "multi", [("a", "0.00", True), ("b", "0.00", True)], max_count=1),
        ],
        "rules": [
            _rule("x-needs-a", "requires", ["base.x"], ["extras.a"]),
            _rule("extras-need-x-and-y", "availability", ["base.x", "base.y"], ["extras.a", "extras.b"]),
        ],
    }).cat
    assert cat.snapshot["unreachable"] == ["extras.b"]

    result = quote(cat, {"extras": ["a", "b"]})

    assert result.repair.changes == (Change("extras", ("a", "b"), ()),)


# The completeness rule (README, "The engine") ------------------------------------------------


def test_a_step_over_its_maximum_is_invalid_and_a_step_under_its_minimum_only_incomplete():
    cat = publish({
        "product": {"slug": "p", "base_price": "0.00"},
        "groups": [{**_group("packs", "multi", [("a", "0.00", True), ("b", "0.00", True), ("c", "0.00", True)],
                             max_count=2), "min": 2}],
        "rules": [],
    }).cat

    one, three = quote(cat, {"packs": ["a"]}).evaluation, quote(cat, {"packs": ["a", "b", "c"]}).evaluation

    assert one.valid and one.missing == ("packs",)
    assert [v.kind for v in three.violations] == ["group_max"]


def test_a_single_step_with_a_maximum_of_0_offers_none_of_its_options():
    cat = publish({
        "product": {"slug": "p", "base_price": "0.00"},
        "groups": [_group("trim", "single", [("classic", "0.00", True)], max_count=0)],
        "rules": [],
    }).cat

    assert cat.snapshot["unreachable"] == ["trim.classic"]
    assert [v.kind for v in quote(cat, {"trim": "classic"}).evaluation.violations] == ["group_max", "unavailable"]


def test_a_repair_keeps_a_complete_multiple_step_at_its_minimum():
    # Tech needs the sport trim, which the electric trim (pinned by the click) rules out: the
    # repair swaps the tech pack for the family pack rather than leave the packs under their
    # minimum of one.
    cat = publish({
        **CAR,
        "groups": [CAR["groups"][0], CAR["groups"][1], {**CAR["groups"][2], "min": 1}],
        "rules": [*CAR["rules"], _rule("tech-needs-sport", "availability", ["trim.sport"], ["packs.tech"])],
    }).cat

    result = quote(cat, {"trim": "sport", "packs": ["tech"]}, action=Action("trim", "electric"))

    assert result.repair.changes == (Change("packs", ("tech",), ("family",)),)


def test_a_repair_leaves_a_build_that_can_still_be_completed():
    # Roof is required and still open. Red rules out the white roof and the electric trim the
    # black one: clicking electric with red would leave a build whose roof can never be chosen,
    # so the repair changes the colour too.
    cat = publish({
        "product": {"slug": "p", "base_price": "0.00"},
        "groups": [
            _group("trim", "single", [("classic", "0.00", True), ("electric", "0.00", True)], required=True,
                   default="classic"),
            _group("colour", "single", [("red", "0.00", True), ("blue", "0.00", True)], required=True,
                   default="red"),
            _group("roof", "single", [("black", "0.00", True), ("white", "0.00", True)], required=True),
            _group("extras", "multi", [("x", "0.00", True)]),
        ],
        "rules": [
            _rule("red-no-white-roof", "excludes", ["colour.red"], ["roof.white"]),
            _rule("electric-no-black-roof", "excludes", ["trim.electric"], ["roof.black"]),
            _rule("electric-needs-x", "requires", ["trim.electric"], ["extras.x"]),
        ],
    }).cat

    result = quote(cat, {"trim": "classic", "colour": "red"}, action=Action("trim", "electric"))

    assert {c.group for c in result.repair.changes} == {"extras", "colour"}
    assert to_plain(cat, result.repair.state)["colour"] == "blue"


def test_reachability_out_of_time_keeps_every_option_on_offer_as_undecided():
    from configurator.engine import compile_catalog
    from configurator.engine.check import reachability

    found = reachability(compile_catalog(CAR), time_limit=0.0)

    assert found.unreachable == []
    assert len(found.undecided) == 8


def test_past_its_budget_maxsat_still_answers_a_valid_repair_that_keeps_the_click(car, monkeypatch):
    from configurator.engine import Pins, maxsat, minimal_repair, normalize

    monkeypatch.setattr(maxsat, "PROPAGATIONS", 1)
    state, _ = normalize(car, {"trim": "electric", "wheels": "w18"})
    trim = car.group_by_code["trim"].index

    repaired = minimal_repair(car, state.mask, Pins(groups=frozenset({trim})), budget=0)

    assert quote(car, to_plain(car, state.with_mask(repaired))).evaluation.valid
    assert to_plain(car, state.with_mask(repaired))["trim"] == "electric"
