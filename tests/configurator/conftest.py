"""A tiny car catalog, built through the ORM and published the way staff do it."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from configurator.identity import Owner
from configurator.models import GroupKind, Option, OptionGroup, Product, Rule, RuleKind
from configurator.services import product_publish


def make_car() -> Product:
    car = Product.objects.create(
        slug="car", name_en="Car", name_nl="Auto", base_price=Decimal("20000.00"),
    )
    trim = OptionGroup.objects.create(product=car, code="trim", name_en="Trim", name_nl="Uitvoering", position=1)
    classic = Option.objects.create(group=trim, code="classic", name_en="Classic", name_nl="Klassiek")
    electric = Option.objects.create(
        group=trim, code="electric", name_en="Electric", name_nl="Elektrisch", price_delta=Decimal("6000")
    )
    sport = Option.objects.create(group=trim, code="sport", name_en="Sport", name_nl="Sport", price_delta=Decimal("3000"))
    trim.default_option = classic
    trim.save()
    wheels = OptionGroup.objects.create(product=car, code="wheels", name_en="Wheels", name_nl="Velgen", position=2)
    w16 = Option.objects.create(group=wheels, code="w16", name_en="16-inch Standard", name_nl="16 inch standaard")
    w17 = Option.objects.create(
        group=wheels, code="w17", name_en="17-inch Aero", name_nl="17 inch Aero", price_delta=Decimal("400"), position=1
    )
    w18 = Option.objects.create(
        group=wheels, code="w18", name_en="18-inch Sport", name_nl="18 inch Sport", price_delta=Decimal("900"),
        position=2,
    )
    wheels.default_option = w16
    wheels.save()
    packs = OptionGroup.objects.create(
        product=car, code="packs", name_en="Packs", name_nl="Pakketten", kind=GroupKind.MULTI,
        required=False, max_count=2, position=3,
    )
    family = Option.objects.create(group=packs, code="family", name_en="Family", name_nl="Gezin", price_delta=800)
    tech = Option.objects.create(group=packs, code="tech", name_en="Tech", name_nl="Tech", price_delta=1200, position=1)
    Option.objects.create(group=packs, code="sportpack", name_en="Sport pack", name_nl="Sportpakket", price_delta=1500,
                          position=2)
    OptionGroup.objects.create(
        product=car, code="badge", name_en="Badge", name_nl="Embleem", kind=GroupKind.TEXT, required=False,
        max_length=8, allowed_pattern="[A-Z0-9 ]", price_per_char=Decimal("5.00"), position=4,
    )
    rule = Rule.objects.create(
        product=car, code="electric-no-18", kind=RuleKind.EXCLUDES,
        explanation_en="18-inch wheels don't fit the battery model",
        explanation_nl="18 inch velgen passen niet bij het batterijmodel",
    )
    rule.subjects.set([electric])
    rule.targets.set([w18])
    rule = Rule.objects.create(
        product=car, code="sport-needs-17", kind=RuleKind.REQUIRES,
        explanation_en="The Sport trim needs 17 or 18-inch wheels",
        explanation_nl="De Sport-uitvoering heeft 17 of 18 inch velgen nodig",
    )
    rule.subjects.set([sport])
    rule.targets.set([w17, w18])
    rule = Rule.objects.create(
        product=car, code="family-tech", kind=RuleKind.PRICE, amount=Decimal("-500"), condition="all",
        explanation_en="Family and Tech together save 500", explanation_nl="Gezin en Tech samen: 500 korting",
    )
    rule.subjects.set([family, tech])
    product_publish(product=car)
    car.refresh_from_db()
    return car



@pytest.fixture
def owner() -> Owner:
    return Owner(shopper_id=uuid.uuid4())


@pytest.fixture
def other_owner() -> Owner:
    return Owner(shopper_id=uuid.uuid4())
