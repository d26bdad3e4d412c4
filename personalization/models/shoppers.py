"""A shopper is the pseudonymous id of the signed `atelier_shopper` cookie. A row exists only once
the shopper consents to a purpose (or orders): before that nothing about them is stored here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Purpose(models.TextChoices):
    ANALYTICS = "analytics", _("Analytics")
    PERSONALIZATION = "personalization", _("Personalization")
    MARKETING = "marketing", _("Marketing")


class Shopper(models.Model):
    id = models.UUIDField(primary_key=True, editable=False, help_text=_("The id in the shopper's signed cookie."))
    created_at = models.DateTimeField(auto_now_add=True)
    # Consent per purpose, as the shopper last chose it (the banner, the Privacy page or the API).
    analytics = models.BooleanField(_("analytics consent"), default=False)
    personalization = models.BooleanField(_("personalization consent"), default=False)
    marketing = models.BooleanField(_("marketing consent"), default=False)
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    gpc = models.BooleanField(_("Global Privacy Control"), default=False,
                              help_text=_("The browser sent Sec-GPC: 1; marketing stays off."))
    # Linked on order: the e-mail and the account the shopper ordered with.
    email = models.EmailField(blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="shoppers")
    country = CountryField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shopper")
        verbose_name_plural = _("shoppers")
        indexes = [models.Index(fields=["marketing", "personalization", "analytics"])]

    def __str__(self) -> str:
        return str(self.id)[:8]

    def consents(self) -> frozenset[str]:
        return frozenset(p for p in Purpose.values if getattr(self, p))


class ConsentChange(models.Model):
    """An audit line per consent decision: what was granted, where, and when."""

    shopper = models.ForeignKey(Shopper, on_delete=models.CASCADE, related_name="consent_changes")
    at = models.DateTimeField(auto_now_add=True)
    analytics = models.BooleanField(default=False)
    personalization = models.BooleanField(default=False)
    marketing = models.BooleanField(default=False)
    source = models.CharField(max_length=20)  # banner | privacy | api | gpc

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.source} {self.at:%Y-%m-%d %H:%M}"
