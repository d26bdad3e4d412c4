"""Migration 0011: Build.saved_at for existing builds. What its owner made or edited into a fork
was saved when last updated; a remix or an e-mailed copy only if it was updated after it was made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("configurator", "0010_reserved_step_codes")]
AFTER = [("configurator", "0011_build_saved_at")]


@pytest.mark.django_db(transaction=True)
def test_existing_builds_get_saved_at_from_what_was_done_to_them():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    product = old.get_model("configurator", "Product").objects.create(slug="old", name_en="Old", base_price=10)
    version = old.get_model("configurator", "CatalogVersion").objects.create(
        product=product, number=1, snapshot={}, checksum="x")
    builds = old.get_model("configurator", "Build")

    def build(name: str, **links):
        return builds.objects.create(product=product, catalog_version=version, name=name, selections={}, price={},
                                     total=10, fingerprint="f", owner_key="00000000-0000-0000-0000-000000000001",
                                     **links)

    made = build("made")
    build("fresh remix", remixed_from=made)
    edited = build("edited remix", remixed_from=made)
    build("copy", copied_from=made, remixed_from=made)
    build("fork", remixed_from=made, forked_from=edited)
    later = timezone.now() + timedelta(minutes=5)
    builds.objects.filter(pk=edited.pk).update(updated_at=later)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    saved = dict(new.get_model("configurator", "Build").objects.values_list("name", "saved_at"))
    assert saved["made"] is not None and saved["fork"] is not None
    assert saved["edited remix"] == later
    assert saved["fresh remix"] is None and saved["copy"] is None
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
