"""Shoppers with and without consent, on the small car catalog of the configurator tests."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client

from configurator.identity import sign_shopper
from personalization.consent import COOKIE as CONSENT_COOKIE
from personalization.consent import Consents, consent_cookie_value
from personalization.services import consent_set


def shopper_client(*, analytics: bool = True, personalization: bool = True, marketing: bool = False,
                   record: bool = True) -> tuple[Client, uuid.UUID]:
    """A browser holding a shopper cookie and a consent cookie (and, with `record`, the Shopper
    row the consent banner writes)."""
    shopper_id = uuid.uuid4()
    client = Client()
    client.cookies[settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(shopper_id)
    consents = Consents(analytics=analytics, personalization=personalization, marketing=marketing, decided=True)
    client.cookies[CONSENT_COOKIE] = consent_cookie_value(consents)
    if record:
        consent_set(shopper_id=shopper_id, analytics=analytics, personalization=personalization,
                    marketing=marketing, source="banner")
    return client, shopper_id


@pytest.fixture
def consented(db) -> tuple[Client, uuid.UUID]:
    return shopper_client()
