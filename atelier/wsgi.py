import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atelier.settings")

application = get_wsgi_application()

if settings.ATELIER_PERIODIC_IN_PROCESS:  # no Celery beat (`make run`): this process runs the schedule
    from atelier.periodic import start_in_process_beat

    start_in_process_beat()
