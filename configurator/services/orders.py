"""Placing an order: a frozen snapshot of a complete, valid build and its server-side price."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from configurator import signals
from configurator.delivery import AddressInvalid, address_clean, delivery_estimate
from configurator.engine import evaluate, normalize
from configurator.explain import relabel_price, violations_payload
from configurator.i18n import pick
from configurator.identity import Owner
from configurator.models import Build, BuildStatus, Order, Product
from configurator.personal_text import text_problems
from configurator.services.builds import BuildInvalid, build_save, build_update, clean_name, owned_for_update
from configurator.snapshot import catalog_for
from configurator.tasks import enqueue_on_commit, order_confirmation_email

ORDER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

logger = logging.getLogger(__name__)


def new_order_number() -> str:
    return "AT-" + "".join(secrets.choice(ORDER_ALPHABET) for _ in range(8))


def _contact(name: Any, email: Any, country: Any, address: dict[str, Any]):
    """(name, e-mail, delivery address), or BuildInvalid naming every bad field at once."""
    errors: dict[str, list[str]] = {}
    try:
        clean = clean_name(name)
    except BuildInvalid:
        clean = ""
    if not clean or len(clean) > 120:
        errors["name"] = [_("Give your name (at most 120 characters).")]
    email = email.strip() if isinstance(email, str) else ""
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        errors["email"] = [_("Give a valid e-mail address.")]
    delivery = None
    if not isinstance(country, str) or country.strip().upper() not in countries:
        errors["country"] = [_("Choose a country.")]
    try:
        delivery = address_clean(country=country, **address)
    except AddressInvalid as invalid:
        errors = {**invalid.errors, **errors}
    if errors:
        raise BuildInvalid(errors)
    return clean, email, delivery


def _check_orderable(build: Build) -> None:
    """BuildInvalid unless `build` is valid and complete on its own catalog version and its
    personal text still passes the text rules."""
    cat = catalog_for(build.catalog_version_id)
    state, errors = normalize(cat, build.selections)
    result = evaluate(cat, state)
    if errors or not result.valid:
        raise BuildInvalid({"build": [v["message"] for v in violations_payload(cat, result.violations)]
                            or [_("This design is not valid.")]})
    if not result.complete:
        steps = ", ".join(pick(cat.group_by_code[code].name) for code in result.missing)
        raise BuildInvalid({"build": [_("Complete your design first. Still to choose: %(steps)s.") % {"steps": steps}]})
    problems = text_problems(cat, state)
    if problems:
        raise BuildInvalid({"build": [m for messages in problems.values() for m in messages]})


@transaction.atomic
def build_save_to_order(
    *, product: Product, owner: Owner, selections: Any, name: Any = "", build: Build | None = None,
) -> Build:
    """The studio summary's Order button: save the design as Save does (a new build, or `build`
    updated, forked if it is frozen) and check that it can be ordered, in one transaction. A
    design that is not valid and complete raises BuildInvalid and nothing is saved."""
    if build is None:
        saved = build_save(product=product, selections=selections, owner=owner, name=name)
    else:
        saved = build_update(build=build, owner=owner, selections=selections, name=name)
    _check_orderable(saved)
    return saved


@transaction.atomic
def order_place(
    *, build: Build, owner: Owner, name: Any, email: Any, country: Any,
    address_line1: Any = "", address_line2: Any = "", postal_code: Any = "", city: Any = "", region: Any = "",
    marketing_opt_in: bool = False, language: str = "en",
) -> Order:
    """Order your own build, delivered to the address given (checked for its country). It must
    be valid and complete on its own catalog version, and its personal text must still pass the
    text rules. The build is frozen (status ordered). The order is a request for the brand to
    confirm, like a pre-order: no payment is taken. Its estimated delivery date is the product's
    lead time in business days from today (configurator.delivery)."""
    build = owned_for_update(build, owner)
    if build.status == BuildStatus.ORDERED:
        raise BuildInvalid({"build": [_("This design has already been ordered. Edit a copy to order it again.")]})
    name, email, address = _contact(name, email, country, {
        "line1": address_line1, "line2": address_line2, "postal_code": postal_code, "city": city, "region": region,
    })
    _check_orderable(build)
    order = Order.objects.create(
        number=new_order_number(), build=build, product_id=build.product_id,
        catalog_version_id=build.catalog_version_id, selections=build.selections, price=build.price,
        total=build.total, fingerprint=build.fingerprint, name=name, email=email, country=address.country,
        address_line1=address.line1, address_line2=address.line2, postal_code=address.postal_code,
        city=address.city, region=address.region,
        estimated_delivery=delivery_estimate(ordered_on=timezone.localdate(),
                                             lead_time_days=build.product.lead_time_days),
        marketing_opt_in=bool(marketing_opt_in), language=language[:8], owner_key=owner.shopper_id,
    )
    build.status = BuildStatus.ORDERED
    build.save(update_fields=["status", "updated_at"])
    signals.order_placed.send(sender=Order, order=order, build=build)
    enqueue_on_commit(order_confirmation_email, str(order.pk))
    return order


def order_confirmation_send(*, order_id) -> bool:
    """Send the confirmation e-mail of an order once; False if the order is gone or its e-mail
    already went out. The order stays locked while sending, so the task and the sweep never both
    send it; a worker that dies before it commits leaves it unsent (the sweep sends it again)."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    with transaction.atomic():
        order = (Order.objects.select_for_update(skip_locked=True, of=("self",)).select_related("product")
                 .filter(pk=order_id, confirmation_sent_at__isnull=True).first())
        if order is None:
            return False
        with translation.override(order.language):
            price = relabel_price(catalog_for(order.catalog_version_id), order.price)
            subject = _("Your Atelier order %(number)s") % {"number": order.number}
            body = render_to_string("configurator/email/order_confirmation.txt", {"order": order, "price": price})
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.email])
        order.confirmation_sent_at = timezone.now()
        order.save(update_fields=["confirmation_sent_at"])
    return True


