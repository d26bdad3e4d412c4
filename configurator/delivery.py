"""Delivery: the countries Atelier delivers to, their address rules, and the delivery estimate.

Pure: plain strings and dates in, plain data out (no ORM, no request), so the order form, the
order service and the tests share one set of rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The countries the order form offers, each with its postal code: a pattern over the code as
# typed (upper-cased, spaces collapsed), how to write it, and an example the error message shows.
_POSTAL = {
    "NL": (r"([1-9][0-9]{3}) ?([A-Z]{2})", r"\1 \2", "1234 AB"),
    "BE": (r"([1-9][0-9]{3})", r"\1", "1000"),
    "DE": (r"([0-9]{5})", r"\1", "10115"),
    "FR": (r"([0-9]{5})", r"\1", "75001"),
    "SE": (r"([1-9][0-9]{2}) ?([0-9]{2})", r"\1 \2", "114 55"),
    "GB": (r"([A-Z]{1,2}[0-9][A-Z0-9]?|GIR) ?([0-9][A-Z]{2})", r"\1 \2", "SW1A 1AA"),
    "US": (r"([0-9]{5})(?:-?([0-9]{4}))?", None, "94105"),
}
DELIVERY_COUNTRIES: tuple[str, ...] = tuple(_POSTAL)

# The two-letter codes of the US states, DC and the territories the postal service delivers to.
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI AA AE AP"
)
US_STATES = frozenset(_STATE_CODES.split())

LINE_MAX = 120
CITY_MAX = 80
POSTAL_MAX = 12
LEAD_TIME_MAX = 365

REQUIRED = gettext_lazy("This field is required.")


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    postal_code: str
    city: str
    region: str
    country: str


class AddressInvalid(Exception):
    """Field name -> messages, for the form and the API alike."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _text(value: object, limit: int) -> str | None:
    """One line of text: NFC, tabs and newlines as spaces, no other control or format characters,
    spaces collapsed. None if too long or not text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    return text if len(text) <= limit else None


def postal_code_clean(country: str, value: object) -> str:
    """The postal code written the way `country` writes it (NL "1234ab" -> "1234 AB"), or
    ValueError with the message to show."""
    pattern, layout, example = _POSTAL[country]
    typed = _text(value, POSTAL_MAX + 4)
    if not typed:
        raise ValueError(str(REQUIRED) if typed == "" else _("Enter a postal code like %(example)s.") % {"example": example})
    match = re.fullmatch(pattern, typed.upper())
    if match is None:
        raise ValueError(_("Enter a postal code like %(example)s.") % {"example": example})
    if country == "US":
        return match[1] + (f"-{match[2]}" if match[2] else "")
    return match.expand(layout)


def address_clean(*, country: object, line1: object, line2: object = "", postal_code: object = "",
                  city: object = "", region: object = "") -> Address:
    """A delivery address checked for `country` (one of DELIVERY_COUNTRIES), or AddressInvalid
    naming each bad field. A state is asked for in the US only."""
    errors: dict[str, list[str]] = {}
    code = country.strip().upper() if isinstance(country, str) else ""
    if code not in _POSTAL:
        errors["country"] = [_("We do not deliver to this country yet.")]
    texts = {}
    for field, value, limit, required in (("address_line1", line1, LINE_MAX, True),
                                          ("address_line2", line2, LINE_MAX, False),
                                          ("city", city, CITY_MAX, True)):
        text = _text(value, limit)
        if text is None:
            errors[field] = [_("Use at most %(max)s characters.") % {"max": limit}]
        elif required and not text:
            errors[field] = [str(REQUIRED)]
        texts[field] = text or ""
    postal = state = ""
    if code in _POSTAL:
        try:
            postal = postal_code_clean(code, postal_code)
        except ValueError as invalid:
            errors["postal_code"] = [str(invalid)]
        if code == "US":
            state = (_text(region, 2) or "").upper()
            if state not in US_STATES:
                errors["region"] = [_("Choose a state.")]
    if errors:
        raise AddressInvalid(errors)
    return Address(texts["address_line1"], texts["address_line2"], postal, texts["city"], state, code)


def add_business_days(start: date, days: int) -> date:
    """The day `days` business days after `start`. Business days are Monday to Friday; public
    holidays are not counted out (they differ per country and region, and the date is an
    estimate). Counting starts the day after `start`, so an order placed on a Saturday with a
    lead time of 1 arrives on the Monday; with 0 it is `start`, or the next Monday on a weekend."""
    current = start
    while current.weekday() >= 5:  # nothing moves over a weekend
        current += timedelta(days=1)
    if current != start and days > 0:
        days -= 1  # the Monday itself is the first business day
    full_weeks, rest = divmod(max(0, days), 5)
    current += timedelta(weeks=full_weeks)
    while rest:
        current += timedelta(days=1)
        if current.weekday() < 5:
            rest -= 1
    return current


def delivery_estimate(*, ordered_on: date, lead_time_days: int) -> date:
    """When an order placed on `ordered_on` should arrive: the product's lead time (making and
    shipping, in business days, set by staff per product) counted with add_business_days."""
    return add_business_days(ordered_on, min(max(0, lead_time_days), LEAD_TIME_MAX))
