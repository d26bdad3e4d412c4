"""A studio URL whose build breaks a rule (an old or hand-made link) shows no broken image: the
page says why there is no picture, and every image it does show loads."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BROKEN = "/en/configure/car/?trim=electric&wheels=w18"  # the rule electric-no-18


def images(html: str) -> list[str]:
    return [src.replace("&amp;", "&") for src in re.findall(r'<img[^>]* src="([^"]+)"', html)]


def test_an_invalid_build_by_url_has_no_broken_preview(car):
    client = Client()
    response = client.get(BROKEN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "No picture for this combination: it breaks a rule of this product." in html
    for src in images(html):
        assert client.get(src).status_code == 200, src


def test_an_htmx_click_to_an_invalid_build_swaps_in_the_same_notice(car):
    response = Client().get(BROKEN, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/en/configure/car/")
    html = response.content.decode()
    assert 'id="preview"' in html and "No picture for this combination" in html
    assert "/preview/" not in html


def test_a_valid_build_still_shows_its_preview(car):
    client = Client()
    html = client.get("/en/configure/car/?trim=electric&wheels=w17").content.decode()
    previews = [src for src in images(html) if "/preview/" in src]
    assert len(previews) == 1 and client.get(previews[0]).status_code == 200
    assert "No picture for this combination" not in html
