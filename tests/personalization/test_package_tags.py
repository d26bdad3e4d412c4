"""A product package's motivation tags reach the motivation map on import (as a new map
version), tags of options the package no longer has go, and an export carries the current
map's weights."""

from __future__ import annotations

import pytest
import yaml

from configurator.models import Product
from configurator.packages.errors import PackageInvalid
from configurator.packages.export import product_package
from configurator.packages.reader import read_package
from configurator.services.packages import product_package_import
from personalization.models import Motivation, MotivationMap, MotivationWeight
from personalization.services.motivations import map_weights, motivation_map_edit, motivation_map_seed
from tests.configurator.packages import edit, watch_copy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def watch(tmp_path):
    return watch_copy(tmp_path)


def _weights(product: Product) -> dict[tuple[str, str, str], float]:
    current = MotivationMap.objects.get(is_current=True)
    return {key[1:]: w for key, w in map_weights(current).items() if key[0] == product.pk}


def test_an_import_writes_its_tags_into_a_new_map_version(watch, car):
    motivation_map_seed()  # v1, with no weights for the test car
    MotivationWeight.objects.create(map=MotivationMap.objects.get(), product=car, group="trim", option="sport",
                                    motivation=Motivation.objects.get(code="performance"), weight=0.9)
    product = product_package_import(files=read_package(watch)).product
    current = MotivationMap.objects.get(is_current=True)
    assert current.version == 2 and current.note == "product package: watch"
    weights = _weights(product)
    assert weights[("case", "gold", "status")] == 1.0
    assert weights[("engraving", "", "self-expression")] == 1.0
    assert weights[("strap", "nato", "sustainability")] == 1.0
    assert map_weights(current)[(car.pk, "trim", "sport", "performance")] == 0.9  # other products carried over


def test_tags_of_options_that_disappear_do_not_linger(watch):
    product_package_import(files=read_package(watch))
    edit(watch, "      - code: nato\n", "      - code: canvas\n")
    edit(watch, "targets: [strap.nato]", "targets: [strap.canvas]")
    edit(watch, "motivations: {status: 1.0}", "motivations: {status: 0.8}")
    product = product_package_import(files=read_package(watch)).product
    weights = _weights(product)
    assert not any(option == "nato" for _group, option, _m in weights)
    assert weights[("strap", "canvas", "sustainability")] == 1.0
    assert weights[("case", "gold", "status")] == 0.8
    assert MotivationMap.objects.get(is_current=True).version == 2


def test_the_same_tags_again_make_no_new_version(watch):
    product_package_import(files=read_package(watch))
    product_package_import(files=read_package(watch))
    assert MotivationMap.objects.count() == 1


def test_an_export_carries_the_current_maps_weights(watch):
    product = product_package_import(files=read_package(watch)).product
    current = MotivationMap.objects.get(is_current=True)
    motivation_map_edit(base=current, changes={(product.pk, "case", "gold", "status"): 0.5,
                                               (product.pk, "case", "gold", "value"): 0.2}, user=None)
    catalog = yaml.safe_load(product_package(product)["catalog.yaml"])
    gold = catalog["steps"][0]["options"][1]
    assert gold["code"] == "gold" and gold["motivations"] == {"status": 0.5, "value": 0.2}
    assert catalog["steps"][6]["motivations"] == {"self-expression": 1.0}


def test_a_tag_outside_the_taxonomy_is_refused(watch):
    motivation_map_seed()
    edit(watch, "motivations: {status: 1.0}", "motivations: {snobbery: 1.0}")
    with pytest.raises(PackageInvalid) as caught:
        product_package_import(files=read_package(watch))
    assert "Unknown motivation “snobbery”" in str(caught.value.errors[0])
    assert not Product.objects.filter(slug="watch").exists()
