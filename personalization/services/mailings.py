"""A campaign sent by e-mail to its segment.

Recipients are the segment's members who consented to marketing (and whose browser does not
send Global Privacy Control) and whose address is known: from an order, or from "E-mail me this
design" while they had marketing consent. Each gets the arm they hold in the campaign's
experiment (drawn now if they have none): the control gets no mail, the others their variant, in
their language. Exposure is recorded per arm, as on the site, for shoppers whose consent allows
events.

Every mail carries a one-click unsubscribe (RFC 8058: `List-Unsubscribe` with an https link and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`) that withdraws marketing consent, and its
link carries UTM tags. There is no tracking pixel: an open is not recorded. The send log is the
MailDelivery rows: sent, skipped (control, consent withdrawn, address gone) or failed after
MAX_ATTEMPTS tries spaced by RETRY_SECONDS × attempts.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from personalization.models import (
    Assignment,
    Campaign,
    DeliveryStatus,
    MailDelivery,
    Mailing,
    MailingStatus,
    SegmentMembership,
    Shopper,
)
from personalization.services.campaigns import arm_properties, campaign_click_store, campaign_draw

logger = logging.getLogger(__name__)

BATCH = 100
MAX_ATTEMPTS = 3
RETRY_SECONDS = 60
UNSUBSCRIBE_SALT = "atelier.unsubscribe"
CLICK_SALT = "atelier.mail-click"
CONTROL_NOTE = "control"


def unsubscribe_token(shopper_id: uuid.UUID | str) -> str:
    """A signed, non-expiring token naming the shopper: an unsubscribe link must keep working."""
    return signing.dumps(str(shopper_id), salt=UNSUBSCRIBE_SALT)


def unsubscribe_shopper(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def mail_click_token(delivery: MailDelivery) -> str:
    return signing.dumps(delivery.pk, salt=CLICK_SALT)


def mail_click_delivery(token: str) -> MailDelivery | None:
    """The delivery a mail link was sent in (so a click on another device still counts)."""
    try:
        pk = signing.loads(token, salt=CLICK_SALT, max_age=settings.ATELIER_MAIL_CLICK_MAX_AGE)
    except (signing.BadSignature, TypeError):
        return None
    if not isinstance(pk, int):
        return None
    return MailDelivery.objects.select_related("mailing__campaign__segment", "variant").filter(pk=pk).first()


def mail_recipients(campaign: Campaign):
    """The shoppers a mailing of `campaign` would go to."""
    members = SegmentMembership.objects.filter(segment=campaign.segment).values("shopper_id")
    return Shopper.objects.filter(pk__in=members, marketing=True, gpc=False).exclude(email="")


@transaction.atomic
def mailing_create(*, campaign: Campaign, origin: str, user=None) -> Mailing:
    """A mailing of `campaign` with one send-log line per recipient, each with their arm."""
    mailing = Mailing.objects.create(campaign=campaign, origin=origin.rstrip("/"), created_by=user)
    variants = list(campaign.variants.all())
    held = dict(Assignment.objects.filter(campaign=campaign).values_list("shopper_id", "variant_id"))
    new_assignments, lines = [], []
    by_pk = {v.pk: v for v in variants}
    now = timezone.now()
    for shopper in mail_recipients(campaign).only("pk", "email", "language").iterator(chunk_size=1000):
        if shopper.pk in held:
            variant = by_pk.get(held[shopper.pk])
        else:
            variant = campaign_draw(campaign, variants, shopper.pk)
            new_assignments.append(Assignment(campaign=campaign, shopper_id=shopper.pk, variant=variant,
                                              allocation=campaign.allocation, assigned_at=now))
        lines.append(MailDelivery(
            mailing=mailing, shopper_id=shopper.pk, email=shopper.email, variant=variant,
            language=shopper.language if shopper.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
            status=DeliveryStatus.PENDING if variant is not None else DeliveryStatus.SKIPPED,
            error="" if variant is not None else CONTROL_NOTE,
        ))
    Assignment.objects.bulk_create(new_assignments, batch_size=1000, ignore_conflicts=True)
    MailDelivery.objects.bulk_create(lines, batch_size=1000)
    _record_exposures(mailing, [line for line in lines if line.variant is None], now)
    return mailing


def mailing_due(mailing: Mailing) -> bool:
    """Lines of the mailing that may go now."""
    return mailing.deliveries.filter(status=DeliveryStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())).exists()


def mailing_counts(mailing: Mailing) -> dict[str, int]:
    counts = dict(mailing.deliveries.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def _link(delivery: MailDelivery, origin: str) -> str:
    """The mail's button: the campaign click view (which records the click and sends the shopper
    on to the variant's page) with the delivery and UTM tags."""
    campaign = delivery.mailing.campaign
    query = urlencode({
        "m": mail_click_token(delivery), "utm_source": "atelier", "utm_medium": "email",
        "utm_campaign": f"{campaign.pk}-{slugify(campaign.name)[:40]}", "utm_content": delivery.variant.code,
    })
    with translation.override(delivery.language):
        path = reverse("personalization:campaign-click", args=[campaign.pk])
    return f"{origin}{path}?{query}"


