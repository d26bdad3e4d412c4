"""The one Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery

from atelier import celery_redis  # noqa: F401  (a worker survives losing Redis; see the module)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atelier.settings")

app = Celery("atelier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
