"""Configurator announces; personalization listens. Build and order events are written inside
the service's transaction (the signal is sent there), so they commit or roll back together."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.dispatch import receiver
from django.http.request import split_domain_port
from django.utils import timezone

from configurator import signals
from configurator.snapshot import catalog_for
from personalization.capture import choice_events, event_dict
from personalization.consent import consents_from_request
from personalization.models import EventType, Shopper
from personalization.pending import pending_add
from personalization.reach import channel_of
from personalization.services.events import events_record, events_record_click
from personalization.services.shoppers import shopper_for_owner, shopper_known


def _record_for_request(request, items: list[dict]) -> None:
    """A consented shopper's events go to the database; anyone else's wait in their browser
    session until they consent."""
    if not items:
        return
    consents = consents_from_request(request)
    shopper_id = getattr(request, "shopper_id", None)
    if consents.records_events and shopper_id is not None:
        if shopper_known(shopper_id):  # not a browser whose shopper staff erased
            events_record_click(shopper_id=shopper_id, items=items)
    elif not consents.decided:  # undecided: wait in the browser; a "no" keeps nothing at all
        pending_add(request, items)


@receiver(signals.studio_changed, dispatch_uid="personalization.studio_changed")
def on_studio_changed(sender, request, product_id, version_id, before, after, action, **kwargs) -> None:
    consents = consents_from_request(request)
    if not settings.ATELIER_EVENT_CAPTURE or (consents.decided and not consents.records_events):
        return  # nothing is kept for a shopper who said no: not even worked out
    cat = catalog_for(version_id)
    _record_for_request(request, choice_events(cat, product_id, version_id, before, after, action, timezone.now()))


@receiver(signals.share_viewed, dispatch_uid="personalization.share_viewed")
def on_share_viewed(sender, request, build, **kwargs) -> None:
    """A view of a share page, with its channel (personalization.reach.channel_of), the site of
    its referrer and its utm_* tags. Where a visit came from serves the reach report, an analytics
    purpose: a visitor who allows personalization only is recorded without them, one who decided
    nothing keeps the view in their browser until they do (as every event), one who declined
    leaves nothing. The report counts a visitor once per design and day."""
    if not settings.ATELIER_EVENT_CAPTURE:
        return
    consents = consents_from_request(request)
    if consents.decided and not consents.records_events:
        return
    properties: dict[str, str] = {}  # the build links to its sharer; no other shopper's id here
    if consents.analytics or not consents.decided:
        referrer = urlsplit(request.headers.get("Referer", "")).hostname or ""  # the site, never the full URL
        properties["referrer"] = referrer[:100]
        for field in ("utm_source", "utm_medium", "utm_campaign"):
            value = request.GET.get(field, "")
            if value:
                properties[field] = value[:60]
        own_host = split_domain_port(request.get_host())[0]
        properties["channel"] = channel_of(properties.get("utm_source"), referrer, own_host)
    item = event_dict(EventType.SHARE_VIEWED, timezone.now(), product=build.product_id, build=str(build.pk),
                      properties=properties)
    _record_for_request(request, [item])


def _record_for_owner(owner_key, items: list[dict]) -> Shopper | None:
    """Events of a build's owner, if they consented (their row says so)."""
    shopper = shopper_for_owner(owner_key)
    if shopper is not None and (shopper.analytics or shopper.personalization):
        events_record(shopper_id=shopper.pk, items=items, fresh_keys=True)
    return shopper


@receiver(signals.build_saved, dispatch_uid="personalization.build_saved")
def on_build_saved(sender, build, created, **kwargs) -> None:
    _record_for_owner(build.owner_key, [event_dict(
        EventType.BUILD_SAVED, timezone.now(), product=build.product_id, build=str(build.pk),
        properties={"created": bool(created), "total": str(build.total)},
    )])


@receiver(signals.build_shared, dispatch_uid="personalization.build_shared")
def on_build_shared(sender, build, **kwargs) -> None:
    _record_for_owner(build.owner_key, [event_dict(
        EventType.BUILD_SHARED, timezone.now(), product=build.product_id, build=str(build.pk),
    )])


@receiver(signals.build_remixed, dispatch_uid="personalization.build_remixed")
def on_build_remixed(sender, build, source, **kwargs) -> None:
    _record_for_owner(build.owner_key, [event_dict(
        EventType.BUILD_REMIXED, timezone.now(), product=build.product_id, build=str(build.pk),
        properties={"source": str(source.pk)},
    )])


@receiver(signals.order_placed, dispatch_uid="personalization.order_placed")
def on_order_placed(sender, order, build, **kwargs) -> None:
    shopper = _record_for_owner(order.owner_key, [event_dict(
        EventType.ORDER_PLACED, timezone.now(), product=order.product_id, build=str(build.pk),
        properties={"order": str(order.pk), "total": str(order.total),
                    "remixed_from": str(build.remixed_from_id) if build.remixed_from_id else None},
    )])
    if shopper is not None and (shopper.analytics or shopper.personalization or shopper.marketing):
        # The order links the pseudonymous shopper to an e-mail (and account), with consent only.
        shopper.email = order.email
        shopper.country = order.country
        shopper.language = order.language
        if build.owner_user_id:
            shopper.user_id = build.owner_user_id
        shopper.save(update_fields=["email", "country", "language", "user"])


@receiver(signals.design_link_requested, dispatch_uid="personalization.design_link_requested")
def on_design_link_requested(sender, owner, email, **kwargs) -> None:
    """Keep the address a shopper asked their design to be sent to, but only for a shopper who
    consented to marketing: it is then an address campaigns may be mailed to."""
    if owner.shopper_id is None or not email:
        return
    Shopper.objects.filter(pk=owner.shopper_id, marketing=True).update(email=email)
