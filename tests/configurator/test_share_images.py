"""Pictures for every network (#16 §1): the card, square, portrait and story images of a shared
design, drawn by one renderer, cached like the card, offered for saving and sharing."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image, ImageChops, ImageDraw

from configurator.identity import Owner
from configurator.models import Build, ImageKind, RenderedImage
from configurator.render import social
from configurator.services import build_save, build_share
from configurator.sharing import image_filename

pytestmark = pytest.mark.django_db

SIZES = {"card": (1200, 630), "square": (1080, 1080), "portrait": (1080, 1350), "story": (1080, 1920)}
HOSTILE = '<script>alert("x")</script> & {{ name }}'


def shared(car, name: str = "Weekend car") -> Build:
    owner = Owner(uuid.uuid4(), None)
    return build_share(build=build_save(product=car, selections={"wheels": "w17"}, owner=owner, name=name),
                       owner=owner)


def image_path(build: Build, fmt: str) -> str:
    return f"/s/{build.share_code}/card.png" if fmt == "card" else f"/s/{build.share_code}/{fmt}.jpg"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def view(colour: str, size=(800, 500)) -> Image.Image:
    return Image.new("RGBA", size, colour)


@pytest.mark.parametrize("fmt", list(SIZES))
def test_each_format_has_its_size_and_shows_the_views(fmt):
    image = social.social_image(fmt, [view("#ff0000"), view("#0000ff")], "Mine", "Car", "€1.00", settings.FONT_DIR)
    assert image.size == SIZES[fmt]
    colours = {colour for _count, colour in image.getcolors(maxcolors=2**20)}
    assert (255, 0, 0) in colours and (0, 0, 255) in colours  # both views are in the picture


def _title_band(image: Image.Image, fmt: str) -> Image.Image:
    layout = social.FORMATS[fmt]
    top = layout.title.y - 10
    return image.crop((layout.panel[0], top, layout.size[0], top + layout.title.size + 30))


@pytest.mark.parametrize("fmt", list(SIZES))
def test_the_name_is_drawn_literally_markup_and_all(fmt):
    """The title band equals the very characters drawn by Pillow on the panel: no markup is read,
    no template is filled in, nothing is dropped."""
    image = social.social_image(fmt, [view("#888888")], HOSTILE, "", "", settings.FONT_DIR)
    layout = social.FORMATS[fmt]
    expected = Image.new("RGB", layout.size, "#ffffff")
    draw = ImageDraw.Draw(expected)
    bold = str(Path(settings.FONT_DIR) / "DejaVuSans-Bold.ttf")
    draw.text((layout.title.x, layout.title.y), HOSTILE, font=social._fit(draw, HOSTILE, bold, layout.title.size,
                                                                           layout.text_width), fill=social.INK)
    assert ImageChops.difference(_title_band(image, fmt), _title_band(expected, fmt)).getbbox() is None
    plain = social.social_image(fmt, [view("#888888")], "alert x", "", "", settings.FONT_DIR)
    assert ImageChops.difference(_title_band(image, fmt), _title_band(plain, fmt)).getbbox() is not None


@pytest.mark.parametrize("fmt", ["square", "portrait", "story", "card"])
def test_served_images_have_their_size_type_and_cache_row(car, fmt):
    build = shared(car)
    response = Client().get(image_path(build, fmt) + "?lang=en")
    assert response.status_code == 200
    assert response["Content-Type"] == ("image/png" if fmt == "card" else "image/jpeg")
    assert "attachment" not in response.get("Content-Disposition", "")
    image = Image.open(io.BytesIO(body(response)))
    assert image.size == SIZES[fmt] and image.format == ("PNG" if fmt == "card" else "JPEG")
    row = RenderedImage.objects.get(kind=ImageKind.SOCIAL, fingerprint=build.fingerprint)
    assert (row.width, row.height) == SIZES[fmt]
    assert row.variant.startswith("en-" if fmt == "card" else f"{fmt}-en-")


@pytest.mark.parametrize(("language", "price"), [("nl", "€\xa020.400,00"), ("en", "€20,400.00")])
def test_images_speak_the_page_language_and_format_its_price(car, monkeypatch, language, price):
    drawn = []
    real = social.social_image
    monkeypatch.setattr(social, "social_image", lambda *args: drawn.append(args) or real(*args))
    build = shared(car, name=HOSTILE)
    for fmt in ("story", "portrait", "square"):
        assert Client().get(image_path(build, fmt) + f"?lang={language}").status_code == 200
    assert [args[0] for args in drawn] == ["story", "portrait", "square"]
    assert {args[2] for args in drawn} == {HOSTILE}  # the name as the sharer typed it
    assert {args[3] for args in drawn} == {"Auto" if language == "nl" else "Car"}
    assert {args[4] for args in drawn} == {price}


def test_an_image_is_drawn_once_per_language_then_served_from_its_row(car, monkeypatch):
    calls = []
    real = social.social_image
    monkeypatch.setattr(social, "social_image", lambda *args: calls.append(args[0]) or real(*args))
    build = shared(car)
    client = Client()
    first = body(client.get(image_path(build, "story") + "?lang=en"))
    again = body(client.get(image_path(build, "story") + "?lang=en"))
    assert first == again and calls == ["story"]
    client.get(image_path(build, "story") + "?lang=nl")
    assert calls == ["story", "story"]
    assert RenderedImage.objects.filter(kind=ImageKind.SOCIAL).count() == 2


def test_download_saves_under_a_readable_ascii_name(car):
    build = shared(car, name=HOSTILE + " Été")
    response = Client().get(image_path(build, "story") + "?lang=en&download=1")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="atelier-scriptalertxscript-name-ete-story.jpg"'
    assert image_filename("", "card", "png") == "atelier-design-card.png"
    assert image_filename("!!!", "square", "jpg") == "atelier-design-square.jpg"


def test_images_of_a_hidden_design_are_gone_for_others(car):
    build = shared(car)
    Build.objects.filter(pk=build.pk).update(hidden_at="2026-01-01T00:00:00Z")
    for fmt in SIZES:
        assert Client().get(image_path(build, fmt)).status_code == 410


def test_a_draft_and_an_unknown_format_have_no_images(car):
    owner = Owner(uuid.uuid4(), None)
    draft = build_save(product=car, selections={}, owner=owner)
    assert Client().get(image_path(draft, "story")).status_code == 404
    build = shared(car)
    assert Client().get(f"/s/{build.share_code}/banner.jpg").status_code == 404
    assert Client().get(f"/s/{build.share_code}/story.png").status_code == 404
    assert Client().get(f"/s/{build.share_code}/card.jpg").status_code == 404


def test_the_share_page_offers_each_picture_and_pins_the_portrait(car):
    build = shared(car)
    html = Client().get(f"/s/{build.share_code}/?lang=nl").content.decode()
    base = f"http://testserver/s/{build.share_code}"
    for fmt in ("square", "story", "portrait"):
        assert f'href="{base}/{fmt}.jpg?lang=nl&amp;download=1" download="atelier-weekend-car-{fmt}.jpg"' in html
        assert f'data-share-file="{base}/{fmt}.jpg?lang=nl"' in html
    assert f'href="{base}/card.png?lang=nl&amp;download=1"' in html
    pin = re.search(r'href="(https://pinterest\.com/pin/create/button/\?[^"]+)"', html).group(1)
    assert "media=http%3A%2F%2Ftestserver%2Fs%2F" + build.share_code + "%2Fportrait.jpg%3Flang%3Dnl" in pin
    assert "Bewaar voor Instagram" in html  # in the page's language
    # The picture share buttons wait for the script to find the Web Share API with files.
    assert re.search(r"<button[^>]+data-share-file=[^>]+ hidden>", html)


def test_the_share_script_shares_files_only_where_the_browser_can():
    script = (Path(settings.BASE_DIR) / "static/js/share.js").read_text()
    assert "navigator.canShare({ files: [probe] })" in script
    assert "navigator.share(data)" in script


def test_image_draws_count_against_the_render_limit_cached_ones_do_not(car, settings):
    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"rl-{uuid.uuid4()}"}}
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    settings.ATELIER_RATELIMIT_ENABLED = True
    settings.ATELIER_RATELIMITS = {**settings.ATELIER_RATELIMITS, "render": "2/h", "render_ip": "4/h"}
    build = shared(car)
    visitor = Client()
    for _ in range(3):
        assert visitor.get(image_path(build, "story")).status_code == 200
    assert visitor.get(image_path(build, "square")).status_code == 200
    assert visitor.get(image_path(build, "portrait")).status_code == 429
    assert visitor.get(image_path(build, "story")).status_code == 200  # cached: no limit
