"""Importing a product package writes a draft: nothing shoppers see changes until staff publish,
a package is the whole product, saved builds and orders survive, and a refused or failed import
leaves nothing behind."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from configurator.models import CatalogVersion, Option, OptionGroup, OptionLayer, Order, Product, Rule
from configurator.packages.errors import PackageInvalid
from configurator.packages.reader import read_package
from configurator.services import build_save, build_share, order_place, product_publish
from configurator.services.packages import product_package_import
from configurator.signals import product_package_imported
from configurator.snapshot import product_snapshot, version_cache

from .packages import edit, png, valid, watch_copy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


@pytest.fixture
def watch(tmp_path):
    version_cache.clear()
    return watch_copy(tmp_path)


def _import(folder, **kwargs):
    return product_package_import(files=read_package(folder), **kwargs)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Product, OptionGroup, Option, OptionLayer, Rule,
                                                                 CatalogVersion)}


def _stored() -> set[str]:
    try:
        return set(default_storage.listdir("catalog/packages/watch")[1])
    except FileNotFoundError:
        return set()


def test_a_new_product_is_a_draft_until_it_is_published(watch):
    result = _import(watch)
    assert result.created and not result.dry_run
    product = Product.objects.get(slug="watch")
    assert product.current_version is None
    assert result.counts == {"products": 1, "views": 2, "steps": 7, "options": 20, "layers": 24, "placements": 1,
                             "rules": 6}
    client = Client()
    assert client.get("/en/configure/watch/").status_code == 404
    assert "/configure/watch/" not in client.get("/en/").content.decode()

    product_publish(product=product)
    html = client.get("/en/configure/watch/").content.decode()
    assert "Automatic watch" in html
    preview = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1).replace("&amp;", "&")
    response = client.get(preview)
    assert response.status_code == 200 and response["Content-Type"].startswith("image/")
    assert "/configure/watch/" in client.get("/en/").content.decode()


def test_the_imported_catalog_is_the_one_the_package_describes(watch):
    package = valid(watch)
    _import(watch)
    snapshot = product_snapshot(Product.objects.get(slug="watch"))
    stored = {}
    for view in snapshot["product"]["views"]:
        stored[view["base_layer"]] = view["base_layer"] = "base"
    for group in snapshot["groups"]:
        for option in group["options"]:
            for layer in option["layers"].values():
                with default_storage.open(layer["image"]) as file:
                    layer["image"] = file.read()
    expected = package.snapshot
    for view in expected["product"]["views"]:
        view["base_layer"] = "base"
    for group in expected["groups"]:
        for option in group["options"]:
            for layer in option["layers"].values():
                layer["image"] = package.files[layer["image"]]
    assert snapshot == expected


def test_a_dry_run_writes_nothing(watch):
    before = _counts()
    result = _import(watch, dry_run=True)
    assert result.created and result.dry_run
    assert _counts() == before and _stored() == set()


def test_importing_again_changes_nothing_and_stores_no_file(watch):
    _import(watch)
    before = _counts()
    again = _import(watch)
    assert not again.created and again.files_stored == 0 and again.removed == {}
    assert _counts() == before


def test_a_reimport_updates_the_draft_and_keeps_what_shoppers_see(watch, owner):
    product = _import(watch).product
    version = product_publish(product=product)
    product.refresh_from_db()
    build = build_save(product=product, selections={"strap": "nato", "extras": ["date"]}, owner=owner)
    order = order_place(build=build_save(product=product, selections={"case": "gold"}, owner=owner), owner=owner,
                        **CONTACT)

    edit(watch, 'price: "290.00"', 'price: "310.00"')
    edit(watch, "      - code: nato\n", "      - code: nato_removed_marker\n")  # renamed: the old code goes
    edit(watch, "targets: [strap.nato]", "targets: [strap.nato_removed_marker]")
    result = _import(watch)

    product.refresh_from_db()
    assert not result.created and result.removed == {"options": 1}
    assert product.current_version == version  # still what shoppers see
    assert Option.objects.get(group__product=product, code="gold").price_delta == Decimal("310.00")
    assert not Option.objects.filter(group__product=product, code="nato").exists()
    build.refresh_from_db()
    assert build.catalog_version == version and build.selections["strap"] == "nato"
    assert Order.objects.get(pk=order.pk).catalog_version == version
    client = Client()
    shared = build_share(build=build, owner=owner)  # the saved build still opens, with its picture
    assert "Recycled nylon strap" in client.get(f"/s/{shared.share_code}/").content.decode()
    assert client.get(f"/s/{shared.share_code}/card.png").status_code == 200
    html = client.get("/en/configure/watch/?case=gold").content.decode()
    assert "290" in html and "310" not in html  # the published price until staff publish


def test_a_package_is_the_whole_product(watch):
    _import(watch)
    product = Product.objects.get(slug="watch")
    OptionGroup.objects.create(product=product, code="staff_step", name_en="Staff step")
    Rule.objects.create(product=product, code="staff-rule", kind="price", amount=1, explanation_en="x",
                        explanation_nl="x")
    result = _import(watch)
    assert result.removed == {"steps": 1, "rules": 1}
    assert not OptionGroup.objects.filter(code="staff_step").exists()


def test_a_refused_package_writes_nothing_and_changes_nothing(watch):
    _import(watch)
    product = Product.objects.get(slug="watch")
    before, snapshot, stored = _counts(), product_snapshot(product), _stored()
    edit(watch, 'price: "290.00"', "price: 290.5")
    (watch / "layers" / "dial" / "new-hands.png").write_bytes(png((600, 600)))
    edit(watch, "image: layers/dial/hands-sword.png", "image: layers/dial/new-hands.png")
    edit(watch, "targets: [strap.nato]", "targets: [strap.nylon]")
    with pytest.raises(PackageInvalid) as caught:
        _import(watch)
    assert len(caught.value.errors) == 2
    assert _counts() == before and product_snapshot(product) == snapshot and _stored() == stored


def test_a_failure_while_writing_rolls_back_and_removes_the_stored_files(watch):
    def fail(**kwargs):
        raise RuntimeError("the motivation map is locked")

    product_package_imported.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            _import(watch)
    finally:
        product_package_imported.disconnect(dispatch_uid="test-fail")
    assert not Product.objects.filter(slug="watch").exists()
    assert _stored() == set()
