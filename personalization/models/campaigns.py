"""Targeting: a campaign is an experiment on a placement for a segment. Its control is the holdout
(shown nothing); its variants each carry content in both languages. A shopper's arm is drawn
once, stored (`Assignment`), and kept, so changing the weights moves new shoppers only."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Placement(models.TextChoices):
    HOME_HERO = "home_hero", _("Home page hero")
    PRODUCT_BANNER = "product_banner", _("Product page banner")
    STARTING_BUILD = "starting_build", _("Suggested starting build")


class CampaignGroup(models.TextChoices):
    TREATMENT = "treatment", _("Shown")
    HOLDOUT = "holdout", _("Holdout")


# The arm of shoppers in the holdout, in events and reports.
CONTROL = "control"


class Campaign(models.Model):
    name = models.CharField(max_length=120)
    segment = models.ForeignKey("personalization.Segment", on_delete=models.PROTECT, related_name="campaigns")
    placement = models.CharField(max_length=20, choices=Placement.choices)
    product = models.ForeignKey("configurator.Product", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("For a product banner or a starting build."))
    starting_build = models.ForeignKey("configurator.Build", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", help_text=_("A shared build to start from."))
    holdout_percent = models.PositiveSmallIntegerField(
        _("control (holdout) %"), default=10, validators=[MaxValueValidator(90)],
        help_text=_("The share of shoppers who see nothing: the control every variant is compared with."))
    # Raised whenever the control share or a variant's weight changes: the sample-ratio check
    # compares only shoppers assigned under the current split.
    allocation = models.PositiveIntegerField(default=1, editable=False)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                               validators=[MinValueValidator(Decimal("0"))],
                               help_text=_("What the campaign cost, for cost per order and return on spend."))
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


class Variant(models.Model):
    """One arm of a campaign's experiment: content in both languages, shown to new shoppers in
    proportion to its weight (0: no new shoppers)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    code = models.SlugField(_("code"), max_length=20, help_text=_("A short name in reports, e.g. A, B or status."))
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MaxValueValidator(1000)],
        help_text=_("Relative share of new shoppers; shoppers already assigned keep their variant."))
    motivation = models.CharField(
        _("framed for motivation"), max_length=40, blank=True,
        help_text=_("For a motivation-by-message test: the motivation this message speaks to."))
    headline_en = models.CharField(_("headline (EN)"), max_length=120)
    headline_nl = models.CharField(_("headline (NL)"), max_length=120, blank=True)
    body_en = models.TextField(_("text (EN)"), blank=True)
    body_nl = models.TextField(_("text (NL)"), blank=True)
    cta_en = models.CharField(_("button text (EN)"), max_length=60, blank=True)
    cta_nl = models.CharField(_("button text (NL)"), max_length=60, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True,
                            help_text=_("A path on this site, e.g. /en/configure/city-car/"))
    image = models.ImageField(_("image"), upload_to="campaigns/", blank=True)

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["campaign", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="variant_code_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.code}"


class Assignment(models.Model):
    """A shopper's arm in a campaign, drawn the first time the campaign applied to them and kept.
    `variant` None is the control (holdout)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    shopper = models.ForeignKey("personalization.Shopper", on_delete=models.CASCADE, related_name="assignments")
    # RESTRICT: a variant shoppers are in cannot be deleted on its own (its weight goes to 0
    # instead), but deleting the whole campaign takes its variants and assignments with it.
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.RESTRICT, related_name="assignments")
    allocation = models.PositiveIntegerField(default=1)  # the campaign's split when this was drawn
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["campaign", "shopper"], name="assignment_once")]
        indexes = [models.Index(fields=["shopper", "campaign"], name="assignment_shopper")]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.shopper_id} · {self.arm}"

    @property
    def arm(self) -> str:
        """"control", or the variant's code."""
        return self.variant.code if self.variant_id else CONTROL
