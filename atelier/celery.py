"""The one Celery app. Settings come from Django's settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

from atelier import celery_redis  # noqa: F401  (a worker survives losing Redis; see the module)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atelier.settings")

app = Celery("atelier")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _connections_as_for_a_request(task=None, **_kwargs) -> None:
    """Before and after a task on a worker, what Django does around a request: drop a database
    connection past CONN_MAX_AGE, or one that failed and is no longer usable. (Celery's own
    closing of every connection is off: settings.CELERY_DB_REUSE_MAX.) Not for a task run in
    place (eager), which runs inside the caller's request and transaction."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()
