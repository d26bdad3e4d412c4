"""A shopper's motivation profile, recomputed from their events (never incremented)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    shopper = models.OneToOneField("personalization.Shopper", on_delete=models.CASCADE, primary_key=True,
                                   related_name="profile")
    # Motivation code -> probability (they sum to 1): the choice model's posterior.
    scores = models.JSONField(default=dict, blank=True)
    # The most probable motivation when it reaches the map's threshold; empty: undetermined.
    dominant = models.ForeignKey("personalization.Motivation", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    confidence = models.FloatField(default=0.0)  # the probability of the most probable motivation
    determined = models.BooleanField(default=False)
    # Co-creation depth ("I built it, therefore I own it"), the deepest over the shopper's products,
    # its band, and per product id the parts it is made of (see personalization.depth).
    depth = models.FloatField(default=0.0)
    depth_band = models.CharField(max_length=10, blank=True)
    depth_detail = models.JSONField(default=dict, blank=True)
    # The choices that contributed most: [{"event": id, "type", "product", "group", "option",
    # "label", "motivation", "contribution"}], strongest first.
    evidence = models.JSONField(default=list, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)  # the newest event it was computed from
    computed_at = models.DateTimeField(null=True, blank=True)
    map_version = models.PositiveIntegerField(null=True, blank=True)
    # The choice model's running sums and the depth tally (personalization.choice_model.Running,
    # personalization.depth.DepthTally), so that a refresh reads only the events not counted yet.
    running = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("motivation profile")
        verbose_name_plural = _("motivation profiles")
        indexes = [models.Index(fields=["dominant", "confidence"]), models.Index(fields=["depth_band"])]

    def __str__(self) -> str:
        return str(self.shopper_id)[:8]
