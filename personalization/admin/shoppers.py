"""Shoppers and their consent history, for staff: read-only, because consent is the shopper's to
give. Staff can only erase a shopper (through services.privacy, which also unlinks orders), found
by e-mail or picked in the list; a plain delete would leave events and orders behind."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from configurator.admin import ViewOnlyAdminMixin
from configurator.admin_lookups import AtelierModelAdmin
from personalization.models import ConsentChange, Shopper
from personalization.services.privacy import Erasure, shopper_erase, shoppers_erase_by_email

ERASE_PERMISSION = "personalization.delete_shopper"
CONSENT_FIELDS = ("analytics", "personalization", "marketing", "gpc", "consent_updated_at")


class EraseByEmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)


class ConsentChangeInline(admin.TabularInline):
    model = ConsentChange
    fields = ("at", "source", "analytics", "personalization", "marketing")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _report(request: HttpRequest, erasures: list[Erasure]) -> None:
    events = sum(e.events for e in erasures)
    orders = sum(e.orders_unlinked for e in erasures)
    messages.success(request, ngettext(
        "Erased %(shoppers)s shopper: %(events)s events deleted, %(orders)s orders kept but unlinked.",
        "Erased %(shoppers)s shoppers: %(events)s events deleted, %(orders)s orders kept but unlinked.",
        len(erasures),
    ) % {"shoppers": len(erasures), "events": events, "orders": orders})


@admin.register(Shopper)
class ShopperAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    list_display = ("__str__", "created_at", "analytics", "personalization", "marketing", "gpc", "email",
                    "country", "language", "last_seen_at")
    list_filter = ("analytics", "personalization", "marketing", "gpc", "language")
    search_fields = ("email", "id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = ("id", "created_at", *CONSENT_FIELDS, "email", "user", "country", "language", "last_seen_at")
    readonly_fields = fields
    inlines = [ConsentChangeInline]
    actions = ["erase_selected"]
    change_list_template = "personalization/consent_admin_changelist.html"
    show_full_result_count = False


    def get_urls(self):
        urls = [path("erase-by-email/", self.admin_site.admin_view(self.erase_by_email_view),
                     name="personalization_shopper_erase_by_email")]
        return urls + super().get_urls()

    def _may_erase(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ERASE_PERMISSION)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._may_erase(request):
            actions.pop("erase_selected", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_erase": self._may_erase(request)}
        return super().changelist_view(request, extra_context)

    def _confirm_page(self, request: HttpRequest, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Erase shoppers"), **context}
        return TemplateResponse(request, "personalization/consent_admin_erase.html", context)

    @admin.action(description=gettext_lazy("Erase selected shoppers (events, profile, consent; unlink orders)"))
    def erase_selected(self, request: HttpRequest, queryset: QuerySet[Shopper]) -> HttpResponse | None:
        if not self._may_erase(request):
            messages.error(request, _("You may not erase shoppers."))
            return None
        if request.POST.get("confirm") == "yes":
            _report(request, [shopper_erase(shopper_id=pk) for pk in queryset.values_list("pk", flat=True)])
            return None
        return self._confirm_page(request, shoppers=list(queryset[:200]), count=queryset.count(),
                                  selected=[str(pk) for pk in queryset.values_list("pk", flat=True)],
                                  action="erase_selected")

    def erase_by_email_view(self, request: HttpRequest) -> HttpResponse:
        if not self._may_erase(request):
            messages.error(request, _("You may not erase shoppers."))
            return HttpResponseRedirect(reverse("admin:personalization_shopper_changelist"))
        form = EraseByEmailForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            found = Shopper.objects.filter(email__iexact=email)
            if request.POST.get("confirm") == "yes":
                _report(request, shoppers_erase_by_email(email=email))
                return HttpResponseRedirect(reverse("admin:personalization_shopper_changelist"))
            return self._confirm_page(request, form=form, email=email, shoppers=list(found[:200]),
                                      count=found.count())
        return self._confirm_page(request, form=form)


@admin.register(ConsentChange)
class ConsentChangeAdmin(ViewOnlyAdminMixin, AtelierModelAdmin):
    list_display = ("at", "shopper", "source", "analytics", "personalization", "marketing")
    list_filter = ("source", "analytics", "personalization", "marketing")
    search_fields = ("shopper__id", "shopper__email")
    date_hierarchy = "at"
    list_select_related = ("shopper",)
    fields = ("shopper", "at", "source", "analytics", "personalization", "marketing")
    readonly_fields = fields
    show_full_result_count = False

