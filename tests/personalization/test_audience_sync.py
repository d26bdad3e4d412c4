"""#13 §5: audience sync. A segment is pushed to a receiver as its membership changes: signed JSON
from an outbox, retried with backoff under one delivery id, in order per sync, only shoppers with
marketing consent, and a removal when consent is withdrawn or the shopper is erased. The receiver
is a real HTTP server on 127.0.0.1 that each test starts."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from configurator import signals
from personalization.models import AudienceSync, DeliveryStatus, Segment, Shopper, SyncDelivery, SyncedMember
from personalization.services import consent_set
from personalization.services.audience import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    MAX_ATTEMPTS,
    audience_deliveries_due,
    audience_delivery_send,
    audience_sync_plan,
    backoff_seconds,
)
from personalization.services.privacy import shopper_erase, shopper_gpc_record
from personalization.services.segments import segment_materialize
from personalization.tasks.audience import audience_sync_plan as audience_sync_plan_task
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

SECRET = "a-long-shared-secret-for-tests"


class Receiver:
    """Records every POST; answers 500 to the next `fail_next` ones (or a redirect with `redirect`)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        self.redirect: str | None = None
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= 1 if failing else 0
                if receiver.redirect:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect)
                else:
                    self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/audience"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture(autouse=True)
def _eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def person(*, marketing: bool = True, gpc: bool = False) -> uuid.UUID:
    shopper_id = uuid.uuid4()
    consent_set(shopper_id=shopper_id, analytics=True, personalization=True, marketing=marketing, gpc=gpc,
                source="banner")
    return shopper_id


def sync_for(receiver: Receiver, *, name: str = "Ads audience") -> AudienceSync:
    segment = Segment.objects.create(name="Everyone", purpose="personalization", rules={})
    return AudienceSync.objects.create(segment=segment, name=name, url=receiver.url, secret=SECRET)


def refresh(sync: AudienceSync) -> list[SyncDelivery]:
    """Materialize the segment, plan the sync and send what is due (what the tasks do)."""
    segment_materialize(segment=sync.segment)
    planned = audience_sync_plan(sync=sync)
    audience_deliveries_due()
    return planned


def ids(entries: list[dict]) -> set[str]:
    return {entry["id"] for entry in entries}


def test_the_signature_verifies_over_the_exact_body(receiver):
    person()
    sync = sync_for(receiver)
    refresh(sync)
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Atelier-Signature"], expected)
    assert not hmac.compare_digest(headers["X-Atelier-Signature"],
                                   "sha256=" + hmac.new(b"another secret", body, hashlib.sha256).hexdigest())
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert headers["X-Atelier-Delivery"] == payload["delivery_id"] == str(SyncDelivery.objects.get().delivery_id)
    assert int(headers["X-Atelier-Timestamp"]) > 0
    assert payload["audience"] == {"id": sync.pk, "name": "Ads audience"}
    assert payload["segment"] == {"id": sync.segment_id, "name": "Everyone"}
    assert SyncDelivery.objects.get().status == DeliveryStatus.SENT


def test_only_members_with_marketing_consent_are_sent_with_the_hash_of_their_order_email(receiver):
    buyer, browser = person(), person()
    person(marketing=False)
    person(gpc=True)
    order = OrderFactory(owner_key=buyer, email="Ann@Example.com")
    signals.order_placed.send(sender=None, order=order, build=order.build)
    assert Shopper.objects.get(pk=buyer).email == "Ann@Example.com"
    sync = sync_for(receiver)
    refresh(sync)
    (payload,) = receiver.payloads()
    assert payload["removed"] == []
    hashes = {entry["id"]: entry["email_sha256"] for entry in payload["added"]}
    assert hashes == {str(buyer): hashlib.sha256(b"ann@example.com").hexdigest(), str(browser): None}
    assert set(SyncedMember.objects.values_list("shopper_id", flat=True)) == {buyer, browser}


def test_running_twice_sends_nothing_new(receiver):
    person()
    sync = sync_for(receiver)
    assert len(refresh(sync)) == 1
    assert refresh(sync) == []
    assert len(receiver.requests) == 1 and SyncDelivery.objects.count() == 1
    newcomer = person()
    (delivery,) = refresh(sync)
    assert ids(delivery.payload["added"]) == {str(newcomer)} and delivery.payload["removed"] == []
    assert len(receiver.requests) == 2