# An order this fresh is still being confirmed by its own task; older than the window, it is
# left alone (its e-mail would come too late to help).
CONFIRMATION_SETTLE = timedelta(seconds=30)
CONFIRMATION_WINDOW = timedelta(days=2)


# A confirmation the mail server refused this often is given up (and logged): staff see it in
# admin, the shopper still has the confirmation page.
CONFIRMATION_MAX_FAILURES = 5


def order_confirmations_sweep(*, limit: int = 100) -> int:
    """The outbox: send the confirmations that could not be queued (the broker was away) or
    whose task was lost. One that fails is counted and skipped, so it never holds up the
    others; after CONFIRMATION_MAX_FAILURES it is given up. Returns how many were sent."""
    now = timezone.now()
    unsent = (Order.objects.filter(confirmation_sent_at__isnull=True, created_at__gte=now - CONFIRMATION_WINDOW,
                                   created_at__lte=now - CONFIRMATION_SETTLE,
                                   confirmation_failures__lt=CONFIRMATION_MAX_FAILURES)
              .order_by("created_at").values_list("pk", flat=True)[:limit])
    sent = 0
    for order_id in list(unsent):
        try:
            sent += order_confirmation_send(order_id=order_id)
        except Exception as exc:  # the mail server refused this one (an address, a hiccup): try the next
            failures = Order.objects.filter(pk=order_id).update(confirmation_failures=F("confirmation_failures") + 1)
            logger.warning("order %s: confirmation not sent (%s: %s)%s", order_id,
                                                type(exc).__name__, exc, "" if failures else " (order gone)")
    return sent


@transaction.atomic
def orders_unlink_owner(*, owner_key) -> int:
    """Erasure: a shopper's orders stay (they are business records) but no longer point at the
    shopper. Each order, and the build frozen in it, gets its own fresh random owner key, so the
    orders cannot be tied back to the old id or to each other. Returns how many were unlinked."""
    import uuid

    count = 0
    for order in Order.objects.select_for_update().filter(owner_key=owner_key).only("pk", "build_id"):
        key = uuid.uuid4()
        Order.objects.filter(pk=order.pk).update(owner_key=key)
        Build.objects.filter(pk=order.build_id, owner_key=owner_key).update(owner_key=key)
        count += 1
    return count
