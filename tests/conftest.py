"""Shared test setup.

Tests that need a real service carry a marker (postgres, redis, worker). Where the service is
missing they skip on a developer machine, but with ATELIER_REQUIRE_SERVICES=1 (as .ci/run sets)
they fail instead, so CI can never go green by skipping them.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("ATELIER_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _redis_url() -> str | None:
    from django.conf import settings

    for url in (os.environ.get("REDIS_URL"), settings.CELERY_BROKER_URL, settings.CACHES["default"].get("LOCATION")):
        if isinstance(url, str) and url.startswith("redis://"):
            return url
    return None


@pytest.fixture(autouse=True)
def _service_markers(request):
    marker_names = {m.name for m in request.node.iter_markers()}
    if "postgres" in marker_names:
        from django.db import connection

        if connection.vendor != "postgresql":
            missing_service("PostgreSQL: set DATABASE_URL=postgres://...")
    if "redis" in marker_names or "worker" in marker_names:
        url = _redis_url()
        if url is None:
            missing_service("Redis: set CELERY_BROKER_URL / CACHE_URL to redis://...")
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            missing_service(f"Redis at {url}: {exc}")


@pytest.fixture
def car(db):
    """The small test car of tests/configurator/conftest.py (make_car): trim, wheels, packs and a
    badge, with every kind of rule."""
    from tests.configurator.conftest import make_car

    return make_car()


@pytest.fixture(scope="session")
def demo_layer_cache(tmp_path_factory):
    """Layer art drawn by the first demo seed of the session (drawing takes ~15 s)."""
    return tmp_path_factory.mktemp("demo-layers")


def seed_demo_reusing_art(media_root, cache):
    """The demo catalog in this test's database and media, drawing its layer art only the first
    time in a session (later tests get a copy). Returns what demo_seed returns."""
    import shutil
    from pathlib import Path

    from configurator.demo.seed import demo_seed

    media, cached = Path(media_root), cache / "catalog"
    if cached.exists():
        shutil.copytree(cached, media / "catalog", dirs_exist_ok=True)
    seeded = demo_seed()
    if not cached.exists():
        shutil.copytree(media / "catalog", cached)
    return seeded


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _click_events_written_at_once(settings):
    """A test's clicks write their events in the test's transaction; the write-behind buffer
    (its own thread and connection) is tested on its own in tests/personalization/test_events.py."""
    settings.ATELIER_EVENT_WRITE_BEHIND = False


@pytest.fixture(autouse=True)
def _fresh_caches():
    from django.core.cache import cache

    from configurator.personal_text import forget_blocked_words
    from configurator.selectors import local_product_refs
    from configurator.snapshot import version_cache
    from personalization.services.shoppers import shopper_forget

    version_cache.clear()
    shopper_forget()
    local_product_refs.clear()
    forget_blocked_words()
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests serve static files from the finders; no collectstatic manifest is needed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker process, pointed at the test database and the configured broker."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        missing_service("Celery broker: set CELERY_BROKER_URL=redis://...")
    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env["CELERY_TASK_ALWAYS_EAGER"] = "0"
    log = Path(os.environ.get("ATELIER_ARTIFACTS", "artifacts")) / "celery-worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "atelier", "worker", "--pool=solo", "--concurrency=1",
         "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    from atelier.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited early; see {log}")
        if app.control.ping(timeout=1.0):
            break
    else:
        process.kill()
        pytest.fail(f"the Celery worker did not answer within 60s; see {log}")
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english():
    """English in this thread for the test: messages are worded in the active language, and a
    request elsewhere in the suite may have left another one active (a page's ?lang=nl does)."""
    from django.utils import translation

    with translation.override("en"):
        yield
