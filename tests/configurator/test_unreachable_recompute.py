"""Recomputing the unreachable options stored with published versions (issue #15 §1): versions
published by the old, inexact method listed reachable options, and missed unreachable ones; the
recompute stores the exact list, changes nothing else, says what changed and is idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from configurator.engine import quote
from configurator.models import CatalogVersion, Option, Rule, RuleKind
from configurator.services import product_publish
from configurator.services.unreachable import version_unreachable_recompute
from configurator.snapshot import catalog_for, version_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _compiled_versions_forgotten():
    """Version ids can come back after a rollback: a compiled version must not outlive its test."""
    yield
    version_cache.clear()


@pytest.fixture
def old_version(car) -> CatalogVersion:
    """The car with 20-inch wheels that need Electric, which excludes them (so no valid complete
    build holds them), published; then its list made as the old method could leave it: the
    reachable 18-inch wheels listed, the 20-inch ones missed."""
    wheels = car.groups.get(code="wheels")
    w20 = Option.objects.create(group=wheels, code="w20", name_en="20-inch Track", name_nl="20 inch Track", position=4)
    electric = Option.objects.get(group__product=car, code="electric")
    needs = Rule.objects.create(product=car, code="w20-needs-electric", kind=RuleKind.REQUIRES, explanation_en="x")
    needs.subjects.set([w20])
    needs.targets.set([electric])
    excludes = Rule.objects.create(product=car, code="electric-no-20", kind=RuleKind.EXCLUDES, explanation_en="x")
    excludes.subjects.set([electric])
    excludes.targets.set([w20])
    version = product_publish(product=car)
    assert version.snapshot["unreachable"] == ["wheels.w20"]  # as publishing now finds
    version.snapshot = {**version.snapshot, "unreachable": ["wheels.w18"]}
    version.save(update_fields=["snapshot"])
    return version


def test_the_exact_list_replaces_the_old_one_and_nothing_else_changes(old_version, django_capture_on_commit_callbacks):
    before = CatalogVersion.objects.get(pk=old_version.pk)
    assert not quote(catalog_for(before), {"trim": "classic", "wheels": "w18"}).evaluation.valid  # compiled, cached
    with django_capture_on_commit_callbacks(execute=True):
        result = version_unreachable_recompute(version=old_version)
    assert result.removed == ("wheels.w18",) and result.added == ("wheels.w20",) and result.changed
    after = CatalogVersion.objects.get(pk=old_version.pk)
    assert after.snapshot["unreachable"] == ["wheels.w20"]
    assert {k: v for k, v in after.snapshot.items() if k != "unreachable"} == {
        k: v for k, v in before.snapshot.items() if k != "unreachable"}
    assert after.checksum == before.checksum
    # This process compiles the version anew: 18-inch wheels are offered again.
    assert quote(catalog_for(old_version.pk), {"trim": "classic", "wheels": "w18"}).evaluation.valid


def test_a_second_run_changes_nothing(old_version):
    version_unreachable_recompute(version=old_version)
    stored = CatalogVersion.objects.get(pk=old_version.pk).snapshot
    again = version_unreachable_recompute(version=old_version)
    assert not again.changed and again.added == again.removed == ()
    assert CatalogVersion.objects.get(pk=old_version.pk).snapshot == stored


def test_a_dry_run_stores_nothing(old_version):
    result = version_unreachable_recompute(version=old_version, dry_run=True)
    assert result.removed == ("wheels.w18",)
    assert CatalogVersion.objects.get(pk=old_version.pk).snapshot["unreachable"] == ["wheels.w18"]


def test_a_snapshot_the_engine_cannot_read_is_reported_and_left_alone(car):
    version = CatalogVersion.objects.create(product=car, number=9, snapshot={"groups": [{"code": "x"}]}, checksum="x")
    result = version_unreachable_recompute(version=version)
    assert result.error and not result.changed
    assert CatalogVersion.objects.get(pk=version.pk).snapshot == {"groups": [{"code": "x"}]}


def test_the_command_reports_each_version_and_is_idempotent(old_version):
    out = StringIO()
    call_command("catalog_unreachable_recompute", stdout=out)
    text = out.getvalue()
    assert "car v2: offered again, as a valid complete build holds them: “18-inch Sport” (wheels.w18)" in text
    assert "no longer offered, as no valid complete build holds them: “20-inch Track” (wheels.w20)" in text
    assert "car v1: unchanged." in text and "1 of 2 versions changed." in text
    out = StringIO()
    call_command("catalog_unreachable_recompute", "--product", "car", stdout=out)
    assert "car v2: unchanged." in out.getvalue() and "0 of 2 versions changed." in out.getvalue()


def test_the_command_dry_run_and_an_unknown_product(old_version):
    out = StringIO()
    call_command("catalog_unreachable_recompute", "--dry-run", stdout=out)
    assert "1 of 2 versions would change (dry run: nothing stored)." in out.getvalue()
    assert CatalogVersion.objects.get(pk=old_version.pk).snapshot["unreachable"] == ["wheels.w18"]
    with pytest.raises(CommandError, match="no-such-car"):
        call_command("catalog_unreachable_recompute", "--product", "no-such-car", stdout=StringIO())


def _staff(*codenames: str) -> Client:
    user = User.objects.create_user("merchandiser", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator", codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_action_recomputes_the_selected_versions(old_version):
    client = _staff("view_catalogversion", "change_product")
    changelist = reverse("admin:configurator_catalogversion_changelist")
    assert "recompute_unreachable" in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "recompute_unreachable", "_selected_action": [old_version.pk]})
    assert response.status_code == 302
    said = [(m.level, m.message) for m in get_messages(response.wsgi_request)]
    assert len(said) == 1 and said[0][0] == messages.SUCCESS and "wheels.w20" in said[0][1]
    assert CatalogVersion.objects.get(pk=old_version.pk).snapshot["unreachable"] == ["wheels.w20"]


def test_the_admin_action_needs_the_right_to_change_products(old_version):
    client = _staff("view_catalogversion")
    changelist = reverse("admin:configurator_catalogversion_changelist")
    assert "recompute_unreachable" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "recompute_unreachable", "_selected_action": [old_version.pk]})
    assert CatalogVersion.objects.get(pk=old_version.pk).snapshot["unreachable"] == ["wheels.w18"]
