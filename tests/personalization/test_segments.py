"""Segments: each condition kind, AND/OR nesting, validation, consent, materializing, export."""

from __future__ import annotations

import csv
import io
import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from configurator.identity import Owner
from configurator.services import build_save, order_place
from personalization.models import Event, Motivation, Profile, Segment, SegmentMembership, Shopper
from personalization.segments import MAX_CONDITIONS, RulesInvalid, rules_validate
from personalization.services.segments import (
    SegmentNotExportable,
    segment_export_rows,
    segment_materialize,
    segment_preview,
)
from personalization.tasks.segments import segment_materialize as segment_materialize_task
from personalization.tasks.segments import segments_materialize_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def motivations(db):
    for code in ("status", "value", "self-expression", "practical"):
        Motivation.objects.get_or_create(code=code, defaults={"name_en": code.title(), "name_nl": code.title()})


def shopper(*, analytics=False, personalization=True, marketing=False, **fields) -> Shopper:
    return Shopper.objects.create(id=uuid.uuid4(), analytics=analytics, personalization=personalization,
                                  marketing=marketing, **fields)


def profile(who: Shopper, dominant: str | None = None, **scores) -> Profile:
    scores = {k.replace("_", "-"): v for k, v in scores.items()}
    motivation = Motivation.objects.get(code=dominant) if dominant else None
    return Profile.objects.create(shopper=who, dominant=motivation, scores=scores)


def event(who: Shopper, type_: str, *, days_ago: float = 0, product=None) -> Event:
    return Event.objects.create(shopper=who, type=type_, occurred_at=timezone.now() - timedelta(days=days_ago),
                                product=product)


def members(rules, purpose="personalization") -> set[uuid.UUID]:
    segment = Segment.objects.create(name="s", purpose=purpose, rules=rules)
    segment_materialize(segment=segment)
    return set(segment.memberships.values_list("shopper_id", flat=True))


def one(condition: dict) -> dict:
    return {"op": "and", "items": [condition]}


# Conditions ------------------------------------------------------------------------------------

def test_dominant_motivation():
    a, b, c = shopper(), shopper(), shopper()
    profile(a, "status")
    profile(b, "value")
    assert members(one({"kind": "dominant", "motivation": "status"})) == {a.pk}
    assert c.pk not in members(one({"kind": "dominant", "motivation": "value"}))


def test_motivation_score_thresholds():
    low, high, none = shopper(), shopper(), shopper()
    profile(low, self_expression=0.5)
    profile(high, self_expression=3.0, status=9.0)
    rule = {"kind": "score", "motivation": "self-expression", "cmp": "gte", "value": 1}
    assert members(one(rule)) == {high.pk}
    assert members(one({**rule, "cmp": "lte"})) == {low.pk}
    assert none.pk not in members(one({**rule, "cmp": "lte", "value": 100}))  # no score is no match


def test_probability_thresholds():
    likely, unlikely, missing, none = shopper(), shopper(), shopper(), shopper()
    profile(likely, "status", status=0.7, value=0.3)
    profile(unlikely, "value", status=0.2, value=0.8)
    profile(missing, "value", value=1.0)  # no status in its scores: probability 0
    rule = {"kind": "probability", "motivation": "status", "cmp": "gte", "value": 0.6}
    assert members(one(rule)) == {likely.pk}
    assert members(one({**rule, "cmp": "lte", "value": 0.2})) == {unlikely.pk, missing.pk}
    assert none.pk not in members(one({**rule, "cmp": "lte", "value": 1}))  # no profile, no match


def test_probability_gte_zero_holds_for_every_profile_and_no_one_else():
    with_status, without_status, none = shopper(), shopper(), shopper()
    profile(with_status, "status", status=1.0)
    profile(without_status, "value", value=1.0)
    matched = members(one({"kind": "probability", "motivation": "status", "cmp": "gte", "value": 0}))
    assert matched == {with_status.pk, without_status.pk}
    assert none.pk not in matched


