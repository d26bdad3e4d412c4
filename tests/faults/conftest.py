"""Fixtures of the fault scripts: one throwaway PostgreSQL cluster per session with a migrated,
seeded template database, and per test a fresh copy of it, a Redis of its own and the app's
processes. Without the binaries the scripts skip on a laptop and fail in CI
(ATELIER_REQUIRE_SERVICES=1), like every other service-backed test."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.faults.checks import HEALTH_TOKEN
from tests.faults.services import ARTIFACTS, ROOT, Apps, Postgres, Redis, missing_binaries

TEMPLATE_DB = "atelier_template"
_INHERITED = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL",
              "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "MEDIA_ROOT", "DEBUG")


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED and not k.startswith("PYTEST_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tests.faults.app_settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": "atelier-fault-scripts-only-not-a-real-secret",
        "ATELIER_HEALTH_TOKEN": HEALTH_TOKEN,  # the scripts read /health/'s details
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


@dataclass
class Cluster:
    root: Path
    pg: Postgres
    media: Path


@dataclass
class Stack:
    pg: Postgres
    redis: Redis
    apps: Apps
    database: str

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        return self.pg.query(query, params, database=self.database)

    def scalar(self, query: str, params: tuple = ()):
        return self.sql(query, params)[0][0]


@pytest.fixture(scope="session")
def fault_cluster():
    missing = missing_binaries()
    if missing:
        missing_service(f"the fault scripts need PostgreSQL 15 and Redis binaries: {', '.join(missing)}")
    root = Path(tempfile.mkdtemp(prefix="atelier-faults-"))
    pg = Postgres(root)
    try:
        pg.init()
        pg.start()
        pg.query(f"CREATE DATABASE {TEMPLATE_DB}")
        media = root / "media-template"
        seed = Apps(root=root, env=base_env(DATABASE_URL=pg.url(TEMPLATE_DB), MEDIA_ROOT=str(media)),
                    logs=ARTIFACTS / "seed")
        for command in (("migrate", "--noinput"), ("seed_demo",), ("seed_personalization",)):
            seed.manage(*command)
        yield Cluster(root, pg, media)
    finally:
        pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def stack(request, fault_cluster):
    """A copy of the seeded database, a Redis (cache and broker) and the environment of the app's
    processes; the test starts the processes it needs (stack.apps.gunicorn(), .worker(), .beat())."""
    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:50]
    pg = fault_cluster.pg
    if not pg.running():  # a previous script left it stopped
        pg.start()
    pg.query(f"DROP DATABASE IF EXISTS {name}")
    pg.query(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    root = fault_cluster.root / name
    media = root / "media"
    shutil.copytree(fault_cluster.media, media)
    redis = Redis(root)
    redis.start()
    env = base_env(
        DATABASE_URL=pg.url(name), CACHE_URL=redis.url(1), CELERY_BROKER_URL=redis.url(2),
        CELERY_TASK_ALWAYS_EAGER="0", MEDIA_ROOT=str(media),
        # Short periods so that a script waits seconds, not the production minutes.
        ATELIER_SWEEP_SECONDS="3", ATELIER_ROLLUPS_SECONDS="5", ATELIER_PROFILE_DEBOUNCE_SECONDS="1",
        # All the load comes from one address: lift the per-IP ceilings, keep the per-shopper
        # limits (so the limiter, and how it fails open without Redis, stays in the path).
        ATELIER_RATELIMITS="save_ip=100000/m,share_ip=100000/m,order_ip=100000/m,render_ip=100000/m",
        EMAIL_URL=f"filemail:///{root / 'mail'}",  # one file per e-mail sent, for the scripts to count
    )
    logs = ARTIFACTS / name
    shutil.rmtree(logs, ignore_errors=True)
    apps = Apps(root=root, env=env, logs=logs)
    try:
        yield Stack(pg, redis, apps, name)
    finally:
        apps.close()
        redis.stop()
        if not pg.running():
            pg.start()
        pg.query(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(root, ignore_errors=True)
