"""Migration 0009: a catalog from before views keeps its picture, moved into a first view."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("configurator", "0008_delivery_and_design_links")]
AFTER = [("configurator", "0009_product_views_and_size")]


@pytest.mark.django_db(transaction=True)
def test_single_layers_move_into_a_first_view_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    product = old.get_model("configurator", "Product").objects.create(
        slug="old", name_en="Old", base_price=10, preview_base="catalog/base/old.png")
    group = old.get_model("configurator", "OptionGroup").objects.create(product=product, code="colour", name_en="C")
    option_model = old.get_model("configurator", "Option")
    option_model.objects.create(group=group, code="red", name_en="Red", layer_image="catalog/layers/red.png",
                                layer_tint="#ff0000", layer_z=12)
    option_model.objects.create(group=group, code="none", name_en="None")
    version = old.get_model("configurator", "CatalogVersion").objects.create(
        product=product, number=1, snapshot={}, checksum="x")
    old.get_model("configurator", "RenderedImage").objects.create(
        catalog_version=version, fingerprint="f", kind="preview", file="rendered/1/preview-f.jpg", width=1, height=1)
    old.get_model("configurator", "OptionGroup").objects.create(
        product=product, code="badge", name_en="Badge", kind="text", text_x=5, text_y=6, text_width=70,
        text_height=20, text_z=44)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    view = new.get_model("configurator", "ProductView").objects.get(product__slug="old")
    assert (view.code, view.name_en, view.name_nl, view.base_layer.name) == (
        "main", "Main view", "Hoofdaanzicht", "catalog/base/old.png")
    layers = list(new.get_model("configurator", "OptionLayer").objects.values_list("option__code", "view_id",
                                                                                   "image", "tint", "z"))
    assert layers == [("red", view.pk, "catalog/layers/red.png", "#ff0000", 12)]
    # A preview drawn before views is of the one view an old version has: still a valid cache row.
    assert new.get_model("configurator", "RenderedImage").objects.get().view == "main"
    placement = new.get_model("configurator", "TextPlacement").objects.get()
    assert (placement.view_id, placement.x, placement.y, placement.width, placement.height, placement.z) == (
        view.pk, 5, 6, 70, 20, 44)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back: the first view's picture returns to the single fields
    back = executor.loader.project_state(BEFORE).apps
    red = back.get_model("configurator", "Option").objects.get(code="red")
    assert (red.layer_image.name, red.layer_tint, red.layer_z) == ("catalog/layers/red.png", "#ff0000", 12)
    assert back.get_model("configurator", "Product").objects.get().preview_base.name == "catalog/base/old.png"
    assert back.get_model("configurator", "OptionGroup").objects.get(code="badge").text_width == 70

    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
