"""Product views (#12 §1): layers per view, renders cached per (version, fingerprint, view), the
studio's views and zoom, the admin's check for options drawn nowhere, and the social card's two
views."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.test import Client
from django.utils import translation
from PIL import Image, ImageChops

from configurator.engine import compile_catalog, default_state, quote
from configurator.findings import CatalogNames, finding_message
from configurator.models import (
    GroupKind,
    ImageKind,
    Option,
    OptionGroup,
    OptionLayer,
    Product,
    ProductView,
    RenderedImage,
    TextPlacement,
)
from configurator.previews import (
    PreviewRefused,
    encode_preview,
    picture_query,
    preview_fetch,
    preview_ref,
    render_preview,
)
from configurator.services import product_publish
from configurator.services.catalog import product_check
from configurator.snapshot import catalog_for, version_cache

SIZE = (80, 60)


def _png(box: tuple[int, int, int, int], colour=(255, 255, 255, 255)) -> str:
    """A canvas-sized layer with one rectangle drawn, stored; returns its storage name."""
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (box[2] - box[0], box[3] - box[1]), colour), box[:2])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return default_storage.save("catalog/layers/test.png", ContentFile(buffer.getvalue()))


@pytest.fixture
def boat(db) -> Product:
    """A boat seen from the side and from above: the hull colour shows in both, the flag only
    from the side, the deck only from above; the name is painted on the side."""
    version_cache.clear()
    boat = Product.objects.create(slug="boat", name_en="Boat", name_nl="Boot", base_price=1000,
                                  canvas_width=SIZE[0], canvas_height=SIZE[1])
    side = ProductView.objects.create(product=boat, code="side", name_en="Side", name_nl="Zijkant", position=0)
    top = ProductView.objects.create(product=boat, code="top", name_en="From above", name_nl="Bovenaanzicht",
                                     position=1)
    hull = OptionGroup.objects.create(product=boat, code="hull", name_en="Hull", name_nl="Romp", position=0)
    mask = _png((10, 30, 70, 50))
    for position, (code, tint) in enumerate((("white", "#f0f0f0"), ("navy", "#1a2b4c"))):
        option = Option.objects.create(group=hull, code=code, name_en=code, name_nl=code, position=position)
        OptionLayer.objects.create(option=option, view=side, image=mask, tint=tint, z=10)
        OptionLayer.objects.create(option=option, view=top, image=_png((20, 10, 60, 50)), tint=tint, z=10)
        if position == 0:
            hull.default_option = option
            hull.save()
    flag = OptionGroup.objects.create(product=boat, code="flag", name_en="Flag", name_nl="Vlag", position=1,
                                      kind=GroupKind.MULTI, required=False)
    pennant = Option.objects.create(group=flag, code="pennant", name_en="Pennant", name_nl="Wimpel")
    OptionLayer.objects.create(option=pennant, view=side, image=_png((40, 0, 50, 10), (200, 0, 0, 255)), z=20)
    deck = OptionGroup.objects.create(product=boat, code="deck", name_en="Deck", name_nl="Dek", position=2,
                                      kind=GroupKind.MULTI, required=False)
    teak = Option.objects.create(group=deck, code="teak", name_en="Teak", name_nl="Teak")
    OptionLayer.objects.create(option=teak, view=top, image=_png((30, 20, 50, 40), (150, 90, 40, 255)), z=20)
    name = OptionGroup.objects.create(product=boat, code="name", name_en="Name", name_nl="Naam", position=3,
                                      kind=GroupKind.TEXT, required=False, max_length=4, allowed_pattern="[A-Z]")
    TextPlacement.objects.create(group=name, view=side, x=10, y=30, width=60, height=20, z=40)
    product_publish(product=boat)
    boat.refresh_from_db()
    return boat


def _differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is not None


def _state(boat: Product, selections: dict):
    return quote(catalog_for(boat.current_version_id), selections).state


def _url(boat: Product, selections: dict, view: str | None = None) -> str:
    cat = catalog_for(boat.current_version_id)
    result = quote(cat, selections).evaluation
    return preview_ref(cat, boat.current_version_id, result.state, result.fingerprint, view).url


# --- The renderer, one view at a time ---------------------------------------------------------

def test_a_choice_changes_the_views_it_is_drawn_in_and_no_other(boat):
    cat = catalog_for(boat.current_version_id)
    plain, flagged, decked = _state(boat, {}), _state(boat, {"flag": ["pennant"]}), _state(boat, {"deck": ["teak"]})

    assert _differs(render_preview(cat, plain, "side"), render_preview(cat, flagged, "side"))
    assert not _differs(render_preview(cat, plain, "top"), render_preview(cat, flagged, "top"))
    assert _differs(render_preview(cat, plain, "top"), render_preview(cat, decked, "top"))
    assert not _differs(render_preview(cat, plain, "side"), render_preview(cat, decked, "side"))


def test_the_hull_colour_shows_in_both_views_and_the_name_only_where_it_is_placed(boat):
    cat = catalog_for(boat.current_version_id)
    white, navy = _state(boat, {"hull": "white"}), _state(boat, {"hull": "navy"})
    named = _state(boat, {"name": "ANN"})
    for view in ("side", "top"):
        assert _differs(render_preview(cat, white, view), render_preview(cat, navy, view)), view
    assert _differs(render_preview(cat, white, "side"), render_preview(cat, named, "side"))
    assert not _differs(render_preview(cat, white, "top"), render_preview(cat, named, "top"))


def test_the_first_view_is_the_default(boat):
    cat = catalog_for(boat.current_version_id)
    state = _state(boat, {"flag": ["pennant"]})
    assert not _differs(render_preview(cat, state), render_preview(cat, state, "side"))


def test_an_unknown_view_is_refused(boat):
    cat = catalog_for(boat.current_version_id)
    with pytest.raises(PreviewRefused):
        render_preview(cat, default_state(cat), "stern")


# --- Cached per (version, fingerprint, view) and served immutable ------------------------------

def test_each_view_is_a_cache_row_of_its_own_with_the_view_in_its_key(boat):
    cat = catalog_for(boat.current_version_id)
    state = _state(boat, {"deck": ["teak"]})
    result = quote(cat, {"deck": ["teak"]}).evaluation
    query = QueryDict(picture_query(cat, state))
    side = preview_fetch(version_id=boat.current_version_id, fingerprint=result.fingerprint, query=query, view="side")
    top = preview_fetch(version_id=boat.current_version_id, fingerprint=result.fingerprint, query=query, view="top")
    default = preview_fetch(version_id=boat.current_version_id, fingerprint=result.fingerprint, query=query)

    assert (side.view, top.view) == ("side", "top")
    assert default.pk == side.pk  # the address without a view is the first view's render
    assert "-top." in top.file.name and top.file.name != side.file.name
    assert RenderedImage.objects.filter(kind=ImageKind.PREVIEW, fingerprint=result.fingerprint).count() == 2
    with top.file.open("rb") as handle:
        drawn = Image.open(handle).convert("RGB")
    assert not _differs(drawn, Image.open(io.BytesIO(_jpeg(render_preview(cat, state, "top")))).convert("RGB"))


def _jpeg(image: Image.Image) -> bytes:
    return encode_preview(image)


def test_the_preview_url_takes_the_view_and_is_served_immutable(boat):
    url = _url(boat, {"deck": ["teak"]}, "top")
    assert re.search(r"/preview/\d+/[0-9a-f]+/top\.jpg\?", url)
    response = Client().get(url)
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert response["ETag"].endswith('-top"')
    assert Client().get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    side = Client().get(_url(boat, {"deck": ["teak"]}, "side"))
    assert side.status_code == 200 and side["ETag"] != response["ETag"]


def test_a_bad_view_code_is_a_404_not_a_500(boat):
    good = _url(boat, {}, "top")
    for bad in ("stern", "TOP", "x" * 41):
        response = Client().get(good.replace("/top.jpg", f"/{bad}.jpg"))
        assert response.status_code == 404, bad


# --- The zoom: the same picture drawn at twice the size ---------------------------------------

def test_the_zoom_is_the_same_picture_at_twice_the_size(boat):
    cat = catalog_for(boat.current_version_id)
    state = _state(boat, {"hull": "navy", "flag": ["pennant"], "name": "ABBA"})
    preview, zoom = render_preview(cat, state, "side"), render_preview(cat, state, "side", zoom=True)
    assert zoom.size == (SIZE[0] * 2, SIZE[1] * 2)
    # Scaled back down it is the preview, but for the anti-aliased edges of the shapes and text
    shrunk = zoom.convert("RGB").resize(SIZE, Image.BOX)
    difference = ImageChops.difference(shrunk, preview.convert("RGB")).convert("L")
    assert sum(difference.histogram()[:33]) / (SIZE[0] * SIZE[1]) > 0.9
    assert preview.convert("RGB").getpixel((45, 5)) == zoom.convert("RGB").getpixel((91, 11)) == (200, 0, 0)


def test_the_zoom_draws_personal_text_at_the_larger_size_not_an_enlarged_copy(boat):
    cat = catalog_for(boat.current_version_id)
    state = _state(boat, {"hull": "navy", "name": "ABBA"})  # white letters on the navy hull
    zoom = render_preview(cat, state, "side", zoom=True).convert("RGB")
    enlarged = render_preview(cat, state, "side").convert("RGB").resize(zoom.size, Image.LANCZOS)
    # Inside the name's box the two differ (the text is drawn again), outside it they do not
    box = ImageChops.difference(zoom, enlarged).point(lambda v: 255 if v > 24 else 0).getbbox()
    assert box is not None
    assert box[0] >= 20 and box[2] <= 140 and box[1] >= 60 and box[3] <= 100


def test_a_layer_stored_at_twice_the_canvas_keeps_its_detail_in_the_zoom(boat):
    fine = Image.new("RGBA", (SIZE[0] * 2, SIZE[1] * 2), (0, 0, 0, 0))
    for x in range(0, SIZE[0] * 2, 2):  # one-pixel stripes at twice the canvas
        fine.paste(Image.new("RGBA", (1, SIZE[1] * 2), (0, 0, 0, 255)), (x, 0))
    buffer = io.BytesIO()
    fine.save(buffer, format="PNG")
    name = default_storage.save("catalog/layers/fine.png", ContentFile(buffer.getvalue()))
    OptionLayer.objects.filter(option__code="pennant").update(image=name)
    product_publish(product=boat)
    boat.refresh_from_db()
    cat = catalog_for(boat.current_version_id)
    state = _state(boat, {"flag": ["pennant"]})
    zoom = render_preview(cat, state, "side", zoom=True).convert("L")
    preview = render_preview(cat, state, "side").convert("L")
    assert zoom.getpixel((10, 10)) == 0 and zoom.getpixel((11, 10)) > 200  # the stripes, one by one
    assert 100 < preview.getpixel((5, 5)) < 160  # at the canvas size, averaged to grey


def test_the_zoom_has_an_address_and_a_cache_row_of_its_own(boat):
    cat = catalog_for(boat.current_version_id)
    result = quote(cat, {"deck": ["teak"]}).evaluation
    ref = preview_ref(cat, boat.current_version_id, result.state, result.fingerprint)
    url = ref.zoom_url("top")
    assert re.search(r"/preview/\d+/[0-9a-f]+/top/zoom\.jpg\?.*deck=teak", url)
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (SIZE[0] * 2, SIZE[1] * 2)
    assert "immutable" in response["Cache-Control"] and response["ETag"].endswith('-top-zoom"')
    rows = RenderedImage.objects.filter(fingerprint=result.fingerprint)
    assert [(row.view, row.variant) for row in rows] == [("top", "zoom")]
    assert Client().get(ref.url_for("top")).status_code == 200  # the preview is another row
    assert sorted(rows.values_list("variant", flat=True)) == ["", "zoom"]


def test_a_zoom_of_a_build_it_was_not_asked_for_is_a_404(boat):
    url = _url(boat, {"deck": ["teak"]}, "top").replace("/top.jpg", "/top/zoom.jpg")
    assert Client().get(url.replace("deck=teak", "deck=")).status_code == 404  # not that fingerprint's build
    assert Client().get(url.replace("/top/zoom.jpg", "/stern/zoom.jpg")).status_code == 404
    assert Client().get(url).status_code == 200
    assert RenderedImage.objects.count() == 1


# --- The snapshot and old versions ------------------------------------------------------------

def test_a_published_version_carries_the_views_layers_and_placements(boat):
    snapshot = boat.current_version.snapshot
    assert [v["code"] for v in snapshot["product"]["views"]] == ["side", "top"]
    assert snapshot["product"]["views"][1]["name"] == {"en": "From above", "nl": "Bovenaanzicht"}
    hull = next(g for g in snapshot["groups"] if g["code"] == "hull")
    assert set(hull["options"][0]["layers"]) == {"side", "top"}
    assert hull["options"][1]["layers"]["top"]["tint"] == "#1a2b4c"
    name = next(g for g in snapshot["groups"] if g["code"] == "name")
    assert name["text"]["placements"] == {"side": {"box": [10, 30, 60, 20], "z": 40}}


def test_editing_a_view_layer_leaves_the_published_version_as_it_was(boat):
    before = boat.current_version.snapshot
    OptionLayer.objects.filter(view__code="top").delete()
    assert boat.current_version.__class__.objects.get(pk=boat.current_version_id).snapshot == before
    assert product_publish(product=boat).pk != boat.current_version_id


def test_a_snapshot_from_before_views_is_one_view_with_its_layer_and_text_box():
    old = {
        "product": {"slug": "old", "name": {"en": "Old"}, "base_price": "10", "canvas": [80, 60],
                    "base_layer": "catalog/base/old.png"},
        "groups": [
            {"code": "colour", "kind": "single", "required": True, "default": "red",
             "options": [{"code": "red", "price": "0", "layer": {"image": "a.png", "tint": "#ff0000", "z": 10}}]},
            {"code": "text", "kind": "text", "options": [],
             "text": {"max_length": 3, "box": [1, 2, 30, 10], "z": 50, "colour": "#ffffff"}},
        ],
        "rules": [],
    }
    cat = compile_catalog(old)
    assert [v.code for v in cat.views] == ["main"] and cat.views[0].base_layer == "catalog/base/old.png"
    assert cat.options[0].layers == {"main": {"image": "a.png", "tint": "#ff0000", "z": 10}}
    assert cat.group_by_code["text"].text.placements == (("main", (1, 2, 30, 10), 50),)


# --- The admin: views inline, layers per view, and the check -----------------------------------

def test_the_check_flags_a_drawn_step_option_with_no_layer_in_any_view(boat):
    flag = OptionGroup.objects.get(product=boat, code="flag")
    Option.objects.create(group=flag, code="burgee", name_en="Burgee", name_nl="Clubvlag", position=1)

    snapshot, findings = product_check(product=boat)

    flagged = [f for f in findings if f.code == "option_not_pictured"]
    assert [(f.level, f.option) for f in flagged] == [("warning", "flag.burgee")]
    assert "“Burgee” (flag.burgee)" in finding_message(flagged[0], CatalogNames(snapshot))
    assert "no layer in any view" in finding_message(flagged[0], CatalogNames(snapshot))


def test_the_check_allows_one_plain_option_in_a_single_choice_step_but_not_two(boat):
    hull = OptionGroup.objects.get(product=boat, code="hull")
    Option.objects.create(group=hull, code="bare", name_en="Bare", name_nl="Kaal", position=5)
    assert not [f for f in product_check(product=boat)[1] if f.code == "option_not_pictured"]
    Option.objects.create(group=hull, code="raw", name_en="Raw", name_nl="Ruw", position=6)
    flagged = {f.option for f in product_check(product=boat)[1] if f.code == "option_not_pictured"}
    assert flagged == {"hull.bare", "hull.raw"}


def test_staff_see_the_views_inline_and_upload_a_layer_per_view(boat, admin_client):
    product_page = admin_client.get(f"/admin/configurator/product/{boat.pk}/change/").content.decode()
    assert 'name="views-0-code"' in product_page and 'value="top"' in product_page
    teak = Option.objects.get(code="teak")
    option_page = admin_client.get(f"/admin/configurator/option/{teak.pk}/change/").content.decode()
    assert 'name="layers-0-view"' in option_page
    # The view choices are this product's own views only.
    other = Product.objects.create(slug="other", name_en="Other", base_price=1)
    ProductView.objects.create(product=other, code="elsewhere", name_en="Elsewhere")
    option_page = admin_client.get(f"/admin/configurator/option/{teak.pk}/change/").content.decode()
    assert "Elsewhere" not in option_page and "From above" in option_page


def test_saving_an_option_without_a_layer_shows_the_warning(boat, admin_client):
    flag = OptionGroup.objects.get(product=boat, code="flag")
    burgee = Option.objects.create(group=flag, code="burgee", name_en="Burgee", name_nl="Clubvlag", position=1)
    data = {
        "group": flag.pk, "code": "burgee", "name_en": "Burgee", "name_nl": "Clubvlag", "price_delta": "0",
        "swatch": "", "is_available": "on", "position": "1",
        "layers-TOTAL_FORMS": "0", "layers-INITIAL_FORMS": "0", "layers-MIN_NUM_FORMS": "0",
        "layers-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(f"/admin/configurator/option/{burgee.pk}/change/", data, follow=True)
    assert response.status_code == 200
    assert "no layer in any view" in response.content.decode()


# --- The studio: the view shown large, the others as thumbnails, zoom ---------------------------

def test_the_studio_shows_the_first_view_large_and_every_view_as_a_thumbnail_link(boat):
    html = Client().get("/en/configure/boat/?hull=navy").content.decode()
    figure = re.search(r'<figure class="preview".*?</figure>', html, re.S).group(0)
    assert len(re.findall(r"<img ", figure)) == 1
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', figure).group(1)
    assert re.search(r"/preview/\d+/[0-9a-f]+\.jpg\?", large)
    thumbs = re.findall(r'<a class="view-thumb" href="([^"]+)" data-view="([a-z]+)"', html)
    assert [code for _href, code in thumbs] == ["side", "top"]
    assert all("view=" + code in href.replace("&amp;", "&") and "hull=navy" in href for href, code in thumbs)
    anchors = re.findall(r'<a class="view-thumb"[^>]*>', html)
    assert ['aria-current="true"' in anchor for anchor in anchors] == [True, False]
    assert '<dialog class="zoom" id="zoom"' in html
    zoom = re.search(r'<a class="view-zoom" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert re.search(r"/preview/\d+/[0-9a-f]+/side/zoom\.jpg\?hull=navy", zoom)
    assert Client().get(zoom).status_code == 200
    assert "js/views.js" in html


def test_thumbnails_show_the_product_as_a_build_starts_so_a_click_draws_only_the_view_on_screen(boat):
    def pictures(query: str) -> tuple[str, list[str], list[str]]:
        html = Client().get(f"/en/configure/boat/?{query}").content.decode().replace("&amp;", "&")
        large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1)
        thumbs = re.findall(r'<a class="view-thumb"[^>]*><img src="([^"]+)"', html)
        return large, thumbs, re.findall(r'class="view-thumb"[^>]*data-src="([^"]+)"', html)

    first_large, first_thumbs, _views = pictures("hull=white")
    large, thumbs, views = pictures("hull=navy&flag=pennant&view=top")
    assert thumbs == first_thumbs == [pictures("")[0], pictures("view=top")[0]]  # the starting build's views
    assert large != first_large and "/top.jpg?" in large and "hull=navy" in large
    assert views[1] == large and "hull=navy" in views[0]  # opening a view draws the build in it
    assert all(Client().get(src).status_code == 200 for src in thumbs)


def test_a_thumbnail_link_shows_that_view_large_without_javascript(boat):
    html = Client().get("/en/configure/boat/?hull=navy&view=top").content.decode()
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1)
    assert "/top.jpg?" in large
    assert Client().get(large.replace("&amp;", "&")).status_code == 200
    assert 'name="view" value="top" form="studio-form"' in html


def test_an_unknown_view_in_the_studio_shows_the_first(boat):
    response = Client().get("/en/configure/boat/?view=nope")
    assert response.status_code == 200
    assert 'name="view" value="side"' in response.content.decode()


def test_a_click_keeps_the_view_shown_and_updates_its_picture(boat):
    url = "/en/configure/boat/"
    response = Client().get(f"{url}?hull=navy&flag=&deck=&view=top", HTTP_HX_REQUEST="true",
                            HTTP_HX_TRIGGER="o:hull:navy",
                            HTTP_HX_CURRENT_URL=f"http://testserver{url}?hull=white&flag=&deck=")
    html = response.content.decode()
    assert 'id="preview"' in html and 'hx-swap-oob="true"' in html
    large = re.search(r'<img src="([^"]+)"[^>]*id="view-large"', html).group(1)
    assert "/top.jpg?" in large and "hull=navy" in large


def test_the_view_names_follow_the_language(boat):
    with translation.override("en"):  # the request leaves Dutch active: later tests must not inherit it
        html = Client().get("/nl/configure/boat/").content.decode()
    assert "Bovenaanzicht" in html


# --- The social card: the design from two views ----------------------------------------------

def test_the_social_card_shows_two_views(boat, owner):
    from configurator.previews import social_card_fetch
    from configurator.services import build_save, build_share

    plain = build_share(build=build_save(product=boat, selections={}, owner=owner, name="Plain"), owner=owner)
    decked = build_share(build=build_save(product=boat, selections={"deck": ["teak"]}, owner=owner, name="Plain"),
                         owner=owner)
    flagged = build_share(build=build_save(product=boat, selections={"flag": ["pennant"]}, owner=owner,
                                           name="Plain"), owner=owner)

    def card(build) -> Image.Image:
        with social_card_fetch(build=build, language="en").file.open("rb") as handle:
            return Image.open(handle).convert("RGB").crop((0, 0, 760, 630))

    base = card(plain)
    assert _differs(base, card(decked))  # only the second view (from above) shows the deck
    assert _differs(base, card(flagged))  # only the first (side) shows the flag


def test_a_view_left_off_the_card_is_not_on_it(boat, owner):
    from configurator.previews import card_views

    ProductView.objects.filter(product=boat, code="top").update(on_card=False)
    ProductView.objects.create(product=boat, code="bow", name_en="Bow", position=2)
    product_publish(product=boat)
    boat.refresh_from_db()
    assert card_views(catalog_for(boat.current_version_id)) == ["side", "bow"]


# --- The demo: at least two views per product, every choice seen in one -----------------------

@pytest.fixture
def demo(db, settings, demo_layer_cache):
    from tests.conftest import seed_demo_reusing_art

    version_cache.clear()
    return {version.product.slug: version for version in seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)}


EXPECTED_VIEWS = {"city-car": ["side", "front"], "sneaker": ["side", "top"], "trench-coat": ["front", "back", "detail"]}


@pytest.mark.parametrize("slug", sorted(EXPECTED_VIEWS))
def test_every_demo_choice_changes_at_least_one_view(demo, slug):
    cat = catalog_for(demo[slug])
    assert [v.code for v in cat.views] == EXPECTED_VIEWS[slug]
    start = default_state(cat)
    pictures = {v.code: render_preview(cat, start, v.code) for v in cat.views}
    seen_in: dict[str, set[str]] = {}
    for group in cat.groups:
        if group.size:
            continue
        variants = []
        if group.kind == "text":
            variants.append((group.code, start.with_text(group.code, "ABC")))
        for index in group.options:
            bit = 1 << index
            if group.kind == "single" and not start.mask & bit:
                variants.append((cat.options[index].key, start.with_mask(start.mask & ~group.mask | bit)))
            elif group.kind == "multi":
                variants.append((cat.options[index].key, start.with_mask(start.mask ^ bit)))
        for key, state in variants:
            seen_in[key] = {code for code, picture in pictures.items()
                            if _differs(picture, render_preview(cat, state, code))}
            assert seen_in[key], f"{key} changes no view"
    # Each further view is drawn for real: several choices change it.
    for view in cat.views[1:]:
        assert sum(view.code in codes for codes in seen_in.values()) >= 4, view.code
    if slug == "trench-coat":
        assert "detail" in seen_in["monogram"]  # the monogram, on the label in the lining


def test_demo_views_are_named_in_both_languages(demo):
    for version in demo.values():
        for view in catalog_for(version).views:
            assert view.name["en"] and view.name["nl"] and view.name["en"] != view.name["nl"]


def test_seeding_a_catalog_migrated_from_one_picture_reuses_its_view(db, settings, demo_layer_cache):
    """Migration 0009 gave an earlier demo product one view, "main": the seed makes it the demo's
    first view instead of leaving a stray view with the old picture."""
    from tests.conftest import seed_demo_reusing_art

    car = Product.objects.create(slug="city-car", name_en="City car", base_price=1)
    main = ProductView.objects.create(product=car, code="main", name_en="Main view", name_nl="Hoofdaanzicht")
    version_cache.clear()
    seed_demo_reusing_art(settings.MEDIA_ROOT, demo_layer_cache)
    assert list(car.views.values_list("code", flat=True)) == ["side", "front"]
    assert car.views.get(code="side").pk == main.pk
