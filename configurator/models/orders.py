"""Orders: a frozen snapshot of a build and its price, with the shopper's contact details."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("order number"), max_length=20, unique=True)
    build = models.ForeignKey("configurator.Build", on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey("configurator.Product", on_delete=models.PROTECT, related_name="orders")
    catalog_version = models.ForeignKey("configurator.CatalogVersion", on_delete=models.PROTECT, related_name="+")
    selections = models.JSONField(_("selections"))
    price = models.JSONField(_("price breakdown"))
    total = models.DecimalField(_("total (EUR)"), max_digits=12, decimal_places=2)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"))
    country = CountryField(_("country"))
    # The delivery address (configurator.delivery checks it per country). Blank on orders placed
    # before addresses were asked for.
    address_line1 = models.CharField(_("street and number"), max_length=120, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    region = models.CharField(_("state"), max_length=2, blank=True)
    estimated_delivery = models.DateField(_("estimated delivery"), null=True, blank=True)
    marketing_opt_in = models.BooleanField(_("marketing opt-in"), default=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    owner_key = models.UUIDField(_("shopper"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    # Set once the confirmation e-mail went out: orders without it are the outbox that
    # configurator.order_confirmations_sweep works through (the broker may have been away).
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True, editable=False)
    # Failed attempts to send it (the mail server refused): after CONFIRMATION_MAX_FAILURES the
    # sweep stops trying, so one bad address never holds up the others.
    confirmation_failures = models.PositiveSmallIntegerField(_("confirmation failures"), default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number
