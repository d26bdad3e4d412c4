"""The staff side: every model admin loads, saving checks the catalog, publishing is guarded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.messages import get_messages
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from configurator.engine.check import Finding
from configurator.findings import CatalogNames, finding_message
from configurator.models import Build, CatalogVersion, DesignReport, Order, Product, RuleKind
from configurator.snapshot import product_snapshot
from personalization.models import (
    ConsentChange,
    Mailing,
    MapLearningJob,
    MotivationEvaluation,
    MotivationMap,
    MotivationWeight,
    Profile,
    RescoreJob,
    Shopper,
    SyncDelivery,
)
from tests.factories import (
    BuildFactory,
    CatalogVersionFactory,
    OptionFactory,
    OptionGroupFactory,
    ProductFactory,
    RuleFactory,
    factory_for,
)

pytestmark = pytest.mark.django_db

REGISTERED_MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
# Frozen rows, made by publishing and by shoppers only; and personalization's records, made by
# consent, scoring and editing a map (which creates a version).
NO_ADD_PAGE = {CatalogVersion, Build, DesignReport, Order, Shopper, ConsentChange, MotivationMap, MotivationWeight,
               Profile, RescoreJob, MapLearningJob, MotivationEvaluation, AccessAttempt, AccessLog, AccessFailureLog,
               SyncDelivery, Mailing}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make(model):
    maker = factory_for(model)
    assert maker is not None, f"add a factory for {model._meta.label} to tests/factories.py"
    return maker()


def shown(response, level: int) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == level]


def changeform_post_data(response) -> dict:
    """The POST a staff member sends by saving an admin change form without touching it."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile) or value == "":
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def make_catalog(*, broken: bool) -> Product:
    """Colour (default red) and roof (default black). When broken, a rule excludes red with black,
    so the default build breaks it; otherwise the rule excludes red with a white roof."""
    product = ProductFactory(slug="city-car")
    colour = OptionGroupFactory(product=product, code="colour", name_en="Body colour")
    red = OptionFactory(group=colour, code="red", name_en="Chili red")
    OptionFactory(group=colour, code="blue", name_en="Ocean blue")
    roof = OptionGroupFactory(product=product, code="roof", name_en="Roof")
    black = OptionFactory(group=roof, code="black", name_en="Black roof")
    white = OptionFactory(group=roof, code="white", name_en="White roof")
    colour.default_option, roof.default_option = red, black
    colour.save()
    roof.save()
    RuleFactory(product=product, code="red-no-black" if broken else "red-no-white",
                kind=RuleKind.EXCLUDES, subjects=[red], targets=[black if broken else white])
    return product


# Smoke tests for every registered model admin -------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_changelist_loads(admin_client, model):
    make(model)
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_changelist_search_loads(admin_client, model):
    make(model)
    assert admin_client.get(admin_url(model, "changelist"), {"q": "x"}).status_code == 200


def filters_no_database_takes(model) -> list[dict[str, str]]:
    """Lookups on the model's own fields, with values the database cannot run."""
    filters = [{f"{model._meta.pk.name}__in": "99999999999999999999"}]
    for field in model._meta.concrete_fields:
        kind = field.get_internal_type()
        if kind in ("DateField", "DateTimeField"):
            filters.append({f"{field.name}__year": "-1"})
        elif kind == "JSONField":
            filters.append({f"{field.name}__contains": "x"})  # a lookup SQLite lacks
        elif kind.endswith("IntegerField") or kind == "ForeignKey":
            filters.append({f"{field.name}__gt": "99999999999999999999"})
    return filters


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_a_filter_value_the_database_cannot_take_is_a_wrong_lookup_not_a_500(admin_client, model):
    """Like any wrong lookup: the plain list with ?e=1 (these raised only when the list was counted)."""
    make(model)
    url = admin_url(model, "changelist")
    for params in filters_no_database_takes(model):
        response = admin_client.get(url, params)
        assert response.status_code in (200, 302), (params, response.status_code)
        if response.status_code == 302:
            assert response["Location"] == f"{url}?e=1", params
    assert admin_client.get(f"{url}?e=1").status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_an_action_on_ids_that_are_no_ids_changes_nothing_and_says_so(admin_client, model):
    """The selected ids went into pk__in unchecked: ValueError or OverflowError, a 500."""
    obj = make(model)
    url = admin_url(model, "changelist")
    page = admin_client.get(url)
    form = page.context["action_form"]
    if form is None:
        pytest.skip("this admin has no actions")
    actions = [name for name, _label in form.fields["action"].choices if name]
    before = model._default_manager.count()
    for action in actions:
        for selected in (["abc"], ["99999999999999999999"], [str(obj.pk), "not-a-uuid"]):
            response = admin_client.post(url, {"action": action, "_selected_action": selected, "index": "0"})
            assert response.status_code == 302, (action, selected, response.status_code)
            assert "The selection holds an item that does not exist. No items have been changed." in shown(
                response, messages.ERROR)
    assert model._default_manager.count() == before


