"""Hypothesis fuzzing of the endpoints that take the most input: the quote, saving and editing a
build, and client events. Each gets two kinds of input:

- *plausible*: built from the real demo catalog (a valid build with some steps changed to real
  option codes, another step's codes, lists, nulls, personal text of every kind) or batches of
  events around now, so that many requests are accepted and the deep paths run;
- *hostile*: arbitrary JSON (deeply nested, huge numbers, unicode, NaN-like strings, wrong types
  everywhere) and raw text that is not JSON at all.

Whatever arrives: the answer is one of the endpoint's statuses and never a 5xx, a refusal is JSON
with a message, an accepted build is priced by the server, and a refused request changes nothing
saved (all builds and all events are compared row by row before and after).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine import quote
from configurator.models import Build
from configurator.services import build_save, build_share
from configurator.snapshot import catalog_for
from personalization.models import Event
from personalization.services.events import events_ingest
from personalization.services.shoppers import consent_set
from tests.security.conftest import catalog_builds

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

NASTY_STRINGS = [
    "", " ", "NaN", "-NaN", "Infinity", "-Infinity", "1e309", "-0", "0x10", "null", "true", "[]", "{}",
    "\x00", "A\x00B", "\u202eRTL\u202c", "\u200b\u200c\u200d\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "🚗💨", "é" * 3, "e\u0301",
    "ǅ", "ß", "İ", "ﬃ", "\ud7ff", "'; DROP TABLE configurator_build; --", "<script>alert(1)</script>",
    "{{ 7*7 }}", "{% debug %}", "../../etc/passwd", "%s%s%n", "\\", '"', "A" * 1000, "W" * 10,
]
scalars = (
    st.none() | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
    | st.text(max_size=30) | st.sampled_from(NASTY_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
personal_text = st.one_of(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789 ", max_size=12),
    st.text(max_size=14), st.sampled_from(NASTY_STRINGS),
)


def nested(depth: int) -> str:
    """A JSON text nested `depth` levels deep (built as text: json.dumps itself would recurse)."""
    return '{"product": ' + '{"a": [' * depth + "1" + "]}" * depth + "}"


raw_bodies = st.sampled_from([
    nested(5_000), nested(100_000), "[" * 50_000, "{not json", "", "NaN", '{"product": NaN}',
    '{"product": Infinity}', '{"product": "city-car", "selections": {"badge": "\\ud800"}}', "\x00",
    '{"product": 1e999999}', "\ufeff{}", '{"product": "city-car"' + ', "x": 1' * 20 + "}",
    '{"events": [{"key": "\\udfff", "type": "option_selected"}]}',
]) | st.binary(max_size=60).map(lambda b: b.decode("latin-1"))


def hostile(fields: st.SearchStrategy) -> st.SearchStrategy:
    """The endpoint's fields with values of any kind, any JSON at all, or text that is not JSON."""
    return st.one_of(fields.map(json.dumps), json_values.map(json.dumps), raw_bodies)


def hostile_object(*names: str) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={name: json_values for name in names})


def plausible_selections(cat) -> st.SearchStrategy:
    """A valid build of the catalog with a few steps changed: to one of their own option codes
    (or a set of them), another step's code, null, personal text, and now and then a step that
    does not exist."""
    options = {g.code: [cat.options[i].code for i in g.options] for g in cat.groups}
    every_option = sorted({code for codes in options.values() for code in codes})

    def value_for(group) -> st.SearchStrategy:
        if group.text is not None:
            return personal_text
        own = st.sampled_from(options[group.code])
        if group.kind == "multi":
            return st.lists(own, max_size=4) | own
        return own | st.sampled_from(every_option) | st.none() | st.lists(own, max_size=2)

    step = st.sampled_from(cat.groups).flatmap(lambda g: st.tuples(st.just(g.code), value_for(g)))
    unknown = st.tuples(st.sampled_from(["nope", "__proto__", "badge ", "TRIM", ""]), st.just("x"))
    changes = st.lists(step, max_size=3) | st.lists(step | unknown, min_size=1, max_size=3)
    return st.tuples(st.sampled_from(catalog_builds(cat)), changes.map(dict)).map(
        lambda pair: {**pair[0], **pair[1]})


