"""Benchmark settings: the real ones, plus a bare view to measure against.

Every process of a benchmark run (the prepare commands, gunicorn, the in-process render
benchmarks) reads this module, so they all share one MEDIA_ROOT (the seeded layer art and the
rendered previews) and one STATIC_ROOT (collected for the browser benchmark). Both live under
artifacts/bench/, apart from the files of `make run`.
"""

import os

from bench.common import BENCH_SECRET_KEY

os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)  # before atelier.settings reads it (DEBUG is off)

from atelier.settings import *  # noqa: F403
from atelier.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

BENCH_FILES = BASE_DIR / "artifacts" / "bench"
MEDIA_ROOT = BENCH_FILES / "media"
STATIC_ROOT = BENCH_FILES / "static"
