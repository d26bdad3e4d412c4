"""Saved configurations. A build keeps the catalog version it was made with, forever."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SHARE_CODE_BYTES = 12  # 96 random bits -> 16 URL-safe characters


def new_share_code() -> str:
    """Random, URL-safe and never derived from a counter or an id."""
    return secrets.token_urlsafe(SHARE_CODE_BYTES)


class BuildStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared")
    ORDERED = "ordered", _("Ordered")


class BuildQuerySet(models.QuerySet):
    def owned_by(self, *, shopper_id: uuid.UUID | None, user=None) -> "BuildQuerySet":
        owner = models.Q(owner_key=shopper_id) if shopper_id else models.Q(pk__in=[])
        if user is not None and user.is_authenticated:
            owner |= models.Q(owner_user=user)
        return self.filter(owner)

    def public(self) -> "BuildQuerySet":
        """Builds their owner shared. Ordering freezes a build but does not publish it."""
        return self.filter(shared_at__isnull=False)


class Build(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey("configurator.Product", on_delete=models.PROTECT, related_name="builds")
    catalog_version = models.ForeignKey(
        "configurator.CatalogVersion", on_delete=models.PROTECT, related_name="builds"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    selections = models.JSONField(_("selections"))
    price = models.JSONField(_("frozen price breakdown"))
    total = models.DecimalField(_("total (EUR)"), max_digits=12, decimal_places=2)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    is_complete = models.BooleanField(_("complete"), default=False)
    owner_key = models.UUIDField(_("shopper"), db_index=True)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="builds",
    )
    share_code = models.CharField(_("share code"), max_length=32, unique=True, default=new_share_code)
    status = models.CharField(_("status"), max_length=10, choices=BuildStatus.choices, default=BuildStatus.DRAFT)
    remixed_from = models.ForeignKey(
        "self", verbose_name=_("remixed from"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="remixes",
    )
    forked_from = models.ForeignKey(
        "self", verbose_name=_("forked from"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="forks",
        help_text=_("The frozen build this one was edited from."),
    )
    # Set on the copy that an e-mailed design link made on another device (configurator.services.
    # design_links): opening the link there again shows that copy instead of making another.
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="copies",
        help_text=_("The design an e-mailed link copied to this device."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    # When its owner last saved it (Save, Order from the summary, the API). A remix or an e-mailed
    # copy has none until then: the reach report counts a remix its owner saved as made their own.
    saved_at = models.DateTimeField(_("saved by its owner"), null=True, blank=True, editable=False)
    # Set by staff (a report, or their own eye): the share page, card and API answer 410 to
    # everyone but the owner, who still sees their design.
    hidden_at = models.DateTimeField(_("hidden by staff"), null=True, blank=True, editable=False)

    objects = BuildQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner_key", "-created_at"], name="build_owner_recent")]
        verbose_name = _("build")
        verbose_name_plural = _("builds")

    def __str__(self) -> str:
        return self.name or f"{self.product.slug} {str(self.id)[:8]}"

    @property
    def is_frozen(self) -> bool:
        return self.status != BuildStatus.DRAFT

    @property
    def is_shared(self) -> bool:
        """Open to anyone with its share code (an ordered build only once its owner shares it)."""
        return self.shared_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_stale(self) -> bool:
        return self.product.current_version_id not in (None, self.catalog_version_id)
