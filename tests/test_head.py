"""HEAD answers like GET, without a body, on every public page and image: link-preview bots and
uptime monitors ask with HEAD first. OPTIONS gets an answer too (the Allow header), never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from configurator.models import Build, Order

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


@pytest.fixture
def visitor(car) -> tuple[Client, dict[str, str]]:
    """A shopper with a saved, a shared and an ordered design, and the addresses of everything
    they can open."""
    client = Client()
    client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": "Mine"})
    shared = Build.objects.latest("created_at")
    client.post(f"/en/designs/{shared.pk}/share/")
    shared.refresh_from_db()
    client.post("/en/configure/car/save/", {"state": "wheels=w16", "name": "To order"})
    ordered = Build.objects.latest("created_at")
    client.post(f"/en/designs/{ordered.pk}/order/", CONTACT)
    order = Order.objects.get()
    studio = client.get("/en/configure/car/?wheels=w17").content.decode()
    preview = re.search(r'<img src="(/preview/[^"]+)"', studio).group(1).replace("&amp;", "&")
    return client, {
        "home": "/en/",
        "home in Dutch": "/nl/",
        "studio": "/en/configure/car/",
        "studio with a build": "/en/configure/car/?wheels=w17",
        "my designs": "/en/my-designs/",
        "a design": f"/en/designs/{shared.pk}/",
        "order form": f"/en/designs/{shared.pk}/order/",
        "order confirmation": f"/en/orders/{order.number}/",
        "privacy": "/en/privacy/",
        "my data": "/en/my-data/",
        "my data export": "/en/my-data/export.json",
        "preview image": preview,
        "share page": f"/s/{shared.share_code}/",
        "social card": f"/s/{shared.share_code}/card.png",
        "health": "/health/",
        "API products": "/api/products/",
        "API schema": "/api/schema/",
        "API docs": "/api/docs/",
    }


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_head_answers_like_get_without_a_body(visitor):
    client, urls = visitor
    for name, url in urls.items():
        got = client.get(url)
        head = client.head(url)
        assert got.status_code == 200, (name, got.status_code)
        assert head.status_code == got.status_code, (name, head.status_code)
        assert head["Content-Type"] == got["Content-Type"], name
        assert _body(got), name
        assert _body(head) == b"", name


def test_options_is_answered_with_allow_never_an_error(visitor):
    client, urls = visitor
    for name, url in urls.items():
        response = client.options(url)
        assert response.status_code in (200, 405), (name, response.status_code)
        assert "GET" in response["Allow"], name


def test_a_missing_page_or_image_is_a_404_to_head_too(car):
    client = Client()
    for url in ("/s/nope/", "/s/nope/card.png", "/preview/999/abc.jpg", "/en/configure/nope/"):
        assert client.head(url).status_code == 404, url


def test_a_head_of_a_share_page_is_not_counted_as_a_view(visitor, monkeypatch):
    from configurator import signals

    _client, urls = visitor
    seen = []
    monkeypatch.setattr(signals.share_viewed, "send", lambda **kwargs: seen.append(kwargs))
    Client().head(urls["share page"])
    assert seen == []
    Client().get(urls["share page"])
    assert len(seen) == 1
