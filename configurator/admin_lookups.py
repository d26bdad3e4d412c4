"""Admin changelists: a filter in the query string whose value the database cannot take
(?id__in=99999999999999999999, ?created_at__year=-1, ?rules__contains=x on SQLite) gets the
admin's own answer to a wrong lookup (a redirect to the plain list with ?e=1), not a 500.

Django builds the filter from any lookup on a local field and turns errors raised while
building it into IncorrectLookupParameters, but these are raised later, when the list is
counted. Installed on ModelAdmin itself, so every changelist (auth and axes too) has it."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import DataError, NotSupportedError

# OverflowError: an integer too large for the database driver; ValueError: a date out of range;
# DataError: PostgreSQL's "out of range" and "invalid input"; NotSupportedError: a lookup the
# backend lacks. Not OperationalError: the database being down stays a 503.
BAD_LOOKUP_VALUE = (OverflowError, ValueError, DataError, NotSupportedError)


def install() -> None:
    original = admin.ModelAdmin.get_changelist_instance
    if getattr(original, "atelier_checked", False):
        return

    def get_changelist_instance(self, request):
        try:
            return original(self, request)
        except BAD_LOOKUP_VALUE as exc:
            raise IncorrectLookupParameters(exc) from exc

    get_changelist_instance.atelier_checked = True
    admin.ModelAdmin.get_changelist_instance = get_changelist_instance


install()
