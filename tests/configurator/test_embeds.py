"""Embeds (#16 §3): the oEmbed endpoint against its specification (https://oembed.com, §2.2-2.4)
and the embed view, the one page other sites may frame, under a policy of its own."""

from __future__ import annotations

import html as htmllib
import json
import re
import uuid
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.html import escape

from configurator.identity import Owner
from configurator.models import Build
from configurator.services import build_delete, build_save, build_share
from configurator.sharing import embed_snippet

pytestmark = pytest.mark.django_db

HOSTILE = 'Quote" onload="alert(1)" <i>&amp;</textarea>'


def shared(car, name: str = "Weekend car") -> Build:
    owner = Owner(uuid.uuid4(), None)
    return build_share(build=build_save(product=car, selections={}, owner=owner, name=name), owner=owner)


def oembed(url: str, **params) -> tuple[int, dict]:
    response = Client().get("/oembed/", {"url": url, **params})
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.status_code, json.loads(response.content)


def share_url(build: Build, query: str = "") -> str:
    return f"http://testserver/s/{build.share_code}/{query}"


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


# ---------------------------------------------------------------- oEmbed


def test_oembed_answers_a_rich_type_with_the_embed_iframe(car):
    build = shared(car)
    status, answer = oembed(share_url(build, "?lang=nl&utm_source=x"), format="json")
    assert status == 200
    assert answer["version"] == "1.0" and answer["type"] == "rich"
    assert answer["title"] == "Weekend car" and answer["provider_name"] == "Atelier"
    assert answer["provider_url"] == "http://testserver/"
    assert isinstance(answer["width"], int) and isinstance(answer["height"], int)
    src = f"http://testserver/s/{build.share_code}/embed/?lang=nl"  # the link's language
    assert answer["html"] == embed_snippet(src, "Weekend car", answer["width"], answer["height"])
    assert answer["html"].startswith(f'<iframe src="{src}" width="{answer["width"]}" height="{answer["height"]}"')
    # A thumbnail comes with both its sizes (§2.3.4): the card.
    assert answer["thumbnail_url"] == f"http://testserver/s/{build.share_code}/card.png?lang=nl"
    assert (answer["thumbnail_width"], answer["thumbnail_height"]) == (1200, 630)
    assert isinstance(answer["cache_age"], int)


def test_oembed_takes_the_embed_address_and_defaults_to_json(car):
    build = shared(car)
    status, answer = oembed(f"http://testserver/s/{build.share_code}/embed/")
    assert status == 200 and answer["type"] == "rich"


@pytest.mark.parametrize(("maxwidth", "maxheight"), [(300, None), (None, 200), (250, 180), (99999, 99999), (1, 1)])
def test_oembed_honours_maxwidth_and_maxheight(car, maxwidth, maxheight):
    build = shared(car)
    params = {k: v for k, v in (("maxwidth", maxwidth), ("maxheight", maxheight)) if v is not None}
    status, answer = oembed(share_url(build), **params)
    assert status == 200
    assert answer["width"] <= (maxwidth or 10**9) and answer["height"] <= (maxheight or 10**9)
    assert f'width="{answer["width"]}" height="{answer["height"]}"' in answer["html"]
    if "thumbnail_url" in answer:
        assert answer["thumbnail_width"] <= (maxwidth or 10**9) and answer["thumbnail_height"] <= (maxheight or 10**9)
    else:
        assert "thumbnail_width" not in answer and "thumbnail_height" not in answer


@pytest.mark.parametrize("fmt", ["xml", "XML", "html", ""])
def test_oembed_refuses_other_formats_with_501(car, fmt):
    build = shared(car)
    assert oembed(share_url(build), format=fmt)[0] == 501


def test_oembed_is_404_for_what_is_no_shared_design_here(car):
    build = shared(car)
    owner = Owner(uuid.uuid4(), None)
    draft = build_save(product=car, selections={}, owner=owner)
    gone = shared(car)
    Build.objects.filter(pk=gone.pk).update(hidden_at="2026-01-01T00:00:00Z")
    deleted = build_share(build=build_save(product=car, selections={}, owner=owner), owner=owner)
    build_delete(build=deleted, owner=owner)
    for url in (
        f"https://elsewhere.example/s/{build.share_code}/",  # another site
        f"ftp://testserver/s/{build.share_code}/", "javascript:alert(1)", "testserver/s/x/", "http://[::1",
        "http://testserver/en/", "http://testserver/s/nope/", f"http://testserver/s/{draft.share_code}/",
        f"http://testserver/s/{gone.share_code}/", f"http://testserver/s/{deleted.share_code}/",
        f"http://testserver/s/{build.share_code}/remix/", "http://testserver/" + "s/" * 2000,
        "http://testserver:99999999/s/x/", "\x00", "http://" + "a" * 300 + "/",
    ):
        status, answer = oembed(url)
        assert status == 404, url
        assert answer["detail"]


