"""The diff publishing shows (configurator/catalog_diff.py): plain snapshots in, plain data out."""

from __future__ import annotations

import copy
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.catalog_diff import DEFAULT_VIEW, CatalogDiff, FieldChange, SectionDiff, diff_snapshots
from tests.configurator.engine.strategies import money, snapshots

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=80)
SECTIONS = ("views", "steps", "options", "rules")


def fields_by_key(section: SectionDiff) -> dict[str, dict[str, tuple]]:
    return {item.key: {f.field: (f.before, f.after) for f in item.fields} for item in section.changed}


def option_keys(snapshot: dict) -> list[str]:
    return [f"{g['code']}.{o['code']}" for g in snapshot["groups"] for o in g["options"]]


# Properties -------------------------------------------------------------------------------------


@SETTINGS
@given(snapshot=snapshots())
def test_a_snapshot_against_a_copy_of_itself_is_empty(snapshot):
    assert diff_snapshots(snapshot, copy.deepcopy(snapshot)).empty


@SETTINGS
@given(old=snapshots(), new=snapshots())
def test_swapping_the_sides_swaps_added_with_removed_and_before_with_after(old, new):
    forward, backward = diff_snapshots(old, new), diff_snapshots(new, old)
    for name in SECTIONS:
        ahead, back = getattr(forward, name), getattr(backward, name)
        assert set(ahead.added) == set(back.removed)
        assert set(ahead.removed) == set(back.added)
        assert ahead.reordered == back.reordered
        swapped = {key: {f: (after, before) for f, (before, after) in fields.items()}
                   for key, fields in fields_by_key(back).items()}
        assert fields_by_key(ahead) == swapped
    assert {f.field: (f.before, f.after) for f in forward.product} == {
        f.field: (f.after, f.before) for f in backward.product
    }


@SETTINGS
@given(snapshot=snapshots(), data=st.data())
def test_a_new_price_is_the_only_change_listed(snapshot, data):
    key = data.draw(st.sampled_from(option_keys(snapshot)), label="option")
    price = data.draw(money(-20_000, 100_000).filter(lambda p: Decimal(p) != Decimal(_option(snapshot, key)["price"])))
    new = copy.deepcopy(snapshot)
    old_price = _option(snapshot, key)["price"]
    _option(new, key)["price"] = price

    diff = diff_snapshots(snapshot, new)

    assert diff.options.changed[0].key == key
    assert diff.options.changed[0].fields == (FieldChange("price", Decimal(old_price), Decimal(price)),)
    assert _only(diff, "options")


@SETTINGS
@given(snapshot=snapshots(), data=st.data())
def test_removing_a_step_removes_it_and_its_options(snapshot, data):
    index = data.draw(st.integers(0, len(snapshot["groups"]) - 1), label="step")
    new = copy.deepcopy(snapshot)
    gone = new["groups"].pop(index)
    new["rules"] = []
    snapshot = {**snapshot, "rules": []}

    diff = diff_snapshots(snapshot, new)

    assert diff.steps.removed == (gone["code"],)
    assert set(diff.options.removed) == {f"{gone['code']}.{o['code']}" for o in gone["options"]}
    assert diff.options.added == diff.steps.added == ()


def _option(snapshot: dict, key: str) -> dict:
    step, code = key.split(".")
    group = next(g for g in snapshot["groups"] if g["code"] == step)
    return next(o for o in group["options"] if o["code"] == code)


def _only(diff: CatalogDiff, name: str) -> bool:
    return not diff.product and all(getattr(diff, other).empty for other in SECTIONS if other != name)


# Examples ---------------------------------------------------------------------------------------


def car(**product) -> dict:
    return {
        "product": {"slug": "car", "name": {"en": "Car", "nl": "Auto"}, "base_price": "20000.00",
                    "views": [{"code": "side", "name": {"en": "Side"}, "base_layer": "base.png", "on_card": True}],
                    **product},
        "groups": [
            {"code": "trim", "name": {"en": "Trim"}, "kind": "single", "required": True, "default": "classic",
             "min": 0, "max": None, "options": [
                 {"code": "classic", "name": {"en": "Classic"}, "price": "0.00", "available": True, "swatch": "",
                  "layers": {"side": {"image": "classic.png", "tint": None, "z": 10}}},
                 {"code": "electric", "name": {"en": "Electric"}, "price": "6000.00", "available": True,
                  "swatch": "", "layers": {"side": {"image": "electric.png", "tint": None, "z": 10}}},
             ]},
            {"code": "size", "name": {"en": "Size"}, "kind": "single", "size": True, "required": True,
             "default": "m", "min": 0, "max": None, "options": [
                 {"code": "m", "name": {"en": "M"}, "price": "0.00", "available": True, "swatch": "", "layers": {}},
             ]},
        ],
        "rules": [{"code": "promo", "kind": "price", "subjects": ["trim.electric"], "targets": [], "condition": "all",
                   "min": 0, "max": None, "amount": "-500.00", "explanation": {"en": "Launch offer"}}],
    }


