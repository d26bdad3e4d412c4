"""What a Dutch shopper sees is Dutch: the order form's countries, prices formatted the Dutch way
on pages and on the social card, the catalog's names, and informal "je" throughout."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from configurator.models import Build

pytestmark = pytest.mark.django_db


def saved(client: Client, language: str = "nl") -> Build:
    client.post(f"/{language}/configure/car/save/", {"state": "wheels=w17", "name": "Weekendauto"})
    return Build.objects.latest("created_at")


def countries(html: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]*)</option>', html))


def test_the_order_form_lists_countries_in_the_pages_language(car):
    client = Client()
    build = saved(client)
    dutch = countries(client.get(f"/nl/designs/{build.pk}/order/").content.decode())
    english = countries(client.get(f"/en/designs/{build.pk}/order/").content.decode())
    assert dutch["DE"] == "Duitsland" and dutch["NL"] == "Nederland" and dutch["BE"] == "België"
    assert english["DE"] == "Germany" and english["NL"] == "Netherlands"
    assert list(dutch).index("DE") < list(dutch).index("NL")  # sorted by their Dutch names


def test_an_order_from_the_dutch_form_keeps_the_country_code(car):
    from configurator.models import Order

    client = Client()
    build = saved(client)
    response = client.post(f"/nl/designs/{build.pk}/order/",
                           {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL",
                            "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"})
    assert response.status_code == 302
    assert Order.objects.get().country == "NL"


def _shared(client: Client, language: str) -> tuple[Build, str]:
    build = saved(client, language)
    response = client.post(f"/{language}/designs/{build.pk}/share/")
    build.refresh_from_db()
    return build, response["Location"]


def test_sharing_from_a_dutch_page_goes_on_in_dutch(car):
    """The share page has no language prefix; a shopper on /nl/ with an English browser still
    lands on it in Dutch."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    build, location = _shared(client, "nl")
    assert location == f"/s/{build.share_code}/?lang=nl"
    page = client.get(location)
    html = page.content.decode()
    assert '<html lang="nl">' in html and page["Content-Language"] == "nl"
    assert "€\xa020.400,00" in html
    assert f'<meta property="og:image" content="http://testserver/s/{build.share_code}/card.png?lang=nl">' in html
    assert '<meta property="product:price:amount" content="20400.00">' in html  # for machines: no locale


def test_without_lang_the_share_page_speaks_the_visitors_language(car):
    build, _location = _shared(Client(), "nl")
    html = Client().get(f"/s/{build.share_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "€20,400.00" in html
    assert f"/s/{build.share_code}/card.png?lang=en" in html


@pytest.mark.parametrize(("language", "price"), [("nl", "€\xa020.400,00"), ("en", "€20,400.00")])
def test_the_social_card_formats_the_price_for_its_language(car, monkeypatch, language, price):
    """A link-preview bot sends no Accept-Language: the card follows the page that links it."""
    from configurator.render import social

    drawn = []
    real = social.social_image
    monkeypatch.setattr(social, "social_image", lambda *args: drawn.append(args) or real(*args))
    build, _location = _shared(Client(), language)
    response = Client().get(f"/s/{build.share_code}/card.png?lang={language}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert drawn and drawn[-1][4] == price


def test_choosing_a_language_on_a_share_page_wins_over_its_lang(car):
    build, location = _shared(Client(), "nl")
    response = Client().post("/i18n/setlang/", {"language": "en", "next": location})
    assert response["Location"] == f"/s/{build.share_code}/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_remixing_from_a_dutch_share_page_opens_the_dutch_studio(car):
    _build, location = _shared(Client(), "nl")
    friend = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = friend.get(location).content.decode()
    action = re.search(r'<form method="post" action="([^"]+/remix/[^"]*)"', html).group(1)
    response = friend.post(action)
    assert response["Location"].startswith("/nl/configure/car/")


def test_demo_catalog_names_are_dutch():
    """Every name and explanation has its own Dutch text; only words that are Dutch as well
    (Sport, Sneaker, Monogram, ...) are spelt the same."""
    from configurator.demo.catalog import PRODUCTS

    same_in_dutch = {"Sport", "Sneaker", "Monogram", "Tech", "Status"}
    untranslated = []
    for product in PRODUCTS:
        texts = [product["name"], product["description"]]
        for group in product["groups"]:
            texts.append(group["name"])
            if group["kind"] != "size":  # sizes (EU 42, XL) are written alike in every language
                texts.extend(option["name"] for option in group.get("options", []))
        texts.extend(rule["explanation"] for rule in product["rules"])
        untranslated += [t["en"] for t in texts if t["nl"] == t["en"] and t["en"] not in same_in_dutch]
        untranslated += [t["nl"] for t in texts if re.search(r"\d-inch|€\d", t["nl"])]  # English spelling
    assert untranslated == []


def _dutch_messages() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry of the Dutch catalogue, plural forms joined."""
    text = (Path(settings.BASE_DIR) / "locale/nl/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                parts[key] = match.group(2)
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        strs = [v for k, v in parts.items() if k.startswith("msgstr")]
        entries.append((parts.get("msgid", ""), " ".join(strs), fuzzy or any(not v for v in strs)))
    return entries


def test_every_dutch_message_is_translated_and_informal():
    entries = _dutch_messages()
    assert len(entries) > 100
    missing = [msgid for msgid, _msgstr, incomplete in entries if incomplete]
    assert missing == []
    formal = [msgstr for _msgid, msgstr, _ in entries if re.search(r"\b(u|uw|U|Uw|uzelf)\b", msgstr)]
    assert formal == []