def test_oembed_refuses_a_missing_url_and_bad_sizes_with_400(car):
    build = shared(car)
    assert oembed("")[0] == 400
    assert Client().get("/oembed/").status_code == 400
    for bad in ("abc", "-1", "0", "1.5", "1e3", "10" * 20, "١٢٣", " 12"):
        assert oembed(share_url(build), maxwidth=bad)[0] == 400, bad
        assert oembed(share_url(build), maxheight=bad)[0] == 400, bad


def test_oembed_escapes_a_hostile_name_in_its_html(car):
    build = shared(car, name=HOSTILE)
    status, answer = oembed(share_url(build))
    assert status == 200 and answer["title"] == HOSTILE
    title = re.search(r' title="([^"]*)"', answer["html"]).group(1)
    assert htmllib.unescape(title) == HOSTILE
    assert answer["html"].count("<") == 2 and "onload=" not in answer["html"].replace('onload=&quot;', "")


def test_the_share_page_links_its_oembed_answer(car):
    build = shared(car)
    page = Client().get(f"/s/{build.share_code}/?lang=en").content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)" title="Weekend car">', page)
    href = htmllib.unescape(link.group(1))
    assert href == f"http://testserver/oembed/?url={quote(share_url(build, '?lang=en'), safe='')}&format=json"
    assert Client().get(href).status_code == 200


# ---------------------------------------------------------------- the embed view


def test_only_the_embed_may_be_framed_and_under_a_strict_policy(car):
    build = shared(car)
    embed = Client().get(f"/s/{build.share_code}/embed/?lang=en")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    policy = directives(embed)
    assert policy["frame-ancestors"] == "frame-ancestors *"
    assert policy["default-src"] == "default-src 'none'"
    assert "script-src" not in policy and "'unsafe-inline'" not in embed["Content-Security-Policy"]
    assert policy["form-action"] == "form-action 'none'"
    assert policy["img-src"] == "img-src 'self'" and policy["style-src"] == "style-src 'self'"
    assert "<script" not in embed.content.decode() and "<form" not in embed.content.decode()
    for path in (f"/s/{build.share_code}/", f"/s/{build.share_code}/story.jpg", "/en/", "/oembed/"):
        other = Client().get(path)
        assert other["X-Frame-Options"] == "DENY", path
        assert directives(other)["frame-ancestors"] == "frame-ancestors 'none'", path


def test_the_embed_frame_ancestors_follow_the_setting(car, settings):
    settings.ATELIER_EMBED_CSP = {**settings.ATELIER_EMBED_CSP, "frame-ancestors": ["https://blog.example"]}
    build = shared(car)
    assert directives(Client().get(f"/s/{build.share_code}/embed/"))["frame-ancestors"] == (
        "frame-ancestors https://blog.example")


def test_the_embed_shows_picture_name_price_and_a_safe_make_it_yours_link(car):
    build = shared(car, name=HOSTILE)
    before = Build.objects.count()
    page = Client().get(f"/s/{build.share_code}/embed/?lang=nl")
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="nl">' in html
    assert escape(HOSTILE) in html and HOSTILE not in html
    assert "€\xa020.000,00" in html
    link = re.search(r'<a class="embed-button" href="([^"]+)" target="_blank" rel="noopener">', html)
    assert htmllib.unescape(link.group(1)) == (
        f"http://testserver/s/{build.share_code}/?lang=nl&utm_source=embed&utm_medium=embed&utm_campaign=share#remix")
    assert re.search(r'<img src="/preview/[^"]+" alt="', html)
    assert Build.objects.count() == before  # opening the embed started no remix
    target = Client().get(f"/s/{build.share_code}/?lang=nl").content.decode()
    assert re.search(r'<form method="post" action="/s/[^"]+/remix/\?lang=nl" id="remix">', target)


def test_a_hidden_or_unknown_design_is_not_embedded(car):
    build = shared(car)
    Build.objects.filter(pk=build.pk).update(hidden_at="2026-01-01T00:00:00Z")
    owner_client = Client()
    for client, path, status in ((Client(), f"/s/{build.share_code}/embed/", 410),
                                 (owner_client, f"/s/{build.share_code}/embed/", 410),
                                 (Client(), "/s/no-such-code/embed/", 404)):
        response = client.get(path)
        assert response.status_code == status
        html = response.content.decode()
        assert "This design is no longer available" in html and build.name not in html
        assert "X-Frame-Options" not in response  # says so inside the frame, not a browser error
        assert directives(response)["default-src"] == "default-src 'none'"


def test_the_share_page_gives_the_snippet_as_text(car):
    build = shared(car, name=HOSTILE)
    page = Client().get(f"/s/{build.share_code}/?lang=en").content.decode()
    area = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    snippet = htmllib.unescape(area)  # what the textarea holds and the copy button copies
    assert snippet.startswith(f'<iframe src="http://testserver/s/{build.share_code}/embed/?lang=en" width="400"')
    assert htmllib.unescape(re.search(r' title="([^"]*)"', snippet).group(1)) == HOSTILE
    assert snippet.count("<") == 2 and snippet.endswith("></iframe>")
