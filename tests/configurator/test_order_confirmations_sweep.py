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

CONTACT = {"name": "Ann", "email": "ann@example.com", "country": "NL"}


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
