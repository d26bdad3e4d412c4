"""The same settings module runs on SQLite (nothing set) and on PostgreSQL and Redis (env set)."""

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG}))"
)
SERVICE_VARS = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "DEBUG")


def probe(**env):
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="atelier.settings")
    out = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_are_sqlite_eager_and_local_memory():
    settings = probe()
    assert settings["db"] == "django.db.backends.sqlite3"
    assert settings["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings["eager"] is True
    assert settings["debug"] is False


def test_environment_switches_to_postgresql_and_redis():
    settings = probe(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        CACHE_URL="redis://127.0.0.1:6379/1",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/2",
    )
    assert settings["db"] == "django.db.backends.postgresql"
    assert settings["cache"] == "django_redis.cache.RedisCache"
    assert settings["eager"] is False
    assert settings["broker"] == "redis://127.0.0.1:6379/2"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_suite_really_runs_on_postgresql_in_ci():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


@pytest.mark.redis
def test_the_cache_really_is_redis_in_ci():
    from django.core.cache import caches

    from tests.conftest import missing_service

    cache = caches["default"]
    if "redis" not in type(cache).__module__:
        missing_service("the cache is not Redis: set CACHE_URL=redis://...")
    cache.set("atelier-probe", "ok", 10)
    assert cache.get("atelier-probe") == "ok"
    assert cache.client.get_client().ping()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_tasks(celery_worker_process):
    from configurator.tasks import health_ping

    result = health_ping.delay().get(timeout=30)
    from django.db import connection

    assert result["db"] == connection.vendor
