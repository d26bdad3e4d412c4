"""The outbox of order confirmations: an order whose e-mail could not be queued (the broker was
away) is confirmed by the beat sweep, and no order is confirmed twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from configurator.models import Order
from configurator.services import build_save, order_place
from configurator.services.orders import CONFIRMATION_SETTLE, order_confirmations_sweep
from configurator.tasks import order_confirmation_email
from configurator.tasks import order_confirmations_sweep as order_confirmations_sweep_task

pytestmark = pytest.mark.django_db

CONTACT = {"name": "Ann", "email": "ann@example.com", "country": "NL",
           "address_line1": "Keizersgracht 1", "postal_code": "1015 CJ", "city": "Amsterdam"}


def _order(car, owner, *, ago: timedelta) -> Order:
    order = order_place(build=build_save(product=car, selections={}, owner=owner), owner=owner, **CONTACT)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - ago)
    return order


def test_an_order_whose_email_was_never_queued_is_confirmed_once(car, owner, mailoutbox):
    order = _order(car, owner, ago=CONFIRMATION_SETTLE + timedelta(seconds=1))
    assert order_confirmations_sweep() == 1
    assert [m.to for m in mailoutbox] == [["ann@example.com"]] and order.number in mailoutbox[0].subject
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None
    assert order_confirmations_sweep() == 0 and len(mailoutbox) == 1


def test_the_task_and_the_sweep_never_both_send(car, owner, mailoutbox):
    order = _order(car, owner, ago=CONFIRMATION_SETTLE + timedelta(seconds=1))
    assert order_confirmation_email(str(order.pk)) is True
    assert order_confirmation_email(str(order.pk)) is False  # a replayed message
    assert order_confirmations_sweep_task() == {"sent": 0}
    assert len(mailoutbox) == 1


def test_a_fresh_order_is_left_to_its_own_task(car, owner, mailoutbox):
    _order(car, owner, ago=timedelta(seconds=1))
    assert order_confirmations_sweep() == 0 and mailoutbox == []


def test_an_email_the_server_refuses_never_holds_up_the_others(car, owner, mailoutbox, monkeypatch):
    """The oldest order's address is refused every time: the later orders are still confirmed,
    and the refused one is given up after CONFIRMATION_MAX_FAILURES attempts."""
    import smtplib

    from django.core import mail

    from configurator.services.orders import CONFIRMATION_MAX_FAILURES

    real_send_mail = mail.send_mail

    def send_mail(subject, body, sender, recipients, **kwargs):
        if recipients == ["bad@example.com"]:
            raise smtplib.SMTPRecipientsRefused({"bad@example.com": (550, b"no such user")})
        return real_send_mail(subject, body, sender, recipients, **kwargs)

    monkeypatch.setattr(mail, "send_mail", send_mail)
    refused = order_place(build=build_save(product=car, selections={}, owner=owner), owner=owner,
                          **{**CONTACT, "email": "bad@example.com"})
    Order.objects.filter(pk=refused.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    good = _order(car, owner, ago=timedelta(minutes=1))

    assert order_confirmations_sweep(limit=1) == 0  # the oldest first: refused, counted
    assert order_confirmations_sweep() == 1  # ... and the next run gets past it
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]
    assert Order.objects.get(pk=good.pk).confirmation_sent_at is not None
    for _attempt in range(CONFIRMATION_MAX_FAILURES):
        order_confirmations_sweep()
    refused.refresh_from_db()
    assert refused.confirmation_sent_at is None
    assert refused.confirmation_failures == CONFIRMATION_MAX_FAILURES
    assert order_confirmations_sweep(limit=1) == 0 and len(mailoutbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_being_confirmed_elsewhere_is_skipped_not_sent_twice(car, owner, mailoutbox):
    """While the order's own task holds its row (sending), the sweep passes it by (SKIP LOCKED);
    once that commits, nothing is left to send."""
    import threading
    import time

    from django.db import connection, transaction

    order = _order(car, owner, ago=CONFIRMATION_SETTLE + timedelta(seconds=1))
    locked, release = threading.Event(), threading.Event()

    def task_sending() -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                release.wait(10)
                Order.objects.filter(pk=order.pk).update(confirmation_sent_at=timezone.now())
        finally:
            connection.close()

    worker = threading.Thread(target=task_sending)
    worker.start()
    assert locked.wait(10)
    try:
        started = time.monotonic()
        assert order_confirmations_sweep() == 0
        assert time.monotonic() - started < 5  # passed by, not waited for (the lock holds 10 s)
    finally:
        release.set()
        worker.join(10)
    assert order_confirmations_sweep() == 0
    assert mailoutbox == []
