"""The editable catalog (products, steps, options, rules) and its frozen, published versions.

Staff edit the live rows; shoppers only ever see a published CatalogVersion, a JSON snapshot
that the engine compiles once per version. Editing never changes an existing version.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from configurator.i18n import LocalizedMixin

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a2b3c."))
code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,39}$", _("Use lowercase letters, digits, '-' and '_' (at most 40).")
)


# Query parameters the studio's address carries beside the steps (a build lives in the URL as
# ?<step code>=<option code>): the saved build, the open step, the view shown, the language and
# a visit's source. No step may be called one of them, nor "summary", the stepper's last tab
# (configurator.stepper.SUMMARY, a value of ?step=).
RESERVED_STEP_CODES = frozenset({
    "b", "step", "view", "lang", "ref", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
    "summary",
})


def validate_step_code(value: str) -> None:
    if value in RESERVED_STEP_CODES:
        raise ValidationError(
            _("“%(code)s” is a reserved word in the studio's address; choose another code."),
            params={"code": value},
        )


def validate_regex(value: str) -> None:
    import re

    try:
        re.compile(value)
    except re.error as exc:
        raise ValidationError(_("Not a valid pattern: %(error)s"), params={"error": exc}) from exc


class Product(LocalizedMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    base_price = models.DecimalField(
        _("base price (EUR)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    is_active = models.BooleanField(_("active"), default=True)
    canvas_width = models.PositiveSmallIntegerField(_("preview width (px)"), default=800)
    canvas_height = models.PositiveSmallIntegerField(_("preview height (px)"), default=600)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (business days)"), default=10, validators=[MaxValueValidator(365)],
        help_text=_("Business days from order to delivery, making and shipping included. The order form "
                    "shows the estimated delivery date from it."),
    )
    current_version = models.ForeignKey(
        "CatalogVersion", verbose_name=_("published version"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")


class GroupKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTI = "multi", _("Multiple choice")
    TEXT = "text", _("Personal text")
    # A single choice that changes the price but never the picture (a shoe or coat size): it is
    # left out of the render fingerprint, so picking a size never draws a new preview.
    SIZE = "size", _("Size (single choice, not in the picture)")


class Font(models.TextChoices):
    SANS = "DejaVuSans.ttf", _("Sans")
    SANS_BOLD = "DejaVuSans-Bold.ttf", _("Sans bold")
    SERIF = "DejaVuSerif.ttf", _("Serif")
    MONO = "DejaVuSansMono.ttf", _("Monospace")


class OptionGroup(LocalizedMixin, models.Model):
    """A step of the configurator."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator, validate_step_code])
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.SINGLE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    required = models.BooleanField(_("required"), default=True)
    default_option = models.ForeignKey(
        "Option", verbose_name=_("default option"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    min_count = models.PositiveSmallIntegerField(_("minimum choices"), default=0)
    max_count = models.PositiveSmallIntegerField(_("maximum choices"), null=True, blank=True)
    # Personal text
    max_length = models.PositiveSmallIntegerField(_("maximum length"), default=12)
    allowed_pattern = models.CharField(
        _("allowed characters"), max_length=200, default=r"[A-Za-z0-9 .\-]", validators=[validate_regex],
        help_text=_("A regular-expression character class every character must match."),
    )
    price_per_char = models.DecimalField(_("price per character"), max_digits=8, decimal_places=2, default=0)
    flat_price = models.DecimalField(_("flat price"), max_digits=8, decimal_places=2, default=0)
    font = models.CharField(_("font"), max_length=40, choices=Font.choices, default=Font.SANS_BOLD)
    text_colour = models.CharField(_("text colour"), max_length=7, default="#ffffff", validators=[hex_colour])

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="unique_group_code_per_product"),
        ]
        verbose_name = _("option group")
        verbose_name_plural = _("option groups")

    def __str__(self) -> str:
        return f"{self.product.slug} / {self.localized('name')}"

    def clean(self) -> None:
        errors = {}
        if self.kind == GroupKind.MULTI and self.max_count is not None and self.max_count < self.min_count:
            errors["max_count"] = _("The maximum must not be below the minimum.")
        if self.default_option_id and self.default_option.group_id != self.pk:
            errors["default_option"] = _("The default must be one of this step's own options.")
        if self.kind == GroupKind.TEXT and self.default_option_id:
            errors["default_option"] = _("A personal text step has no default option.")
        if errors:
            raise ValidationError(errors)


class Option(LocalizedMixin, models.Model):
    group = models.ForeignKey(OptionGroup, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120, blank=True)
    price_delta = models.DecimalField(_("price delta (EUR)"), max_digits=10, decimal_places=2, default=0)
    swatch = models.CharField(_("swatch colour"), max_length=7, blank=True, validators=[hex_colour])
    is_available = models.BooleanField(_("available"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="unique_option_code_per_group"),
        ]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return f"{self.group.code}: {self.localized('name')}"

    @property
    def key(self) -> str:
        return f"{self.group.code}.{self.code}"


