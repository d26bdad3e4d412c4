"""Product packages from the admin (upload page, export action) and from the command line."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from configurator.models import Product
from configurator.packages.reader import read_zip
from configurator.services.packages import product_package_import
from configurator.snapshot import version_cache

from .packages import edit, line_of, watch_copy, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

IMPORT_URL = "/admin/configurator/product/import-package/"


@pytest.fixture
def watch(tmp_path):
    version_cache.clear()
    return watch_copy(tmp_path)


def _upload(client, body: bytes, name: str = "watch.zip", **extra):
    return client.post(IMPORT_URL, {"package": SimpleUploadedFile(name, body, "application/zip"), **extra})


def test_the_product_list_links_the_import_page(admin_client):
    assert reverse("admin:configurator_product_import_package") == IMPORT_URL
    assert IMPORT_URL in admin_client.get("/admin/configurator/product/").content.decode()
    page = admin_client.get(IMPORT_URL)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()


def test_uploading_a_package_creates_a_draft_and_links_it(admin_client, watch):
    response = _upload(admin_client, zipped(watch))
    product = Product.objects.get(slug="watch")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/configurator/product/{product.pk}/change/"
    assert product.current_version is None
    page = admin_client.get(response["Location"]).content.decode()
    assert "Draft “watch” created from the package." in page


def test_a_bad_package_shows_every_problem_with_its_place(admin_client, watch):
    edit(watch, 'price: "290.00"', "price: 290.5")
    edit(watch, "targets: [strap.nato]", "targets: [strap.nylon]")
    response = _upload(admin_client, zipped(watch))
    html = response.content.decode()
    assert response.status_code == 400
    assert "The package was refused: 2 problems. Nothing was written." in html
    assert f"<code>catalog.yaml:{line_of(watch, 'price: 290.5')} (steps[0].options[1].price)</code>" in html
    assert f"<code>catalog.yaml:{line_of(watch, 'strap.nylon')} (rules[1].targets[0])</code>" in html
    assert not Product.objects.filter(slug="watch").exists()


def test_a_dry_run_from_the_admin_writes_nothing(admin_client, watch):
    response = _upload(admin_client, zipped(watch), dry_run="on")
    assert response.status_code == 302 and not Product.objects.filter(slug="watch").exists()
    assert "The package of “watch” is valid. Nothing was written" in admin_client.get(response["Location"]).content.decode()


def test_not_a_zip_is_a_form_error(admin_client):
    response = _upload(admin_client, b"format_version: 1", name="catalog.yaml")
    assert response.status_code == 400 and "Upload the package as a .zip file." in response.content.decode()


def test_a_package_over_the_limit_gets_413(admin_client, watch, settings):
    settings.ATELIER_PACKAGE_MAX_BYTES = 20 * 1024
    response = _upload(admin_client, zipped(watch))
    assert response.status_code == 413
    assert not Product.objects.filter(slug="watch").exists()


def test_the_upload_needs_staff_with_add_and_change_permissions(watch):
    client = Client()
    assert client.get(IMPORT_URL).status_code == 302  # to the login page
    clerk = User.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(clerk)
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, zipped(watch)).status_code == 403
    assert not Product.objects.filter(slug="watch").exists()


def test_the_upload_is_csrf_protected(watch):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    assert _upload(client, zipped(watch)).status_code == 403


def test_the_export_action_downloads_a_zip_that_imports_again(admin_client, watch):
    product = product_package_import(files=read_zip(io.BytesIO(zipped(watch)), len(zipped(watch)))).product
    response = admin_client.post("/admin/configurator/product/", {
        "action": "export_package", "_selected_action": [product.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="watch-package.zip"'
    body = response.content
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert {"catalog.yaml", "layers/dial/case-gold.png", "layers/caseback/case-gold.png"} <= set(names)
    again = product_package_import(files=read_zip(io.BytesIO(body), len(body)))
    assert not again.created and again.removed == {} and again.files_stored == 0


def test_the_import_command(watch, capsys):
    call_command("product_import", str(watch), "--dry-run")
    assert "watch: the package is valid; the product would be created (dry run)." in capsys.readouterr().out
    assert not Product.objects.filter(slug="watch").exists()
    call_command("product_import", str(watch))
    out = capsys.readouterr().out
    assert "2 views, 7 steps, 20 options, 24 layers, 1 placements, 6 rules written; 18 new images stored." in out
    assert "watch: draft created." in out
    assert Product.objects.get(slug="watch").current_version is None


def test_the_import_command_prints_every_problem_and_fails(watch, capsys):
    edit(watch, "targets: [strap.nato]", "targets: [strap.nylon]")
    (watch / "layers" / "dial" / "hands-sword.png").unlink()
    with pytest.raises(CommandError, match=r"The package was refused: 2 problem\(s\); nothing was written."):
        call_command("product_import", str(watch))
    err = capsys.readouterr().err
    assert "(rules[1].targets[0])" in err and "(steps[2].options[1].layers.dial.image)" in err
    assert not Product.objects.filter(slug="watch").exists()


def test_the_export_command_writes_a_folder_or_a_zip(watch, tmp_path):
    call_command("product_import", str(watch))
    call_command("product_export", "watch", str(tmp_path / "out"))
    assert (tmp_path / "out" / "catalog.yaml").exists()
    call_command("product_export", "watch", str(tmp_path / "watch.zip"))
    assert "catalog.yaml" in zipfile.ZipFile(tmp_path / "watch.zip").namelist()
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command("product_export", "watch", str(tmp_path / "out"))
    with pytest.raises(CommandError, match=r"There is no product “bicycle”\."):
        call_command("product_export", "bicycle", str(tmp_path / "bike.zip"))