def test_the_legacy_score_kind_reads_the_same_probability():
    a, b = shopper(), shopper()
    profile(a, "status", status=0.7, value=0.3)
    profile(b, "value", status=0.1, value=0.9)
    for cmp, value in (("gte", 0.5), ("lte", 0.1)):
        legacy = members(one({"kind": "score", "motivation": "status", "cmp": cmp, "value": value}))
        assert legacy == members(one({"kind": "probability", "motivation": "status", "cmp": cmp, "value": value}))
    assert members(one({"kind": "score", "motivation": "status", "cmp": "gte", "value": 0.5})) == {a.pk}


def test_determined_and_undetermined_profiles():
    sure, unsure, none = shopper(), shopper(), shopper()
    Profile.objects.create(shopper=sure, dominant=Motivation.objects.get(code="status"), determined=True,
                           scores={"status": 0.8, "value": 0.2})
    Profile.objects.create(shopper=unsure, determined=False, scores={"status": 0.5, "value": 0.5})
    assert members(one({"kind": "determined", "value": True})) == {sure.pk}
    assert members(one({"kind": "determined", "value": False})) == {unsure.pk}  # no profile is not "undetermined"
    assert none.pk not in members(one({"kind": "determined", "value": False}))


def test_co_creation_depth_and_its_band():
    deep, shallow, none = shopper(), shopper(), shopper()
    Profile.objects.create(shopper=deep, depth=72.5, depth_band="high")
    Profile.objects.create(shopper=shallow, depth=8.0, depth_band="low")
    assert members(one({"kind": "depth", "cmp": "gte", "value": 50})) == {deep.pk}
    assert members(one({"kind": "depth", "cmp": "lte", "value": 8})) == {shallow.pk}
    assert members(one({"kind": "depth_band", "value": "high"})) == {deep.pk}
    assert none.pk not in members(one({"kind": "depth", "cmp": "lte", "value": 1000}))


@pytest.mark.parametrize("condition", [
    {"kind": "probability", "motivation": "status", "cmp": "gte", "value": 0.6},
    {"kind": "determined", "value": True},
    {"kind": "depth", "cmp": "gte", "value": 10},
    {"kind": "depth_band", "value": "medium"},
])
def test_profile_conditions_need_personalization_consent_outside_personalization_segments(condition):
    both = shopper(marketing=True, analytics=True)
    without = shopper(marketing=True, analytics=True, personalization=False)
    for who in (both, without):
        Profile.objects.create(shopper=who, dominant=Motivation.objects.get(code="status"), determined=True,
                               scores={"status": 1.0}, depth=50.0, depth_band="medium")
    assert members(one(condition), purpose="marketing") == {both.pk}
    assert members(one(condition), purpose="analytics") == {both.pk}


def test_configured_product(car):
    a, b = shopper(), shopper()
    event(a, "option_selected", product=car)
    event(b, "build_saved", product=car)
    assert members(one({"kind": "configured", "product": car.pk})) == {a.pk}


def test_event_count_within_a_window():
    once, twice, long_ago, never = shopper(), shopper(), shopper(), shopper()
    event(once, "build_shared", days_ago=3)
    event(twice, "build_shared", days_ago=1)
    event(twice, "build_shared", days_ago=20)
    event(long_ago, "build_shared", days_ago=45)
    shared = {"kind": "event_count", "event": "build_shared", "days": 30}
    assert members(one({**shared, "cmp": "gte", "value": 1})) == {once.pk, twice.pk}
    assert members(one({**shared, "cmp": "gte", "value": 2})) == {twice.pk}
    assert members(one({**shared, "cmp": "eq", "value": 1})) == {once.pk}
    assert members(one({**shared, "cmp": "eq", "value": 0})) == {long_ago.pk, never.pk}
    assert members(one({**shared, "cmp": "lte", "value": 1})) == {once.pk, long_ago.pk, never.pk}
    assert members(one({**shared, "cmp": "gte", "value": 0})) == {once.pk, twice.pk, long_ago.pk, never.pk}
    assert members(one({**shared, "days": 60, "cmp": "gte", "value": 1})) == {once.pk, twice.pk, long_ago.pk}