def test_withdrawing_marketing_consent_sends_a_removal(receiver, django_capture_on_commit_callbacks):
    stays, leaves = person(), person()
    sync = sync_for(receiver)
    refresh(sync)
    with django_capture_on_commit_callbacks(execute=True):  # the consent service queues the plan itself
        consent_set(shopper_id=leaves, analytics=True, personalization=True, marketing=False, source="privacy")
    last = receiver.payloads()[-1]
    assert len(receiver.requests) == 2
    assert last["added"] == [] and last["removed"] == [{"id": str(leaves)}]
    assert set(SyncedMember.objects.values_list("shopper_id", flat=True)) == {stays}


def test_global_privacy_control_sends_a_removal(receiver, django_capture_on_commit_callbacks):
    leaves = person()
    refresh(sync_for(receiver))
    with django_capture_on_commit_callbacks(execute=True):
        shopper_gpc_record(shopper_id=leaves)
    assert receiver.payloads()[-1]["removed"] == [{"id": str(leaves)}]


def test_erasure_sends_a_removal(receiver, django_capture_on_commit_callbacks):
    erased = person()
    refresh(sync_for(receiver))
    with django_capture_on_commit_callbacks(execute=True):
        shopper_erase(shopper_id=erased)
    assert not Shopper.objects.filter(pk=erased).exists()
    assert receiver.payloads()[-1] == {**receiver.payloads()[-1], "added": [], "removed": [{"id": str(erased)}]}
    assert not SyncedMember.objects.exists()


def test_an_erased_shopper_is_removed_by_the_next_plan_even_without_the_hook(receiver):
    erased = person()
    sync = sync_for(receiver)
    refresh(sync)
    Shopper.objects.filter(pk=erased).delete()  # e.g. by an older release, or a lost task
    (delivery,) = audience_sync_plan(sync=sync)
    assert delivery.payload["removed"] == [{"id": str(erased)}]


def test_a_failure_is_retried_with_backoff_under_the_same_delivery_id(receiver):
    person()
    sync = sync_for(receiver)
    receiver.fail_next = 1
    now = timezone.now()
    segment_materialize(segment=sync.segment)
    audience_sync_plan(sync=sync, now=now)
    assert audience_deliveries_due(now=now, rng=random.Random(1)) == 0
    delivery = SyncDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error == "HTTP 500"
    wait = (delivery.next_attempt_at - now).total_seconds()
    assert BACKOFF_BASE_SECONDS / 2 <= wait <= BACKOFF_BASE_SECONDS
    assert audience_deliveries_due(now=now) == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    assert audience_deliveries_due(now=delivery.next_attempt_at) == 1
    first, second = receiver.requests
    assert first["headers"]["X-Atelier-Delivery"] == second["headers"]["X-Atelier-Delivery"] == str(delivery.delivery_id)
    assert first["body"] == second["body"]
    delivery.refresh_from_db()
    assert SyncDelivery.objects.count() == 1
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2 and delivery.delivered_at is not None


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    for attempts in range(1, 20):
        full = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
        assert full / 2 <= backoff_seconds(attempts, rng) <= full
    assert backoff_seconds(30, rng) <= BACKOFF_CAP_SECONDS


def test_it_gives_up_after_max_attempts_and_plans_the_change_again(receiver):
    member = person()
    sync = sync_for(receiver)
    receiver.fail_next = MAX_ATTEMPTS
    now = timezone.now()
    segment_materialize(segment=sync.segment)
    audience_sync_plan(sync=sync, now=now)
    for _ in range(MAX_ATTEMPTS):
        audience_deliveries_due(now=now)
        now += timedelta(seconds=BACKOFF_CAP_SECONDS)
    delivery = SyncDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert audience_deliveries_due(now=now) == 0  # a failed delivery is not sent again as it was
    assert not SyncedMember.objects.exists()  # the receiver was never told: the next plan says it again
    (again,) = audience_sync_plan(sync=sync, now=now)
    assert ids(again.payload["added"]) == {str(member)} and again.delivery_id != delivery.delivery_id
    assert audience_deliveries_due(now=now) == 1


