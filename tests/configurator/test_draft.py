"""The draft preview (issue #14 §2): staff see a product's unpublished catalog in the real studio;
nobody else learns it is there; nothing is saved, shared, ordered or stored from it."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from PIL import Image

from configurator.draft import product_draft
from configurator.identity import Owner
from configurator.models import Build, CatalogVersion, Option, Product, RenderedImage, Rule, RuleKind
from configurator.services import build_save

pytestmark = pytest.mark.django_db

DRAFT = "/en/configure/car/draft/"
SHOP = "/en/configure/car/"


@pytest.fixture
def staff_client(client) -> Client:
    user = User.objects.create_user("merchandiser", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="configurator",
                                                        codename__in=["view_product", "change_product"]))
    client.force_login(user)
    return client


@pytest.fixture
def repriced(car) -> Product:
    """Electric costs 6,500 in the draft (6,000 published), and a 19-inch wheel is new."""
    Option.objects.filter(group__product=car, code="electric").update(price_delta=Decimal("6500"))
    wheels = car.groups.get(code="wheels")
    Option.objects.create(group=wheels, code="w19", name_en="19-inch Turbine", name_nl="19 inch Turbine",
                          price_delta=Decimal("1400"), position=3)
    return car


def picture_urls(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(r'<img src="([^"]+)"', html)]


# Who may see it --------------------------------------------------------------------------------------


def test_anonymous_visitors_get_404_not_a_login_redirect(client, repriced):
    response = client.get(DRAFT)
    assert response.status_code == 404
    assert "login" not in response.get("Location", "")


def test_shoppers_get_the_same_404_as_for_a_product_that_does_not_exist(client, repriced):
    assert client.get(DRAFT).content == client.get("/en/configure/nothing-here/draft/").content


def test_staff_without_catalog_permissions_get_404(client, repriced):
    client.force_login(User.objects.create_user("support", password="x", is_staff=True))
    assert client.get(DRAFT).status_code == 404


def test_a_logged_in_customer_gets_404(client, repriced):
    client.force_login(User.objects.create_user("customer", password="x"))
    assert client.get(DRAFT).status_code == 404


def test_draft_pictures_are_404_for_non_staff(client, staff_client, repriced):
    url = picture_urls(staff_client.get(DRAFT).content.decode())[0]
    assert Client().get(url).status_code == 404


# What it shows ---------------------------------------------------------------------------------------


def test_the_draft_shows_an_unpublished_change_while_the_shop_shows_the_published_one(staff_client, repriced):
    draft = staff_client.get(f"{DRAFT}?step=trim").content.decode()
    shop = Client().get(f"{SHOP}?step=trim").content.decode()
    assert "+€6,500.00" in draft and "+€6,000.00" not in draft
    assert "+€6,000.00" in shop and "+€6,500.00" not in shop
    assert "19-inch Turbine" in staff_client.get(f"{DRAFT}?step=wheels").content.decode()
    assert "19-inch Turbine" not in Client().get(f"{SHOP}?step=wheels").content.decode()


def test_the_draft_has_a_banner(staff_client, repriced):
    page = staff_client.get(DRAFT).content.decode()
    assert "Draft preview — not published" in page
    assert "published as version 2. Shoppers still see version 1." in page
    assert "The catalog check found no problems." in page


def test_the_draft_shows_the_checks_warnings_beside_the_studio(staff_client, repriced):
    w19 = Option.objects.get(group__product=repriced, code="w19")
    rule = Rule.objects.create(product=repriced, code="self-x", kind=RuleKind.EXCLUDES, explanation_en="x",
                               explanation_nl="x")
    rule.subjects.set([w19])
    rule.targets.set([w19])
    aside = staff_client.get(DRAFT).content.decode().split('class="draft-findings"')[1]
    assert "warnings:" in aside and "Rule “self-x” has the same option as subject and target" in aside


def test_the_banner_shows_a_check_error_that_blocks_publishing(staff_client, repriced):
    trim = repriced.groups.get(code="trim")
    trim.default_option = Option.objects.get(group=trim, code="sport")  # needs 17/18-inch, the default is 16
    trim.save()
    page = staff_client.get(DRAFT).content.decode()
    assert "error blocks publishing" in page and "sport-needs-17" in page


def test_the_draft_of_an_unpublished_product_can_be_previewed(staff_client):
    from tests.configurator.conftest import make_car

    car = make_car()
    Product.objects.filter(pk=car.pk).update(current_version=None, is_active=False)
    page = staff_client.get(DRAFT).content.decode()
    assert "Nothing of this product is published yet" in page
    assert Client().get(SHOP).status_code == 404


def test_no_version_row_is_made_and_the_published_version_stays(staff_client, repriced):
    before = (CatalogVersion.objects.count(), repriced.current_version_id)
    staff_client.get(DRAFT)
    repriced.refresh_from_db()
    assert (CatalogVersion.objects.count(), repriced.current_version_id) == before


def test_a_draft_the_same_as_the_published_version_says_so(staff_client, car):
    assert "the same as the published version 1" in staff_client.get(DRAFT).content.decode()


def test_the_draft_speaks_dutch(staff_client, repriced):
    page = staff_client.get("/nl/configure/car/draft/").content.decode()
    assert "Conceptvoorbeeld — niet gepubliceerd" in page and "Cataloguscontrole" in page
    assert "+€\xa06.500,00" in staff_client.get("/nl/configure/car/draft/?step=trim").content.decode()


# Choosing options ------------------------------------------------------------------------------------


def test_an_htmx_click_in_the_draft_prices_with_the_draft(staff_client, repriced):
    response = staff_client.get(f"{DRAFT}?trim=electric&wheels=w16&packs=&badge=", HTTP_HX_REQUEST="true",
                                HTTP_HX_TRIGGER="o:trim:electric",
                                HTTP_HX_CURRENT_URL=f"http://testserver{DRAFT}?trim=classic&wheels=w16&packs=&badge=")
    html = response.content.decode()
    assert response.status_code == 200
    assert "€26,500.00" in html  # 20,000 + 6,500 (the draft's Electric)
    assert response["HX-Push-Url"].startswith(DRAFT)
    assert 'id="save-state"' not in html  # no save form to update


def test_the_no_javascript_form_submits_to_the_draft(staff_client, repriced):
    page = staff_client.get(f"{DRAFT}?trim=classic&wheels=w19&step=summary").content.decode()
    assert f'<form class="steps" id="studio-form" method="get" action="{DRAFT}">' in page
    assert "€21,400.00" in page  # 20,000 + the draft's new 1,400 wheels


# Pictures --------------------------------------------------------------------------------------------


def test_a_draft_picture_is_a_jpeg_drawn_now_and_stored_nowhere(staff_client, repriced):
    url = picture_urls(staff_client.get(f"{DRAFT}?wheels=w19").content.decode())[0]
    response = staff_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert Image.open(BytesIO(response.content)).size == (800, 600)
    assert not RenderedImage.objects.exists()


def test_the_draft_picture_address_carries_the_drafts_checksum(staff_client, repriced):
    checksum = product_draft(product=repriced).version.checksum
    url = picture_urls(staff_client.get(DRAFT).content.decode())[0]
    assert url.startswith(f"{DRAFT}{checksum}/")


def test_a_picture_of_an_older_draft_is_404(staff_client, repriced):
    url = picture_urls(staff_client.get(DRAFT).content.decode())[0]
    Option.objects.filter(group__product=repriced, code="classic").update(price_delta=Decimal("5"))
    assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize("change", ["fingerprint", "query", "view"])
def test_a_draft_picture_of_no_valid_build_is_404(staff_client, repriced, change):
    url = picture_urls(staff_client.get(DRAFT).content.decode())[0]
    path, query = url.split("?", 1)
    if change == "fingerprint":
        url = re.sub(r"/[0-9a-f]+\.jpg", "/0123abcd.jpg", path) + "?" + query
    elif change == "query":
        url = f"{path}?trim=electric&wheels=w18"
    else:
        url = path.replace(".jpg", "/no-such-view.jpg") + "?" + query
    assert staff_client.get(url).status_code == 404


def test_the_shop_pictures_are_not_served_for_the_draft(staff_client, repriced):
    """The draft's pictures never use /preview/ (which caches rows per published version)."""
    html = staff_client.get(DRAFT).content.decode()
    assert "/preview/" not in html


