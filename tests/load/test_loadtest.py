"""The load test (bench/loadtest.py): its short version on the whole stack, and the accounting
that decides whether events were lost or doubled."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from bench.balancer import INSTALL, haproxy_binary
from bench.common import ROOT
from bench.loadtest import click_events, compare, expected_events, stored_events
from personalization.capture import event_dict
from personalization.services.events import events_write
from tests.configurator.conftest import make_car
from tests.conftest import missing_service

# The short version: 20 shoppers for 15 seconds, on a database and Redis databases of its own
# (the suite's are test_test and Redis 1-3), with the same checks as `make loadtest`.
SHORT = ["--users", "20", "--seconds", "15", "--spawn-rate", "20", "--wait", "0.1,0.4", "--clicks", "1,2",
         "--previews", "0.3", "--database", "atelier_load_ci", "--cache-db", "13", "--broker-db", "14"]


# The two-node version: two nodes of two workers behind HAProxy, the second killed (SIGKILL) 8 s in.
TWO_NODES = [*SHORT[:SHORT.index("--database")], "--database", "atelier_load_nodes_ci", "--cache-db", "11",
             "--broker-db", "12", "--nodes", "2", "--workers", "2", "--stop", "kill:web2:8"]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_twenty_shoppers_lose_and_double_no_event_and_their_profiles_catch_up():
    done = subprocess.run([sys.executable, "bench/loadtest.py", *SHORT], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    assert "events match" in done.stdout
    assert "profiles: all" in done.stdout


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_a_web_node_killed_under_load_loses_nothing_but_its_unwritten_clicks():
    """Everything acknowledged is stored once; the only events allowed missing are clicks the
    killed node answered just before it died (its write-behind buffer), counted and printed."""
    if haproxy_binary() is None:
        missing_service(INSTALL)
    done = subprocess.run([sys.executable, "bench/loadtest.py", *TWO_NODES], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-8000:]
    assert "web2: exited with -9" in done.stdout
    assert "differences left unexplained: 0 events" in done.stdout
    assert "profiles: all" in done.stdout


def _journal(consent: str | None = "all", **parts) -> dict:
    journal = {"user": 1, "shopper": str(uuid.uuid4()), "consent": consent, "clicks": [], "saves": [], "shares": [],
               "share_views": [], "remixes": [], "orders": [], "client_events": [], "in_flight": None, "failures": 0}
    journal.update(parts)
    return journal


@pytest.fixture
def car_refs(db):
    car = make_car()
    return car, {"car": (car.pk, car.current_version_id)}


def test_a_click_expects_the_events_between_the_shown_and_the_pushed_build(car_refs):
    car, refs = car_refs
    click = {"product": "car", "before": "", "after": "trim=classic&wheels=w17&packs=", "trigger": "o:wheels:w17",
             "request": "trim=classic&wheels=w17&packs=&badge="}

    assert click_events(click, refs) == [("option_selected", car.pk, "wheels", "w17", False)]


def test_an_applied_repair_expects_every_change_marked_as_not_clicked(car_refs):
    car, refs = car_refs
    repair = {"product": "car", "before": "trim=classic&wheels=w18&packs=", "after": "trim=electric&wheels=w17&packs=",
              "trigger": None, "request": "trim=electric&wheels=w17&packs="}

    assert sorted(click_events(repair, refs)) == [
        ("option_selected", car.pk, "trim", "electric", True), ("option_selected", car.pk, "wheels", "w17", True),
    ]


def test_a_click_the_server_did_not_change_the_build_with_expects_nothing(car_refs):
    _car, refs = car_refs
    click = {"product": "car", "before": "", "after": "trim=classic&wheels=w16&packs=", "trigger": "o:wheels:w16",
             "request": "trim=classic&wheels=w16&packs="}

    assert click_events(click, refs) == []


def test_a_shopper_who_declined_consent_is_expected_to_have_no_events(car_refs):
    _car, refs = car_refs
    build = str(uuid.uuid4())
    journal = _journal("necessary", saves=[{"build": build, "update": False}], orders=[{"build": build}],
                       clicks=[{"product": "car", "before": "", "after": "trim=classic&wheels=w17&packs=",
                                "trigger": "o:wheels:w17", "request": "wheels=w17"}])

    assert expected_events(journal, refs) == Counter()


def test_a_remix_is_expected_as_a_remix_and_a_saved_build(car_refs):
    _car, refs = car_refs
    build = str(uuid.uuid4())

    assert expected_events(_journal(remixes=[{"code": "abc", "build": build}]), refs) == Counter({
        ("build_remixed", build): 1, ("build_saved", build): 1,
    })


def _shopper() -> uuid.UUID:
    """A consented shopper's id (events are only stored for a shopper whose row exists)."""
    from personalization.models import Shopper

    return Shopper.objects.create(id=uuid.uuid4(), analytics=True).pk


def test_a_saved_build_without_its_event_is_missing_and_a_second_one_is_extra(db):
    shopper, saved, lost = _shopper(), str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    events_write([(shopper, event_dict("build_saved", now, build=saved)),
                  (shopper, event_dict("build_saved", now, build=saved))])  # doubled: two keys, one save
    journal = _journal(shopper=str(shopper), saves=[{"build": saved}, {"build": lost}])

    table, differences = compare({str(shopper): expected_events(journal, {})}, stored_events(set()))

    assert table["build_saved"] == [2, 2, 1, 1]
    assert sorted(differences) == [
        (str(shopper), "extra", ("build_saved", saved), 1), (str(shopper), "missing", ("build_saved", lost), 1),
    ]


def test_client_events_are_matched_by_their_keys(db):
    shopper, key = _shopper(), str(uuid.uuid4())
    events_write([(shopper, event_dict("option_selected", datetime.now(UTC), group="wheels", option="w17", key=key))])
    journal = _journal(shopper=str(shopper), client_events=[{"key": key, "type": "option_selected"}])

    table, differences = compare({str(shopper): expected_events(journal, {})}, stored_events({key}))

    assert differences == []
    assert table["option_selected"] == [1, 1, 0, 0]


def test_events_of_a_shopper_nobody_played_are_extra(db):
    stranger = _shopper()  # a consented shopper the load never played
    events_write([(stranger, event_dict("build_shared", datetime.now(UTC), build=str(uuid.uuid4())))])

    table, differences = compare({}, stored_events(set()))

    assert table["build_shared"] == [0, 1, 0, 1]
    assert [d[:2] for d in differences] == [(str(stranger), "extra")]
