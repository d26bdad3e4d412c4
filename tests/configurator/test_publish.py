"""Publishing with a confirmation (issue #14 §2): the diff, the saved builds that become stale and
the check's findings first; then one post that publishes only the catalog it showed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from configurator.carry_over import INVALID, REPRICED, SAME, carry_over, fate
from configurator.identity import Owner
from configurator.models import Build, CatalogVersion, GroupKind, Option, OptionGroup, Product
from configurator.services import CatalogChanged, build_save, product_publish, product_publish_plan
from configurator.snapshot import catalog_for

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/configurator/product/"


def confirmation(client, product: Product, **extra):
    return client.get(f"{CHANGELIST}publish/?ids={product.pk}", **extra)


def confirm(client, product: Product, checksum: str):
    return client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [product.pk], "confirm": "yes",
                                    f"checksum-{product.pk}": checksum})


def shown_checksum(response, product: Product) -> str:
    return next(page.plan.checksum for page in response.context["pages"] if page.plan.product.pk == product.pk)


def save(car: Product, **selections):
    return build_save(product=car, selections=selections, owner=Owner(shopper_id=uuid.uuid4()))


def option(car: Product, key: str) -> Option:
    step, code = key.split(".")
    return Option.objects.get(group__product=car, group__code=step, code=code)


@pytest.fixture
def changed_car(car):
    """Three builds on version 1 (one that stays as it is, an Electric one whose price goes up and
    one with 18-inch wheels, which get switched off), then those two edits and a new option."""
    for minutes_ago, selections in enumerate(({"trim": "sport", "wheels": "w18"}, {"trim": "electric", "wheels": "w17"},
                                              {"trim": "classic"})):
        Build.objects.filter(pk=save(car, **selections).pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    electric = option(car, "trim.electric")
    electric.price_delta = Decimal("6500")
    electric.save()
    w18 = option(car, "wheels.w18")
    w18.is_available = False
    w18.save()
    Option.objects.create(group=w18.group, code="w19", name_en="19-inch Turbine", name_nl="19 inch Turbine",
                          price_delta=Decimal("1400"), position=3)
    return car


# The plan (services) ----------------------------------------------------------------------------------


def test_the_plan_counts_the_builds_that_become_stale_and_how_they_fare(changed_car):
    builds = product_publish_plan(product=changed_car).builds
    assert (builds.stale, builds.older) == (3, 0)
    assert (builds.fates.checked, builds.fates.invalid, builds.fates.incomplete, builds.fates.repriced) == (3, 1, 0, 1)


def test_only_the_most_recent_builds_are_checked_past_the_limit_but_all_are_counted(admin_client, changed_car,
                                                                                  monkeypatch):
    monkeypatch.setattr("configurator.services.catalog.STALE_CHECK_LIMIT", 2)
    builds = product_publish_plan(product=changed_car).builds
    # The two most recent: the 18-inch Sport (invalid now) and the Electric one (dearer now).
    assert (builds.stale, builds.fates.checked, builds.fates.invalid, builds.fates.repriced) == (3, 2, 1, 1)
    assert "Only the 2 most recent of them were checked" in confirmation(admin_client, changed_car).content.decode()


def test_builds_on_older_versions_are_stale_already_and_counted_apart(car):
    save(car, trim="classic")
    Option.objects.filter(group__product=car, code="sport").update(price_delta=Decimal("3100"))
    product_publish(product=car)
    car.refresh_from_db()
    save(car, trim="sport", wheels="w17")
    Option.objects.filter(group__product=car, code="sport").update(price_delta=Decimal("3200"))
    builds = product_publish_plan(product=car).builds
    assert (builds.stale, builds.older, builds.fates.repriced) == (1, 1, 1)


def test_a_new_required_step_without_a_default_leaves_complete_builds_incomplete(car):
    save(car, trim="classic")
    step = OptionGroup.objects.create(product=car, code="colour", name_en="Colour", kind=GroupKind.SINGLE, position=9)
    Option.objects.create(group=step, code="red", name_en="Red")
    fates = product_publish_plan(product=car).builds.fates
    assert (fates.checked, fates.incomplete, fates.invalid) == (1, 1, 0)


def test_an_unchanged_catalog_has_nothing_to_publish(car):
    plan = product_publish_plan(product=car)
    assert plan.unchanged and not plan.publishable and plan.diff.empty


def test_the_plan_saves_nothing(changed_car):
    product_publish_plan(product=changed_car)
    changed_car.refresh_from_db()
    assert CatalogVersion.objects.filter(product=changed_car).count() == 1
    assert changed_car.current_version.number == 1


def test_publishing_refuses_a_catalog_other_than_the_one_confirmed(changed_car):
    plan = product_publish_plan(product=changed_car)
    Option.objects.filter(group__product=changed_car, code="classic").update(price_delta=Decimal("10"))
    with pytest.raises(CatalogChanged):
        product_publish(product=changed_car, expected_checksum=plan.checksum)
    assert CatalogVersion.objects.filter(product=changed_car).count() == 1


def test_publishing_the_catalog_confirmed_freezes_it(changed_car):
    plan = product_publish_plan(product=changed_car)
    version = product_publish(product=changed_car, expected_checksum=plan.checksum)
    assert (version.number, version.checksum) == (2, plan.checksum)


# Carry-over, the pure part ---------------------------------------------------------------------------


def test_each_fate_on_a_changed_catalog(changed_car):
    plan = product_publish_plan(product=changed_car)
    from configurator.engine import compile_catalog

    new = compile_catalog(plan.snapshot)
    assert fate(new, {"trim": "classic"}, Decimal("20000.00"), True) == SAME
    assert fate(new, {"trim": "electric", "wheels": "w17"}, Decimal("26400.00"), True) == REPRICED
    assert fate(new, {"trim": "sport", "wheels": "w18"}, Decimal("23900.00"), True) == INVALID
    assert fate(new, {"trim": "rocket"}, Decimal("20000.00"), True) == INVALID
    assert fate(new, {"trim": "classic"}, Decimal("20000.00"), False) == SAME


def test_a_build_on_its_own_catalog_carries_over_unchanged(car):
    builds = [save(car, trim="electric", packs=["family", "tech"]), save(car, trim="sport", wheels="w17", badge="MAX")]
    result = carry_over(catalog_for(car.current_version_id), [(b.selections, b.total, b.is_complete) for b in builds])
    assert (result.checked, result.invalid, result.incomplete, result.repriced) == (2, 0, 0, 0)


def test_equal_builds_are_each_counted(car):
    build = save(car, trim="electric", wheels="w17")
    rows = [(build.selections, build.total + 1, True)] * 5
    assert carry_over(catalog_for(car.current_version_id), rows).repriced == 5


# The confirmation page ---------------------------------------------------------------------------------


def test_the_action_shows_the_diff_with_prices_before_and_after(admin_client, changed_car):
    response = admin_client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [changed_car.pk]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "What version 2 changes" in page
    assert "“Electric” (trim.electric)" in page and "€6,000.00" in page and "€6,500.00" in page
    assert "“19-inch Turbine” (wheels.w19)" in page and "€1,400.00" in page
    assert "“18-inch Sport” (wheels.w18)" in page
    assert not CatalogVersion.objects.filter(product=changed_car, number=2).exists()


def test_the_page_says_how_many_saved_designs_become_stale_and_how_they_fare(admin_client, changed_car):
    page = confirmation(admin_client, changed_car).content.decode()
    assert "3 saved designs are on version 1 and become stale" in page
    assert "1 would not be valid" in page and "0 would miss a newly required step" in page
    assert "1 would cost a different amount" in page


def test_without_saved_designs_the_page_says_none_becomes_stale(admin_client, car):
    Option.objects.filter(group__product=car, code="w17").update(price_delta=Decimal("450"))
    page = confirmation(admin_client, car).content.decode()
    assert "No saved design is on version 1, so none becomes stale." in page
    assert "would not be valid" not in page


def test_the_page_lists_added_and_removed_rules(admin_client, car):
    car.rules.filter(code="family-tech").update(is_active=False)
    page = confirmation(admin_client, car).content.decode()
    assert "Removed:" in page and "family-tech" in page and "Family and Tech together save 500" in page


def test_the_page_links_the_draft_preview(admin_client, changed_car):
    page = confirmation(admin_client, changed_car).content.decode()
    assert f'href="{reverse("configurator:draft", args=["car"])}"' in page


def test_an_unchanged_catalog_says_so_and_offers_no_publish_button(admin_client, car):
    page = confirmation(admin_client, car).content.decode()
    assert "Nothing changed since version 1" in page and "Yes, publish" not in page


def test_errors_block_publishing_on_the_page(admin_client, changed_car):
    trim = changed_car.groups.get(code="trim")
    trim.default_option = option(changed_car, "trim.electric")
    trim.save()
    wheels = changed_car.groups.get(code="wheels")
    wheels.default_option = option(changed_car, "wheels.w19")
    wheels.save()
    changed_car.rules.get(code="electric-no-18").targets.add(option(changed_car, "wheels.w19"))
    page = confirmation(admin_client, changed_car).content.decode()
    assert "Not publishable" in page and "electric-no-18" in page and "Yes, publish" not in page


def test_confirming_publishes_and_reports_the_version(admin_client, changed_car):
    checksum = shown_checksum(confirmation(admin_client, changed_car), changed_car)
    response = confirm(admin_client, changed_car, checksum)
    changed_car.refresh_from_db()
    assert response.status_code == 302
    assert changed_car.current_version.number == 2 and changed_car.current_version.checksum == checksum
    assert any("published as version 2" in m.message for m in get_messages(response.wsgi_request))


def test_a_catalog_changed_after_the_page_was_shown_is_not_published_and_the_diff_is_shown_again(admin_client, changed_car):
    checksum = shown_checksum(confirmation(admin_client, changed_car), changed_car)
    Option.objects.filter(group__product=changed_car, code="w17").update(price_delta=Decimal("450"))
    response = confirm(admin_client, changed_car, checksum)
    page = response.content.decode()
    assert response.status_code == 409
    assert "changed after the confirmation page was shown" in page
    assert "“17-inch Aero” (wheels.w17)" in page and "€450.00" in page
    assert CatalogVersion.objects.filter(product=changed_car).count() == 1
    assert shown_checksum(response, changed_car) != checksum


def test_a_post_without_the_checksum_publishes_nothing(admin_client, changed_car):
    response = admin_client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [changed_car.pk],
                                              "confirm": "yes"})
    assert response.status_code == 409
    assert CatalogVersion.objects.filter(product=changed_car).count() == 1


def test_several_products_share_one_page(admin_client, changed_car):
    Product.objects.create(slug="bike", name_en="Bike", base_price=Decimal("500"))
    bike = Product.objects.get(slug="bike")
    response = admin_client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [changed_car.pk, bike.pk]})
    checksums = {p.plan.product.slug: p.plan.checksum for p in response.context["pages"]}
    admin_client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [changed_car.pk, bike.pk],
                                   "confirm": "yes", **{f"checksum-{p.pk}": checksums[p.slug] for p in (changed_car, bike)}})
    assert {p.slug: p.current_version.number for p in Product.objects.select_related("current_version")} == {
        "car": 2, "bike": 1}


def test_the_page_speaks_dutch(admin_client, changed_car):
    page = confirmation(admin_client, changed_car, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Wat versie 2 verandert" in page and "€\xa06.500,00" in page
    assert "3 opgeslagen ontwerpen staan op versie 1 en raken verouderd" in page


# Permissions and bad input -------------------------------------------------------------------------------


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator", codename__in=codenames))
    return user


def test_staff_who_may_only_view_products_get_403(client, changed_car):
    client.force_login(staff_with("view_product"))
    assert confirmation(client, changed_car).status_code == 403
    client.post(CHANGELIST, {"action": "publish_catalog", "_selected_action": [changed_car.pk], "confirm": "yes",
                             f"checksum-{changed_car.pk}": product_publish_plan(product=changed_car).checksum})
    assert CatalogVersion.objects.filter(product=changed_car).count() == 1


def test_staff_who_may_change_products_see_the_page(client, changed_car):
    client.force_login(staff_with("view_product", "change_product"))
    assert confirmation(client, changed_car).status_code == 200


@pytest.mark.parametrize("ids", ["", "abc", "999999", "1;DROP", "9" * 30, "\u0661\u0662", "-1"])
def test_unknown_or_malformed_ids_are_a_404(admin_client, car, ids):
    assert admin_client.get(f"{CHANGELIST}publish/?ids={ids}").status_code == 404


def test_the_product_page_links_the_draft_and_the_confirmation(admin_client, car):
    page = admin_client.get(f"{CHANGELIST}{car.pk}/change/").content.decode()
    assert reverse("configurator:draft", args=["car"]) in page
    assert f"{CHANGELIST}publish/?ids={car.pk}" in page
