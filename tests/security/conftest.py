"""Fixtures for the hostile-input tests: the seeded demo catalog and shoppers who own builds."""

from __future__ import annotations

import uuid

import pytest

from configurator.identity import Owner, sign_shopper
from tests.conftest import seed_demo_reusing_art


@pytest.fixture
def demo(db, settings, demo_layer_cache):
    """The seeded demo catalog (city car, sneaker, trench coat): products slug -> Product."""
    from configurator.models import Product

    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    return {p.slug: p for p in Product.objects.select_related("current_version")}


def valid_selections(product) -> list[dict]:
    """Valid builds of a product's current catalog (see catalog_builds)."""
    from configurator.snapshot import catalog_for

    return catalog_builds(catalog_for(product.current_version_id))


def catalog_builds(cat) -> list[dict]:
    """Valid builds of a compiled catalog: its defaults, valid complete builds that together hold
    every option on offer, and one with personal text."""
    from configurator.engine import default_state, to_plain
    from configurator.engine.check import covering_builds

    base = default_state(cat)
    builds = [{}, *(to_plain(cat, base.with_mask(mask)) for mask in covering_builds(cat))]
    text = next((g.code for g in cat.groups if g.text is not None), None)
    if text is not None:
        builds.append({text: "AB"})
    return builds


@pytest.fixture
def shopper() -> Owner:
    return Owner(shopper_id=uuid.uuid4())


@pytest.fixture
def shopper_header(shopper) -> dict[str, str]:
    """Django test-client headers that act as `shopper` through the X-Atelier-Shopper header."""
    return {"HTTP_X_ATELIER_SHOPPER": sign_shopper(shopper.shopper_id)}


def db_snapshot(app_labels: tuple[str, ...] | None = None) -> dict[str, list]:
    """Every row of every model (of `app_labels`, if given), to compare before and after."""
    from django.apps import apps

    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if app_labels is None or model._meta.app_label in app_labels
    }
