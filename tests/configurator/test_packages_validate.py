"""A bad product package gets precise errors, all of them at once, each with its place."""

from __future__ import annotations

import json

import pytest
import yaml

from configurator.packages.errors import PackageInvalid
from configurator.packages.reader import read_package
from configurator.packages.validate import package_validate

from .packages import edit, line_of, png, png_header_only, problems, valid, watch_copy

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def watch(tmp_path):
    return watch_copy(tmp_path)


def test_the_example_package_is_valid_and_describes_its_snapshot(watch):
    package = valid(watch)
    assert package.slug == "watch"
    groups = {group["code"]: group for group in package.snapshot["groups"]}
    assert groups["strap_size"]["size"] is True and groups["strap_size"]["kind"] == "single"
    assert groups["engraving"]["text"]["placements"] == {"caseback": {"box": [150, 402, 300, 40], "z": 40}}
    assert {rule["kind"] for rule in package.snapshot["rules"]} == {
        "requires", "excludes", "availability", "cardinality", "price"}
    assert package.tags[("case", "gold")] == {"status": 1.0}
    assert package.tags[("engraving", "")] == {"self-expression": 1.0}


def test_a_price_that_is_not_a_decimal_is_placed_at_its_line_and_key(watch):
    edit(watch, 'price: "290.00"', "price: 290.5")
    line = line_of(watch, "price: 290.5")
    assert problems(watch) == [
        f"catalog.yaml:{line} (steps[0].options[1].price): 290.5 is not a decimal amount: write it like \"12.50\" "
        "(in quotes) or as a whole number."
    ]


def test_an_unknown_option_code_in_a_rule(watch):
    edit(watch, "targets: [strap.nato]", "targets: [strap.nylon]")
    line = line_of(watch, "targets: [strap.nylon]")
    [problem] = problems(watch)
    assert problem.startswith(f"catalog.yaml:{line} (rules[1].targets[0]): “strap.nylon” is not an option")


def test_a_missing_layer_is_placed_at_the_key_that_names_it(watch):
    (watch / "layers" / "dial" / "hands-sword.png").unlink()
    line = line_of(watch, "image: layers/dial/hands-sword.png")
    assert problems(watch) == [
        f"catalog.yaml:{line} (steps[2].options[1].layers.dial.image): "
        "The image “layers/dial/hands-sword.png” is not in the package."
    ]


def test_an_image_of_the_wrong_size_is_placed_at_its_path(watch):
    (watch / "layers" / "dial" / "hands-sword.png").write_bytes(png((300, 300)))
    [problem] = problems(watch)
    assert problem.startswith("layers/dial/hands-sword.png: This image is 300×300 pixels; layers must be the canvas size")


def test_twice_the_canvas_is_accepted_for_the_zoom(watch):
    (watch / "layers" / "dial" / "hands-sword.png").write_bytes(png((1200, 1200)))
    assert valid(watch).slug == "watch"


def test_an_image_without_alpha(watch):
    (watch / "layers" / "dial" / "hands-sword.png").write_bytes(png((600, 600), "RGB"))
    assert problems(watch) == [
        "layers/dial/hands-sword.png: This image has no alpha channel (mode RGB): save it as a PNG with transparency."
    ]


def test_a_huge_image_is_refused_from_its_header_before_it_is_decoded(watch):
    (watch / "layers" / "dial" / "hands-sword.png").write_bytes(png_header_only(10000, 10000))
    assert problems(watch) == [
        "layers/dial/hands-sword.png: This image is 10000×10000 pixels; at most 16777216 pixels are allowed."
    ]


def test_text_that_does_not_fit_its_placement(watch):
    edit(watch, "box: [150, 402, 300, 40]", "box: [150, 402, 160, 40]")
    line = line_of(watch, "box: [150, 402, 160, 40]")
    [problem] = problems(watch)
    assert problem.startswith(f"catalog.yaml:{line} (steps[6].text.placements.caseback.box): 12 × “")
    assert "does not fit this 160 px wide box at the smallest text size, 20 px" in problem


def test_a_rule_that_makes_an_option_unreachable_is_reported_with_its_code(watch):
    edit(watch, "rules:\n", "rules:\n  - code: never-a-date\n    kind: excludes\n    subjects: [extras.date]\n"
                             "    targets: [extras.date]\n    explanation: {en: No date, nl: Geen datum}\n")
    found = problems(watch)
    line = line_of(watch, "code: never-a-date")
    assert f"catalog.yaml:{line} (rules[0]): Rule “never-a-date” has the same option as subject and target, so that " \
           "option can never be chosen." in found
    assert any(p.startswith("catalog.yaml:") and "(steps[4].options[0])" in p and "can never be part of a valid build" in p
               and "never-a-date" in p for p in found)


def test_a_rule_the_default_build_breaks(watch):
    edit(watch, "targets: [strap.nato]", "targets: [strap.brown]")
    edit(watch, "subjects: [case.gold]", "subjects: [case.steel]")
    found = problems(watch)
    assert any("(rules[1]): The default build breaks rule “gold-no-nylon”" in p for p in found)


