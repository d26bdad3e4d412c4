"""Throwaway services for the fault scripts: a PostgreSQL cluster and a Redis of their own, each
on a free port with its own temporary data folder, and the app's processes (gunicorn, a Celery
worker, beat) pointed at them. The scripts stop, kill and restart only these; the machine's
shared PostgreSQL (5432) and Redis (6379) are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from unittest import mock

import psycopg

from bench.common import ROOT
from bench.server import free_port, port_open


def _pg_bin() -> Path:
    """ATELIER_PG_BIN, else the newest Debian PostgreSQL (15 on the CI machine)."""
    if os.environ.get("ATELIER_PG_BIN"):
        return Path(os.environ["ATELIER_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
REDIS_SERVER = os.environ.get("ATELIER_REDIS_SERVER", "redis-server")
ARTIFACTS = Path(os.environ.get("ATELIER_ARTIFACTS", ROOT / "artifacts")) / "faults"


def missing_binaries() -> list[str]:
    wanted = [PG_BIN / "initdb", PG_BIN / "pg_ctl", PG_BIN / "postgres"]
    missing = [str(p) for p in wanted if not os.access(p, os.X_OK)]
    if shutil.which(REDIS_SERVER) is None:
        missing.append(REDIS_SERVER)
    return missing


def wait_for(check: Callable[[], object], *, timeout: float, interval: float = 0.2) -> object:
    """Poll `check` until it returns something truthy (returned) or `timeout` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


class Postgres:
    """A PostgreSQL cluster in `root`, listening on 127.0.0.1:<free port> (trust auth). As root
    it runs as the postgres user (initdb refuses root)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pgdata"
        self.sockets = root / "pgsock"
        self.log = root / "postgres.log"
        self.port = free_port()

    def _as_owner(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def init(self) -> None:
        self.sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)  # noqa: S103 (the postgres user must reach its folders)
            for path in (self.sockets,):
                shutil.chown(path, "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres")
            self.data.mkdir()
            shutil.chown(self.data, "postgres")
        subprocess.run(self._as_owner([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                       "--no-sync", "-E", "UTF8", "--locale=C"]), check=True, capture_output=True)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        subprocess.run(self._as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                                       "-w", "-t", "60", "start"]), check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(self._as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60",
                                       "stop"]), check=False, capture_output=True)

    def running(self) -> bool:
        return port_open(self.port)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True,
                               connect_timeout=5)

    def query(self, sql: str, params: tuple = (), database: str = "postgres") -> list[tuple]:
        with self.connect(database) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


class Redis:
    """A Redis of its own: no persistence, so a restart starts empty (as a lost cache and broker)."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "no", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not wait_for(lambda: port_open(self.port), timeout=10, interval=0.05):
            raise RuntimeError("the throwaway Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Apps:
    """The app's processes (gunicorn, Celery worker and beat) on one database and one Redis."""

    def __init__(self, *, root: Path, env: dict[str, str], logs: Path) -> None:
        self.root = root
        self.env = env
        self.logs = logs
        self.logs.mkdir(parents=True, exist_ok=True)
        self._stack = ExitStack()
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self._stack.callback(_end, process)
        self.processes[name] = process
        return process

    def gunicorn(self, workers: int = 2) -> str:
        """Start gunicorn (sync workers) and return its address once it answers."""
        port = free_port()
        process = self._spawn("gunicorn", [
            str(Path(sys.executable).with_name("gunicorn")), "atelier.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "10",
            "--log-level", "warning",
        ])
        if not wait_for(lambda: port_open(port), timeout=60):
            raise RuntimeError(f"gunicorn did not start (exit {process.poll()}); see {self.logs / 'gunicorn.log'}")
        return f"127.0.0.1:{port}"

    def worker(self, name: str = "w1", concurrency: int = 1, supervised: bool = False) -> subprocess.Popen:
        """A Celery worker (prefork) on the Redis broker; returns once it answers a ping.
        `supervised` runs it as production should (systemd's Restart=always, a container's restart
        policy): started again a second after it exits, as Celery's Redis transport can exit on an
        "unrecoverable" error when the broker comes back (README, Scaling out)."""
        command = [
            sys.executable, "-m", "celery", "-A", "atelier", "worker", "--pool=prefork",
            f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip", "--without-mingle",
            "-n", f"{name}-{os.getpid()}@%h",
        ]
        if supervised:
            command = ["sh", "-c", 'while :; do "$@"; echo "supervisor: the worker exited ($?); starting it again"; '
                       "sleep 1; done", "supervisor", *command]
        process = self._spawn(f"worker-{name}", command)
        if not wait_for(lambda: self.ping(name), timeout=60, interval=0.5):
            raise RuntimeError(f"the Celery worker {name} did not answer; see {self.logs}")
        return process

    @contextmanager
    def celery(self):
        """A bare Celery app on the stack's broker, for the test process. Celery prefers the
        CELERY_BROKER_URL of the environment (CI sets it for the suite) to broker=, so the
        stack's URL stands in for it meanwhile."""
        from celery import Celery

        with mock.patch.dict(os.environ, {"CELERY_BROKER_URL": self.env["CELERY_BROKER_URL"]}):
            app = Celery(set_as_current=False)
            try:
                yield app
            finally:
                app.close()

    def ping(self, name: str | None = None) -> bool:
        with self.celery() as app:
            replies = app.control.ping(timeout=1.0)
        return any(name is None or next(iter(r)).startswith(f"{name}-") for r in replies)

    def send(self, task: str) -> str:
        """Queue a task by name on the stack's broker; returns its id."""
        with self.celery() as app:
            return app.send_task(task).id

    def beat(self) -> subprocess.Popen:
        return self._spawn("beat", [
            sys.executable, "-m", "celery", "-A", "atelier", "beat", "--loglevel=INFO",
            "--schedule", str(self.root / "celerybeat-schedule"),
        ])

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        self._stack.close()


def _end(process: subprocess.Popen) -> None:
    """SIGTERM the process and its children (a graceful stop: gunicorn writes its buffered click
    events), then SIGKILL whatever is left."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
