"""Settings of the cost curves (bench/scale.py): the benchmark settings, with static files named
as they are (the admin reports render in-process; no collected manifest is needed)."""

from bench.settings import *  # noqa: F403
from bench.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
