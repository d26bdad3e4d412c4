"""The append-only event log: one row per thing a shopper did, never updated except for the
scoring columns (which map version scored it, and how)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    OPTION_SELECTED = "option_selected", _("Option selected")
    OPTION_REMOVED = "option_removed", _("Option removed")
    TEXT_PERSONALIZED = "text_personalized", _("Text personalized")
    BUILD_SAVED = "build_saved", _("Build saved")
    BUILD_SHARED = "build_shared", _("Build shared")
    SHARE_VIEWED = "share_viewed", _("Share viewed")
    BUILD_REMIXED = "build_remixed", _("Build remixed")
    ORDER_PLACED = "order_placed", _("Order placed")
    CAMPAIGN_SHOWN = "campaign_shown", _("Campaign shown")
    CAMPAIGN_CLICKED = "campaign_clicked", _("Campaign clicked")


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    key = models.UUIDField(_("idempotency key"), unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=24, choices=EventType.choices)
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    # No database constraint: a click's event is one INSERT, with no shopper row to look up
    # (consent comes from the shopper's cookie). Erasure deletes a shopper's events explicitly.
    shopper = models.ForeignKey("personalization.Shopper", on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="events")
    # Few indexes: every click writes a row. (product, occurred_at) below serves product lookups;
    # build and campaign have partial indexes that rows without them never touch.
    product = models.ForeignKey("configurator.Product", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    # No database constraint: an event outlives a deleted draft build (and build ids are UUIDs).
    build = models.ForeignKey("configurator.Build", null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+", db_index=False)
    campaign = models.ForeignKey("personalization.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="events", db_index=False)
    group = models.CharField(max_length=64, blank=True)  # the step's code
    option = models.CharField(max_length=64, blank=True)  # the option's code
    properties = models.JSONField(default=dict, blank=True)
    # Scoring: which motivation map version scored the event, and its weight per motivation.
    scored_with = models.ForeignKey("personalization.MotivationMap", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)
    scores = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["shopper", "occurred_at"]),
            models.Index(fields=["type", "occurred_at"]),
            models.Index(fields=["product", "occurred_at"]),
            models.Index(fields=["build"], condition=models.Q(build__isnull=False), name="event_build_partial"),
            models.Index(fields=["campaign"], condition=models.Q(campaign__isnull=False),
                         name="event_campaign_partial"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.option or ''}".strip()
