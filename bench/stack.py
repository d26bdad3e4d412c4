"""A whole Atelier stack on loopback, for load runs: its own PostgreSQL database and Redis
databases, gunicorn (DEBUG off, static files through whitenoise), a Celery worker and celery
beat. Each process is a context manager that starts it with its output in a log file and stops
it gracefully (SIGTERM, then wait), so a web process writes its buffered click events first.
GunicornNode is one web node that a run may also stop in its middle (bench/nodes.py).

    spec = StackSpec(database="atelier_load", cache_db=13, broker_db=14)
    env = stack_env(spec, files, ATELIER_RATELIMIT_ENABLED="0")
    database_recreate(spec.database); redis_flush(spec.cache_url); redis_flush(spec.broker_url)
    prepare(env)
    with celery_worker(env, files / "worker.log"), celery_beat(env, files / "beat.log"), \
            gunicorn(env, files / "web.log", workers=4) as web:
        ...  # web.url; after the block, web.returncode (0: a graceful stop)

Needs no Django in the calling process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import BENCH_SECRET_KEY, ROOT
from bench.server import free_port, port_open

PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
# The variables of the caller that must not leak into the stack (it gets its own).
OWN = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DJANGO_SETTINGS_MODULE",
       "MEDIA_ROOT", "CELERY_TASK_ALWAYS_EAGER")


@dataclass(frozen=True)
class StackSpec:
    database: str
    cache_db: int
    broker_db: int

    @property
    def database_url(self) -> str:
        return f"{PG}/{self.database}"

    @property
    def cache_url(self) -> str:
        return f"{REDIS}/{self.cache_db}"

    @property
    def broker_url(self) -> str:
        return f"{REDIS}/{self.broker_db}"


def services_missing() -> str:
    """Why the stack cannot run here ("" when PostgreSQL and Redis both answer on loopback)."""
    missing = [name for name, port in (("PostgreSQL on 127.0.0.1:5432", 5432), ("Redis on 127.0.0.1:6379", 6379))
               if not port_open(port)]
    return ", ".join(missing)


def stack_env(spec: StackSpec, files: Path, **extra: str) -> dict[str, str]:
    """The environment of every process of the stack: the real settings with DEBUG off, this
    spec's database, cache and broker, and MEDIA_ROOT under `files` (layer art and renders)."""
    env = {k: v for k, v in os.environ.items() if k not in OWN}
    env.update({
        "DJANGO_SETTINGS_MODULE": "atelier.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or BENCH_SECRET_KEY,
        "DATABASE_URL": spec.database_url,
        "CACHE_URL": spec.cache_url,
        "CELERY_BROKER_URL": spec.broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(files / "media"),
        "LOG_LEVEL": "WARNING",
        **extra,
    })
    return env


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-qc", sql], check=True, capture_output=True)


