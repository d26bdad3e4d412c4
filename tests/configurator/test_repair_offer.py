"""A conflicting click in the studio: the repair offer can always be cancelled, it states the
new total and the difference, and an option that needs a repair shows what it really costs."""

import re
from decimal import Decimal

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/en/configure/car/"


def click(client, query, trigger, *, current_query=None, url=URL):
    current = f"http://testserver{url}" + (f"?{current_query}" if current_query is not None else "")
    return client.get(f"{url}?{query}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger, HTTP_HX_CURRENT_URL=current)


def repair_box(html: str) -> str:
    return re.search(r'<div id="repair".*?</div>', html, re.S).group(0)


def option(html: str, option_id: str) -> str:
    return re.search(rf'<li class="option[^"]*">\s*<input[^>]*id="{re.escape(option_id)}".*?</li>', html, re.S).group(0)


def test_the_first_conflict_on_a_fresh_page_offers_cancel(car):
    """The page was opened without a query (its address has none): Cancel is offered all the
    same, and leads back to the build on screen."""
    client = Client()
    response = click(client, "trim=sport&wheels=w16&packs=", "o:trim:sport", current_query=None)
    box = repair_box(response.content.decode())
    assert "Apply" in box and "Cancel" in box
    cancel = re.search(r'<a class="button" href="([^"]+)"', box).group(1).replace("&amp;", "&")
    assert "trim=classic" in cancel and "wheels=w16" in cancel
    back = client.get(cancel, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{URL}")
    html = back.content.decode()
    assert re.search(r'<div id="repair"[^>]*hidden', html)
    assert "trim=classic" in back["HX-Push-Url"]


def test_cancel_and_apply_keep_the_saved_design_they_edit(car):
    build_id = "6f1c1c57-2b0a-4c55-8f6c-4a3b8f0d9d11"
    response = click(Client(), f"trim=sport&wheels=w16&packs=&b={build_id}", "o:trim:sport",
                     current_query=f"b={build_id}")
    box = repair_box(response.content.decode())
    links = re.findall(r'href="([^"]+)"', box)
    assert len(links) == 2 and all(f"b={build_id}" in link for link in links)


def test_the_repair_offer_states_the_new_total_and_the_difference(car):
    response = click(Client(), "trim=sport&wheels=w16&packs=", "o:trim:sport", current_query="trim=classic&wheels=w16")
    box = repair_box(response.content.decode())
    # Sport (+€3,000) needs 17-inch wheels (+€400): €20,000 becomes €23,400.
    assert "Choosing Sport will change your wheels from 16-inch Standard to 17-inch Aero." in box
    assert "New total: €23,400.00 (+€3,400.00)." in box


def test_the_repair_offer_in_dutch(car):
    url = "/nl/configure/car/"
    response = click(Client(), "trim=sport&wheels=w16&packs=", "o:trim:sport", current_query="", url=url)
    box = repair_box(response.content.decode())
    assert "Nieuw totaal: €\xa023.400,00 (+€\xa03.400,00)." in box
    assert "Annuleren" in box


def test_an_option_that_needs_a_repair_shows_what_it_really_costs(car):
    html = Client().get(f"{URL}?trim=classic&wheels=w16").content.decode()
    sport = option(html, "o:trim:sport")
    assert "+€3,000.00" in sport  # its own price
    assert "changes other choices: +€3,400.00 in total" in sport  # with the wheels it needs
    electric = option(html, "o:trim:electric")  # free to pick: no repair, no second price
    assert "changes other choices" not in electric


def test_the_real_cost_follows_the_rest_of_the_build(car):
    """With 18-inch wheels chosen, Electric (+€6,000) needs them swapped for 17-inch ones (−€500)."""
    html = Client().get(f"{URL}?trim=classic&wheels=w18").content.decode()
    assert "changes other choices: +€5,500.00 in total" in option(html, "o:trim:electric")


def test_conflict_costs_match_the_repair_the_click_gets(car):
    from django.http import QueryDict

    from configurator import selectors
    from configurator.conflict_costs import conflict_costs
    from configurator.engine import Action, quote
    from configurator.querystate import plain_from_query
    from configurator.snapshot import catalog_for

    cat = catalog_for(selectors.product_ref(slug="car").version_id)
    for query in ("trim=classic&wheels=w16", "trim=electric&wheels=w17&packs=family&packs=tech", "trim=sport&wheels=w18"):
        plain = plain_from_query(cat, QueryDict(query))
        now = quote(cat, plain)
        for group in cat.groups:
            for index, cost in conflict_costs(cat, now.state, now.availability, group).items():
                option_ = cat.options[index]
                assert option_.group == group.index
                clicked = quote(cat, plain, Action(group.code, option_.code, True))
                assert clicked.repair is not None
                assert cost == clicked.repair.evaluation.price.total - now.evaluation.price.total
    assert isinstance(cost, Decimal)


def test_only_the_open_step_prices_its_conflicts(car):
    """Each price after a repair is a repair search, so a page works them out for the step it
    shows open; a conflict in another step says that it changes other choices, and no price."""
    client = Client()
    on_wheels = client.get(f"{URL}?trim=electric&wheels=w17&packs=&step=wheels").content.decode()
    # 18-inch wheels (+€500) need Electric swapped; Sport (−€3,000) is the nearest price.
    assert "changes other choices: −€2,500.00 in total" in option(on_wheels, "o:wheels:w18")
    on_trim = client.get(f"{URL}?trim=electric&wheels=w17&packs=&step=trim").content.decode()
    hidden = option(on_trim, "o:wheels:w18")
    assert "changes other choices</span>" in hidden and "in total" not in hidden
    assert "Not with Electric" in hidden  # the reason is shown in every step


def test_no_step_open_prices_nothing(car):
    from configurator import selectors
    from configurator.conflict_costs import conflict_costs
    from configurator.engine import quote
    from configurator.snapshot import catalog_for

    cat = catalog_for(selectors.product_ref(slug="car").version_id)
    now = quote(cat, {"trim": "classic", "wheels": "w18"})
    assert conflict_costs(cat, now.state, now.availability, cat.group_by_code["trim"])  # Electric
    assert conflict_costs(cat, now.state, now.availability, None) == {}  # the summary
    assert conflict_costs(cat, now.state, now.availability, cat.group_by_code["badge"]) == {}  # text
