"""A real stack for the HTTP benchmarks: gunicorn on loopback, PostgreSQL (and Redis if up)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import BENCH_SECRET_KEY, ROOT

# ATELIER_BENCH_DB: another database, for a branch whose migrations the shared one must not get.
BENCH_DB = os.environ.get("ATELIER_BENCH_DB", "atelier_bench")
BENCH_BROKER = "redis://127.0.0.1:6379/6"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_env() -> tuple[dict[str, str], str]:
    """Environment for the benchmark stack, and a description of it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # One client sends every benchmark's requests; the rate limits have their own tests.
    env["ATELIER_RATELIMIT_ENABLED"] = "0"
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    if not port_open(5432):
        raise RuntimeError("PostgreSQL is not reachable on 127.0.0.1:5432")
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
         f"SELECT 'exists' FROM pg_database WHERE datname='{BENCH_DB}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip() == "exists" or subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f"CREATE DATABASE {BENCH_DB}"],
        check=True, capture_output=True,
    )
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    described = "gunicorn (2 sync workers) + PostgreSQL"
    if port_open(6379):
        env["CACHE_URL"] = "redis://127.0.0.1:6379/5"
        # Tasks go to a broker as in production (no worker consumes them; run.py empties it).
        env["CELERY_BROKER_URL"] = BENCH_BROKER
        described += " + Redis cache and broker"
    return env, described


def empty_broker(env: dict[str, str]) -> None:
    """Drop the tasks the benchmarks queued (nothing consumes the benchmark broker)."""
    if env.get("CELERY_BROKER_URL") == BENCH_BROKER:
        subprocess.run(["redis-cli", "-n", BENCH_BROKER.rsplit("/", 1)[1], "FLUSHDB"], capture_output=True)


def _static_stale(static_root: Path) -> bool:
    """Whether the collected static files predate the project's static files or requirements
    (the pages of the browser benchmark need the manifest of DEBUG=False)."""
    manifest = static_root / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [ROOT / "requirements.txt", *(f for f in (ROOT / "static").rglob("*") if f.is_file())]
    return max(f.stat().st_mtime for f in sources) > manifest.stat().st_mtime


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the benchmark database (the seed writes the layer art to bench.settings'
    MEDIA_ROOT), and collect the static files if they are missing or stale. Needs Django set up
    with bench.settings in this process (run.py does that first)."""
    from django.conf import settings

    python = sys.executable
    commands = [["migrate", "--noinput"], ["seed_demo"]]
    if _static_stale(Path(settings.STATIC_ROOT)):
        commands.append(["collectstatic", "--noinput"])
    for command in commands:
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2):
    port = free_port()
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn_bin), "atelier.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--keep-alive", "5", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
