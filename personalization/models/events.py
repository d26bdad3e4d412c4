"""The append-only event log: one row per thing a shopper did, never updated except for the
scoring columns (which map version scored it, and how).

On PostgreSQL the table is partitioned by month of occurred_at (migration 0007, README "Events
partitioned by month"): the database's primary key is (id, occurred_at) and the idempotency key's
uniqueness lives in EventKey, kept by triggers. SQLite keeps a plain table with both constraints
as declared here.
"""

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
    # PostgreSQL: the primary key is (id, occurred_at), as a partitioned table requires; id alone
    # still identifies a row (one sequence hands them out). Neither id nor occurred_at is ever updated.
    id = models.BigAutoField(primary_key=True)
    # PostgreSQL: unique through EventKey (a partitioned table cannot hold a unique index without
    # the partition key); an INSERT of a stored key writes nothing, as ON CONFLICT DO NOTHING would.
    key = models.UUIDField(_("idempotency key"), unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=24, choices=EventType.choices)
    # PostgreSQL: the partition key, with a BRIN index instead of this btree (rows arrive in time order).
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    # No database constraint: a click's event is one INSERT, with no shopper row to look up
    # (consent comes from the shopper's cookie). Erasure deletes a shopper's events explicitly.
    # Its lookups use the (shopper, occurred_at) index below: no index of its own.
    shopper = models.ForeignKey("personalization.Shopper", on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="events", db_index=False)
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


class EventKey(models.Model):
    """The idempotency key of every stored event, on PostgreSQL, where the partitioned event table
    cannot make the key unique by itself. Triggers keep it: an event INSERT claims its key here
    first and is skipped when another event holds it; a DELETE through the event table frees the
    keys of the rows it deleted, and dropping a partition frees its keys (retention purge). So a
    key is taken exactly while an event with it is stored, as with the unique index it replaces.
    Empty on SQLite, whose plain event table keeps its unique index."""

    key = models.UUIDField(primary_key=True)
    # The event holding the key: an UPDATE that changes occurred_at moves the row to another
    # partition, which PostgreSQL does as a delete and an insert; that insert finds its own
    # event's claim here and goes through.
    event_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("event key")
        verbose_name_plural = _("event keys")

    def __str__(self) -> str:
        return str(self.key)
