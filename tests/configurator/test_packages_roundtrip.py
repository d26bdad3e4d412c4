"""Export then import round-trips to the same catalog, on every demo product and the example
watch, through YAML and through JSON, with the motivation tags."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from django.core.files.storage import default_storage

from configurator.models import Product
from configurator.packages.export import package_write
from configurator.packages.reader import read_package
from configurator.services.packages import product_package_export, product_package_import
from configurator.snapshot import product_snapshot, version_cache
from personalization.services.motivations import motivation_map_seed, product_motivation_tags

from .packages import WATCH

pytestmark = pytest.mark.django_db


def _content(name: str | None) -> str | None:
    if not name:
        return name
    with default_storage.open(name) as file:
        return hashlib.sha256(file.read()).hexdigest()


def comparable(product: Product) -> dict:
    """The product's snapshot with each image named by its content, and without its slug."""
    snapshot = product_snapshot(product)
    snapshot["product"].pop("slug")
    for view in snapshot["product"]["views"]:
        view["base_layer"] = _content(view["base_layer"])
    for group in snapshot["groups"]:
        for option in group["options"]:
            for layer in option["layers"].values():
                layer["image"] = _content(layer["image"])
    return snapshot


@pytest.fixture
def catalog(db, settings, demo_layer_cache):
    from tests.conftest import seed_demo_reusing_art

    version_cache.clear()
    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    product_package_import(files=read_package(WATCH))
    motivation_map_seed()
    return list(Product.objects.order_by("position"))


def _as_copy(folder, slug: str, suffix: str = "yaml"):
    """The exported package under a new slug (a clean product), as YAML or JSON."""
    data = yaml.safe_load((folder / "catalog.yaml").read_text())
    data["product"]["slug"] = f"{slug}-copy"
    (folder / "catalog.yaml").unlink()
    if suffix == "json":
        (folder / "catalog.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        (folder / "catalog.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return folder


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_every_product_round_trips(catalog, tmp_path, suffix):
    assert [p.slug for p in catalog] == ["city-car", "sneaker", "trench-coat", "watch"]
    for product in catalog:
        folder = tmp_path / product.slug
        package_write(product_package_export(product=product), folder)
        result = product_package_import(files=read_package(_as_copy(folder, product.slug, suffix)))
        assert result.created
        copy = Product.objects.get(slug=f"{product.slug}-copy")
        assert comparable(copy) == comparable(product), product.slug
        assert (copy.lead_time_days, copy.position) == (product.lead_time_days, product.position)
        tags = product_motivation_tags(product_id=product.pk)
        assert tags and product_motivation_tags(product_id=copy.pk) == tags


def test_exporting_to_a_zip_and_importing_it_changes_nothing(catalog, tmp_path):
    car = catalog[0]
    before = comparable(car)
    target = tmp_path / "car.zip"
    package_write(product_package_export(product=car), target)
    result = product_package_import(files=read_package(target))
    assert not result.created and result.removed == {}
    assert comparable(car) == before
    # The seed's layers are stored again under names made from their content; once.
    assert product_package_import(files=read_package(target)).files_stored == 0
