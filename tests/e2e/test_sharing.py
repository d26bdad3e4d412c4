"""Sharing that spreads (#16) in Chromium: the share page with its pictures and embed code, and
the embed framed by another site, both axe-clean in English and Dutch and without a single CSP
violation; the share page itself cannot be framed. With ATELIER_SCREENSHOTS=1 it also writes the
README's screenshots into docs/screenshots/."""

from __future__ import annotations

import os
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from configurator.identity import Owner
from configurator.models import Product
from configurator.services import build_save, build_share
from configurator.templatetags.atelier import eur
from tests.e2e.test_csp import csp_context, settle, violations  # noqa: F401 (fixtures)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NAME = "Rosa's weekend runabout"


def shared_car():
    owner = Owner(uuid.uuid4(), None)
    selections = {"trim": "sport", "body": "island_blue", "roof": "white", "wheels": "r18_sport", "badge": "ROSA"}
    build = build_save(product=Product.objects.get(slug="city-car"), selections=selections, owner=owner, name=NAME)
    return build_share(build=build, owner=owner)


@contextmanager
def another_site(html: str):
    """A page at another origin on loopback (Chromium refuses a public page a loopback frame)."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/a-blog/"
    finally:
        server.shutdown()
        server.server_close()


def blog_page(embed: str, share: str) -> str:
    return (f"<!doctype html><html lang='en'><head><title>A blog</title></head><body><main><h1>My blog</h1>"
            f"{embed}<iframe id='page' src='{share}' title='The share page'></iframe></main></body></html>")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_share_page_and_its_embed(demo_catalog, csp_context, violations, assert_accessible, live_server,  # noqa: F811
                                      browser_problems, lang):
    build = shared_car()
    page = csp_context().new_page()
    page.goto(f"/s/{build.share_code}/?lang={lang}")
    banner = page.locator("#consent-banner")
    if banner.count():
        banner.get_by_role("button", name="Only necessary" if lang == "en" else "Alleen noodzakelijk").click()
        page.reload()
    settle(page)
    images = page.locator(".share-image-list li a[download]")
    expect(images).to_have_count(4)
    assert images.first.get_attribute("download") == "atelier-rosas-weekend-runabout-square.jpg"
    with page.expect_download() as saving:
        images.first.click()
    assert saving.value.suggested_filename == "atelier-rosas-weekend-runabout-square.jpg"
    snippet = page.locator("#embed-snippet").input_value()
    assert snippet.startswith(f'<iframe src="{live_server.url}/s/{build.share_code}/embed/?lang={lang}"')
    assert_accessible(page, f"the share page ({lang})")
    if lang == "en" and os.environ.get("ATELIER_SCREENSHOTS") == "1":
        page.locator(".share").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "share-networks.png"), full_page=True)

    # Another site frames the embed (which may be framed) and the share page (which may not).
    blog = csp_context().new_page()
    share_url = f"{live_server.url}/s/{build.share_code}/"
    with another_site(blog_page(snippet, share_url)) as blog_url:
        assert blog_url.split("/")[2] != share_url.split("/")[2]
        blog.goto(blog_url)
        settle(blog)
        embed = blog.frame_locator("iframe[src*='/embed/']")
        expect(embed.locator("h1")).to_have_text(NAME)
        with translation.override(lang):
            expect(embed.locator(".embed-price")).to_have_text(eur(build.total))  # 32.565,00 in Dutch
        make_it_yours = embed.locator("a.embed-button")
        assert make_it_yours.get_attribute("target") == "_blank"
        # The share page refuses to be framed: the browser shows its own error in that frame instead.
        assert blog.frame_locator("#page").get_by_role("heading", name=NAME).count() == 0
        assert any("frame-ancestors 'none'" in v for v in violations), violations
        if lang == "en" and os.environ.get("ATELIER_SCREENSHOTS") == "1":
            blog.locator("iframe[src*='/embed/']").screenshot(path=str(SCREENSHOTS / "embed.png"))
        with blog.context.expect_page() as opened:
            make_it_yours.click()
        remix_page = opened.value
        remix_page.wait_for_load_state()
        assert "utm_source=embed" in remix_page.url and remix_page.url.endswith("#remix")
        expect(remix_page.locator("form#remix button")).to_be_visible()
        settle(remix_page)
    alone = csp_context().new_page()  # axe runs on a page: the embed at its own address
    alone.goto(f"/s/{build.share_code}/embed/?lang={lang}")
    assert_accessible(alone, f"the embed ({lang})")
    own = [v for v in violations if "frame-ancestors" not in v]
    assert own == [], "\n".join(own)
    assert browser_problems == []
