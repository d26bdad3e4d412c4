"""Admin changelists: a filter in the query string whose value the database cannot take
(?id__in=99999999999999999999, ?created_at__year=-1, ?rules__contains=x on SQLite) gets the
admin's own answer to a wrong lookup (a redirect to the plain list with ?e=1), not a 500; and an
action posted with selected ids that are no ids of the model (abc, a number over 64 bits, a
malformed UUID) changes nothing and says so, instead of a 500; and an autocomplete field whose
posted (or ?field= given) value is no id is drawn empty, where the widget looked it up as one;
a many-to-many field posted with a number over 64 bits is a form error (SQLite cannot bind it).

Django builds the filter from any lookup on a local field and turns errors raised while
building it into IncorrectLookupParameters, but these are raised later, when the list is
counted; the selected ids go into pk__in unchecked. Installed on ModelAdmin itself, so every
changelist (auth and axes too) has it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import BaseModelAdmin, IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import ValidationError
from django.db import DataError, NotSupportedError
from django.db.models import Model
from django.utils.translation import gettext as _

# OverflowError: an integer too large for the database driver; ValueError: a date out of range;
# DataError: PostgreSQL's "out of range" and "invalid input"; NotSupportedError: a lookup the
# backend lacks. Not OperationalError: the database being down stays a 503.
BAD_LOOKUP_VALUE = (OverflowError, ValueError, DataError, NotSupportedError)


# The widest integer column (bigint); a larger number is no id of any row.
MAX_ID = 2**63 - 1


def is_pk_value(model: type[Model], value: str) -> bool:
    """Whether `value`, as posted, could be a primary key of `model`."""
    try:
        pk = model._meta.pk.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return not isinstance(pk, int) or -MAX_ID - 1 <= pk <= MAX_ID


class IdsModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Each posted value must be an id before Django checks them with a query, which SQLite
    cannot run with a number over 64 bits (OverflowError)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            if not is_pk_value(self.queryset.model, pk):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)


def install() -> None:
    original = admin.ModelAdmin.get_changelist_instance
    if getattr(original, "atelier_checked", False):
        return
    response_action = admin.ModelAdmin.response_action

    def checked_response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_pk_value(self.model, value) for value in selected):
            self.message_user(request, _("The selection holds an item that does not exist. No items have been "
                                         "changed."), messages.ERROR)
            return None  # the changelist again, with the message
        return response_action(self, request, queryset)

    def get_changelist_instance(self, request):
        try:
            return original(self, request)
        except BAD_LOOKUP_VALUE as exc:
            raise IncorrectLookupParameters(exc) from exc

    optgroups = AutocompleteMixin.optgroups

    def checked_optgroups(self, name, value, attr=None):
        model = self.field.remote_field.model
        return optgroups(self, name, [v for v in value if v in ("", None) or is_pk_value(model, v)], attr)

    formfield_for_manytomany = BaseModelAdmin.formfield_for_manytomany

    def checked_formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdsModelMultipleChoiceField)
        return formfield_for_manytomany(self, db_field, request, **kwargs)

    get_changelist_instance.atelier_checked = True
    admin.ModelAdmin.get_changelist_instance = get_changelist_instance
    admin.ModelAdmin.response_action = checked_response_action
    AutocompleteMixin.optgroups = checked_optgroups
    BaseModelAdmin.formfield_for_manytomany = checked_formfield_for_manytomany


install()