def plausible_action(cat) -> st.SearchStrategy:
    group = st.sampled_from([g for g in cat.groups if g.text is None])
    return st.none() | group.flatmap(lambda g: st.fixed_dictionaries(
        {"group": st.just(g.code)},
        optional={"option": st.sampled_from([cat.options[i].code for i in g.options]) | st.none(),
                  "selected": st.booleans()},
    ))


def plausible_events(product_ids: list[int], build_ids: list[str]) -> st.SearchStrategy:
    """Batches of client events around now (a few out of the 7-day window), real products and
    builds, personal-text-like codes and small properties."""
    recent = st.integers(min_value=-8 * 24 * 60, max_value=10).map(
        lambda minutes: (timezone.now() + timedelta(minutes=minutes)).isoformat())
    event = st.fixed_dictionaries(
        {"key": st.uuids().map(str),
         "type": st.sampled_from(["option_selected", "option_removed", "text_personalized", "share_viewed",
                                  "order_placed"])},
        optional={
            "at": recent | st.none(), "product": st.sampled_from(product_ids) | st.none(),
            "build": st.sampled_from(build_ids) | st.none(), "group": personal_text, "option": personal_text,
            "properties": st.dictionaries(st.text(max_size=8), scalars, max_size=4),
        },
    )
    return st.lists(event, min_size=1, max_size=6)


def saved_state() -> tuple[list[dict], list[dict]]:
    builds = list(Build.objects.order_by("pk").values())
    events = list(Event.objects.order_by("key").values())
    return builds, events


def assert_refusal_is_json(response) -> None:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.strip()


def assert_priced_by_the_server(build: Build) -> None:
    assert build.total == quote(catalog_for(build.catalog_version_id), build.selections).evaluation.price.total


@pytest.fixture
def scene(demo, shopper, shopper_header, settings):
    """A consented shopper with a saved draft and a shared build, and events of theirs and of
    someone else already stored. The rate limits (tested on their own) are raised out of reach."""
    settings.ATELIER_RATELIMITS = {scope: "100000/m" for scope in settings.ATELIER_RATELIMITS}
    consent_set(shopper_id=shopper.shopper_id, analytics=True, personalization=True, marketing=False, source="test")
    car = demo["city-car"]
    draft = build_save(product=car, selections={"badge": "MINE"}, owner=shopper, name="Mine")
    shared = build_share(build=build_save(product=demo["sneaker"], selections={}, owner=shopper, name="Out"),
                         owner=shopper)
    other = uuid.uuid4()
    consent_set(shopper_id=other, analytics=True, personalization=False, marketing=False, source="test")
    for who in (shopper.shopper_id, other):
        events_ingest(shopper_id=who, items=[
            {"key": str(uuid.uuid4()), "type": "option_selected", "product": car.pk, "group": "wheels",
             "option": "w17", "properties": {"n": 1}},
        ])
    return {
        "client": Client(**shopper_header), "demo": demo, "draft": draft, "shared": shared,
        "cats": {slug: catalog_for(p.current_version_id) for slug, p in demo.items()},
    }


def send(client, url: str, body: str, method: str = "post"):
    return getattr(client, method)(url, body, content_type="application/json")


def product_fields(scene, data, extra: dict | None = None) -> st.SearchStrategy:
    slug = data.draw(st.sampled_from(sorted(scene["cats"])), label="product")
    cat = scene["cats"][slug]
    return st.fixed_dictionaries({"product": st.just(slug), "selections": plausible_selections(cat)},
                                 optional={"action": plausible_action(cat), **(extra or {})})


