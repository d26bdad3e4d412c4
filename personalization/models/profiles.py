"""A shopper's motivation profile, recomputed from their events (never incremented)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    shopper = models.OneToOneField("personalization.Shopper", on_delete=models.CASCADE, primary_key=True,
                                   related_name="profile")
    scores = models.JSONField(default=dict, blank=True)  # motivation code -> decayed score
    dominant = models.ForeignKey("personalization.Motivation", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    confidence = models.FloatField(default=0.0)  # 0..1
    # The choices that contributed most: [{"event": id, "type", "product", "group", "option",
    # "label", "motivation", "contribution"}], strongest first.
    evidence = models.JSONField(default=list, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)  # the newest event it was computed from
    computed_at = models.DateTimeField(null=True, blank=True)
    map_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("motivation profile")
        verbose_name_plural = _("motivation profiles")
        indexes = [models.Index(fields=["dominant", "confidence"])]

    def __str__(self) -> str:
        return str(self.shopper_id)[:8]
