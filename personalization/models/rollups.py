"""Anonymous daily counts that keep the reports fast; Celery rebuilds them from events (never
increments). They hold no shopper ids, so they survive erasure and the retention purge."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyRollup(models.Model):
    day = models.DateField()
    product = models.ForeignKey("configurator.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    motivation = models.CharField(max_length=40, blank=True)  # the shoppers' dominant motivation
    segment = models.ForeignKey("personalization.Segment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    configured = models.PositiveIntegerField(default=0)  # distinct shoppers who picked an option
    saved = models.PositiveIntegerField(default=0)
    shared = models.PositiveIntegerField(default=0)
    remixed = models.PositiveIntegerField(default=0)
    ordered = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    selections = models.PositiveIntegerField(default=0)  # option_selected events
    weight = models.FloatField(default=0.0)  # summed motivation weight of the day's choices
    # The summed probability of the row's motivation over the day's configuring shoppers (every
    # one of them, whatever their dominant motivation): the motivation mix sums these.
    probability = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        indexes = [models.Index(fields=["day", "product", "motivation"])]

    def __str__(self) -> str:
        return f"{self.day} {self.motivation or '-'}"


class LineageRollup(models.Model):
    """What one shared build spread into: views of its share page, remixes, and orders of those
    remixes, credited to the sharer's dominant motivation."""

    build = models.ForeignKey("configurator.Build", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("configurator.Product", on_delete=models.CASCADE, related_name="+")
    sharer_motivation = models.CharField(max_length=40, blank=True)
    views = models.PositiveIntegerField(default=0)
    remixes = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lineage rollup")
        verbose_name_plural = _("lineage rollups")
        constraints = [models.UniqueConstraint(fields=["build"], name="one_lineage_rollup_per_build")]

    def __str__(self) -> str:
        return str(self.build_id)


class ReachRollup(models.Model):
    """What visits to one shared design's page led to, per day and channel (personalization.
    services.reach): visits (a visitor once a day, with analytics consent), and of those the ones
    followed within the attribution window by a remix, by a remix its maker saved, by an order.
    The row with no channel holds remixes whose visit was not recorded (keyed by the remix's day).
    Anonymous: no shopper ids, so it survives erasure and the retention purge."""

    day = models.DateField()
    share = models.ForeignKey("configurator.Build", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("configurator.Product", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=60, blank=True)
    sharer_motivation = models.CharField(max_length=40, blank=True)
    visits = models.PositiveIntegerField(default=0)
    remixed = models.PositiveIntegerField(default=0)  # visits followed by a remix
    saved = models.PositiveIntegerField(default=0)  # … by a remix its maker saved
    ordered = models.PositiveIntegerField(default=0)  # … by an order of such a remix
    remixes = models.PositiveIntegerField(default=0)  # the remixes themselves
    orders = models.PositiveIntegerField(default=0)  # the orders themselves (not cancelled)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("reach rollup")
        verbose_name_plural = _("reach rollups")
        constraints = [models.UniqueConstraint(fields=["day", "share", "channel"], name="one_reach_rollup_per_day")]
        indexes = [models.Index(fields=["day", "product"], name="reach_rollup_day_product")]

    def __str__(self) -> str:
        return f"{self.day} {self.share_id} {self.channel or '-'}"