def test_nothing_published_yet_lists_everything_as_added():
    diff = diff_snapshots(None, car())
    assert (diff.views.added, diff.steps.added, diff.options.added, diff.rules.added) == (
        ("side",), ("trim", "size"), ("trim.classic", "trim.electric", "size.m"), ("promo",)
    )
    assert diff.product == () and not diff.empty


def test_a_rule_whose_amount_and_targets_change_lists_both_fields():
    new = car()
    new["rules"][0].update(amount="-750.00", subjects=["trim.electric", "trim.classic"])
    assert fields_by_key(diff_snapshots(car(), new).rules) == {"promo": {
        "subjects": (["trim.electric"], ["trim.classic", "trim.electric"]),
        "amount": (Decimal("-500.00"), Decimal("-750.00")),
    }}


def test_the_same_options_listed_in_another_order_are_not_a_rule_change():
    old, new = car(), car()
    old["rules"][0]["subjects"] = ["trim.electric", "trim.classic"]
    new["rules"][0]["subjects"] = ["trim.classic", "trim.electric"]
    assert diff_snapshots(old, new).empty


def test_an_amount_written_with_fewer_decimals_is_the_same_price():
    new = car(base_price="20000")
    assert diff_snapshots(car(), new).empty


def test_a_base_price_change_is_a_product_field():
    assert diff_snapshots(car(), car(base_price="21000.00")).product == (
        FieldChange("base_price", Decimal("20000.00"), Decimal("21000.00")),
    )


def test_a_new_layer_in_a_view_is_a_change_of_that_option():
    new = car()
    new["groups"][0]["options"][0]["layers"]["front"] = {"image": "classic-front.png", "tint": None, "z": 10}
    assert fields_by_key(diff_snapshots(car(), new).options) == {
        "trim.classic": {"layer:front": (None, {"image": "classic-front.png", "tint": None, "z": 10})},
    }


def test_a_size_that_becomes_a_plain_single_choice_changes_kind():
    new = car()
    del new["groups"][1]["size"]
    assert fields_by_key(diff_snapshots(car(), new).steps) == {"size": {"kind": ("size", "single")}}


def test_reordering_steps_is_a_reorder_not_an_addition():
    new = car()
    new["groups"].reverse()
    diff = diff_snapshots(car(), new)
    assert diff.steps.reordered and diff.steps.added == diff.steps.removed == () and diff.steps.changed == ()


def test_adding_an_option_at_the_front_does_not_reorder_the_others():
    new = car()
    new["groups"][0]["options"].insert(0, {"code": "eco", "name": {"en": "Eco"}, "price": "100.00",
                                            "available": True, "swatch": "", "layers": {}})
    diff = diff_snapshots(car(), new)
    assert diff.options.added == ("trim.eco",) and diff.steps.empty


def test_swapping_two_options_changes_the_steps_option_order():
    new = car()
    new["groups"][0]["options"].reverse()
    assert fields_by_key(diff_snapshots(car(), new).steps) == {
        "trim": {"option_order": (["classic", "electric"], ["electric", "classic"])},
    }


def test_a_snapshot_from_before_views_reads_like_its_one_view():
    """Published before products had views: one layer per option, a base layer on the product.
    Republished with one view called "main" holding the same pictures, nothing changed."""
    legacy = car()
    del legacy["product"]["views"]
    legacy["product"]["base_layer"] = "base.png"
    for group in legacy["groups"]:
        for option in group["options"]:
            layers = option.pop("layers")
            if layers:
                option["layer"] = layers["side"]
    current = car()
    current["product"]["views"] = [{"code": DEFAULT_VIEW, "name": {"en": "Main view", "nl": "Hoofdaanzicht"},
                                    "base_layer": "base.png", "on_card": True}]
    for group in current["groups"]:
        for option in group["options"]:
            option["layers"] = {DEFAULT_VIEW: option["layers"]["side"]} if option["layers"] else {}
    assert diff_snapshots(legacy, current).empty


def test_what_the_check_stores_beside_the_catalog_is_not_compared():
    new = {**car(), "unreachable": ["trim.electric"], "witnesses": [["trim.classic"]]}
    assert diff_snapshots(car(), new).empty
