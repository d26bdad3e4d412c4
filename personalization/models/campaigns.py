"""Targeting: a segment, a placement on the site, content in both languages and a holdout."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Placement(models.TextChoices):
    HOME_HERO = "home_hero", _("Home page hero")
    PRODUCT_BANNER = "product_banner", _("Product page banner")
    STARTING_BUILD = "starting_build", _("Suggested starting build")


class CampaignGroup(models.TextChoices):
    TREATMENT = "treatment", _("Shown")
    HOLDOUT = "holdout", _("Holdout")


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    segment = models.ForeignKey("personalization.Segment", on_delete=models.PROTECT, related_name="campaigns")
    placement = models.CharField(max_length=20, choices=Placement.choices)
    product = models.ForeignKey("configurator.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("For a product banner or a starting build."))
    starting_build = models.ForeignKey("configurator.Build", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", help_text=_("A shared build to start from."))
    headline_en = models.CharField(max_length=120)
    headline_nl = models.CharField(max_length=120)
    body_en = models.TextField(blank=True)
    body_nl = models.TextField(blank=True)
    cta_en = models.CharField(_("button text (EN)"), max_length=60, blank=True)
    cta_nl = models.CharField(_("button text (NL)"), max_length=60, blank=True)
    link = models.CharField(max_length=300, blank=True, help_text=_("A path on this site, e.g. /en/configure/city-car/"))
    holdout_percent = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(90)])
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name
