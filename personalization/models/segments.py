"""Segments: AND/OR groups of conditions over profiles, events, orders and consent, for one
purpose; membership is materialized by Celery."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .shoppers import Purpose


class Segment(models.Model):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.PERSONALIZATION,
                               help_text=_("Only shoppers who consented to this purpose can be members."))
    # {"op": "and"|"or", "items": [condition | group, ...]}; see personalization/segments.py.
    rules = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    size = models.PositiveIntegerField(default=0, editable=False)
    excluded_no_consent = models.PositiveIntegerField(default=0, editable=False)
    materialized_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    shopper = models.ForeignKey("personalization.Shopper", on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("segment membership")
        verbose_name_plural = _("segment memberships")
        constraints = [models.UniqueConstraint(fields=["segment", "shopper"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.shopper_id}"