# The quote ------------------------------------------------------------------------------------

def check_quote(scene, body: str) -> None:
    before = saved_state()
    response = send(scene["client"], "/api/quote/", body)
    assert response.status_code in {200, 400, 413}
    if response.status_code == 200:
        data = response.json()
        cat = scene["cats"][data["product"]]
        # The price is the engine's for the normalized selections the answer shows.
        assert Decimal(data["price"]["total"]) == quote(cat, data["selections"]).evaluation.price.total
    else:
        assert_refusal_is_json(response)
    assert saved_state() == before  # a quote saves nothing, whatever the answer


@FUZZ
@given(data=st.data())
def test_quote_with_plausible_input(scene, data):
    check_quote(scene, json.dumps(data.draw(product_fields(scene, data), label="body")))


@FUZZ
@given(body=hostile(hostile_object("product", "selections", "action")))
def test_quote_with_hostile_input(scene, body):
    check_quote(scene, body)


# Saving a build -------------------------------------------------------------------------------

def check_save(scene, body: str) -> None:
    before = saved_state()
    response = send(scene["client"], "/api/builds/", body)
    assert response.status_code in {201, 400, 413}
    if response.status_code == 201:
        data = response.json()
        build = Build.objects.get(pk=data["id"])
        assert_priced_by_the_server(build)
        assert Decimal(data["total"]) == build.total
        assert [b for b in saved_state()[0] if str(b["id"]) != data["id"]] == before[0]
    else:
        assert_refusal_is_json(response)
        assert saved_state() == before


@FUZZ
@given(data=st.data())
def test_saving_with_plausible_input(scene, data):
    extra = {"name": personal_text, "total": st.just("1.00"), "price": st.just({"total": "1.00"})}
    check_save(scene, json.dumps(data.draw(product_fields(scene, data, extra), label="body")))


@FUZZ
@given(body=hostile(hostile_object("product", "selections", "name", "total")))
def test_saving_with_hostile_input(scene, body):
    check_save(scene, body)


# Editing a build ------------------------------------------------------------------------------

def check_edit(scene, which: str, body: str) -> None:
    build = scene[which]
    before = saved_state()
    response = send(scene["client"], f"/api/builds/{build.pk}/", body, method="patch")
    assert response.status_code in {200, 201, 400, 413}
    if response.status_code >= 400:
        assert_refusal_is_json(response)
        assert saved_state() == before
        return
    data = response.json()
    assert_priced_by_the_server(Build.objects.get(pk=data["id"]))
    if which == "shared":  # frozen: the edit is a new draft and the shared build is untouched
        assert response.status_code == 201
        assert [b for b in saved_state()[0] if str(b["id"]) != data["id"]] == before[0]


@FUZZ
@given(data=st.data())
def test_editing_with_plausible_input(scene, data):
    which = data.draw(st.sampled_from(["draft", "shared"]), label="build")
    cat = scene["cats"][scene[which].product.slug]
    fields = st.fixed_dictionaries({}, optional={"selections": plausible_selections(cat), "name": personal_text})
    check_edit(scene, which, json.dumps(data.draw(fields, label="body")))


@FUZZ
@given(which=st.sampled_from(["draft", "shared"]), body=hostile(hostile_object("selections", "name", "status")))
def test_editing_with_hostile_input(scene, which, body):
    check_edit(scene, which, body)


# Client events --------------------------------------------------------------------------------

def check_events(scene, body: str) -> None:
    before = saved_state()
    response = send(scene["client"], "/api/events/", body)
    assert response.status_code in {201, 400, 413}
    after = saved_state()
    if response.status_code == 201:
        counts = response.json()
        old = {e["key"] for e in before[1]}
        assert [e for e in after[1] if e["key"] in old] == before[1]  # stored events never change
        assert len(after[1]) - len(before[1]) == counts["accepted"]
        assert after[0] == before[0]
    else:
        assert_refusal_is_json(response)
        assert after == before