def test_a_withdrawal_while_the_receiver_is_down_is_not_undone_by_the_failed_addition(receiver):
    member = person()
    sync = sync_for(receiver)
    receiver.fail_next = MAX_ATTEMPTS
    now = timezone.now()
    segment_materialize(segment=sync.segment)
    audience_sync_plan(sync=sync, now=now)
    consent_set(shopper_id=member, analytics=True, personalization=True, marketing=False, source="privacy")
    audience_sync_plan(sync=sync, now=now)  # the removal waits behind the addition
    for _ in range(MAX_ATTEMPTS):
        audience_deliveries_due(now=now)
        now += timedelta(seconds=BACKOFF_CAP_SECONDS)
    added, removed = SyncDelivery.objects.order_by("pk")
    assert added.status == DeliveryStatus.FAILED and removed.status == DeliveryStatus.SENT
    assert receiver.payloads()[-1]["removed"] == [{"id": str(member)}]
    assert audience_sync_plan(sync=sync, now=now) == []  # nothing left to say


def test_deliveries_of_one_sync_go_out_in_order(receiver):
    first_member = person()
    sync = sync_for(receiver)
    now = timezone.now()
    segment_materialize(segment=sync.segment)
    (first,) = audience_sync_plan(sync=sync, now=now)
    second_member = person()
    segment_materialize(segment=sync.segment)
    (second,) = audience_sync_plan(sync=sync, now=now)
    assert audience_delivery_send(delivery=second, now=now) is False  # the older one is still pending
    assert receiver.requests == []
    receiver.fail_next = 1
    assert audience_deliveries_due(now=now) == 0  # the head failed: the newer one waits
    assert len(receiver.requests) == 1
    first.refresh_from_db()
    assert audience_deliveries_due(now=first.next_attempt_at) == 2
    sent = [ids(p["added"]) for p in receiver.payloads()]
    assert sent == [{str(first_member)}, {str(first_member)}, {str(second_member)}]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_delivery_once_and_in_order(receiver):
    for _ in range(4):
        person()
    sync = sync_for(receiver)
    segment_materialize(segment=sync.segment)
    assert len(audience_sync_plan(sync=sync, chunk=1)) == 4
    receiver.delay = 0.1  # each POST takes a while: the senders overlap

    def send() -> None:
        try:
            audience_deliveries_due()
        finally:
            connection.close()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    audience_deliveries_due()  # a sender that found the oldest one taken stopped: the rest goes now
    sent = [r["headers"]["X-Atelier-Delivery"] for r in receiver.requests]
    assert sent == [str(d) for d in SyncDelivery.objects.order_by("pk").values_list("delivery_id", flat=True)]


def test_big_changes_are_chunked_into_several_deliveries(receiver):
    members = {person() for _ in range(5)}
    sync = sync_for(receiver)
    segment_materialize(segment=sync.segment)
    deliveries = audience_sync_plan(sync=sync, chunk=2)
    assert [len(d.payload["added"]) for d in deliveries] == [2, 2, 1]
    assert set().union(*(ids(d.payload["added"]) for d in deliveries)) == {str(m) for m in members}
    assert len({d.delivery_id for d in deliveries}) == 3


def test_redirects_are_not_followed(receiver):
    person()
    sync = sync_for(receiver)
    receiver.redirect = "http://example.invalid/elsewhere"
    refresh(sync)
    delivery = SyncDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_error == "HTTP 307"
    assert len(receiver.requests) == 1


def test_a_non_http_url_is_never_posted_to(receiver):
    person()
    sync = sync_for(receiver)
    AudienceSync.objects.filter(pk=sync.pk).update(url="ftp://127.0.0.1/audience")
    refresh(sync)
    delivery = SyncDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "refused" in delivery.last_error


