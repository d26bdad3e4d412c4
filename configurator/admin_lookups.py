"""Admin changelists: a filter in the query string whose value the database cannot take
(?id__in=99999999999999999999, ?created_at__year=-1, ?rules__contains=x on SQLite) gets the
admin's own answer to a wrong lookup (a redirect to the plain list with ?e=1), not a 500; and an
action posted with selected ids that are no ids of the model (abc, a number over 64 bits, a
malformed UUID) changes nothing and says so, instead of a 500; and an autocomplete field whose
posted (or ?field= given) value is no id is drawn empty, where the widget looked it up as one;
a many-to-many field posted with a number over 64 bits is a form error (SQLite cannot bind it).

Django builds the filter from any lookup on a local field and turns errors raised while
building it into IncorrectLookupParameters, but these are raised later, when the list is
counted; the selected ids go into pk__in unchecked. Every admin of the site has these checks:
ours inherit AtelierModelAdmin, and check_registered_admins mixes them into auth's and axes's."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.widgets import AutocompleteSelect
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


class CheckedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete field whose posted (or ?field= given) value is no id is drawn empty: the
    widget looked it up as one (a 500)."""

    def optgroups(self, name, value, attr=None):
        model = self.field.remote_field.model
        return super().optgroups(name, [v for v in value if v in ("", None) or is_pk_value(model, v)], attr)


class CheckedInputAdmin:
    """Mixed into every admin of the site (`AtelierModelAdmin`, and the auth and axes admins
    registered again below): a bad filter value is a wrong lookup, an action on ids that are no
    ids changes nothing, and autocomplete and many-to-many fields check a value before a query."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except BAD_LOOKUP_VALUE as exc:
            raise IncorrectLookupParameters(exc) from exc

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_pk_value(self.model, value) for value in selected):
            self.message_user(request, _("The selection holds an item that does not exist. No items have been "
                                         "changed."), messages.ERROR)
            return None  # the changelist again, with the message
        return super().response_action(request, queryset)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdsModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AtelierModelAdmin(CheckedInputAdmin, admin.ModelAdmin):
    """The base of every admin of Atelier's own models."""


def check_registered_admins(site: admin.AdminSite) -> None:
    """Register the admins of other apps (auth, axes) again with CheckedInputAdmin mixed in, so
    their changelists answer bad input as ours do. configurator.admin calls it: auth and axes
    come before configurator in INSTALLED_APPS, so their admins are registered by then."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, CheckedInputAdmin):
            checked = type(type(model_admin).__name__, (CheckedInputAdmin, type(model_admin)), {})
            site.unregister(model)
            site.register(model, checked)
