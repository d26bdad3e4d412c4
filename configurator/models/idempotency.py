"""Requests that must take effect once: a save or an order that a client retries after a timeout
(an Idempotency-Key header, or a form's one-time token) gets the first answer back."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    scope = models.CharField(_("request kind"), max_length=32)  # e.g. "build-save", "order-form"
    # The shopper id the request came with ("" for a request without one): two shoppers' keys never
    # meet. A retry comes with the same identity as its first attempt, cookie or no cookie.
    namespace = models.CharField(max_length=36, blank=True)
    key = models.CharField(_("key"), max_length=255)
    # A digest of the request (path and body): a key sent again with another request is refused.
    fingerprint = models.CharField(max_length=64)
    # Whom the request acted for: a retry that came without an identity gets this one back.
    owner_key = models.UUIDField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(default=0)
    # The answer's body as JSON text, not jsonb: PostgreSQL would reorder its keys, and a replay
    # must answer byte for byte as the first response did.
    response = models.TextField(default="{}")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)  # kept ATELIER_IDEMPOTENCY_KEY_HOURS

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "namespace", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:12]}"