class ProductView(LocalizedMixin, models.Model):
    """One angle the product is drawn from (side, front, top, a detail). The first is the one
    shown by default; every option layer and text placement belongs to one view."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="views")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120, blank=True)
    base_layer = models.ImageField(
        _("base layer"), upload_to="catalog/base/", blank=True,
        help_text=_("Drawn beneath every option layer of this view."),
    )
    on_card = models.BooleanField(
        _("show on the social card"), default=True,
        help_text=_("The card shows the first two views that have this ticked."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="unique_view_code_per_product"),
        ]
        verbose_name = _("view")
        verbose_name_plural = _("views")

    def __str__(self) -> str:
        return f"{self.product.slug} / {self.localized('name')}"

    @property
    def name(self) -> str:
        return self.localized("name")


class OptionLayer(models.Model):
    """What an option adds to the picture in one view: an image, or a grey mask with a tint."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="layers")
    view = models.ForeignKey(ProductView, verbose_name=_("view"), on_delete=models.CASCADE, related_name="layers")
    image = models.ImageField(
        _("layer image"), upload_to="catalog/layers/",
        help_text=_("A canvas-sized PNG with alpha. With a tint colour it is used as a mask."),
    )
    tint = models.CharField(_("tint colour"), max_length=7, blank=True, validators=[hex_colour])
    z = models.SmallIntegerField(_("z-order"), default=10)

    class Meta:
        ordering = ["option", "view__position", "view_id"]
        constraints = [
            models.UniqueConstraint(fields=["option", "view"], name="unique_layer_per_option_view"),
        ]
        verbose_name = _("view layer")
        verbose_name_plural = _("view layers")

    def __str__(self) -> str:
        return f"{self.option} @ {self.view.code}"

    def clean(self) -> None:
        if self.view_id and self.option_id and self.view.product_id != self.option.group.product_id:
            raise ValidationError({"view": _("The view must belong to this option's product.")})


class TextPlacement(models.Model):
    """Where a personal text is drawn in one view. A view without a placement does not show it."""

    group = models.ForeignKey(OptionGroup, on_delete=models.CASCADE, related_name="placements")
    view = models.ForeignKey(
        ProductView, verbose_name=_("view"), on_delete=models.CASCADE, related_name="placements"
    )
    x = models.PositiveSmallIntegerField(_("text box left"), default=0)
    y = models.PositiveSmallIntegerField(_("text box top"), default=0)
    width = models.PositiveSmallIntegerField(_("text box width"), default=200)
    height = models.PositiveSmallIntegerField(_("text box height"), default=40)
    z = models.SmallIntegerField(_("text layer z-order"), default=100)

    class Meta:
        ordering = ["group", "view__position", "view_id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "view"], name="unique_placement_per_group_view"),
        ]
        verbose_name = _("text placement")
        verbose_name_plural = _("text placements")

    def __str__(self) -> str:
        return f"{self.group.code} @ {self.view.code}"

    def clean(self) -> None:
        if self.view_id and self.group_id and self.view.product_id != self.group.product_id:
            raise ValidationError({"view": _("The view must belong to this step's product.")})


class RuleKind(models.TextChoices):
    REQUIRES = "requires", _("Requires: a chosen subject needs one of the targets")
    EXCLUDES = "excludes", _("Excludes: subjects cannot go with targets")
    AVAILABILITY = "availability", _("Availability: targets are offered only when the condition holds")
    CARDINALITY = "cardinality", _("Cardinality: between min and max of the subjects")
    PRICE = "price", _("Price: adjust the price when the condition holds")


class ConditionMode(models.TextChoices):
    ALL = "all", _("all subjects chosen")
    ANY = "any", _("any subject chosen")


class Rule(LocalizedMixin, models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("code"), max_length=40, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    subjects = models.ManyToManyField(
        Option, verbose_name=_("subjects / condition"), related_name="rules_as_subject", blank=True
    )
    targets = models.ManyToManyField(Option, verbose_name=_("targets"), related_name="rules_as_target", blank=True)
    condition = models.CharField(
        _("condition"), max_length=3, choices=ConditionMode.choices, default=ConditionMode.ALL
    )
    min_count = models.PositiveSmallIntegerField(_("minimum"), default=0)
    max_count = models.PositiveSmallIntegerField(_("maximum"), null=True, blank=True)
    amount = models.DecimalField(
        _("price adjustment (EUR)"), max_digits=10, decimal_places=2, default=0,
        help_text=_("Negative for a discount, positive for a surcharge."),
    )
    explanation_en = models.CharField(_("explanation (English)"), max_length=240)
    explanation_nl = models.CharField(_("explanation (Dutch)"), max_length=240)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="unique_rule_code_per_product"),
        ]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.max_count is not None and self.max_count < self.min_count:
            raise ValidationError({"max_count": _("The maximum must not be below the minimum.")})


class CatalogVersion(models.Model):
    """An immutable snapshot of a product's catalog, as the engine reads it."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("number"))
    snapshot = models.JSONField(_("snapshot"))
    checksum = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["product", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="unique_version_number_per_product"),
        ]
        get_latest_by = "number"
        verbose_name = _("catalog version")
        verbose_name_plural = _("catalog versions")

    def __str__(self) -> str:
        return f"{self.product.slug} v{self.number}"