def database_recreate(name: str) -> None:
    """A fresh, empty database (an older one of that name is dropped, its sessions ended)."""
    database_drop(name)
    _psql(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_flush(url: str) -> None:
    """Empty one Redis database (never the others)."""
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the demo catalog and the motivation map."""
    for command in (["migrate", "--noinput"], ["seed_demo"], ["seed_personalization"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def wsgi_app():
    """atelier.wsgi with DEBUG off, static files served by whitenoise from the apps' static
    folders (as the test suite does) instead of a collectstatic manifest: no minutes of
    compressing files before a run, and nothing written to the shared STATIC_ROOT. gunicorn
    calls this factory in each worker before Django reads its settings."""
    import atelier.settings as settings

    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = True
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _stop(process: subprocess.Popen, timeout: float, name: str) -> int:
    """SIGTERM (graceful for gunicorn and Celery), then wait; a process that does not stop in
    time is killed, and that is an error: a hard kill can lose a web process's buffered events."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError(f"{name} did not stop within {timeout:.0f}s after SIGTERM and was killed") from None


def wait_for_start(check, process: subprocess.Popen, name: str, log: Path, timeout: float = 60) -> None:
    """Until `check()` holds; RuntimeError if the process exits first or takes over `timeout` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{name} did not start within {timeout:.0f}s; see {log}")
        time.sleep(0.2)


@dataclass
class Running:
    """A started process: where it answers (web only) and how it ended (set on stop)."""

    url: str = ""
    returncode: int | None = None


@contextmanager
def _started(args: list[str], env: dict[str, str], log: Path, *, name: str, ready, stop_seconds: float,
             url: str = "") -> Iterator[Running]:
    """Run `args` with output to `log` until the block ends (then SIGTERM, see _stop); the block
    starts once `ready()` says so."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Running(url=url)
    try:
        wait_for_start(ready, process, name, log)
        yield running
    finally:
        running.returncode = _stop(process, stop_seconds, name)


class GunicornNode:
    """One gunicorn (a web node) that a run may stop in its middle and start again. It runs in a
    process group of its own, so a hard kill takes its master and workers at once, as when a
    machine dies; a graceful stop is SIGTERM to the master, as a deploy sends it."""

    def __init__(self, env: dict[str, str], log: Path, *, name: str = "gunicorn", port: int | None = None,
                 workers: int = 4, threads: int = 1, graceful_seconds: int = 30) -> None:
        self.env, self.log, self.name, self.graceful_seconds = env, log, name, graceful_seconds
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        worker_class = (["--worker-class", "gthread", "--threads", str(threads)] if threads > 1
                        else ["--worker-class", "sync"])
        self.args = [str(Path(sys.executable).with_name("gunicorn")), "bench.stack:wsgi_app()",
                     "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), *worker_class,
                     "--keep-alive", "5", "--graceful-timeout", str(graceful_seconds), "--log-level", "warning"]
        self.process: subprocess.Popen | None = None
        self.exits: list[int] = []  # how each start ended, in order
        self._counted: subprocess.Popen | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        wait_for_start(lambda: port_open(self.port), self.process, self.name, self.log)

    def signal(self, sig: int) -> None:
        """SIGKILL: the whole process group (master and workers); any other signal: the master."""
        if self.process is None or self.process.poll() is not None:
            return
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.send_signal(sig)

    def wait(self, timeout: float | None = None) -> int:
        """How the current process ended (after a signal), once it has."""
        return self._ended(self.process.wait(timeout=timeout))

    def stop(self) -> int:
        """The graceful stop at the end of a run (see _stop); how the last process ended."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            return self._ended(_stop(self.process, self.graceful_seconds + 10, self.name))
        return self._ended(self.process.returncode)

    def _ended(self, code: int) -> int:
        if self._counted is not self.process:
            self._counted = self.process
            self.exits.append(code)
        return code


@contextmanager
def gunicorn(env: dict[str, str], log: Path, *, workers: int = 4, threads: int = 1,
             graceful_seconds: int = 30) -> Iterator[Running]:
    """gunicorn on a free loopback port. threads > 1 runs gthread workers, else sync ones."""
    log.unlink(missing_ok=True)
    node = GunicornNode(env, log, workers=workers, threads=threads, graceful_seconds=graceful_seconds)
    node.start()
    running = Running(url=node.url)
    try:
        yield running
    finally:
        running.returncode = node.stop()


def _logged(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(errors="replace")


@contextmanager
def celery_worker(env: dict[str, str], log: Path, *, concurrency: int = 2, name: str = "load",
                  queues: str = "celery,renders,personalization", nice: int = 0) -> Iterator[Running]:
    """A Celery worker (prefork) on the stack's broker, consuming `queues` (all of them by
    default; see CELERY_TASK_ROUTES); ready when it says so in its log. `nice` > 0 runs it at a
    lower CPU priority than the web, as on a box that serves both (README, Scaling out)."""
    args = [sys.executable, "-m", "celery", "-A", "atelier", "worker", "--pool=prefork", f"--concurrency={concurrency}",
            "-Q", queues, "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h"]
    if nice:
        args = ["nice", "-n", str(nice), *args]
    with _started(args, env, log, name="the Celery worker", ready=lambda: _logged(log, " ready."),
                  stop_seconds=60) as running:
        yield running


@contextmanager
def celery_beat(env: dict[str, str], log: Path) -> Iterator[Running]:
    """celery beat with the schedule of atelier/settings.py; its schedule and pid files live
    next to `log`, apart from those of `make beat`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    schedule = log.with_suffix(".schedule")
    for stale in [*log.parent.glob(schedule.name + "*"), log.with_suffix(".pid")]:
        stale.unlink(missing_ok=True)
    args = [sys.executable, "-m", "celery", "-A", "atelier", "beat", "--loglevel=INFO", "--schedule", str(schedule),
            "--pidfile", str(log.with_suffix(".pid"))]
    with _started(args, env, log, name="celery beat", ready=lambda: _logged(log, "beat: Starting"),
                  stop_seconds=30) as running:
        yield running