@FUZZ
@given(data=st.data())
def test_events_with_plausible_input(scene, data):
    product_ids = [p.pk for p in scene["demo"].values()]
    build_ids = [str(scene["draft"].pk), str(uuid.uuid4())]
    check_events(scene, json.dumps({"events": data.draw(plausible_events(product_ids, build_ids), label="events")}))


@FUZZ
@given(body=hostile(st.fixed_dictionaries({"events": st.lists(
    hostile_object("key", "type", "at", "product", "build", "group", "option", "properties", "campaign")
    | json_values, max_size=4) | json_values})))
def test_events_with_hostile_input(scene, body):
    check_events(scene, body)


def test_deep_nesting_is_a_400_not_a_recursion_error(scene):
    for url, method in (("/api/quote/", "post"), ("/api/builds/", "post"),
                        (f"/api/builds/{scene['draft'].pk}/", "patch"), ("/api/events/", "post")):
        response = send(scene["client"], url, nested(20_000), method=method)  # ~160 kB: under the size limit
        assert response.status_code == 400, url
        assert_refusal_is_json(response)


def test_lone_surrogates_are_a_400_and_nothing_is_saved(scene):
    """'\\ud800' is valid JSON but not text: no database, hash or font takes it."""
    draft = scene["draft"]
    before = saved_state()
    for url, method, body in (
        ("/api/quote/", "post", '{"product": "city-car", "selections": {"badge": "A\\ud800"}}'),
        ("/api/builds/", "post", '{"product": "city-car", "name": "\\udfff"}'),
        (f"/api/builds/{draft.pk}/", "patch", '{"selections": {"badge": "\\ud83d"}}'),
        ("/api/events/", "post", json.dumps({"events": [{"key": str(uuid.uuid4()), "type": "option_selected"}]})
         .replace('"option_selected"', '"option_selected", "group": "\\ud800"')),
    ):
        response = send(scene["client"], url, body, method=method)
        assert response.status_code == 400, url
        assert "Unicode" in response.json()["detail"]
    assert saved_state() == before
    # A proper surrogate pair is an ordinary character.
    assert send(scene["client"], "/api/quote/", '{"product": "city-car", "name": "\\ud83d\\ude97"}').status_code == 200


def test_numbers_too_large_for_a_float_are_a_400_and_nothing_is_saved(scene):
    """1e999 is valid JSON, but Python reads it as infinity: an event's properties holding one were
    counted as accepted and then dropped by SQLite's JSON check (PostgreSQL's jsonb refuses it: a 500)."""
    draft = scene["draft"]
    before = saved_state()
    event = {"key": str(uuid.uuid4()), "type": "option_selected", "properties": {"n": "HUGE"}}
    for url, method, body in (
        ("/api/events/", "post", json.dumps({"events": [event]}).replace('"HUGE"', "1e999")),
        ("/api/events/", "post", json.dumps({"events": [event]}).replace('"HUGE"', "-1e999")),
        ("/api/quote/", "post", '{"product": "city-car", "selections": {"badge": 1e999}}'),
        ("/api/builds/", "post", '{"product": "city-car", "name": "A", "selections": {"packs": [1e400]}}'),
        (f"/api/builds/{draft.pk}/", "patch", '{"selections": {"badge": -1e999}}'),
    ):
        response = send(scene["client"], url, body, method=method)
        assert response.status_code == 400, url
        assert response.json()["detail"] == "JSON parse error - a number is too large.", url
    assert saved_state() == before
    # A large number that a float holds is an ordinary number.
    ok = json.dumps({"events": [{**event, "key": str(uuid.uuid4())}]}).replace('"HUGE"', "1e300")
    assert send(scene["client"], "/api/events/", ok).json() == {"accepted": 1, "duplicates": 0}
    assert Event.objects.filter(properties__n=1e300).count() == 1