# Nothing is saved, shared or ordered -------------------------------------------------------------------


def test_the_draft_offers_no_save_and_no_order(staff_client, repriced):
    page = staff_client.get(f"{DRAFT}?step=summary").content.decode()
    assert 'id="save-form"' not in page and 'class="order-button"' not in page
    assert "ordering is off in a draft preview" in page


def test_a_post_to_the_draft_is_refused_and_saves_nothing(staff_client, repriced):
    response = staff_client.post(DRAFT, {"state": "trim=electric&wheels=w19", "then": "order"})
    assert response.status_code == 403
    assert "Nothing can be saved, shared or ordered from a draft preview" in response.content.decode()
    assert not Build.objects.exists()


def test_a_draft_only_choice_cannot_be_saved_through_the_shop(staff_client, repriced):
    """The shop's save prices against the published version, which has no 19-inch wheel."""
    response = staff_client.post(reverse("configurator:save", args=["car"]), {"state": "trim=classic&wheels=w19"})
    assert response.status_code in (400, 404)
    assert not Build.objects.exists()


def test_a_saved_build_id_in_the_draft_address_is_ignored(staff_client, repriced):
    build = build_save(product=repriced, selections={"trim": "sport", "wheels": "w17"},
                       owner=Owner(shopper_id=uuid.uuid4()))
    page = staff_client.get(f"{DRAFT}?b={build.pk}&step=trim").content.decode()
    assert 'name="b"' not in page and f"&b={build.pk}" not in page and 'name="build"' not in page


