import io

import pytest
from django.test import Client
from PIL import Image

from configurator.models import Build, ImageKind, Option, RenderedImage
from configurator.services import build_save, build_share, product_publish
from configurator.tasks import social_card_render

pytestmark = pytest.mark.django_db


def shared_build(client: Client, state: str = "wheels=w17", name: str = "Weekend car") -> Build:
    client.post("/en/configure/car/save/", {"state": state, "name": name})
    build = Build.objects.latest("created_at")
    client.post(f"/en/designs/{build.pk}/share/")
    build.refresh_from_db()
    return build


def test_sharing_freezes_the_build_and_opens_its_page(car):
    client = Client()
    build = shared_build(client)
    assert build.status == "shared"
    page = Client().get(f"/s/{build.share_code}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<meta property="og:title" content="Weekend car">' in html
    assert f'<meta property="og:image" content="http://testserver/s/{build.share_code}/card.png?lang=en">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert "utm_source%3Dwhatsapp" in html or "utm_source=whatsapp" in html
    assert "€20,400.00" in html


def test_social_card_is_a_1200_by_630_png(car):
    build = shared_build(Client())
    response = Client().get(f"/s/{build.share_code}/card.png")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert response["Content-Type"] == "image/png"
    assert image.format == "PNG" and image.size == (1200, 630)


def test_sharing_enqueues_the_card_task_on_commit(car, owner, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(social_card_render, "delay", lambda build_id: sent.append(build_id))
    build = build_save(product=car, selections={}, owner=owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        build_share(build=build, owner=owner)
    assert sent == []  # nothing leaves before the share is committed
    for callback in callbacks:
        callback()
    assert sent == [str(build.pk)]


def test_card_task_renders_each_language_once_and_is_idempotent(car, owner):
    build = build_share(build=build_save(product=car, selections={}, owner=owner, name="Mine"), owner=owner)
    first = social_card_render(str(build.pk))
    again = social_card_render(str(build.pk))
    assert len(first) == 2 and first == again
    assert RenderedImage.objects.filter(kind=ImageKind.SOCIAL).count() == 2


def test_card_task_draws_the_views_once_for_every_language(car, owner, monkeypatch):
    from configurator import previews

    drawn = []
    real = previews.render_preview
    monkeypatch.setattr(previews, "render_preview", lambda cat, state, view=None, **kw: drawn.append(view) or real(
        cat, state, view, **kw))
    build = build_share(build=build_save(product=car, selections={}, owner=owner, name="Mine"), owner=owner)
    cards = social_card_render(str(build.pk))
    views = previews.card_views(previews.catalog_for(build.catalog_version_id))
    assert len(cards) == 2 and len(set(cards)) == 2  # a card per language
    assert drawn == views  # each view drawn once, not once per language
    drawn.clear()
    assert social_card_render(str(build.pk)) == cards and drawn == []  # stored: nothing drawn again


def test_card_task_skips_a_deleted_build(car):
    assert social_card_render("00000000-0000-0000-0000-000000000000") == []


def test_a_draft_has_no_public_page(car):
    client = Client()
    client.post("/en/configure/car/save/", {"state": "", "name": "Secret"})
    build = Build.objects.get()
    assert Client().get(f"/s/{build.share_code}/").status_code == 404
    assert Client().get(f"/s/{build.share_code}/card.png").status_code == 404
    assert Client().post(f"/s/{build.share_code}/remix/").status_code == 404


def test_remix_starts_my_own_copy_and_shows_lineage(car):
    source = shared_build(Client())
    friend = Client()
    response = friend.post(f"/s/{source.share_code}/remix/")
    remix = Build.objects.exclude(pk=source.pk).get()
    assert remix.remixed_from == source and remix.status == "draft"
    assert response.status_code == 302 and f"b={remix.pk}" in response["Location"]
    assert "wheels=w17" in response["Location"]
    friend.post(f"/en/designs/{remix.pk}/share/")
    remix.refresh_from_db()
    page = Client().get(f"/s/{remix.share_code}/").content.decode()
    assert f'href="/s/{source.share_code}/"' in page
    assert "Remixed 1 time" in Client().get(f"/s/{source.share_code}/").content.decode()


def test_stale_share_page_shows_the_build_as_it_was_and_the_update_diff(car):
    source = shared_build(Client(), state="wheels=w17")
    Option.objects.filter(code="w17").delete()
    product_publish(product=car)
    html = Client().get(f"/s/{source.share_code}/").content.decode()
    assert "€20,400.00" in html  # the frozen price
    assert "The collection has changed" in html
    assert "17-inch Aero → 16-inch Standard" in html
    friend = Client()
    friend.post(f"/s/{source.share_code}/remix/", {"current": "1"})
    remix = Build.objects.exclude(pk=source.pk).get()
    assert remix.catalog_version == car.versions.get(number=2)
    assert remix.selections["wheels"] == "w16"
    source.refresh_from_db()
    assert source.catalog_version.number == 1