def mail_message(delivery: MailDelivery) -> EmailMultiAlternatives:
    """The mail for one delivery, in its language, with the unsubscribe headers."""
    from personalization.services.campaigns import campaign_content

    origin = delivery.mailing.origin
    with translation.override(delivery.language):
        unsubscribe = origin + reverse("personalization:unsubscribe", args=[unsubscribe_token(delivery.shopper_id)])
        context = {**campaign_content(delivery.variant, delivery.language), "link": _link(delivery, origin),
                   "unsubscribe": unsubscribe}
        subject = context["headline"]
        text = render_to_string("personalization/email/campaign.txt", context)
        html = render_to_string("personalization/email/campaign.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [delivery.email], headers={
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    })
    message.attach_alternative(html, "text/html")
    return message


def mailing_send_batch(*, mailing: Mailing, size: int = BATCH) -> int:
    """Send up to `size` due lines of the mailing; returns how many lines are still pending.
    A line is re-checked before it goes: a shopper who withdrew marketing consent (or was erased)
    since the mailing was made is skipped."""
    now = timezone.now()
    if mailing.status == MailingStatus.QUEUED:
        Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.SENDING)
    due = list(mailing.deliveries.filter(status=DeliveryStatus.PENDING)
               .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
               .select_related("variant", "mailing__campaign").order_by("pk")[:size])
    allowed = set(Shopper.objects.filter(pk__in=[d.shopper_id for d in due], marketing=True, gpc=False)
                  .values_list("pk", flat=True))
    sent = []
    for delivery in due:
        if delivery.shopper_id not in allowed:
            _finish(delivery, DeliveryStatus.SKIPPED, "consent withdrawn")
            continue
        delivery.attempts += 1
        try:
            mail_message(delivery).send()
        except Exception as exc:  # the mail server: retried later, then given up
            logger.warning("mailing %s: delivery %s failed: %s", mailing.pk, delivery.pk, exc)
            if delivery.attempts >= MAX_ATTEMPTS:
                _finish(delivery, DeliveryStatus.FAILED, str(exc)[:300])
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=RETRY_SECONDS * delivery.attempts)
                delivery.error = str(exc)[:300]
                delivery.save(update_fields=["attempts", "next_attempt_at", "error"])
            continue
        _finish(delivery, DeliveryStatus.SENT, "")
        sent.append(delivery)
    _record_exposures(mailing, sent, timezone.now())
    pending = mailing.deliveries.filter(status=DeliveryStatus.PENDING).count()
    if not pending:
        Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.DONE, finished_at=timezone.now())
    return pending


def _finish(delivery: MailDelivery, status: str, error: str) -> None:
    delivery.status, delivery.error = status, error
    delivery.sent_at = timezone.now() if status == DeliveryStatus.SENT else None
    delivery.save(update_fields=["status", "error", "sent_at", "attempts"])


def _record_exposures(mailing: Mailing, lines: list[MailDelivery], now) -> None:
    """campaign_shown for each line's shopper and arm (once per shopper and campaign), for
    shoppers whose consent allows events."""
    from personalization.capture import event_dict
    from personalization.models import EventType
    from personalization.services.campaigns import SHOWN_NAMESPACE
    from personalization.services.events import events_record

    campaign = mailing.campaign
    recording = set(Shopper.objects.filter(pk__in=[line.shopper_id for line in lines])
                    .filter(Q(analytics=True) | Q(personalization=True)).values_list("pk", flat=True))
    for line in lines:
        if line.shopper_id not in recording:
            continue
        key = uuid.uuid5(SHOWN_NAMESPACE, f"{campaign.pk}:{line.shopper_id}")
        item = event_dict(EventType.CAMPAIGN_SHOWN, now, product=campaign.product_id, key=str(key),
                          properties={**arm_properties(campaign, line.variant), "channel": "email"})
        item["campaign"] = campaign.pk
        events_record(shopper_id=line.shopper_id, items=[item], fresh_keys=True, refresh=False)


@transaction.atomic
def marketing_unsubscribe(*, shopper_id: uuid.UUID) -> bool:
    """Withdraw the shopper's marketing consent (the others stay as they were). False if there is
    no such shopper (erased, or never consented)."""
    from personalization.services.shoppers import consent_set

    shopper = Shopper.objects.select_for_update().filter(pk=shopper_id).first()
    if shopper is None:
        return False
    if shopper.marketing:
        consent_set(shopper_id=shopper_id, analytics=shopper.analytics, personalization=shopper.personalization,
                    marketing=False, source="unsubscribe", gpc=shopper.gpc)
    return True


def mail_click_record(delivery: MailDelivery) -> bool:
    """A click on a mail's button, for the shopper it was sent to (on whatever device), with the
    arm and the channel, when their stored consent allows events."""
    if not Shopper.objects.filter(pk=delivery.shopper_id).filter(Q(analytics=True) | Q(personalization=True)).exists():
        return False
    campaign_click_store(shopper_id=delivery.shopper_id, campaign=delivery.mailing.campaign, variant=delivery.variant,
                         channel="email")
    return True