def test_the_draft_page_is_never_cached(staff_client, repriced):
    assert "no-store" in staff_client.get(DRAFT)["Cache-Control"]


def test_the_draft_of_a_product_with_no_steps_yet_opens(staff_client):
    Product.objects.create(slug="bike", name_en="Bike", base_price=Decimal("500"))
    response = staff_client.get("/en/configure/bike/draft/")
    assert response.status_code == 200 and "€500.00" in response.content.decode()


def test_a_draft_the_engine_cannot_read_shows_why_instead_of_a_studio(staff_client, repriced):
    """The admin refuses a default option of another step; a row written around it must not break the page."""
    trim = repriced.groups.get(code="trim")
    trim.default_option = Option.objects.get(group__product=repriced, code="w17")
    trim.save(update_fields=["default_option"])
    response = staff_client.get(DRAFT)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The catalog could not be read" in page and 'id="studio-form"' not in page


def test_the_draft_asks_for_its_own_summary(staff_client, repriced):
    """studio.js fetches the summary when it is opened: from the draft, never the shop's."""
    page = staff_client.get(DRAFT).content.decode()
    assert f'hx-get="{DRAFT}summary/"' in page and 'hx-get="/en/configure/car/summary/"' not in page


def test_the_draft_summary_prices_with_the_draft_and_offers_no_order(staff_client, repriced):
    html = staff_client.get(f"{DRAFT}summary/?trim=electric&wheels=w19", HTTP_HX_REQUEST="true").content.decode()
    assert "€27,900.00" in html  # 20,000 + the draft's 6,500 Electric + its new 1,400 wheels
    assert "ordering is off in a draft preview" in html and 'class="order-button"' not in html
    assert f'href="{DRAFT}?' in html and "&b=" not in html


def test_the_draft_summary_is_404_for_non_staff(client, repriced):
    assert client.get(f"{DRAFT}summary/?trim=electric").status_code == 404


def test_the_draft_prices_an_opened_step_with_the_draft(staff_client, repriced):
    """studio.js asks for a step with conflicts when it is opened: from the draft, never the shop's."""
    page = staff_client.get(DRAFT).content.decode()
    assert f'hx-get="{DRAFT}step/"' in page and 'hx-get="/en/configure/car/step/"' not in page
    query = "trim=classic&wheels=w18&step=trim"
    # Electric (+€6,500 in the draft) needs the 18-inch wheels (+€900) swapped for 17-inch ones (+€400).
    assert "+€6,000.00 in total" in staff_client.get(f"{DRAFT}step/?{query}").content.decode()
    shopper = Client()
    assert "+€5,500.00 in total" in shopper.get(f"{SHOP}step/?{query}").content.decode()  # as published
    assert shopper.get(f"{DRAFT}step/?{query}").status_code == 404
