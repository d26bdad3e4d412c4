"""Settings of the app processes the fault scripts start: the real ones, except that static
files come from the finders (no collectstatic manifest is needed for a throwaway stack)."""

from atelier.settings import *  # noqa: F403
from atelier.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
