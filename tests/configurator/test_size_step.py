"""The size step (#12 §4): a single choice that changes the price but never the picture. It is
left out of the render fingerprint, so picking a size never draws a new preview; it is required,
so a build without one cannot be ordered."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from configurator.engine import Action, compile_catalog, default_state, quote
from configurator.identity import Owner
from configurator.models import GroupKind, ImageKind, Option, OptionGroup, RenderedImage
from configurator.previews import social_card_fetch
from configurator.services import BuildInvalid, build_save, build_share, order_place, product_publish
from configurator.snapshot import catalog_for, product_snapshot, version_cache

ADDRESS = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL", "address_line1": "Keizersgracht 1",
           "postal_code": "1015 CJ", "city": "Amsterdam"}


@pytest.fixture
def coat(db, settings, demo_layer_cache):
    from tests.conftest import seed_demo_reusing_art

    version_cache.clear()
    versions = {v.product.slug: v for v in seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)}
    return versions["trench-coat"]


@pytest.fixture
def shoe(coat):
    return coat.product.__class__.objects.get(slug="sneaker").current_version


# --- The engine --------------------------------------------------------------------------------

def test_a_size_changes_the_price_but_not_the_fingerprint(coat):
    cat = catalog_for(coat)
    medium = quote(cat, {"size": "m"}).evaluation
    largest = quote(cat, {"size": "xxl"}).evaluation

    assert medium.fingerprint == largest.fingerprint
    assert largest.price.total - medium.price.total == Decimal("120.00")
    assert quote(cat, {"size": "m", "colour": "navy"}).evaluation.fingerprint != medium.fingerprint


def test_the_engine_treats_a_size_as_a_single_choice(coat):
    cat = catalog_for(coat)
    size = cat.group_by_code["size"]
    assert size.kind == "single" and size.size and size.required and size.default is None
    picked = quote(cat, {"size": "s"}, action=Action("size", "xl"))
    assert picked.errors == {} and picked.evaluation.valid
    assert picked.state.mask & size.mask == 1 << cat.option_in(size, "xl").index
    assert quote(cat, {"size": ["s", "m"]}).errors  # one size, not a list


def test_a_build_without_a_size_is_valid_but_incomplete(shoe):
    cat = catalog_for(shoe)
    result = quote(cat, {}).evaluation
    assert result.valid and result.missing == ("size",)
    assert quote(cat, {"size": "42"}).evaluation.complete


def test_a_size_is_never_drawn():
    snapshot = {
        "product": {"slug": "s", "base_price": "1", "views": [{"code": "front"}]},
        "groups": [{"code": "size", "kind": "single", "size": True, "required": True, "options": [
            {"code": "m", "price": "0", "layers": {"front": {"image": "x.png", "z": 1}}}]}],
    }
    from configurator.render import layers_for

    cat = compile_catalog(snapshot)
    assert layers_for(cat, quote(cat, {"size": "m"}).state) == []


# --- The snapshot, the API and the admin -----------------------------------------------------

def test_a_size_step_is_published_as_a_single_choice_marked_size(coat):
    group = next(g for g in coat.snapshot["groups"] if g["code"] == "size")
    assert group["kind"] == "single" and group["size"] is True
    assert [o["code"] for o in group["options"]] == ["xs", "s", "m", "l", "xl", "xxl"]
    assert all(o["layers"] == {} for o in group["options"])


def test_staff_make_a_size_step_in_admin(coat, admin_client):
    product = coat.product
    response = admin_client.post("/admin/configurator/optiongroup/add/", {
        "product": product.pk, "code": "width", "name_en": "Width", "name_nl": "Breedte", "kind": GroupKind.SIZE,
        "position": 20, "required": "on", "min_count": 0, "max_length": 12, "allowed_pattern": "[A-Z]",
        "price_per_char": "0", "flat_price": "0", "font": "DejaVuSans-Bold.ttf", "text_colour": "#ffffff",
        "options-TOTAL_FORMS": "0", "options-INITIAL_FORMS": "0", "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000", "placements-TOTAL_FORMS": "0", "placements-INITIAL_FORMS": "0",
        "placements-MIN_NUM_FORMS": "0", "placements-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    width = OptionGroup.objects.get(product=product, code="width")
    Option.objects.create(group=width, code="wide", name_en="Wide", name_nl="Breed")
    snapshot = product_snapshot(product)
    assert next(g for g in snapshot["groups"] if g["code"] == "width")["size"] is True


def test_the_api_offers_the_size_as_a_single_choice_and_prices_it(coat):
    client = Client()
    catalog = client.get("/api/products/trench-coat/").json()
    size = next(g for g in catalog["groups"] if g["code"] == "size")
    assert size["kind"] == "single" and size["required"] is True and size["size"] is True
    assert next(g for g in catalog["groups"] if g["code"] == "colour")["size"] is False
    small = client.post("/api/quote/", {"product": "trench-coat", "selections": {"size": "s"}},
                        content_type="application/json").json()
    large = client.post("/api/quote/", {"product": "trench-coat", "selections": {"size": "xxl"}},
                        content_type="application/json").json()
    assert small["fingerprint"] == large["fingerprint"]
    assert Decimal(large["price"]["total"]) - Decimal(small["price"]["total"]) == Decimal("120.00")


# --- The studio ----------------------------------------------------------------------------------

def test_the_studio_shows_the_size_as_a_compact_row(shoe):
    html = Client().get("/en/configure/sneaker/").content.decode()
    fieldset = re.search(r'<fieldset class="step[^"]*" id="step-size"', html).group(0)
    assert "step--size" in fieldset
    assert 'value="42"' in html and "EU 42" in html


def _large(html: str) -> str:
    return re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1)


def test_picking_a_size_keeps_the_preview_address(shoe):
    client = Client()
    forty = _large(client.get("/en/configure/sneaker/?size=40").content.decode())
    forty_four = _large(client.get("/en/configure/sneaker/?size=44").content.decode())
    assert forty == forty_four and "size=" not in forty


def test_a_size_click_sends_the_price_but_not_the_preview(coat):
    url = "/en/configure/trench-coat/"
    client = Client()
    page = client.get(f"{url}?size=m").content.decode()
    client.get(_large(page).replace("&amp;", "&"))  # the browser loads the picture once
    renders = RenderedImage.objects.filter(kind=ImageKind.PREVIEW).count()
    response = client.get(f"{url}?size=xxl", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="o:size:xxl",
                          HTTP_HX_CURRENT_URL=f"http://testserver{url}?size=m")
    update = response.content.decode()
    assert 'id="price"' in update
    assert 'id="preview"' not in update
    assert RenderedImage.objects.filter(kind=ImageKind.PREVIEW).count() == renders


# --- Orders and cards ----------------------------------------------------------------------------

def test_an_order_needs_a_size(shoe):
    owner = Owner(shopper_id=uuid.uuid4())
    product = shoe.product
    without = build_save(product=product, selections={}, owner=owner)
    with pytest.raises(BuildInvalid):
        order_place(build=without, owner=owner, **ADDRESS)
    sized = build_save(product=product, selections={"size": "42"}, owner=owner)
    order = order_place(build=sized, owner=owner, **ADDRESS)
    assert order.selections["size"] == "42"


def test_two_sizes_share_a_picture_but_each_card_shows_its_own_price(coat):
    owner = Owner(shopper_id=uuid.uuid4())
    product = coat.product
    small = build_share(build=build_save(product=product, selections={"size": "s"}, owner=owner, name="Mine"),
                        owner=owner)
    large = build_share(build=build_save(product=product, selections={"size": "xxl"}, owner=owner, name="Mine"),
                        owner=owner)
    assert small.fingerprint == large.fingerprint and small.total != large.total
    assert social_card_fetch(build=small, language="en").pk != social_card_fetch(build=large, language="en").pk


# --- Simulated shoppers -----------------------------------------------------------------------

def test_simulated_shoppers_pick_a_size_and_can_order(coat):
    from configurator.models import Order
    from personalization.services.motivations import motivation_map_seed
    from personalization.simulate import simulate

    motivation_map_seed()
    run = simulate(shoppers=30, seed=3, days=30)
    orders = Order.objects.select_related("product")
    assert run.counts["ordered"] == orders.count() > 0
    sized = [o for o in orders if o.product.slug in ("sneaker", "trench-coat")]
    assert sized and all(o.selections.get("size") for o in sized)


def test_the_default_build_of_a_sized_product_lacks_only_its_size(coat):
    cat = catalog_for(coat)
    assert tuple(g.code for g in cat.groups if g.size) == ("size",)
    from configurator.engine import evaluate

    assert evaluate(cat, default_state(cat)).missing == ("size",)


def test_republishing_with_a_size_leaves_older_versions_drawable(coat):
    assert product_publish(product=coat.product).pk == coat.pk  # nothing changed: the same version
