"""Rate limits: over a limit a client gets 429 with Retry-After and a clear message, and nothing is
written. Low limits come from settings; each test runs on a local-memory limiter and, marked
`redis`, on Redis (a unique key prefix per test, so nothing else in that Redis is touched)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from configurator import ratelimits
from configurator.engine import evaluate, normalize
from configurator.identity import sign_shopper
from configurator.models import Build, Order, RenderedImage
from configurator.previews import preview_ref
from configurator.snapshot import catalog_for
from personalization.models import Event
from tests.factories import ShopperFactory

pytestmark = pytest.mark.django_db

# Windows of an hour: a fixed window that ended mid-test would reset the count.
LOW = {
    "save": "3/h", "save_ip": "5/h",
    "share": "2/h", "share_ip": "4/h",
    "order": "2/h", "order_ip": "4/h",
    "events": "2/h", "events_ip": "4/h",
    "render": "2/h", "render_ip": "4/h",
    "share_miss_ip": "3/h",
}


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def limits(request, settings):
    """Low limits, counted in a local-memory cache or in Redis."""
    if request.param == "redis":
        from tests.conftest import _redis_url

        backend = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": _redis_url()}
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"rl-{uuid.uuid4()}"}
    settings.CACHES = {**settings.CACHES, "ratelimit": backend}
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    settings.ATELIER_RATELIMIT_ENABLED = True
    settings.ATELIER_RATELIMITS = dict(LOW)
    return request.param



def shopper_client(shopper_id: uuid.UUID | None = None, ip: str = "127.0.0.1", **extra) -> Client:
    client = Client(REMOTE_ADDR=ip, **extra)
    client.cookies[django_settings.ATELIER_SHOPPER_COOKIE] = sign_shopper(shopper_id or uuid.uuid4())
    return client


TOO_MANY = {  # (the page's heading, the message's start) in the shopper's language
    "en": ("<h1>Too many requests</h1>", "Too many requests. Please wait"),
    "nl": ("<h1>Te veel verzoeken</h1>", "Te veel verzoeken. Wacht"),
}


def assert_429(response, *, json_body: bool, language: str = "en") -> str:
    heading, message = TOO_MANY[language]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    if json_body:
        assert response["Content-Type"] == "application/json"
        detail = json.loads(response.content)["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        detail = response.content.decode()
        assert heading in detail
    assert message in detail
    return detail


def save(client: Client, name: str = "Mine", **extra):
    return client.post("/en/configure/car/save/", {"state": "wheels=w17", "name": name}, **extra)


# Save -------------------------------------------------------------------------------------------

def test_a_shopper_over_the_save_limit_gets_429_and_nothing_is_saved(limits, car):
    client = shopper_client()
    assert [save(client).status_code for _ in range(3)] == [302, 302, 302]
    response = save(client, name="One too many")
    assert_429(response, json_body=False)
    assert Build.objects.count() == 3
    assert not Build.objects.filter(name="One too many").exists()


def test_the_save_limit_is_per_shopper_with_a_ceiling_per_ip(limits, car):
    first, second, third = shopper_client(), shopper_client(), shopper_client()
    assert [save(first).status_code for _ in range(3)] == [302, 302, 302]
    assert save(first).status_code == 429  # first is over its own limit (and this counts for the IP)
    assert save(second).status_code == 302  # the IP has had 5 now: its ceiling
    assert save(third).status_code == 429
    assert shopper_client(ip="192.0.2.7").post(
        "/en/configure/car/save/", {"state": "", "name": "Elsewhere"}
    ).status_code == 302
    assert Build.objects.count() == 5


def test_a_client_without_a_shopper_is_limited_by_ip_and_gets_no_identity(limits, car):
    for _ in range(3):
        client = Client()  # drops its cookie every time
        assert save(client).status_code == 302
    response = save(Client())
    assert_429(response, json_body=False)
    assert django_settings.ATELIER_SHOPPER_COOKIE not in response.cookies
    assert Build.objects.count() == 3


def test_an_htmx_save_over_the_limit_gets_json(limits, car):
    client = shopper_client()
    for _ in range(3):
        save(client)
    assert_429(save(client, HTTP_HX_REQUEST="true"), json_body=True)


def test_api_create_and_update_share_the_save_limit(limits, car):
    shopper = uuid.uuid4()
    headers = {"HTTP_X_ATELIER_SHOPPER": sign_shopper(shopper)}
    api = Client()
    created = api.post("/api/builds/", {"product": "car", "name": "A"}, content_type="application/json", **headers)
    assert created.status_code == 201
    build_id = created.json()["id"]
    for name in ("B", "C"):
        patched = api.patch(f"/api/builds/{build_id}/", {"name": name}, content_type="application/json", **headers)
        assert patched.status_code == 200
    refused = api.patch(f"/api/builds/{build_id}/", {"name": "D"}, content_type="application/json", **headers)
    assert_429(refused, json_body=True)
    again = api.post("/api/builds/", {"product": "car", "name": "E"}, content_type="application/json", **headers)
    assert_429(again, json_body=True)
    assert list(Build.objects.values_list("name", flat=True)) == ["C"]


def test_reading_is_not_limited(limits, car):
    client = shopper_client()
    save(client)
    build = Build.objects.get()
    for _ in range(10):
        assert client.get(f"/en/designs/{build.pk}/").status_code == 200
        assert client.get("/api/builds/").status_code == 200
        assert client.get(f"/en/designs/{build.pk}/order/").status_code == 200


# Share and order --------------------------------------------------------------------------------

def test_share_is_limited_on_the_page_and_in_the_api(limits, car):
    client = shopper_client()
    for _ in range(3):
        save(client)
    first, second, third = Build.objects.order_by("created_at")
    assert client.post(f"/en/designs/{first.pk}/share/").status_code == 302
    assert client.post(f"/api/builds/{second.pk}/share/").status_code == 200
    assert_429(client.post(f"/en/designs/{third.pk}/share/"), json_body=False)
    assert_429(client.post(f"/api/builds/{third.pk}/share/"), json_body=True)
    third.refresh_from_db()
    assert third.status == "draft"


def test_order_posts_are_limited_and_nothing_is_ordered(limits, car):
    client = shopper_client()
    client.post("/en/configure/car/save/", {"state": "", "name": "Mine"})
    build = Build.objects.get()
    for _ in range(2):  # invalid submissions count too
        assert client.post(f"/en/designs/{build.pk}/order/", {"name": "", "email": "x"}).status_code == 400
    valid = {"name": "Ann de Vries", "email": "ann@example.com", "country": "NL"}
    assert_429(client.post(f"/en/designs/{build.pk}/order/", valid), json_body=False)
    assert not Order.objects.exists()
    build.refresh_from_db()
    assert build.status == "draft"


# Events -----------------------------------------------------------------------------------------

def event(**fields) -> dict:
    return {"key": str(uuid.uuid4()), "type": "option_selected", "group": "wheels", "option": "w17", **fields}


def test_event_batches_are_limited(limits, car):
    shopper = ShopperFactory()
    api = Client()
    headers = {"HTTP_X_ATELIER_SHOPPER": sign_shopper(shopper.pk)}
    for _ in range(2):
        response = api.post("/api/events/", {"events": [event()]}, content_type="application/json", **headers)
        assert response.status_code == 201
    refused = api.post("/api/events/", {"events": [event(), event()]}, content_type="application/json", **headers)
    assert_429(refused, json_body=True)
    assert Event.objects.filter(shopper=shopper).count() == 2


# Renders ----------------------------------------------------------------------------------------

def preview_url(car, **selections) -> str:
    cat = catalog_for(car.current_version_id)
    state, errors = normalize(cat, selections)
    assert not errors
    return preview_ref(cat, car.current_version_id, state, evaluate(cat, state).fingerprint).url


def test_only_renders_count_and_a_cached_preview_is_served_without_limit(limits, car):
    client = Client()
    drawn = [preview_url(car, badge=text) for text in ("A", "B")]
    assert [client.get(url).status_code for url in drawn] == [200, 200]
    for _ in range(10):
        response = client.get(drawn[0])
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    rows = RenderedImage.objects.count()
    assert_429(client.get(preview_url(car, badge="C")), json_body=False)
    assert RenderedImage.objects.count() == rows


def test_a_refused_preview_url_does_not_count(limits, car):
    client = Client()
    wrong = preview_url(car, badge="A").replace("badge=A", "badge=B")
    for _ in range(5):
        assert client.get(wrong).status_code == 404
    assert client.get(preview_url(car, badge="A")).status_code == 200


def test_social_cards_count_only_when_drawn(limits, car):
    owner = shopper_client()
    for name in ("One", "Two", "Three"):
        save(owner, name=name)
    codes = []
    for build in Build.objects.order_by("created_at")[:2]:
        owner.post(f"/en/designs/{build.pk}/share/")
        build.refresh_from_db()
        codes.append(build.share_code)
    # (The share task's on-commit render never runs inside a test's transaction.)
    assert not RenderedImage.objects.filter(kind="social").exists()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):  # drawn once, then served from its cache row
        assert visitor.get(f"/s/{codes[0]}/card.png").status_code == 200
    assert visitor.get(f"/s/{codes[1]}/card.png").status_code == 200
    cards = RenderedImage.objects.filter(kind="social").count()
    assert cards == 2
    assert_429(visitor.get(f"/s/{codes[0]}/card.png", HTTP_ACCEPT_LANGUAGE="nl"), json_body=False, language="nl")
    assert RenderedImage.objects.filter(kind="social").count() == cards


# Share codes ------------------------------------------------------------------------------------

def shared_code(car) -> str:
    owner = shopper_client()
    owner.post("/en/configure/car/save/", {"state": "", "name": "Shared"})
    build = Build.objects.latest("created_at")
    owner.post(f"/en/designs/{build.pk}/share/")
    build.refresh_from_db()
    return build.share_code


def test_guessing_share_codes_gets_429_while_real_codes_still_open_from_that_address(limits, car):
    code = shared_code(car)
    scanner = Client(REMOTE_ADDR="198.51.100.9")
    assert [scanner.get(f"/s/guess{i}/").status_code for i in range(3)] == [404, 404, 404]
    assert_429(scanner.get("/s/guess3/"), json_body=False)
    assert_429(scanner.get("/api/shared/guess4/"), json_body=True)
    # Others behind the same address (an office, a link-preview crawler) still open real shares.
    neighbour = Client(REMOTE_ADDR="198.51.100.9")
    assert neighbour.get(f"/s/{code}/").status_code == 200
    assert neighbour.get(f"/api/shared/{code}/").status_code == 200
    assert_429(neighbour.get("/s/guess5/"), json_body=False)


def test_misses_count_across_the_page_the_card_and_the_api(limits, car):
    scanner = Client(REMOTE_ADDR="198.51.100.9")
    assert scanner.get("/s/nope1/card.png").status_code == 404
    assert scanner.get("/api/shared/nope2/").status_code == 404
    assert scanner.post("/api/shared/nope3/remix/", {}, content_type="application/json").status_code == 404
    assert_429(scanner.get("/s/nope4/"), json_body=False)


def test_visitors_of_real_codes_are_never_limited(limits, car):
    code = shared_code(car)
    visitor = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(12):
        assert visitor.get(f"/s/{code}/").status_code == 200
        assert visitor.get(f"/api/shared/{code}/").status_code == 200


def test_share_codes_are_random_and_long():
    from configurator.models.builds import SHARE_CODE_BYTES, new_share_code

    codes = {new_share_code() for _ in range(1000)}
    assert SHARE_CODE_BYTES * 8 >= 64
    assert len(codes) == 1000
    assert all(len(code) >= 11 and code.replace("-", "").replace("_", "").isalnum() for code in codes)


# Switches, failure and configuration ------------------------------------------------------------

def test_limits_can_be_switched_off(limits, car, settings):
    settings.ATELIER_RATELIMIT_ENABLED = False
    client = shopper_client()
    assert {save(client).status_code for _ in range(8)} == {302}


def test_one_limit_can_be_switched_off(limits, car, settings):
    settings.ATELIER_RATELIMITS = {**LOW, "save": "", "save_ip": ""}
    client = shopper_client()
    assert {save(client).status_code for _ in range(8)} == {302}


def test_a_cache_that_does_not_answer_lets_requests_through(limits, car, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache away")

    monkeypatch.setattr(ratelimits, "get_usage", broken)
    client = shopper_client()
    assert {save(client).status_code for _ in range(6)} == {302}


def test_the_client_ip_behind_trusted_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.ATELIER_RATELIMIT_PROXIES = 0
    assert ratelimits.client_ip(request) == "10.0.0.2"  # not trusting what the client sent
    settings.ATELIER_RATELIMIT_PROXIES = 1
    assert ratelimits.client_ip(request) == "203.0.113.5"
    v6 = rf.get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert ratelimits.client_ip(v6) == "2001:db8:1:2::"
    assert ratelimits.client_ip(rf.get("/", REMOTE_ADDR="not an ip")) == "unknown"


def test_the_default_limits_are_on_and_cover_every_scope():
    assert django_settings.ATELIER_RATELIMIT_ENABLED is True
    for scope in ("save", "share", "order", "events", "render"):
        assert django_settings.ATELIER_RATELIMITS[scope]
        assert django_settings.ATELIER_RATELIMITS[f"{scope}_ip"]
    assert django_settings.ATELIER_RATELIMITS["share_miss_ip"]


def test_system_checks_pass_on_the_local_cache():
    call_command("check", fail_level="WARNING")


def test_the_shared_cache_check_stays_on_with_redis(tmp_path):
    """On Redis nothing of django-ratelimit's is silenced, and its check finds nothing to say."""
    import subprocess
    import sys

    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from django_ratelimit.checks import check_caches; "
        "print([c for c in settings.SILENCED_SYSTEM_CHECKS if 'ratelimit' in c], check_caches(None))"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "atelier.settings",
           "CACHE_URL": "redis://127.0.0.1:6379/9", "SECRET_KEY": django_settings.SECRET_KEY}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=django_settings.BASE_DIR,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] []"