def test_has_ordered_reads_configurator_orders(car):
    buyer, browser = shopper(), shopper()
    owner = Owner(shopper_id=buyer.pk)
    build = build_save(product=car, selections={"wheels": "w17"}, owner=owner)
    order_place(build=build, owner=owner, name="Ann", email="ann@example.com", country="NL",
        address_line1="Keizersgracht 1", postal_code="1015 CJ", city="Amsterdam")
    assert members(one({"kind": "ordered", "value": True})) == {buyer.pk}
    assert members(one({"kind": "ordered", "value": False})) == {browser.pk}


def test_country_and_language():
    nl, be, de = shopper(country="NL", language="nl"), shopper(country="BE", language="nl"), shopper(country="DE")
    assert members(one({"kind": "country", "values": ["nl", "BE"]})) == {nl.pk, be.pk}
    assert members(one({"kind": "language", "value": "nl"})) == {nl.pk, be.pk}
    assert de.pk not in members(one({"kind": "language", "value": "en"}))


def test_consent_condition():
    yes, no = shopper(marketing=True), shopper(marketing=False)
    assert members(one({"kind": "consent", "purpose": "marketing"})) == {yes.pk}
    assert no.pk not in members(one({"kind": "consent", "purpose": "marketing"}))


def test_and_or_nesting():
    status_nl, status_de, value_nl, buyer_like = (shopper(country="NL"), shopper(country="DE"), shopper(country="NL"),
                                                  shopper(country="FR"))
    profile(status_nl, "status")
    profile(status_de, "status")
    profile(value_nl, "value")
    event(buyer_like, "build_shared")
    rules = {"op": "or", "items": [
        {"op": "and", "items": [{"kind": "dominant", "motivation": "status"}, {"kind": "country", "values": ["NL"]}]},
        {"kind": "event_count", "event": "build_shared", "days": 30, "cmp": "gte", "value": 1},
    ]}
    assert members(rules) == {status_nl.pk, buyer_like.pk}
    rules["op"] = "and"
    assert members(rules) == set()


def test_empty_rules_hold_everyone_with_the_purposes_consent():
    a, b = shopper(marketing=True), shopper(marketing=False)
    assert members({}, purpose="marketing") == {a.pk}
    assert b.pk in members({"op": "and", "items": []})


# Validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rules", "message"), [
    ({"op": "xor", "items": []}, "operator"),
    ({"op": "and", "items": "x"}, "list"),
    ({"op": "and", "items": [{"kind": "magic"}]}, "Unknown condition kind"),
    ({"op": "and", "items": [{"kind": "dominant", "motivation": "greed"}]}, "Unknown motivation"),
    ({"op": "and", "items": [{"kind": "dominant", "motivation": "a__b"}]}, "Choose a motivation"),
    ({"op": "and", "items": [{"kind": "score", "motivation": "status", "cmp": "gt", "value": 1}]}, "Compare"),
    ({"op": "and", "items": [{"kind": "score", "motivation": "status", "cmp": "gte", "value": True}]}, "number"),
    ({"op": "and", "items": [{"kind": "event_count", "event": "build_shared", "days": 0, "cmp": "gte", "value": 1}]},
     "days"),
    ({"op": "and", "items": [{"kind": "event_count", "event": "hacked", "days": 3, "cmp": "gte", "value": 1}]},
     "event type"),
    ({"op": "and", "items": [{"kind": "event_count", "event": "build_shared", "days": 3, "cmp": "gte", "value": -1}]},
     "whole number"),
    ({"op": "and", "items": [{"kind": "ordered", "value": "yes"}]}, "true"),
    ({"op": "and", "items": [{"kind": "country", "values": ["Netherlands"]}]}, "country code"),
    ({"op": "and", "items": [{"kind": "country", "values": []}]}, "countries"),
    ({"op": "and", "items": [{"kind": "language", "value": "fr"}]}, "language"),
    ({"op": "and", "items": [{"kind": "consent", "purpose": "everything"}]}, "purpose"),
    ({"op": "and", "items": [{"kind": "dominant", "motivation": "status", "sql": "1=1"}]}, "Unknown keys"),
    ({"op": "and", "items": [{"op": "or", "items": []}]}, "at least one"),
    ({"op": "and", "items": [{"op": "or", "items": [{"op": "and", "items": [{"op": "or", "items": [
        {"kind": "ordered", "value": True}]}]}]}]}, "levels deep"),
    ({"op": "and", "items": [{"op": "or", "items": [{"kind": "ordered", "value": True}] * 20}] * 2}, "at most"),
    ("not a group", "object"),
    ({"op": "and", "items": [{"kind": "probability", "motivation": "status", "cmp": "gte", "value": 1.5}]},
     "from 0 to 1"),
    ({"op": "and", "items": [{"kind": "probability", "motivation": "status", "cmp": "lte", "value": -0.1}]},
     "from 0 to 1"),
    ({"op": "and", "items": [{"kind": "probability", "motivation": "status", "cmp": "gte", "value": True}]},
     "from 0 to 1"),
    ({"op": "and", "items": [{"kind": "probability", "motivation": "status", "cmp": "eq", "value": 0.5}]}, "Compare"),
    ({"op": "and", "items": [{"kind": "probability", "motivation": "greed", "cmp": "gte", "value": 0.5}]},
     "Unknown motivation"),
    ({"op": "and", "items": [{"kind": "determined", "value": "yes"}]}, "true"),
    ({"op": "and", "items": [{"kind": "depth", "cmp": "gte", "value": 1000.5}]}, "from 0 to 1000"),
    ({"op": "and", "items": [{"kind": "depth", "cmp": "gte", "value": "deep"}]}, "from 0 to 1000"),
    ({"op": "and", "items": [{"kind": "depth", "cmp": "eq", "value": 10}]}, "Compare"),
    ({"op": "and", "items": [{"kind": "depth_band", "value": "extreme"}]}, "depth band"),
    ({"op": "and", "items": [{"kind": "depth_band", "value": "high", "motivation": "status"}]}, "Unknown keys"),
])
def test_invalid_rules_are_refused_with_a_clear_message(rules, message):
    with pytest.raises(RulesInvalid) as caught:
        rules_validate(rules, motivations={"status", "value"}, products={1})
    assert any(message in error for error in caught.value.errors), caught.value.errors
    assert all(error.startswith("rules") for error in caught.value.errors)  # each says where


def test_validation_reports_the_path_of_the_bad_condition():
    with pytest.raises(RulesInvalid) as caught:
        rules_validate({"op": "or", "items": [{"kind": "ordered", "value": True}, {"op": "and", "items": [
            {"kind": "language", "value": "xx"}]}]})
    assert caught.value.errors[0].startswith("rules.items[1].items[0]:")


def test_the_condition_limit_is_enforced():
    rules = {"op": "or", "items": [{"op": "and", "items": [{"kind": "ordered", "value": True}] * 20}] * 2}
    assert MAX_CONDITIONS < 2 * 20
    with pytest.raises(RulesInvalid, match="at most"):
        rules_validate(rules)


def test_the_new_kinds_round_trip_in_canonical_form():
    rules = {"op": "and", "items": [
        {"kind": "probability", "motivation": "status", "cmp": "gte", "value": 1},
        {"kind": "determined", "value": False},
        {"kind": "depth", "cmp": "lte", "value": 40},
        {"kind": "depth_band", "value": "low"},
    ]}
    canonical = rules_validate(rules, motivations={"status"}).as_json()
    assert canonical == {"op": "and", "items": [
        {"kind": "probability", "motivation": "status", "cmp": "gte", "value": 1.0},
        {"kind": "determined", "value": False},
        {"kind": "depth", "cmp": "lte", "value": 40.0},
        {"kind": "depth_band", "value": "low"},
    ]}
    assert rules_validate(canonical).as_json() == canonical


def test_a_saved_legacy_score_above_one_still_validates():
    rules = one({"kind": "score", "motivation": "status", "cmp": "gte", "value": 2.5})
    assert rules_validate(rules).as_json() == rules


