"""Staff side of moderation: the word lists, reports of shared designs, hiding a design. Thin:
the writes live in configurator.services.moderation. Registered by configurator.admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from configurator import services
from configurator.admin_lookups import AtelierModelAdmin
from configurator.models import AllowedWord, BlockedWord, Build, DesignReport


@admin.register(BlockedWord)
class BlockedWordAdmin(AtelierModelAdmin):
    """Words refused in personal text (badge, heel text, monogram), also in disguise (SH1T,
    F.U.C.K, FUUUCK). Innocent words that look like one go on the allowed list."""

    list_display = ("word", "language", "match", "is_default", "note", "created_at")
    list_filter = ("language", "match", "is_default")
    search_fields = ("word", "note")
    readonly_fields = ("is_default", "created_at")


@admin.register(AllowedWord)
class AllowedWordAdmin(AtelierModelAdmin):
    """Exceptions: words and phrases never refused, whatever they look like (LULL, CUM LAUDE)."""

    list_display = ("word", "language", "is_default", "note", "created_at")
    list_filter = ("language", "is_default")
    search_fields = ("word", "note")
    readonly_fields = ("is_default", "created_at")


def _builds(queryset: QuerySet) -> list[Build]:
    if queryset.model is DesignReport:
        return list(Build.objects.filter(pk__in=queryset.values("build_id")))
    return list(queryset)


@admin.action(description=_("Hide the designs from the public"), permissions=["change"])
def hide_designs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    builds = _builds(queryset)
    for build in builds:
        services.build_hide(build=build)
    modeladmin.message_user(request, ngettext(
        "%(count)d design hidden: its page, card and API answer 410 to everyone but its owner.",
        "%(count)d designs hidden: their pages, cards and API answer 410 to everyone but their owners.",
        len(builds),
    ) % {"count": len(builds)}, messages.SUCCESS)


@admin.action(description=_("Show the designs again"), permissions=["change"])
def unhide_designs(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    builds = _builds(queryset)
    for build in builds:
        services.build_unhide(build=build)
    modeladmin.message_user(request, ngettext(
        "%(count)d design shown again.", "%(count)d designs shown again.", len(builds),
    ) % {"count": len(builds)}, messages.SUCCESS)


@admin.action(description=_("Dismiss the reports (the designs are fine)"), permissions=["change"])
def dismiss_reports(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = services.reports_dismiss(reports=queryset)
    modeladmin.message_user(request, ngettext(
        "%(count)d report dismissed.", "%(count)d reports dismissed.", count,
    ) % {"count": count}, messages.SUCCESS)


@admin.register(DesignReport)
class DesignReportAdmin(AtelierModelAdmin):
    """What visitors reported on share pages. Hide a design, or dismiss the report."""

    list_display = ("created_at", "design", "reason", "status", "design_hidden", "short_details")
    list_filter = ("status", "reason", "language")
    list_select_related = ("build", "build__product")
    search_fields = ("build__share_code", "build__name", "details")
    date_hierarchy = "created_at"
    actions = (hide_designs, dismiss_reports, unhide_designs)
    fields = ("design", "share_page", "reason", "details", "language", "status", "created_at", "handled_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("design"), ordering="build__share_code")
    def design(self, obj: DesignReport) -> str:
        url = reverse("admin:configurator_build_change", args=[obj.build_id])
        return format_html('<a href="{}">{}</a>', url, obj.build.name or obj.build.product.name)

    @admin.display(description=_("share page"))
    def share_page(self, obj: DesignReport) -> str:
        url = reverse("shared", args=[obj.build.share_code])
        return format_html('<a href="{}" rel="noopener" target="_blank">{}</a>', url, url)

    @admin.display(description=_("hidden"), boolean=True)
    def design_hidden(self, obj: DesignReport) -> bool:
        return obj.build.is_hidden

    @admin.display(description=_("details"))
    def short_details(self, obj: DesignReport) -> str:
        return obj.details if len(obj.details) <= 80 else obj.details[:79] + "…"


class HiddenFilter(admin.SimpleListFilter):
    title = _("hidden by staff")
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return (("yes", gettext("Yes")), ("no", gettext("No")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(hidden_at__isnull=True)
        return queryset
