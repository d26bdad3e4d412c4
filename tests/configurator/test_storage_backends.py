"""Every file through Django's storage API (#14 §3): seeding the demo's layer art, importing a
product package, previews, zoom renders, social cards and the render quota run on Django's
in-memory storage, which keeps nothing on disk (code that opened a local path would find no
file); and S3 (or an S3-compatible store) is chosen by configuration alone."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from atelier.storage import storage_problem
from configurator.demo.seed import demo_seed
from configurator.models import ImageKind, Product, RenderedImage
from configurator.previews import layer_cache
from configurator.services import build_save, build_share
from configurator.services.renders import renders_evict
from configurator.snapshot import version_cache

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def memory_storage(db, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    layer_cache.clear()  # layers decoded from another test's disk must not stand in
    version_cache.clear()
    yield default_storage
    layer_cache.clear()


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Image.open(io.BytesIO(body))


def test_the_demo_renders_and_shares_on_a_storage_without_local_paths(memory_storage, owner):
    assert memory_storage.__class__.__name__ == "InMemoryStorage"
    demo_seed()
    car = Product.objects.get(slug="city-car")
    layer = car.views.order_by("position").first().base_layer.name
    assert memory_storage.exists(layer)
    assert not Path(memory_storage.path(layer)).exists()  # nothing on disk: code that opened a path would fail

    client = Client()
    html = client.get("/en/configure/city-car/").content.decode()
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1).replace("&amp;", "&")
    zoom = re.search(r'<a class="view-zoom" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert _image(client.get(large)).size == (800, 500)
    assert _image(client.get(zoom)).size == (1600, 1000)

    shared = build_share(build=build_save(product=car, selections={}, owner=owner, name="In memory"), owner=owner)
    assert _image(client.get(f"/s/{shared.share_code}/card.png")).size == (1200, 630)
    rows = RenderedImage.objects.all()
    assert {row.kind for row in rows} == {ImageKind.PREVIEW, ImageKind.SOCIAL}
    assert all(memory_storage.exists(row.file.name) for row in rows)
    assert not any(Path(memory_storage.path(row.file.name)).exists() for row in rows)
    assert storage_problem() is None  # no free-space check where there is no disk

    report = renders_evict(quota_bytes=0)  # the render quota lists, sizes and deletes through storage
    assert report.evicted >= 3
    assert not any(memory_storage.exists(row.file.name) for row in rows)
    assert _image(client.get(large)).size == (800, 500)  # drawn again on the next request


def test_a_layer_that_cannot_be_read_is_a_503_not_a_500(memory_storage, owner):
    """Object storage away, or a layer's file deleted: the picture is unavailable, the page is not."""
    demo_seed()
    car = Product.objects.get(slug="city-car")
    base = car.views.order_by("position").first().base_layer.name
    memory_storage.delete(base)
    client = Client()
    html = client.get("/en/configure/city-car/?body=island_blue").content.decode()
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1).replace("&amp;", "&")
    response = client.get(large)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert not RenderedImage.objects.exists()
    shared = build_share(build=build_save(product=car, selections={}, owner=owner), owner=owner)
    assert client.get(f"/s/{shared.share_code}/card.png").status_code == 503
    assert client.get(f"/s/{shared.share_code}/").status_code == 200  # the share page itself is fine


def test_s3_is_chosen_by_configuration_alone():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "atelier.settings",
           "ATELIER_S3_BUCKET": "atelier-media", "ATELIER_S3_ENDPOINT_URL": "http://127.0.0.1:9",
           "ATELIER_S3_REGION": "eu-west-1", "ATELIER_S3_PREFIX": "production"}
    script = (
        "import django; django.setup()\n"
        "from django.core.files.storage import default_storage as s\n"
        "print(s.__class__.__module__, s.__class__.__name__, s.bucket_name, s.endpoint_url, s.region_name,"
        " s.location, s.file_overwrite, s.default_acl)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["storages.backends.s3", "S3Storage", "atelier-media", "http://127.0.0.1:9",
                                   "eu-west-1", "production", "False", "None"]


def test_a_package_imports_and_renders_on_a_storage_without_local_paths(memory_storage):
    """The import path: layers written by a package import land in storage (not on disk), and
    the imported product's preview reads them back from there; an export reads them too."""
    from configurator.packages.reader import read_package
    from configurator.services import product_publish
    from configurator.services.packages import product_package_export, product_package_import
    from tests.configurator.packages import WATCH

    product = product_package_import(files=read_package(WATCH)).product
    names = {layer.image.name for layer in product.groups.get(code="case").options.get(code="gold").layers.all()}
    assert len(names) == 2 and all(memory_storage.exists(name) for name in names)
    assert not any(Path(memory_storage.path(name)).exists() for name in names)
    product_publish(product=product)

    client = Client()
    html = client.get("/en/configure/watch/?case=gold&dial=navy").content.decode()
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1).replace("&amp;", "&")
    picture = _image(client.get(large)).convert("RGB")
    assert picture.size == (600, 600)
    red, _green, blue = picture.getpixel((340, 360))
    assert blue > red + 40  # the navy dial, read from storage
    assert (WATCH / "layers" / "dial" / "case-gold.png").read_bytes() in product_package_export(product=product).values()
