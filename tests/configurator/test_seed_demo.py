"""The demo catalog: seeding is idempotent and the three products are complete, valid and drawn."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image, ImageChops

from configurator.demo.catalog import MOTIVATIONS, PRODUCTS
from configurator.demo.seed import demo_seed
from configurator.engine import MULTI, SINGLE, TEXT, Action, State, default_state, evaluate, quote
from configurator.models import CatalogVersion, GroupKind, Option, OptionGroup, Product, Rule, RuleKind
from configurator.previews import render_preview
from configurator.services.catalog import product_check
from configurator.snapshot import catalog_for, version_cache

SLUGS = ("city-car", "sneaker", "trench-coat")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def seeded(db, media) -> dict[str, CatalogVersion]:
    version_cache.clear()  # version ids come back after a rollback; never reuse a stale catalog
    return {version.product.slug: version for version in demo_seed()}


def _row_counts() -> dict[str, int]:
    models = (Product, OptionGroup, Option, Rule, CatalogVersion)
    return {model.__name__: model.objects.count() for model in models}


def _render(version: CatalogVersion, state: State, cache: dict[str, Image.Image]) -> Image.Image:
    return render_preview(catalog_for(version), state)


def _differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None


@pytest.mark.django_db
def test_seed_publishes_the_three_products(seeded):
    assert set(seeded) == set(SLUGS)
    for slug, version in seeded.items():
        product = Product.objects.get(slug=slug)
        assert product.current_version == version
        assert version.note == "seed_demo"
    lead_times = dict(Product.objects.values_list("slug", "lead_time_days"))
    assert lead_times == {"city-car": 40, "sneaker": 15, "trench-coat": 30}  # business days, set by seed_demo


@pytest.mark.django_db
def test_seeding_again_creates_no_rows_and_no_versions(seeded):
    before = _row_counts()
    out = io.StringIO()

    again = demo_seed(stdout=out)

    assert _row_counts() == before
    assert [v.pk for v in again] == [seeded[slug].pk for slug in SLUGS]
    assert "0 rows created, 0 updated" in out.getvalue()
    assert "0 layer files written" in out.getvalue()


@pytest.mark.django_db
def test_seeding_keeps_what_staff_added(seeded):
    group = OptionGroup.objects.get(product__slug="city-car", code="body")
    staff_option = Option.objects.create(group=group, code="staff_purple", name_en="Purple", price_delta=900)
    staff_rule = Rule.objects.create(
        product=group.product, code="staff-rule", kind=RuleKind.PRICE, amount=Decimal("-10"),
        explanation_en="Staff discount", explanation_nl="Personeelskorting",
    )
    staff_rule.subjects.set([staff_option])

    demo_seed()

    assert Option.objects.filter(pk=staff_option.pk).exists()
    assert Rule.objects.filter(pk=staff_rule.pk).exists()


@pytest.mark.django_db
def test_seeding_puts_back_a_changed_demo_price(seeded):
    high_cut = Option.objects.filter(group__product__slug="sneaker", group__code="cut", code="high")
    high_cut.update(price_delta=99)

    version = demo_seed()[SLUGS.index("sneaker")]

    assert high_cut.get().price_delta == 15
    assert version.number == seeded["sneaker"].number  # the seeded snapshot again: nothing new to publish


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_product_has_six_rules_of_every_kind_worded_for_shoppers(seeded, slug):
    rules = Rule.objects.filter(product__slug=slug, is_active=True)

    assert rules.count() >= 6
    assert {rule.kind for rule in rules} == set(RuleKind.values)
    assert all(rule.explanation_en and rule.explanation_nl for rule in rules)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_product_has_a_personal_text_step_and_real_price_differences(seeded, slug):
    groups = OptionGroup.objects.filter(product__slug=slug)
    prices = set(Option.objects.filter(group__product__slug=slug).values_list("price_delta", flat=True))

    assert groups.filter(kind=GroupKind.TEXT).exists()
    assert len(prices) >= 5
    assert Rule.objects.filter(product__slug=slug, kind=RuleKind.PRICE).exclude(amount=0).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_product_check_finds_no_errors_and_no_warnings(seeded, slug):
    _, findings = product_check(product=Product.objects.get(slug=slug))

    assert findings == []


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_default_build_is_valid_and_complete(seeded, slug):
    cat = catalog_for(seeded[slug])

    result = evaluate(cat, default_state(cat))

    assert result.valid
    # Complete but for the size, which the shopper must pick (it has no default) before ordering.
    assert result.missing == tuple(g.code for g in cat.groups if g.size)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_every_visible_option_has_a_canvas_size_layer_in_storage(seeded, slug):
    product = Product.objects.get(slug=slug)
    size = (product.canvas_width, product.canvas_height)
    names = [view.base_layer.name for view in product.views.all()]
    for option in Option.objects.filter(group__product=product).exclude(group__kind="size"):
        if option.code == "none":  # "body colour", "no stripes": nothing of its own to draw
            assert not option.layers.exists()
            continue
        assert option.layers.exists(), option.key
        names += [layer.image.name for layer in option.layers.all()]

    for name in set(names):
        with default_storage.open(name) as handle:
            image = Image.open(handle)
            assert (image.mode, image.size) == ("RGBA", size), name


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SLUGS)
def test_every_choice_changes_the_picture(seeded, slug):
    version = seeded[slug]
    cat = catalog_for(version)
    start = default_state(cat)
    cache: dict[str, Image.Image] = {}
    picture = _render(version, start, cache)
    for group in cat.groups:
        if group.kind == TEXT:
            assert _differs(picture, _render(version, start.with_text(group.code, "ABC"), cache)), group.code
            continue
        if group.size:  # never drawn (tests/configurator/test_size_step.py)
            continue
        for index in group.options:
            bit = 1 << index
            if group.kind == SINGLE:
                if start.mask & bit:
                    continue
                other = start.with_mask(start.mask & ~group.mask | bit)
            else:
                assert group.kind == MULTI
                other = start.with_mask(start.mask ^ bit)
            assert _differs(picture, _render(version, other, cache)), cat.options[index].key


@pytest.mark.django_db
def test_electric_with_18_inch_wheels_is_repaired_by_changing_the_wheels(seeded):
    cat = catalog_for(seeded["city-car"])

    result = quote(cat, {"wheels": "r18_sport"}, action=Action("trim", "electric"))

    assert result.repair is not None
    assert [v.rule for v in result.repair.causes] == ["electric-no-18"]
    changed = {change.group: change for change in result.repair.changes}
    assert set(changed) == {"wheels"}
    assert changed["wheels"].before == ("r18_sport",)
    assert result.repair.evaluation.valid


def test_every_option_in_the_data_carries_known_motivations():
    for product in PRODUCTS:
        for group in product["groups"]:
            if group["kind"] == "size":  # a size says nothing about why someone buys
                assert not any(option["motivations"] for option in group["options"])
                continue
            for option in group.get("options", []):
                assert option["motivations"], f"{product['slug']} {group['code']}.{option['code']}"
                assert set(option["motivations"]) <= set(MOTIVATIONS)
                assert all(0 < weight <= 1 for weight in option["motivations"].values())


@pytest.mark.django_db
def test_command_reports_what_it_did(media):
    version_cache.clear()
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    text = out.getvalue()
    assert all(f"{slug}: " in text for slug in SLUGS)
    assert "version 1 published" in text