def test_valid_rules_round_trip_in_canonical_form():
    rules = {"op": "or", "items": [{"kind": "country", "values": ["nl", "BE", "NL"]},
                                   {"op": "and", "items": [{"kind": "score", "motivation": "value", "cmp": "gte",
                                                            "value": 2}]}]}
    canonical = rules_validate(rules).as_json()
    assert canonical["items"][0] == {"kind": "country", "values": ["BE", "NL"]}
    assert canonical["items"][1]["items"][0]["value"] == 2.0
    assert rules_validate(canonical).as_json() == canonical


# Consent ---------------------------------------------------------------------------------------

def test_members_need_the_purposes_consent_and_the_rest_are_counted_as_excluded():
    member = shopper(personalization=True, country="NL")
    shopper(personalization=False, analytics=True, country="NL")
    shopper(personalization=True, country="DE")
    preview = segment_preview(rules=one({"kind": "country", "values": ["NL"]}), purpose="personalization")
    assert preview == {"size": 1, "excluded_no_consent": 1}
    segment = Segment.objects.create(name="NL", purpose="personalization", rules=one({"kind": "country", "values": ["NL"]}))
    segment_materialize(segment=segment)
    segment.refresh_from_db()
    assert (segment.size, segment.excluded_no_consent) == (1, 1)
    assert list(segment.memberships.values_list("shopper_id", flat=True)) == [member.pk]


def test_a_marketing_segment_uses_profiles_only_of_shoppers_who_consented_to_personalization():
    both = shopper(marketing=True, personalization=True)
    marketing_only = shopper(marketing=True, personalization=False)
    personalization_only = shopper(marketing=False, personalization=True)
    for who in (both, marketing_only, personalization_only):
        profile(who, "status")
    rules = one({"kind": "dominant", "motivation": "status"})
    assert members(rules, purpose="marketing") == {both.pk}
    assert segment_preview(rules=rules, purpose="marketing") == {"size": 1, "excluded_no_consent": 2}


def test_a_marketing_segment_may_use_contact_data_with_marketing_consent_alone():
    marketing_only = shopper(marketing=True, personalization=False, country="NL")
    assert members(one({"kind": "country", "values": ["NL"]}), purpose="marketing") == {marketing_only.pk}


def test_preview_writes_nothing_and_refuses_an_unknown_purpose():
    shopper()
    assert segment_preview(rules={}, purpose="personalization")["size"] == 1
    assert not SegmentMembership.objects.exists()
    with pytest.raises(RulesInvalid):
        segment_preview(rules={}, purpose="everything")


# Materializing ---------------------------------------------------------------------------------

def test_materialize_is_idempotent_and_follows_changes():
    a, b = shopper(country="NL"), shopper(country="NL")
    segment = Segment.objects.create(name="NL", rules=one({"kind": "country", "values": ["NL"]}))
    segment_materialize(segment=segment)
    rows = set(SegmentMembership.objects.values_list("pk", "shopper_id"))
    segment_materialize(segment=segment)
    assert set(SegmentMembership.objects.values_list("pk", "shopper_id")) == rows  # nothing rewritten
    Shopper.objects.filter(pk=a.pk).update(personalization=False)
    c = shopper(country="NL")
    segment = segment_materialize(segment=segment)
    assert set(segment.memberships.values_list("shopper_id", flat=True)) == {b.pk, c.pk}
    assert (segment.size, segment.excluded_no_consent) == (2, 1)
    assert segment.materialized_at is not None


def test_materialize_keeps_when_members_who_stay_joined():
    stays, leaves = shopper(country="NL"), shopper(country="NL")
    segment = Segment.objects.create(name="NL", rules=one({"kind": "country", "values": ["NL"]}))
    segment_materialize(segment=segment)
    joined = timezone.now() - timedelta(days=30)
    SegmentMembership.objects.filter(segment=segment).update(added_at=joined)
    Shopper.objects.filter(pk=leaves.pk).update(country="DE")
    newcomer = shopper(country="NL")
    segment_materialize(segment=segment)
    added = dict(segment.memberships.values_list("shopper_id", "added_at"))
    assert set(added) == {stays.pk, newcomer.pk}
    assert added[stays.pk] == joined
    assert added[newcomer.pk] > joined


