"""The pure delivery rules: postal codes per country, the address, and the business-day estimate."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from configurator.delivery import (
    DELIVERY_COUNTRIES,
    AddressInvalid,
    add_business_days,
    address_clean,
    delivery_estimate,
    postal_code_clean,
)

STREET = {"line1": "Keizersgracht 1", "city": "Amsterdam"}


@pytest.mark.parametrize("country,typed,written", [
    ("NL", "1234 AB", "1234 AB"), ("NL", "1234ab", "1234 AB"), ("NL", " 1015  cj ", "1015 CJ"),
    ("BE", "1000", "1000"), ("DE", "10115", "10115"), ("DE", "01067", "01067"), ("FR", "75001", "75001"),
    ("SE", "11455", "114 55"), ("SE", "114 55", "114 55"),
    ("GB", "sw1a1aa", "SW1A 1AA"), ("GB", "M1 1AE", "M1 1AE"), ("GB", "EC1A 1BB", "EC1A 1BB"),
    ("US", "94105", "94105"), ("US", "94105-1234", "94105-1234"), ("US", "941051234", "94105-1234"),
    ("NL", "1234\x00ab", "1234 AB"),  # control characters are dropped before the check
])
def test_a_postal_code_is_accepted_and_written_the_countrys_way(country, typed, written):
    assert postal_code_clean(country, typed) == written


@pytest.mark.parametrize("country,typed", [
    ("NL", "0123 AB"), ("NL", "1234"), ("NL", "1234 A1"), ("NL", "12345 AB"), ("BE", "0999"), ("BE", "10000"),
    ("DE", "1011"), ("DE", "1011A"), ("FR", "7500"), ("SE", "01455"), ("SE", "1145"), ("GB", "1AA 1AA"),
    ("GB", "SW1A"), ("US", "9410"), ("US", "94105-12"), ("NL", "１２３４ AB"), ("DE", "١٠١١٥"),
    ("NL", "1234 AB; DROP TABLE"), ("NL", "1" * 5000),
])
def test_a_postal_code_in_the_wrong_format_is_refused_with_an_example(country, typed):
    with pytest.raises(ValueError, match="like"):
        postal_code_clean(country, typed)


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_a_missing_postal_code_is_required(typed):
    with pytest.raises(ValueError, match="required"):
        postal_code_clean("NL", typed)


def test_a_complete_address_is_cleaned():
    address = address_clean(country="nl", line1="  Keizersgracht\t1 ", line2="", postal_code="1015cj", city="Amsterdam")
    assert (address.country, address.line1, address.postal_code, address.region) == ("NL", "Keizersgracht 1", "1015 CJ", "")


def test_every_missing_field_is_named_at_once():
    with pytest.raises(AddressInvalid) as invalid:
        address_clean(country="NL", line1="", postal_code="", city=" ")
    assert set(invalid.value.errors) == {"address_line1", "postal_code", "city"}


def test_a_us_address_needs_a_state_and_nowhere_else():
    with pytest.raises(AddressInvalid) as invalid:
        address_clean(country="US", postal_code="94105", region="XX", **STREET)
    assert set(invalid.value.errors) == {"region"}
    assert address_clean(country="US", postal_code="94105", region="ca", **STREET).region == "CA"
    assert address_clean(country="DE", postal_code="10115", region="CA", **STREET).region == ""


@pytest.mark.parametrize("country", ["XX", "JP", "", None, 31, ["NL"]])
def test_a_country_not_delivered_to_is_refused(country):
    with pytest.raises(AddressInvalid) as invalid:
        address_clean(country=country, postal_code="1234 AB", **STREET)
    assert "country" in invalid.value.errors


@pytest.mark.parametrize("field", ["line1", "line2", "city", "postal_code", "region"])
@pytest.mark.parametrize("value", [12, ["x"], {"a": 1}, "x" * 10_000])
def test_hostile_values_are_field_errors_never_crashes(field, value):
    with pytest.raises(AddressInvalid):
        address_clean(**{"country": "US", "line1": "1 Market St", "postal_code": "94105", "city": "SF",
                         "region": "CA", field: value})


def test_control_characters_are_removed_from_address_lines():
    address = address_clean(country="NL", line1="Keizers\x00gracht\u202e 1", postal_code="1015 CJ", city="A\ndam")
    assert address.line1 == "Keizersgracht 1" and address.city == "A dam"


def test_the_offered_countries_include_the_ones_shoppers_come_from():
    assert set(DELIVERY_COUNTRIES) >= {"NL", "BE", "DE", "FR", "SE", "GB", "US"}


MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize("start,days,expected", [
    (MONDAY, 0, MONDAY), (MONDAY, 1, date(2026, 12, 8)), (MONDAY, 4, date(2026, 12, 11)),
    (MONDAY, 5, date(2026, 12, 14)), (date(2026, 12, 11), 1, date(2026, 12, 14)),  # Friday + 1: Monday
    (date(2026, 12, 12), 0, date(2026, 12, 14)), (date(2026, 12, 12), 1, date(2026, 12, 14)),  # Saturday
    (date(2026, 12, 13), 2, date(2026, 12, 15)),  # Sunday + 2: Tuesday
    (MONDAY, 10, date(2026, 12, 21)),
])
def test_business_days_skip_weekends(start, days, expected):
    assert add_business_days(start, days) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_an_estimate_is_a_weekday_that_many_weekdays_later(start, days):
    end = add_business_days(start, days)
    assert end.weekday() < 5 and end >= start
    weekdays_between = sum(1 for n in range(1, (end - start).days + 1)
                           if date.fromordinal(start.toordinal() + n).weekday() < 5)
    assert weekdays_between == days or (start.weekday() >= 5 and days == 0 and weekdays_between == 1)


def test_the_delivery_estimate_bounds_the_lead_time():
    assert delivery_estimate(ordered_on=MONDAY, lead_time_days=-3) == MONDAY
    assert delivery_estimate(ordered_on=MONDAY, lead_time_days=10**6) == add_business_days(MONDAY, 365)
