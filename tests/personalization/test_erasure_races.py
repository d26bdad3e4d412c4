"""After a shopper is erased no event of theirs survives: not the clicks another web process still
held in its write-behind buffer, not the events a process accepted while its caches still took the
shopper for consented, and a periodic sweep deletes any event whose shopper no longer exists."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from personalization.capture import event_dict
from personalization.models import Event, Shopper
from personalization.services.events import events_write
from personalization.services.privacy import events_orphaned_delete, shopper_erase
from personalization.services.shoppers import shopper_known
from tests.configurator.conftest import make_car
from tests.personalization.conftest import shopper_client

URL = "/en/configure/car/"


def clicks(n: int = 3) -> list[dict]:
    return [event_dict("option_selected", timezone.now(), group="wheels", option=f"w{i}") for i in range(n)]


def _buffer():
    from personalization.writebehind import EventBuffer

    buffer = EventBuffer()
    buffer._ensure_thread = lambda: None  # flushed by hand
    return buffer


@pytest.mark.django_db
def test_clicks_buffered_before_the_erasure_are_not_written_after_it(car):
    _client, shopper_id = shopper_client()
    _other, kept = shopper_client()
    buffer = _buffer()
    buffer.add(shopper_id, clicks())  # another process holds these, not yet written
    buffer.add(kept, clicks())
    shopper_erase(shopper_id=shopper_id)
    assert buffer.flush() == 3
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    assert Event.objects.filter(shopper_id=kept).count() == 3


@pytest.mark.django_db
def test_a_process_with_a_stale_cache_stores_nothing_for_an_erased_shopper(car):
    """The erasure ran elsewhere: this process still remembers the shopper as known (its cache
    lives ATELIER_LOCAL_CACHE_SECONDS) and the browser still sends its consent cookie."""
    client, shopper_id = shopper_client()
    assert shopper_known(shopper_id)  # remembered here
    shopper_erase(shopper_id=shopper_id)  # its on_commit (forget) never runs in this test's transaction
    assert shopper_known(shopper_id)  # still stale

    client.get(f"{URL}?trim=classic&wheels=w17&packs=", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="o:wheels:w17",
               HTTP_HX_CURRENT_URL=f"http://testserver{URL}?trim=classic&wheels=w16&packs=")
    client.post(f"{URL}save/", {"state": "wheels=w17", "name": "After"})
    batch = [{"key": str(uuid.uuid4()), "type": "option_selected", "group": "wheels", "option": "w17"}]
    answer = client.post("/api/events/", json.dumps({"events": batch}), content_type="application/json")
    assert answer.status_code == 201 and answer.json()["accepted"] == 0  # taken, and nothing stored
    assert not Event.objects.filter(shopper_id=shopper_id).exists()


@pytest.mark.django_db
def test_the_sweep_deletes_events_whose_shopper_is_gone_and_nothing_else(car):
    _client, erased = shopper_client()
    _other, kept = shopper_client()
    events_write([(erased, e) for e in clicks(2)] + [(kept, e) for e in clicks(2)])
    Shopper.objects.filter(pk=erased).delete()  # gone, as if erased by a release without the checks
    never = uuid.uuid4()  # an id that never had a row, written straight to the table
    Event.objects.create(type="option_selected", occurred_at=timezone.now(), shopper_id=never)
    assert events_orphaned_delete(page_size=1, batch_size=1) == 3
    assert set(Event.objects.values_list("shopper_id", flat=True)) == {kept}
    assert events_orphaned_delete() == 0  # a second run finds nothing


@pytest.mark.django_db
def test_the_sweep_is_a_periodic_task():
    from personalization.tasks import events_orphans_sweep

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == events_orphans_sweep.name)
    assert entry["schedule"] == settings.ATELIER_ORPHAN_SWEEP_SECONDS
    Event.objects.create(type="option_selected", occurred_at=timezone.now(), shopper_id=uuid.uuid4())
    assert events_orphans_sweep() == {"deleted": 1}
    assert not Event.objects.exists()


# The races themselves, on PostgreSQL: two connections, as two web processes ---------------------


def _in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_flush_during_an_erasure_waits_for_it_and_writes_nothing():
    make_car()
    _client, shopper_id = shopper_client()
    locked, release = threading.Event(), threading.Event()

    def erase():
        with transaction.atomic():
            shopper_erase(shopper_id=shopper_id)
            locked.set()
            release.wait(10)  # the erasure is still open while the other process flushes

    eraser = _in_thread(erase)
    assert locked.wait(10)
    written = []
    flusher = _in_thread(lambda: written.append(events_write([(shopper_id, e) for e in clicks()])))
    time.sleep(0.3)
    assert flusher.is_alive()  # it waits for the erasure's lock on the shopper
    release.set()
    eraser.join(10)
    flusher.join(10)
    assert written == [0]
    assert not Event.objects.filter(shopper_id=shopper_id).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_erasure_during_a_write_waits_for_it_and_deletes_what_it_wrote():
    make_car()
    _client, shopper_id = shopper_client()
    inserted, release = threading.Event(), threading.Event()

    def write():
        with transaction.atomic():  # e.g. a save's events, in the save's transaction
            events_write([(shopper_id, e) for e in clicks()])
            inserted.set()
            release.wait(10)

    writer = _in_thread(write)
    assert inserted.wait(10)
    eraser = _in_thread(lambda: shopper_erase(shopper_id=shopper_id))
    time.sleep(0.3)
    assert eraser.is_alive()  # it waits for the write to commit
    release.set()
    writer.join(10)
    eraser.join(10)
    assert not Event.objects.filter(shopper_id=shopper_id).exists()
    assert not Shopper.objects.filter(pk=shopper_id).exists()
