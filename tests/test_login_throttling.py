"""Admin login throttling (django-axes): repeated failures lock a user name and an address, with
a clear 429 page, and staff unlock it in admin."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

LOGIN = "/admin/login/?next=/admin/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", password="right-horse-battery", is_staff=True)


def attempt(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times: int, username: str = "staff", address: str = "10.0.0.1"):
    return [attempt(client, username, f"wrong-{i}", address) for i in range(times)]


def test_a_few_failures_only_show_the_login_form_again(client, staff, settings):
    responses = fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert [r.status_code for r in responses] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, "staff", "right-horse-battery").status_code == 302  # still let in


def test_repeated_failures_for_a_user_name_lock_it_from_any_address(client, staff, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        last = attempt(client, "staff", f"wrong-{i}", address=f"10.0.1.{i}")  # a new address each time
    assert last.status_code == 429
    locked = attempt(client, "staff", "right-horse-battery", address="10.0.2.1")  # even the right password
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_an_address_lock_it_for_every_user_name(client, staff, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess-{i}", "wrong", address="10.0.3.1")
    assert attempt(client, "staff", "right-horse-battery", address="10.0.3.1").status_code == 429
    assert attempt(client, "staff", "right-horse-battery", address="10.0.3.2").status_code == 302  # elsewhere: fine


def test_the_lockout_page_says_why_and_how_long(client, staff, settings):
    response = fail(client, settings.AXES_FAILURE_LIMIT)[-1]
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in text
    assert f"Try again in {round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)} minutes" in text
    assert "right-horse-battery" not in text and "wrong-" not in text


def test_staff_unlock_in_admin_by_deleting_the_attempts(client, admin_client, staff, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert attempt(client, "staff", "right-horse-battery").status_code == 429
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200 and "staff" in page.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    confirm = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(client, "staff", "right-horse-battery").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, staff, settings):
    from datetime import timedelta

    from django.utils import timezone

    fail(client, settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert attempt(client, "staff", "right-horse-battery").status_code == 302


def test_the_count_is_shared_by_every_process(staff, settings):
    """Failures are rows in the database, not a process's memory: a second client (another
    gunicorn worker, another machine) sees the lock."""
    from django.test import Client

    fail(Client(), settings.AXES_FAILURE_LIMIT)
    assert attempt(Client(), "staff", "right-horse-battery").status_code == 429