def test_all_problems_are_reported_at_once(watch):
    edit(watch, 'price: "290.00"', "price: 290.5")
    edit(watch, "targets: [strap.nato]", "targets: [strap.nylon]")
    edit(watch, "box: [150, 402, 300, 40]", "box: [150, 402, 160, 40]")
    (watch / "layers" / "dial" / "hands-sword.png").unlink()
    (watch / "layers" / "dial" / "hands-lume.png").write_bytes(png((600, 600), "RGB"))
    (watch / "layers" / "dial" / "extra-date.png").write_bytes(png((64, 64)))
    found = problems(watch)
    assert len(found) == 6
    for expected in ("(steps[0].options[1].price)", "(rules[1].targets[0])", "(steps[6].text.placements.caseback.box)",
                     "(steps[2].options[1].layers.dial.image)", "layers/dial/hands-lume.png: ",
                     "layers/dial/extra-date.png: "):
        assert any(expected in p for p in found), expected


def test_schema_errors_name_the_key(watch):
    edit(watch, "format_version: 1", "format_version: 2\ncolour: red")
    edit(watch, "    kind: multi\n", "    kind: multiple\n")
    edit(watch, "  slug: watch\n", "")
    found = problems(watch)
    assert f"catalog.yaml:{line_of(watch, 'format_version: 2')} (format_version): Must be 1." in found
    assert f"catalog.yaml:{line_of(watch, 'format_version: 2')}: Unknown key: “colour”." in found
    assert f"catalog.yaml:{line_of(watch, 'product:')} (product): “slug” is missing." in found
    assert any(p.endswith('(steps[4].kind): "multiple" is not one of "single", "multi", "text", "size".') for p in found)


def test_an_unquoted_colour_is_a_clear_error(watch):
    edit(watch, 'swatch: "#c4c9ce"', "swatch: #c4c9ce")  # YAML reads the rest of the line as a comment
    [problem] = problems(watch)
    assert "(steps[0].options[0].swatch)" in problem


def test_duplicate_codes_and_unknown_views(watch):
    edit(watch, "code: sword", "code: baton")
    edit(watch, "caseback: {image: layers/caseback/extra-sapphire.png, z: 12}",
         "back: {image: layers/caseback/extra-sapphire.png, z: 12}")
    found = problems(watch)
    assert any("(steps[2].options[1].code): The option code “baton” is used twice." in p for p in found)
    assert any("(steps[4].options[2].layers.back): There is no view “back”." in p for p in found)


def test_unknown_motivation_tags_when_the_taxonomy_is_known(watch):
    edit(watch, "motivations: {status: 1.0}", "motivations: {snobbery: 1.0}")
    [problem] = problems(watch, known_tags={"status", "value", "practical", "performance", "self-expression",
                                            "sustainability"})
    assert "(steps[0].options[1].motivations.snobbery): Unknown motivation “snobbery”" in problem


def test_a_json_catalog_file_gets_lines_too(watch):
    data = yaml.safe_load((watch / "catalog.yaml").read_text())
    data["steps"][0]["options"][1]["price"] = "lots"
    (watch / "catalog.yaml").unlink()
    (watch / "catalog.json").write_text(json.dumps(data, indent=2))
    lines = (watch / "catalog.json").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if '"lots"' in text)
    assert problems(watch) == [
        f"catalog.json:{line} (steps[0].options[1].price): \"lots\" is not a decimal amount: write it like \"12.50\" "
        "(in quotes) or as a whole number."
    ]


def test_yaml_anchors_and_aliases_are_refused(watch):
    edit(watch, "name: {en: Case, nl: Kast}", "name: &casename {en: Case, nl: Kast}")
    edit(watch, "name: {en: Hands, nl: Wijzers}", "name: *casename")
    [problem] = problems(watch)
    assert problem == f"catalog.yaml:{line_of(watch, '&casename')}: Anchors and aliases (& and *) are not supported: " \
                      "write each value out."


def test_broken_yaml_is_placed_at_its_line(watch):
    edit(watch, "    kind: multi\n", "    kind: [multi\n")
    with pytest.raises(PackageInvalid) as caught:
        package_validate(read_package(watch))
    [error] = caught.value.errors
    assert error.place.startswith("catalog.yaml:") and "This is not valid YAML" in error.message


def test_problems_are_worded_in_the_staffs_language(watch):
    from django.utils import translation

    (watch / "layers" / "dial" / "hands-sword.png").unlink()
    with translation.override("nl"):
        [problem] = problems(watch)
    assert problem.endswith("De afbeelding “layers/dial/hands-sword.png” zit niet in het pakket.")


def test_a_value_of_any_yaml_type_is_shown_short(watch):
    edit(watch, 'base_price: "345.00"', "base_price: 2026-12-06")  # YAML reads a date
    edit(watch, "name: {en: Case, nl: Kast}", "name: {en: [" + ", ".join(["Case"] * 40) + "], nl: Kast}")
    found = problems(watch)
    assert any(p.endswith('(product.base_price): "2026-12-06" is not a decimal amount: write it like "12.50" (in '
                          'quotes) or as a whole number.') for p in found)
    [long] = [p for p in found if "(steps[0].name.en): Expected string, found [" in p]
    assert long.endswith('"Case", ....') and len(long) < 140
