"""Channels beyond the site: a campaign sent by e-mail to its segment (with a send log), and a
segment pushed to an outside tool (an outbox of signed deliveries)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailingStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")


class Mailing(models.Model):
    """One send of a campaign to the members of its segment who consented to marketing and have
    a known address. The control (holdout) gets no mail; each recipient gets their variant."""

    campaign = models.ForeignKey("personalization.Campaign", on_delete=models.CASCADE, related_name="mailings")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    status = models.CharField(max_length=10, choices=MailingStatus.choices, default=MailingStatus.QUEUED)
    origin = models.CharField(max_length=200, help_text=_("The site's address for the links, e.g. https://shop.example"))
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.created_at:%Y-%m-%d %H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class MailDelivery(models.Model):
    """The send log: one line per recipient of a mailing."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    shopper = models.ForeignKey("personalization.Shopper", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    language = models.CharField(max_length=8)
    variant = models.ForeignKey("personalization.Variant", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mail delivery")
        verbose_name_plural = _("mail deliveries")
        constraints = [models.UniqueConstraint(fields=["mailing", "shopper"], name="mail_once_per_mailing")]
        indexes = [models.Index(fields=["mailing", "status"], name="mail_delivery_status")]

    def __str__(self) -> str:
        return f"{self.mailing_id} · {self.status}"


class AudienceSync(models.Model):
    """A segment pushed to a URL (an ad or CRM tool) as its membership changes: JSON signed with
    HMAC-SHA256, only shoppers with marketing consent; a withdrawn consent sends a removal."""

    segment = models.ForeignKey("personalization.Segment", on_delete=models.CASCADE, related_name="syncs")
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("receiver URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200,
                              help_text=_("Shared with the receiver: it checks the X-Atelier-Signature header."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audience sync")
        verbose_name_plural = _("audience syncs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SyncedMember(models.Model):
    """A shopper the receiver has been told is in the audience (and not yet told is out).
    A plain id, not a link to the shopper: after an erasure the removal must still go out."""

    sync = models.ForeignKey(AudienceSync, on_delete=models.CASCADE, related_name="members")
    shopper_id = models.UUIDField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sync", "shopper_id"], name="synced_member_once")]

    def __str__(self) -> str:
        return f"{self.sync_id} · {self.shopper_id}"


class SyncDelivery(models.Model):
    """The outbox: one signed POST, retried with backoff until the receiver answers 2xx. The
    receiver de-duplicates by `delivery_id`, which never changes between attempts."""

    sync = models.ForeignKey(AudienceSync, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audience delivery")
        verbose_name_plural = _("audience deliveries")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sync_delivery_due")]

    def __str__(self) -> str:
        return str(self.delivery_id)
