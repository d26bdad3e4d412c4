"""Writes of the personalization app (keyword-only, named <noun>_<verb>)."""

from .events import EventsInvalid, events_ingest, events_record, pending_attach
from .shoppers import consent_decide, consent_set, shopper_for_owner, shopper_records_events

__all__ = [
    "EventsInvalid",
    "consent_decide",
    "consent_set",
    "events_ingest",
    "events_record",
    "pending_attach",
    "shopper_for_owner",
    "shopper_records_events",
]
