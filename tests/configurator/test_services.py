from decimal import Decimal

import pytest

from configurator.identity import Owner
from configurator.models import Build, BuildStatus, CatalogVersion, Option
from configurator.services import (
    BuildInvalid,
    BuildNotFound,
    build_delete,
    build_rebase,
    build_remix,
    build_save,
    build_share,
    build_update,
    product_publish,
)

pytestmark = pytest.mark.django_db


def test_save_prices_on_the_server(car, owner):
    build = build_save(product=car, selections={"trim": "electric", "packs": ["family", "tech"]}, owner=owner)
    # 20000 + 6000 electric + 800 + 1200 packs - 500 pack discount
    assert build.total == Decimal("27500.00")
    assert build.price["total"] == "27500.00"
    assert build.catalog_version == car.current_version
    assert build.selections["wheels"] == "w16"


def test_save_refuses_an_impossible_combination(car, owner):
    with pytest.raises(BuildInvalid) as error:
        build_save(product=car, selections={"trim": "electric", "wheels": "w18"}, owner=owner)
    assert "battery" in str(error.value.errors)
    assert not Build.objects.exists()


def test_save_refuses_unknown_options(car, owner):
    with pytest.raises(BuildInvalid) as error:
        build_save(product=car, selections={"trim": "rocket"}, owner=owner)
    assert "trim" in error.value.errors["selections"]


def test_share_code_is_random_and_long(car, owner):
    codes = {build_save(product=car, selections={}, owner=owner).share_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) >= 16 for code in codes)  # 96 bits, URL-safe base64


def test_update_changes_a_draft_in_place(car, owner):
    build = build_save(product=car, selections={}, owner=owner)
    updated = build_update(build=build, owner=owner, selections={"wheels": "w17"}, name="Mine")
    assert updated.pk == build.pk
    assert updated.total == Decimal("20400.00")
    assert updated.name == "Mine"


def test_update_by_someone_else_is_not_found_and_changes_nothing(car, owner, other_owner):
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildNotFound):
        build_update(build=build, owner=other_owner, selections={"wheels": "w17"})
    build.refresh_from_db()
    assert build.selections["wheels"] == "w16"


def test_editing_a_shared_build_forks_it(car, owner):
    build = build_share(build=build_save(product=car, selections={}, owner=owner), owner=owner)
    fork = build_update(build=build, owner=owner, selections={"wheels": "w17"})
    build.refresh_from_db()
    assert fork.pk != build.pk
    assert fork.forked_from == build
    assert fork.status == BuildStatus.DRAFT
    assert build.selections["wheels"] == "w16"
    assert build.status == BuildStatus.SHARED


def test_remix_keeps_its_parent(car, owner, other_owner):
    source = build_share(build=build_save(product=car, selections={"wheels": "w17"}, owner=owner), owner=owner)
    remix = build_remix(source=source, owner=other_owner)
    assert remix.remixed_from == source
    assert remix.owner_key == other_owner.shopper_id
    assert remix.selections == source.selections
    assert remix.share_code != source.share_code


def test_remix_of_someone_elses_draft_is_not_found(car, owner, other_owner):
    draft = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildNotFound):
        build_remix(source=draft, owner=other_owner)


def test_a_build_keeps_its_version_and_price_after_catalog_edits(car, owner):
    build = build_save(product=car, selections={"wheels": "w18"}, owner=owner)
    Option.objects.filter(code="w18").update(price_delta=Decimal("2000"))
    product_publish(product=car)
    build.refresh_from_db()
    assert build.total == Decimal("20900.00")
    assert car.versions.count() == 2
    assert build.is_stale


def test_publishing_twice_without_changes_makes_no_new_version(car):
    product_publish(product=car)
    assert CatalogVersion.objects.filter(product=car).count() == 1


def test_rebase_moves_to_the_nearest_valid_build_and_reports_the_diff(car, owner):
    build = build_save(product=car, selections={"trim": "sport", "wheels": "w17"}, owner=owner)
    Option.objects.filter(code="w17").delete()  # the 17-inch wheel leaves the collection
    product_publish(product=car)
    car.refresh_from_db()
    preview = build_rebase(build=build, owner=owner, apply=False)
    assert [c["step"] for c in preview.changes] == ["wheels"]
    assert preview.build.selections["wheels"] == "w18"  # Sport still needs 17 or 18 inch
    build.refresh_from_db()
    assert build.catalog_version.number == 1  # a preview saves nothing
    applied = build_rebase(build=build, owner=owner, apply=True)
    build.refresh_from_db()
    assert applied.build.pk == build.pk
    assert build.catalog_version == car.current_version
    assert build.total == Decimal("23900.00")


def test_rebase_of_a_shared_build_forks(car, owner):
    build = build_share(build=build_save(product=car, selections={}, owner=owner), owner=owner)
    Option.objects.filter(code="w16").update(price_delta=Decimal("100"))
    product_publish(product=car)
    result = build_rebase(build=build, owner=owner, apply=True)
    assert result.build.pk != build.pk
    build.refresh_from_db()
    assert build.catalog_version.number == 1


def test_rebasing_a_shared_build_already_on_the_current_catalog_forks_nothing(car, owner):
    build = build_share(build=build_save(product=car, selections={}, owner=owner), owner=owner)
    result = build_rebase(build=build, owner=owner, apply=True)
    assert result.build.pk == build.pk and not result.build._state.adding
    assert result.changes == []
    assert Build.objects.count() == 1


def test_delete_own_build(car, owner, other_owner):
    build = build_save(product=car, selections={}, owner=owner)
    with pytest.raises(BuildNotFound):
        build_delete(build=build, owner=other_owner)
    build_delete(build=build, owner=owner)
    assert not Build.objects.exists()


def test_names_are_cleaned_and_limited(car, owner):
    build = build_save(product=car, selections={}, owner=owner, name="  My\x00  <b>car</b>\n ")
    assert build.name == "My <b>car</b>"
    with pytest.raises(BuildInvalid):
        build_save(product=car, selections={}, owner=owner, name="x" * 81)


def test_logged_in_user_owns_builds_across_shopper_ids(car, django_user_model):
    import uuid

    user = django_user_model.objects.create_user("ann", password="pw-123-secure")
    build = build_save(product=car, selections={}, owner=Owner(uuid.uuid4(), user))
    again = build_update(build=build, owner=Owner(uuid.uuid4(), user), name="Same person")
    assert again.pk == build.pk