def test_materializing_the_segment_plans_and_sends_its_syncs(receiver, django_capture_on_commit_callbacks):
    from personalization.tasks.segments import segment_materialize as materialize_task

    member = person()
    sync = sync_for(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        materialize_task.run(sync.segment_id)
    assert [ids(p["added"]) for p in receiver.payloads()] == [{str(member)}]


def test_a_paused_sync_adds_nobody_but_still_sends_removals(receiver, django_capture_on_commit_callbacks):
    member, leaves = person(), person()
    sync = sync_for(receiver)
    refresh(sync)
    AudienceSync.objects.filter(pk=sync.pk).update(active=False)
    person()  # a new member of the segment
    segment_materialize(segment=sync.segment)
    assert audience_sync_plan_task.run(sync.pk) == {"sync": sync.pk, "planned": 0, "sent": 0}
    with django_capture_on_commit_callbacks(execute=True):
        consent_set(shopper_id=leaves, analytics=True, personalization=True, marketing=False, source="privacy")
    assert len(receiver.requests) == 2
    assert receiver.payloads()[-1]["added"] == [] and receiver.payloads()[-1]["removed"] == [{"id": str(leaves)}]
    assert set(SyncedMember.objects.values_list("shopper_id", flat=True)) == {member}


# Admin


def form_data(receiver: Receiver, segment: Segment, **changes) -> dict:
    return {"name": "CRM", "segment": segment.pk, "url": receiver.url, "secret": SECRET, "active": "on", **changes}


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/audience", "javascript:alert(1)", "file:///etc/passwd"])
def test_the_admin_refuses_a_non_http_url(admin_client, receiver, url):
    segment = Segment.objects.create(name="Everyone", purpose="personalization", rules={})
    response = admin_client.post(reverse("admin:personalization_audiencesync_add"),
                                 form_data(receiver, segment, url=url))
    assert response.status_code == 200 and not AudienceSync.objects.exists()
    assert response.context["adminform"].form.errors["url"]


def test_the_admin_keeps_the_secret_hidden_and_unchanged_when_left_empty(admin_client, receiver):
    segment = Segment.objects.create(name="Everyone", purpose="personalization", rules={})
    response = admin_client.post(reverse("admin:personalization_audiencesync_add"), form_data(receiver, segment))
    assert response.status_code == 302
    sync = AudienceSync.objects.get()
    assert sync.secret == SECRET
    change = reverse("admin:personalization_audiencesync_change", args=[sync.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and SECRET not in page.content.decode()
    response = admin_client.post(change, form_data(receiver, segment, secret="", name="CRM 2"))
    assert response.status_code == 302
    sync.refresh_from_db()
    assert sync.name == "CRM 2" and sync.secret == SECRET


def test_the_admin_pages_list_syncs_and_deliveries(admin_client, receiver):
    person()
    sync = sync_for(receiver)
    refresh(sync)
    for name in ("admin:personalization_audiencesync_changelist", "admin:personalization_audiencesync_add",
                 "admin:personalization_syncdelivery_changelist"):
        assert admin_client.get(reverse(name)).status_code == 200
    assert admin_client.get(reverse("admin:personalization_audiencesync_changelist"), {"q": "Ads"}).status_code == 200
    delivery = SyncDelivery.objects.get()
    page = admin_client.get(reverse("admin:personalization_audiencesync_change", args=[sync.pk])).content.decode()
    assert str(delivery.delivery_id) in page
    assert admin_client.get(reverse("admin:personalization_syncdelivery_change", args=[delivery.pk])).status_code == 200


def test_the_sync_now_action_plans_and_sends(admin_client, receiver, django_capture_on_commit_callbacks):
    member = person()
    sync = sync_for(receiver)
    segment_materialize(segment=sync.segment)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:personalization_audiencesync_changelist"),
                                     {"action": "sync_now", "_selected_action": [sync.pk]}, follow=True)
    assert response.status_code == 200
    assert [ids(p["added"]) for p in receiver.payloads()] == [{str(member)}]
    assert SyncDelivery.objects.get().status == DeliveryStatus.SENT


def test_the_retry_action_sends_again_what_failed(admin_client, receiver, django_capture_on_commit_callbacks):
    member = person()
    sync = sync_for(receiver)
    segment_materialize(segment=sync.segment)
    audience_sync_plan(sync=sync)
    SyncDelivery.objects.update(status=DeliveryStatus.PENDING, attempts=MAX_ATTEMPTS - 1)
    receiver.fail_next = 1
    audience_deliveries_due()
    assert SyncDelivery.objects.get().status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:personalization_audiencesync_changelist"),
                                     {"action": "retry_failed", "_selected_action": [sync.pk]}, follow=True)
    assert response.status_code == 200
    assert [ids(p["added"]) for p in receiver.payloads()] == [{str(member)}, {str(member)}]
    assert list(SyncDelivery.objects.order_by("pk").values_list("status", flat=True)) == [
        DeliveryStatus.FAILED, DeliveryStatus.SENT]