MANY_TO_MANY_FORMS = [(model, field.name) for model in REGISTERED_MODELS for field in model._meta.many_to_many
                      if field.editable]


@pytest.mark.parametrize(("model", "field"), MANY_TO_MANY_FORMS, ids=lambda p: getattr(p, "label", p))
def test_a_many_to_many_value_over_64_bits_is_a_form_error(admin_client, model, field):
    """Django checks the values with a query that SQLite cannot bind such a number in: a 500."""
    obj = make(model)
    before = list(getattr(obj, field).all())
    response = admin_client.post(admin_url(model, "change", obj.pk), {field: ["99999999999999999999"]})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert list(getattr(obj, field).all()) == before


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_add_page_loads_or_is_forbidden(admin_client, model):
    expected = 403 if model in NO_ADD_PAGE else 200
    assert admin_client.get(admin_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_change_page_loads(admin_client, model):
    obj = make(model)
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


# Saving checks the catalog ----------------------------------------------------------------------


def test_saving_product_whose_default_breaks_a_rule_shows_error_naming_the_rule(admin_client):
    product = make_catalog(broken=True)
    url = admin_url(Product, "change", product.pk)
    response = admin_client.post(url, changeform_post_data(admin_client.get(url)))
    assert any("red-no-black" in text for text in shown(response, messages.ERROR))


def test_saving_product_whose_default_breaks_a_rule_still_saves(admin_client):
    product = make_catalog(broken=True)
    url = admin_url(Product, "change", product.pk)
    data = changeform_post_data(admin_client.get(url))
    data["name_en"] = "Renamed car"
    admin_client.post(url, data)
    product.refresh_from_db()
    assert product.name_en == "Renamed car"


def test_saving_valid_product_shows_no_catalog_errors(admin_client):
    product = make_catalog(broken=False)
    url = admin_url(Product, "change", product.pk)
    response = admin_client.post(url, changeform_post_data(admin_client.get(url)))
    assert (response.status_code, shown(response, messages.ERROR)) == (302, [])


def test_saving_option_group_shows_catalog_errors(admin_client):
    product = make_catalog(broken=True)
    url = admin_url(product.groups.model, "change", product.groups.get(code="roof").pk)
    response = admin_client.post(url, changeform_post_data(admin_client.get(url)))
    assert any("red-no-black" in text for text in shown(response, messages.ERROR))


@pytest.mark.parametrize("code", ["view", "step", "b", "summary"])
def test_a_step_cannot_take_a_code_the_studio_address_uses(admin_client, code):
    """A build lives in the URL as ?<step>=<option> beside ?step= and ?view=: a step called "view"
    would be read as the picture's angle."""
    product = make_catalog(broken=False)
    roof = product.groups.get(code="roof")
    url = admin_url(product.groups.model, "change", roof.pk)
    response = admin_client.post(url, {**changeform_post_data(admin_client.get(url)), "code": code})
    assert response.status_code == 200
    assert "reserved word in the studio" in str(response.context["adminform"].form.errors["code"])
    roof.refresh_from_db()
    assert roof.code == "roof"


def test_saving_rule_that_excludes_itself_shows_a_warning_naming_it(admin_client):
    product = make_catalog(broken=False)
    red = product.groups.get(code="colour").options.get(code="red")
    rule = RuleFactory(product=product, code="self-exclusion", subjects=[red], targets=[red])
    url = admin_url(rule._meta.model, "change", rule.pk)
    response = admin_client.post(url, changeform_post_data(admin_client.get(url)))
    assert any("self-exclusion" in text for text in shown(response, messages.WARNING))


# Actions: check and publish ---------------------------------------------------------------------


def run_action(client, action: str, product: Product):
    return client.post(admin_url(Product, "changelist"), {"action": action, "_selected_action": [product.pk]})


def test_check_action_shows_error_naming_the_rule(admin_client):
    product = make_catalog(broken=True)
    response = run_action(admin_client, "check_catalog", product)
    assert any("red-no-black" in text for text in shown(response, messages.ERROR))


def test_check_action_reports_success_for_a_valid_catalog(admin_client):
    product = make_catalog(broken=False)
    response = run_action(admin_client, "check_catalog", product)
    assert len(shown(response, messages.SUCCESS)) == 1


def publish(client, product: Product):
    """The publish action's confirmation page, then its "Yes, publish" post (with the checksum it showed)."""
    page = run_action(client, "publish_catalog", product)
    assert page.status_code == 200
    checksum = next(p.plan.checksum for p in page.context["pages"] if p.plan.product.pk == product.pk)
    return client.post(admin_url(Product, "changelist"), {
        "action": "publish_catalog", "_selected_action": [product.pk], "confirm": "yes", f"checksum-{product.pk}": checksum,
    })


def test_publish_action_first_shows_a_confirmation_and_publishes_nothing(admin_client):
    product = make_catalog(broken=False)
    response = run_action(admin_client, "publish_catalog", product)
    assert "Yes, publish" in response.content.decode()
    assert not CatalogVersion.objects.filter(product=product).exists()


def test_publish_action_creates_a_version_and_makes_it_current(admin_client):
    product = make_catalog(broken=False)
    publish(admin_client, product)
    product.refresh_from_db()
    assert product.current_version == CatalogVersion.objects.get(product=product)


def test_publish_action_shows_the_new_version_number(admin_client):
    product = make_catalog(broken=False)
    response = publish(admin_client, product)
    assert any("version 1" in text for text in shown(response, messages.SUCCESS))


def test_publish_action_refuses_when_defaults_break_a_rule(admin_client):
    product = make_catalog(broken=True)
    admin_client.post(admin_url(Product, "changelist"), {
        "action": "publish_catalog", "_selected_action": [product.pk], "confirm": "yes",
        f"checksum-{product.pk}": run_action(admin_client, "publish_catalog", product).context["pages"][0].plan.checksum,
    })
    assert not CatalogVersion.objects.filter(product=product).exists()


def test_refused_publish_shows_the_blocking_rule_as_an_error(admin_client):
    product = make_catalog(broken=True)
    response = run_action(admin_client, "publish_catalog", product)
    page = response.content.decode()
    assert "red-no-black" in page and "Not publishable" in page and "Yes, publish" not in page


def test_publishing_an_unchanged_catalog_makes_no_new_version(admin_client):
    product = make_catalog(broken=False)
    publish(admin_client, product)
    assert "Nothing changed since version 1" in run_action(admin_client, "publish_catalog", product).content.decode()
    publish(admin_client, product)
    assert CatalogVersion.objects.filter(product=product).count() == 1


# Rules only use their own product's options -----------------------------------------------------


def test_rule_with_subject_of_another_product_is_rejected_with_a_field_error(admin_client):
    product = make_catalog(broken=False)
    foreign = OptionFactory(group=OptionGroupFactory(product=ProductFactory(slug="sneaker")))
    target = product.groups.get(code="roof").options.get(code="white")
    response = admin_client.post(admin_url(product.rules.model, "add"), {
        "product": product.pk, "code": "mixed", "kind": RuleKind.EXCLUDES,
        "subjects": [foreign.pk], "targets": [target.pk], "condition": "all", "min_count": 0,
        "amount": "0", "explanation_en": "No.", "explanation_nl": "Nee.", "is_active": "on", "position": 0,
    })
    assert "sneaker" in str(response.context["adminform"].form.errors["subjects"])


def test_rule_inline_offers_only_the_products_own_options(admin_client):
    product = make_catalog(broken=False)
    OptionFactory(group=OptionGroupFactory(product=ProductFactory(slug="sneaker")))
    response = admin_client.get(admin_url(Product, "change", product.pk))
    formsets = {i.formset.model: i.formset for i in response.context["inline_admin_formsets"]}
    offered = formsets[product.rules.model].empty_form.fields["subjects"].queryset
    assert {o.group.product_id for o in offered} == {product.pk}


def test_default_option_offers_only_the_groups_own_options(admin_client):
    product = make_catalog(broken=False)
    colour = product.groups.get(code="colour")
    response = admin_client.get(admin_url(colour._meta.model, "change", colour.pk))
    offered = response.context["adminform"].form.fields["default_option"].queryset
    assert set(offered) == set(colour.options.all())


# Frozen rows ------------------------------------------------------------------------------------


def test_catalog_version_cannot_be_changed(admin_client):
    version = CatalogVersionFactory(note="first")
    response = admin_client.post(admin_url(CatalogVersion, "change", version.pk), {"note": "edited"})
    version.refresh_from_db()
    assert (response.status_code, version.note) == (403, "first")


def test_catalog_version_cannot_be_deleted(admin_client):
    version = CatalogVersionFactory()
    response = admin_client.post(admin_url(CatalogVersion, "delete", version.pk), {"post": "yes"})
    assert (response.status_code, CatalogVersion.objects.filter(pk=version.pk).exists()) == (403, True)


def test_build_admin_saves_a_new_name(admin_client):
    build = BuildFactory(name="old")
    admin_client.post(admin_url(Build, "change", build.pk), {"name": "new"})
    build.refresh_from_db()
    assert build.name == "new"


def test_build_admin_ignores_a_posted_total(admin_client):
    build = BuildFactory(total=Decimal("100.00"))
    admin_client.post(admin_url(Build, "change", build.pk), {"name": "x", "total": "1.00"})
    build.refresh_from_db()
    assert build.total == Decimal("100.00")


# Wording of findings ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [
    ("default_breaks_rule", "rule-1"),
    ("default_unavailable", "“Chili red” (colour.red)"),
    ("default_over_max", "“Body colour” (colour)"),
    ("no_subjects", "rule-1"),
    ("no_targets", "rule-1"),
    ("excludes_itself", "rule-1"),
    ("requires_itself", "rule-1"),
    ("cardinality_unreachable", "rule-1"),
    ("condition_impossible", "rule-1"),
    ("option_unreachable", "“Chili red” (colour.red)"),
    ("snapshot_invalid", "colour"),
])
def test_each_finding_has_its_own_wording_naming_what_it_is_about(code, expected):
    names = CatalogNames(product_snapshot(make_catalog(broken=False)))
    finding = Finding("error", code, rule="rule-1", option="colour.red", detail=("colour",))
    fallback = finding_message(Finding("error", "not-a-code", rule="rule-1", option="colour.red"), names)
    message = finding_message(finding, names)
    assert expected in message and message != fallback


def test_default_breaks_rule_names_the_options_involved():
    names = CatalogNames(product_snapshot(make_catalog(broken=False)))
    finding = Finding("error", "default_breaks_rule", rule="r", detail=("colour.red", "roof.black"))
    assert "“Black roof” (roof.black)" in finding_message(finding, names)

