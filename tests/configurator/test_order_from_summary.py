"""Ordering from the studio's summary step (issue #12 §4): one post saves the design and opens the
order form, a retried post saves it once, and a design that cannot be ordered saves nothing."""

import re
from html import unescape

import pytest
from django.test import Client

from configurator.models import Build, BuildStatus
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

STUDIO = "/en/configure/car/"
SAVE = "/en/configure/car/save/"


def order_form(html: str) -> dict[str, str]:
    """The summary's order form as the browser posts it."""
    form = re.search(r'<form class="order-start".*?</form>', html, re.S).group(0)
    return {name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}


def test_the_summary_orders_in_one_post_and_lands_on_the_order_form(car):
    client = Client()
    form = order_form(client.get(f"{STUDIO}?trim=electric&wheels=w17&packs=tech&step=summary").content.decode())
    assert form["then"] == "order" and form["once"]
    response = client.post(SAVE, form)
    build = Build.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/designs/{build.pk}/order/"
    assert build.selections["trim"] == "electric" and build.selections["packs"] == ["tech"]
    assert build.is_complete and build.status == BuildStatus.DRAFT
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="address_line1"' in page.content.decode()


def test_a_replayed_order_post_saves_one_build_and_gets_the_same_answer(car):
    client, _shopper = shopper_client()
    form = order_form(client.get(f"{STUDIO}?trim=classic&wheels=w16&step=summary").content.decode())
    first, again = client.post(SAVE, form), client.post(SAVE, form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Build.objects.count() == 1


def test_a_first_order_post_retried_without_the_cookie_saves_once(car):
    form = order_form(Client().get(f"{STUDIO}?trim=classic&wheels=w16&step=summary").content.decode())
    first = Client().post(SAVE, form)  # its answer, with the new shopper's cookie, was lost
    retry = Client()
    again = retry.post(SAVE, form)
    assert again["Location"] == first["Location"] and Build.objects.count() == 1
    assert retry.get(again["Location"]).status_code == 200  # the retrying browser owns it


def test_an_incomplete_design_is_a_400_that_says_what_is_missing_and_saves_nothing(car):
    client = Client()
    form = {**order_form(client.get(f"{STUDIO}?step=summary").content.decode()), "state": "trim=classic&wheels="}
    response = client.post(SAVE, form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Not ordered" in html and "Still to choose: Wheels" in html
    assert re.search(r'id="panel-summary" data-step="summary"\s+hx-get', html)  # open (not hidden), listing it
    assert Build.objects.count() == 0


def test_a_design_that_breaks_a_rule_is_a_400_and_saves_nothing(car):
    client = Client()
    form = {**order_form(client.get(f"{STUDIO}?step=summary").content.decode()), "state": "trim=electric&wheels=w18"}
    response = client.post(SAVE, form)
    assert response.status_code == 400 and "Not ordered" in response.content.decode()
    assert Build.objects.count() == 0


def test_ordering_your_saved_design_updates_it_and_an_ordered_one_is_forked(car):
    client = Client()
    client.post(SAVE, {"state": "wheels=w17", "name": "Mine"})
    mine = Build.objects.get()
    form = order_form(client.get(f"{STUDIO}?wheels=w18&b={mine.pk}&step=summary").content.decode())
    assert form["build"] == str(mine.pk)
    response = client.post(SAVE, form)
    mine.refresh_from_db()
    assert response["Location"] == f"/en/designs/{mine.pk}/order/" and mine.selections["wheels"] == "w18"
    Build.objects.filter(pk=mine.pk).update(status=BuildStatus.ORDERED)
    form = order_form(client.get(f"{STUDIO}?wheels=w17&b={mine.pk}&step=summary").content.decode())
    response = client.post(SAVE, form)
    fork = Build.objects.get(forked_from=mine)
    assert response["Location"] == f"/en/designs/{fork.pk}/order/" and fork.selections["wheels"] == "w17"


def test_someone_elses_build_is_a_404(car):
    owner = Client()
    owner.post(SAVE, {"state": "wheels=w17", "name": "Theirs"})
    theirs = Build.objects.get()
    stranger = Client()
    form = order_form(stranger.get(f"{STUDIO}?wheels=w17&step=summary").content.decode())
    response = stranger.post(SAVE, {**form, "build": str(theirs.pk)})
    assert response.status_code == 404
    assert Build.objects.count() == 1 and Build.objects.get().selections["wheels"] == "w17"
