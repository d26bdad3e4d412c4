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


class ReachCredit(models.Model):
    """The remixes and orders of the reach rollup credited up the chains of remixes
    (personalization.reach.chain_credit), per day of the reach rows, their product and the design
    credited; written with the reach rollup of the same days (personalization.services.reach).
    Credit is linear in the counts, so the report sums these per design and ranks in SQL."""

    day = models.DateField()
    design = models.ForeignKey("configurator.Build", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("configurator.Product", on_delete=models.CASCADE, related_name="+")
    sharer_motivation = models.CharField(max_length=40, blank=True)  # of the design's sharer, at the refresh
    remixes = models.FloatField(default=0.0)
    orders = models.FloatField(default=0.0)
    chain_orders = models.PositiveIntegerField(default=0)  # orders further down (credited less than in full)

    class Meta:
        verbose_name = _("reach credit")
        verbose_name_plural = _("reach credits")
        indexes = [models.Index(fields=["day", "product"], name="reach_credit_day_product")]

    def __str__(self) -> str:
        return f"{self.day} {self.design_id}"


class OptionRollup(models.Model):
    """The shoppers' own option clicks (no repair's) per day, product, step and option, grouped
    by the clicker's dominant motivation: everyone's (segment empty) and each segment's members'
    from when they joined. `shoppers` are distinct per day, so summed over days shopper-days."""

    day = models.DateField()
    product = models.ForeignKey("configurator.Product", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=64)  # the step's code
    option = models.CharField(max_length=64)
    motivation = models.CharField(max_length=40, blank=True)  # the clickers' dominant motivation
    segment = models.ForeignKey("personalization.Segment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    selections = models.PositiveIntegerField(default=0)
    shoppers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("option rollup")
        verbose_name_plural = _("option rollups")
        indexes = [models.Index(fields=["day", "product"], name="option_rollup_day_product")]

    def __str__(self) -> str:
        return f"{self.day} {self.group}.{self.option} {self.motivation or '-'}"


class DepthRollup(models.Model):
    """The co-creation depth report's cohorts (personalization.services.depth_rollups): shoppers
    counted on the day they first designed a product, by depth band and motivation, with what
    they did in the conversion window after it. Every count is expected: a shopper adds their
    probability of the row's motivation, so the rows of one band add up to whole shoppers.

    A row with a product counts (shopper, product) pairs in that product's band; a row without
    one counts each shopper once, on the first day they designed anything, in the band of their
    deepest product. Segment empty: everyone; set: that segment's members, from when they joined."""

    day = models.DateField()
    product = models.ForeignKey("configurator.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    segment = models.ForeignKey("personalization.Segment", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    band = models.CharField(max_length=10, blank=True)  # "" = not measured
    motivation = models.CharField(max_length=40, blank=True)  # "" = no profile, or no probability
    shoppers = models.FloatField(default=0.0)
    ordered = models.FloatField(default=0.0)  # … who placed an order (not cancelled) in the window
    shared = models.FloatField(default=0.0)  # … who shared in the window
    orders = models.FloatField(default=0.0)
    revenue = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("depth rollup")
        verbose_name_plural = _("depth rollups")
        indexes = [models.Index(fields=["day", "product"], name="depth_rollup_day_product")]

    def __str__(self) -> str:
        return f"{self.day} {self.band or '-'} {self.motivation or '-'}"
