"""Events: recorded with consent only, once per key, in the same transaction as the change, and
even when the broker is down."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from configurator import services as configurator_services
from configurator.identity import Owner
from personalization.models import Event, EventType
from tests.configurator.conftest import make_car
from tests.personalization.conftest import shopper_client

pytestmark = pytest.mark.django_db

URL = "/en/configure/car/"


def click(client, after: str, before: str, trigger: str):
    return client.get(f"{URL}?{after}", HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER=trigger,
                      HTTP_HX_CURRENT_URL=f"http://testserver{URL}?{before}")


def post_events(client, events, **extra):
    return client.post("/api/events/", json.dumps({"events": events}), content_type="application/json", **extra)


def test_a_click_records_the_trade_off(car, consented):
    client, shopper_id = consented
    response = click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert response.status_code == 200
    event = Event.objects.get(shopper_id=shopper_id)
    assert (event.type, event.group, event.option, event.product_id) == (EventType.OPTION_SELECTED, "wheels", "w17", car.pk)
    assert event.properties["previous"] == ["w16"]
    assert event.properties["delta"] == "400.00"
    assert event.properties["cheapest"] is False
    assert "auto" not in event.properties


def test_a_repair_marks_the_changes_the_shopper_did_not_click(car, consented):
    client, shopper_id = consented
    # Applying the repair of "Electric" with 18-inch wheels: trim and wheels change together.
    click(client, "trim=electric&wheels=w17&packs=", "trim=classic&wheels=w18&packs=", "")
    events = {e.group: e for e in Event.objects.filter(shopper_id=shopper_id)}
    assert set(events) == {"trim", "wheels"}
    assert events["trim"].properties.get("auto") and events["wheels"].properties.get("auto")


def test_multi_steps_and_text_record_selected_removed_and_personalized(car, consented):
    client, shopper_id = consented
    click(client, "trim=classic&wheels=w16&packs=&packs=family", "trim=classic&wheels=w16&packs=", "o:packs:family")
    click(client, "trim=classic&wheels=w16&packs=", "trim=classic&wheels=w16&packs=family", "o:packs:family")
    click(client, "trim=classic&wheels=w16&packs=&badge=MAX", "trim=classic&wheels=w16&packs=", "")
    types = list(Event.objects.filter(shopper_id=shopper_id).order_by("id").values_list("type", "option"))
    assert types == [("option_selected", "family"), ("option_removed", "family"), ("text_personalized", "")]
    text = Event.objects.get(shopper_id=shopper_id, type="text_personalized")
    assert text.properties["length"] == 3 and "MAX" not in json.dumps(text.properties)  # the text itself is not kept


def test_nothing_is_stored_without_consent_and_choices_wait_in_the_browser(car):
    client = Client()
    click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert Event.objects.count() == 0
    assert "atelier_pending" in client.cookies and client.cookies["atelier_pending"]["max-age"] == ""
    client, _shopper = shopper_client(analytics=False, personalization=False, marketing=True)
    click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert Event.objects.count() == 0


def test_a_conflicting_click_records_nothing(car, consented):
    client, _shopper = consented
    click(client, "trim=electric&wheels=w18&packs=", "trim=classic&wheels=w18&packs=", "o:trim:electric")
    assert Event.objects.count() == 0


def test_capture_can_be_switched_off(car, consented, settings):
    settings.ATELIER_EVENT_CAPTURE = False
    client, _shopper = consented
    click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert Event.objects.count() == 0


def test_build_events_commit_and_roll_back_with_the_build(car, consented, django_capture_on_commit_callbacks):
    _client, shopper_id = consented
    owner = Owner(shopper_id)
    build = configurator_services.build_save(product=car, selections={"wheels": "w17"}, owner=owner, name="Mine")
    assert Event.objects.filter(shopper_id=shopper_id, type="build_saved", build_id=build.pk).count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        configurator_services.build_share(build=build, owner=owner)
        raise RuntimeError("the request failed after sharing")
    assert not Event.objects.filter(type="build_shared").exists()


def test_events_are_recorded_when_the_broker_is_down(car, consented, django_capture_on_commit_callbacks):
    client, shopper_id = consented
    with mock.patch("personalization.tasks.profiles.profile_recompute.apply_async", side_effect=OSError("down")), \
            django_capture_on_commit_callbacks(execute=True):
        response = click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert response.status_code == 200
    assert Event.objects.filter(shopper_id=shopper_id).count() == 1


def _event(**overrides):
    return {"key": str(uuid.uuid4()), "type": "option_selected", "group": "wheels", "option": "w17", **overrides}


def test_api_batch_counts_a_repeated_key_once(car, consented):
    client, shopper_id = consented
    first, second = _event(product=car.pk), _event()
    response = post_events(client, [first, second, first])
    assert response.status_code == 201
    assert response.json() == {"accepted": 2, "duplicates": 1}
    assert post_events(client, [first, second]).json() == {"accepted": 0, "duplicates": 2}
    assert Event.objects.filter(shopper_id=shopper_id).count() == 2


@pytest.mark.parametrize("bad, field", [
    ({"key": "not-a-uuid"}, "key"),
    ({"type": "hacked"}, "type"),
    ({"type": ["option_selected"]}, "type"),
    ({"type": {"a": 1}}, "type"),
    ({"type": "order_placed", "properties": {"total": "1e30"}}, "type"),  # the server records orders
    ({"type": "campaign_clicked"}, "type"),
    ({"at": "2026-02-30T10:00:00Z"}, "at"),
    ({"product": 10**30}, "product"),
    ({"group": "a\x00b"}, "group"),
    ({"properties": {"note": "a\x00b"}}, "properties"),
    ({"at": "yesterday"}, "at"),
    ({"at": (timezone.now() - timedelta(days=30)).isoformat()}, "at"),
    ({"at": "2026-01-01T10:00:00"}, "at"),
    ({"option": "x" * 65}, "option"),
    ({"properties": {"blob": "x" * 5000}}, "properties"),
    ({"properties": ["not", "an", "object"]}, "properties"),
    ({"product": "car"}, "product"),
    ({"build": "nope"}, "build"),
])
def test_api_refuses_a_bad_event_with_its_index_and_stores_nothing(car, consented, bad, field):
    client, _shopper = consented
    response = post_events(client, [_event(), _event(**bad)])
    assert response.status_code == 400
    assert field in response.json()["errors"]["events"]["1"]
    assert Event.objects.count() == 0


def test_api_refuses_unknown_products_malformed_bodies_and_huge_batches(car, consented):
    client, _shopper = consented
    assert post_events(client, [_event(product=999999)]).status_code == 400
    assert client.post("/api/events/", "{not json", content_type="application/json").status_code == 400
    assert client.post("/api/events/", "[]", content_type="application/json").status_code == 400
    assert post_events(client, []).status_code == 400
    assert post_events(client, [_event() for _ in range(501)]).status_code in (400, 413)
    assert Event.objects.count() == 0


def test_api_refuses_json_nested_too_deeply(car, consented):
    client, _shopper = consented
    body = '{"events": [{"properties": ' + "[" * 50_000 + "]" * 50_000 + "}]}"
    response = client.post("/api/events/", body, content_type="application/json")
    assert response.status_code == 400
    assert Event.objects.count() == 0


def test_api_stores_nothing_without_consent(car):
    client, _shopper = shopper_client(analytics=False, personalization=False, marketing=True)
    assert post_events(client, [_event()]).status_code == 403
    assert post_events(Client(), [_event()]).status_code == 403
    assert Event.objects.count() == 0


def test_api_documents_the_endpoint():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/events/" in schema and "idempotency" in schema.lower()


class _Flaky:
    """events_write failing the first `failures` times, like a database that is restarting."""

    def __init__(self, failures: int) -> None:
        from personalization.services.events import events_write

        self.failures, self.write = failures, events_write

    def __call__(self, rows, **kwargs):
        if self.failures:
            self.failures -= 1
            raise OSError("the database is restarting")
        return self.write(rows, **kwargs)


def _consented() -> uuid.UUID:
    """A shopper with a row: events are only stored for one (see test_erasure_races.py)."""
    from personalization.models import Shopper

    return Shopper.objects.create(id=uuid.uuid4(), analytics=True).pk


def _buffer():
    from personalization.writebehind import EventBuffer

    buffer = EventBuffer()
    buffer._ensure_thread = lambda: None  # flushed by hand here; the thread is tested on PostgreSQL
    return buffer


def test_write_behind_keeps_a_failed_batch_and_writes_it_once_later(car):
    from personalization.capture import event_dict

    buffer = _buffer()
    shopper_id = _consented()
    items = [event_dict("option_selected", timezone.now(), group="wheels", option=f"w{n}") for n in range(3)]
    buffer.add(shopper_id, items)
    with mock.patch("personalization.services.events.events_write", _Flaky(1)):
        with pytest.raises(OSError):
            buffer.flush()
        assert len(buffer) == 3 and Event.objects.count() == 0
        assert buffer.flush() == 3
    buffer.add(shopper_id, items[:1])  # the same key again (a replay) is stored once
    assert buffer.flush() == 0
    assert Event.objects.filter(shopper_id=shopper_id).count() == 3 and len(buffer) == 0


def test_write_behind_drops_the_oldest_only_beyond_its_bound(car, settings):
    from personalization.capture import event_dict

    settings.ATELIER_EVENT_BUFFER_MAX = 5
    buffer = _buffer()
    items = [event_dict("option_selected", timezone.now(), option=f"o{n}") for n in range(7)]
    buffer.add(_consented(), items)
    assert len(buffer) == 5 and buffer.dropped == 2
    buffer.flush()
    assert sorted(Event.objects.values_list("option", flat=True)) == [f"o{n}" for n in range(2, 7)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_clicks_are_written_behind_within_the_flush_interval(settings):
    """The real thing on PostgreSQL: clicks answer at once, their events land within the flush
    interval, in batches, each once."""
    import time as clock

    from personalization.writebehind import buffer

    settings.ATELIER_EVENT_WRITE_BEHIND = True
    settings.ATELIER_EVENT_FLUSH_SECONDS = 0.1
    make_car()
    client, shopper_id = shopper_client()
    flips = ["trim=classic&wheels=w16&packs=", "trim=classic&wheels=w17&packs="]
    for n in range(10):
        before, after = flips[n % 2], flips[(n + 1) % 2]
        wheel = "w17" if n % 2 == 0 else "w16"
        assert click(client, after, before, f"o:wheels:{wheel}").status_code == 200
    try:
        deadline = clock.monotonic() + 5
        while Event.objects.filter(shopper_id=shopper_id).count() < 10 and clock.monotonic() < deadline:
            clock.sleep(0.05)
        assert Event.objects.filter(shopper_id=shopper_id, type="option_selected").count() == 10
        assert len(buffer) == 0
    finally:
        buffer.stop()


def test_after_declining_clicks_are_not_kept_even_in_the_browser(car):
    client, _shopper = shopper_client(analytics=False, personalization=False, marketing=False, record=False)
    click(client, "trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17")
    assert Event.objects.count() == 0
    assert not client.cookies.get("atelier_pending") or not client.cookies["atelier_pending"].value


def test_gpc_later_turns_marketing_off_on_the_row_and_in_the_cookie(car):
    from personalization.consent import cookie_grants
    from personalization.models import ConsentChange, Shopper

    client, shopper_id = shopper_client(marketing=True)
    assert Shopper.objects.get(pk=shopper_id).marketing
    response = client.get("/en/", HTTP_SEC_GPC="1")
    shopper = Shopper.objects.get(pk=shopper_id)
    assert (shopper.marketing, shopper.gpc) == (False, True)
    assert ConsentChange.objects.filter(shopper=shopper, source="gpc").count() == 1
    request = type("R", (), {"COOKIES": {"atelier_consent": response.cookies["atelier_consent"].value}})()
    assert cookie_grants(request) == {"analytics", "personalization"}
    client.get("/en/", HTTP_SEC_GPC="1")  # once is enough: nothing more is written
    assert ConsentChange.objects.filter(shopper=shopper, source="gpc").count() == 1


def test_write_behind_drops_only_the_row_the_database_refuses(car):
    from django.db import IntegrityError

    from personalization.capture import event_dict
    from personalization.services.events import events_write as real_write

    def refuse_bad(rows, **kwargs):
        if any(item.get("option") == "bad" for _s, item in rows):
            raise IntegrityError("violates a constraint")
        return real_write(rows, **kwargs)

    buffer = _buffer()
    shopper_id = _consented()
    buffer.add(shopper_id, [event_dict("option_selected", timezone.now(), option=o) for o in ("a", "bad", "c")])
    with mock.patch("personalization.services.events.events_write", refuse_bad):
        assert buffer.flush() == 2
    assert sorted(Event.objects.values_list("option", flat=True)) == ["a", "c"]
    assert buffer.dropped == 1 and len(buffer) == 0


def test_server_made_event_keys_are_time_ordered_uuid7():
    import time as clock

    from personalization.capture import event_dict, new_event_key

    first = new_event_key()
    clock.sleep(0.002)
    later = new_event_key()
    assert first.version == 7 and later.version == 7 and first.variant == uuid.RFC_4122
    assert first < later  # a later millisecond sorts after: inserts land at the end of the index
    assert abs((first.int >> 80) - clock.time_ns() // 1_000_000) < 1000
    assert len({event_dict("option_selected", timezone.now())["key"] for _ in range(1000)}) == 1000


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_events_survive_a_broker_outage_and_the_sweep_catches_up(celery_worker_process):
    """While the broker cannot be reached (a real connection to a closed port, not a mocked
    error) clicks still answer and their events are stored; once it is back, the periodic sweep
    on the real worker brings the shopper's profile up to date."""
    import time as clock

    from kombu import Connection

    from personalization.models import Profile
    from personalization.services.motivations import motivation_map_seed
    from personalization.tasks import profile_recompute, profiles_sweep

    make_car()
    motivation_map_seed()
    client, shopper_id = shopper_client()
    real_apply_async = profile_recompute.apply_async
    dead = Connection("redis://127.0.0.1:1/0", connect_timeout=0.5)

    def publish_to_the_dead_broker(*args, **kwargs):
        return real_apply_async(*args, connection=dead, retry=False, **kwargs)

    with mock.patch.object(profile_recompute, "apply_async", publish_to_the_dead_broker):
        response = click(client, *("trim=classic&wheels=w17&packs=", "trim=classic&wheels=w16&packs=", "o:wheels:w17"))
    assert response.status_code == 200
    assert Event.objects.filter(shopper_id=shopper_id).count() == 1
    assert not Profile.objects.filter(shopper_id=shopper_id).exists()  # nothing could be queued

    profiles_sweep.delay()  # the broker is back: the beat's sweep runs on the worker
    deadline = clock.monotonic() + 30
    while not Profile.objects.filter(shopper_id=shopper_id).exists() and clock.monotonic() < deadline:
        clock.sleep(0.2)
    assert Profile.objects.get(shopper_id=shopper_id).event_count == 1