def test_the_tasks_materialize_one_or_every_active_segment():
    shopper(country="NL")
    active = Segment.objects.create(name="on", rules=one({"kind": "country", "values": ["NL"]}))
    inactive = Segment.objects.create(name="off", active=False, rules={})
    assert segments_materialize_all() == {"segments": 1, "failed": []}
    assert Segment.objects.get(pk=active.pk).size == 1
    assert Segment.objects.get(pk=inactive.pk).materialized_at is None
    assert segment_materialize_task(inactive.pk)["size"] == 1
    assert segment_materialize_task(987654)["missing"] is True


def test_a_segment_with_broken_rules_is_not_retried():
    broken = Segment.objects.create(name="broken", rules={"op": "nand"})
    assert "invalid" in segment_materialize_task(broken.pk)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_materializes_a_segment(celery_worker_process):
    Motivation.objects.get_or_create(code="status", defaults={"name_en": "Status", "name_nl": "Status"})
    fan = shopper()
    profile(fan, "status")
    shopper()
    segment = Segment.objects.create(name="status", rules=one({"kind": "dominant", "motivation": "status"}))
    segment_materialize_task.delay(segment.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        segment.refresh_from_db()
        if segment.materialized_at is not None:
            break
        time.sleep(0.2)
    assert segment.materialized_at is not None, "the worker did not materialize the segment"
    assert segment.size == 1
    assert list(segment.memberships.values_list("shopper_id", flat=True)) == [fan.pk]


# Export ----------------------------------------------------------------------------------------

def test_export_holds_only_members_with_marketing_consent():
    with_both = shopper(marketing=True, personalization=True, email="=cmd@example.com", country="NL", language="nl")
    marketing_only = shopper(marketing=True, personalization=False, email="m@example.com")
    profile(with_both, "status")
    profile(marketing_only, "value")
    segment = Segment.objects.create(name="all", purpose="marketing", rules={})
    segment_materialize(segment=segment)
    SegmentMembership.objects.create(segment=segment, shopper=shopper(marketing=False))  # withdrawn since
    rows = list(segment_export_rows(segment=segment))
    assert rows[0] == ["shopper", "email", "country", "language", "dominant_motivation"]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {str(with_both.pk), str(marketing_only.pk)}
    assert by_id[str(with_both.pk)][1:] == ["'=cmd@example.com", "NL", "nl", "status"]  # no formula
    assert by_id[str(marketing_only.pk)][4] == ""  # no profile data without personalization consent


def test_only_a_marketing_segment_exports():
    segment = Segment.objects.create(name="p", purpose="personalization", rules={})
    with pytest.raises(SegmentNotExportable):
        next(segment_export_rows(segment=segment))


# Admin -----------------------------------------------------------------------------------------

def test_admin_pages_render_with_the_rule_builder(admin_client):
    segment = Segment.objects.create(name="NL", rules=one({"kind": "country", "values": ["NL"]}))
    assert admin_client.get(reverse("admin:personalization_segment_changelist") + "?q=NL").status_code == 200
    add = admin_client.get(reverse("admin:personalization_segment_add"))
    assert add.status_code == 200
    assert b"segment-builder" in add.content and b"segment_builder.js" in add.content
    change = admin_client.get(reverse("admin:personalization_segment_change", args=[segment.pk]))
    assert b"Materialize now" in change.content
    assert b"Export audience as CSV" not in change.content  # not a marketing segment


def test_the_rule_builder_offers_the_profile_kinds(admin_client):
    page = admin_client.get(reverse("admin:personalization_segment_add")).content.decode()
    for label in ("Probability of motivation", "Motivation determined", "Co-creation depth",
                  "Co-creation depth band is"):
        assert label in page
    assert '"kinds": ["dominant", "probability", "determined", "depth", "depth_band"' in page


def test_admin_saves_a_probability_condition(admin_client, queued):
    data = {"name": "Likely status", "description": "", "purpose": "personalization", "active": "on",
            "rules": '{"op": "and", "items": [{"kind": "probability", "motivation": "status", "cmp": "gte", '
                     '"value": 0.6}]}'}
    assert admin_client.post(reverse("admin:personalization_segment_add"), data).status_code == 302
    assert Segment.objects.get(name="Likely status").rules["items"][0]["value"] == 0.6


def test_admin_live_preview(admin_client):
    shopper(country="NL")
    shopper(country="NL", personalization=False, analytics=True)
    url = reverse("admin:personalization_segment_preview")
    response = admin_client.post(url, {"rules": '{"op": "and", "items": [{"kind": "country", "values": ["NL"]}]}',
                                       "purpose": "personalization"})
    assert response.status_code == 200
    assert b'data-size="1"' in response.content and b'data-excluded="1"' in response.content
    bad = admin_client.post(url, {"rules": '{"op": "and", "items": [{"kind": "nope"}]}', "purpose": "personalization"})
    assert bad.status_code == 400 and b"Unknown condition kind" in bad.content
    assert admin_client.get(url).status_code == 405


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Segment ids sent to the broker (the task itself is tested by calling it directly)."""
    sent: list[int] = []
    monkeypatch.setattr(segment_materialize_task, "delay", sent.append)
    return sent


def test_admin_saves_canonical_rules_and_materializes_on_commit(admin_client, django_capture_on_commit_callbacks,
                                                                queued):
    data = {"name": "Belgium", "description": "", "purpose": "personalization", "active": "on",
            "rules": '{"op": "and", "items": [{"kind": "country", "values": ["be"]}]}'}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("admin:personalization_segment_add"), data)
    assert response.status_code == 302
    segment = Segment.objects.get(name="Belgium")
    assert segment.rules == {"op": "and", "items": [{"kind": "country", "values": ["BE"]}]}
    assert queued == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert queued == [segment.pk]


def test_admin_refuses_invalid_rules(admin_client):
    data = {"name": "Bad", "purpose": "personalization", "rules": '{"op": "and", "items": [{"kind": "nope"}]}'}
    response = admin_client.post(reverse("admin:personalization_segment_add"), data)
    assert response.status_code == 200
    assert b"Unknown condition kind" in response.content
    assert not Segment.objects.filter(name="Bad").exists()


def test_admin_materialize_now(admin_client, django_capture_on_commit_callbacks, queued):
    segment = Segment.objects.create(name="all", rules={})
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:personalization_segment_materialize", args=[segment.pk]))
    assert response.status_code == 302
    assert queued == [segment.pk]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:personalization_segment_changelist"),
                          {"action": "materialize_now", "_selected_action": [segment.pk]})
    assert queued == [segment.pk, segment.pk]
    assert admin_client.get(reverse("admin:personalization_segment_materialize", args=[segment.pk])).status_code == 403


def test_admin_exports_a_marketing_audience_as_csv(admin_client):
    member = shopper(marketing=True, email="ann@example.com")
    segment = Segment.objects.create(name="m", purpose="marketing", rules={})
    segment_materialize(segment=segment)
    response = admin_client.get(reverse("admin:personalization_segment_export", args=[segment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][:2] == [str(member.pk), "ann@example.com"]
    via_action = admin_client.post(reverse("admin:personalization_segment_changelist"),
                                   {"action": "export_audience", "_selected_action": [segment.pk]})
    assert via_action.status_code == 200 and via_action["Content-Type"].startswith("text/csv")


def test_admin_refuses_to_export_a_segment_not_for_marketing(admin_client):
    shopper(marketing=True, email="ann@example.com")
    segment = Segment.objects.create(name="p", purpose="personalization", rules={})
    segment_materialize(segment=segment)
    response = admin_client.get(reverse("admin:personalization_segment_export", args=[segment.pk]), follow=True)
    assert b"ann@example.com" not in response.content
    assert b"Only a marketing segment" in response.content
    via_action = admin_client.post(reverse("admin:personalization_segment_changelist"),
                                   {"action": "export_audience", "_selected_action": [segment.pk]}, follow=True)
    assert b"Only a marketing segment" in via_action.content
