"""Audience syncs: a segment pushed to an ad or CRM tool. Staff set the receiver URL and the
signing secret (never shown back), see the recent deliveries, and can sync now or retry."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from configurator.admin_lookups import AtelierModelAdmin
from personalization.models import AudienceSync, DeliveryStatus, SyncDelivery
from personalization.services.audience import UnsafeURL, audience_retry, audience_sync_plan, audience_url_check
from personalization.tasks.audience import audience_sync_plan_soon

RECENT = 10


class AudienceSyncForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("receiver URL"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=gettext_lazy("signing secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Shared with the receiver, which checks the X-Atelier-Signature header with it. "
                               "It is never shown again; leave empty to keep the current one."),
    )

    class Meta:
        model = AudienceSync
        fields = ("name", "segment", "url", "secret", "active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            return audience_url_check(url)
        except UnsafeURL:
            raise forms.ValidationError(_("Enter an http:// or https:// address.")) from None

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if not secret:
            if self.instance.pk and self.instance.secret:
                return self.instance.secret  # kept: the field is never filled in with the stored one
            raise forms.ValidationError(_("Enter a signing secret."))
        if len(secret) < 16:
            raise forms.ValidationError(_("Use at least 16 characters."))
        return secret


@admin.register(AudienceSync)
class AudienceSyncAdmin(AtelierModelAdmin):
    form = AudienceSyncForm
    list_display = ("name", "segment", "url", "active", "members", "pending", "failed", "last_delivered")
    list_filter = ("active",)
    search_fields = ("name", "url", "segment__name")
    list_select_related = ("segment",)
    readonly_fields = ("recent_deliveries",)
    actions = ["sync_now", "retry_failed"]

    def get_fields(self, request, obj=None):
        fields = ["name", "segment", "url", "secret", "active"]
        return [*fields, "recent_deliveries"] if obj else fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            member_count=Count("members", distinct=True),
            pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING), distinct=True),
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED), distinct=True),
            last_delivered_at=Max("deliveries__delivered_at"),
        )

    @admin.display(description=gettext_lazy("members told"), ordering="member_count")
    def members(self, obj: AudienceSync) -> int:
        return obj.member_count

    @admin.display(description=gettext_lazy("pending"))
    def pending(self, obj: AudienceSync) -> int:
        return obj.pending_count

    @admin.display(description=gettext_lazy("failed"))
    def failed(self, obj: AudienceSync) -> int:
        return obj.failed_count

    @admin.display(description=gettext_lazy("last delivered"), ordering="last_delivered_at")
    def last_delivered(self, obj: AudienceSync):
        return obj.last_delivered_at

    @admin.display(description=gettext_lazy("recent deliveries"))
    def recent_deliveries(self, obj: AudienceSync) -> str:
        rows = list(obj.deliveries.order_by("-pk")[:RECENT])
        if not rows:
            return _("None yet.")
        head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                           _("delivery id"), _("created"), _("added"), _("removed"), _("status"), _("attempts"),
                           _("last error"))
        body = format_html_join("", "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                    "<td>{}</td><td>{}</td></tr>", (
            (d.delivery_id, d.created_at.strftime("%Y-%m-%d %H:%M:%S"), len(d.payload.get("added", [])),
             len(d.payload.get("removed", [])), d.get_status_display(), d.attempts, d.last_error)
            for d in rows))
        return format_html("<table>{}{}</table>", head, body)

    @admin.action(description=gettext_lazy("Sync now"), permissions=["change"])
    def sync_now(self, request: HttpRequest, queryset) -> None:
        planned, skipped = 0, 0
        for sync in queryset:
            if not sync.active:
                skipped += 1
                continue
            planned += len(audience_sync_plan(sync=sync))
            audience_sync_plan_soon(sync.pk)  # sends what is due, oldest first
        self.message_user(request, ngettext(
            "%(count)s new delivery planned; due deliveries are being sent.",
            "%(count)s new deliveries planned; due deliveries are being sent.", planned) % {"count": planned})
        if skipped:
            self.message_user(request, ngettext("%(count)s inactive sync skipped.", "%(count)s inactive syncs skipped.",
                                                skipped) % {"count": skipped}, messages.WARNING)

    @admin.action(description=gettext_lazy("Retry failed deliveries"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset) -> None:
        planned = 0
        for sync in queryset.filter(active=True):
            planned += audience_retry(sync=sync)
            audience_sync_plan_soon(sync.pk)
        self.message_user(request, ngettext(
            "What failed is planned again (%(count)s new delivery) and pending deliveries are retried now.",
            "What failed is planned again (%(count)s new deliveries) and pending deliveries are retried now.",
            planned) % {"count": planned})


@admin.register(SyncDelivery)
class SyncDeliveryAdmin(AtelierModelAdmin):
    """The outbox, read only."""

    list_display = ("delivery_id", "sync", "created_at", "status", "attempts", "next_attempt_at", "delivered_at",
                    "last_error")
    list_filter = ("status", "sync")
    search_fields = ("delivery_id",)
    list_select_related = ("sync",)
    fields = ("delivery_id", "sync", "created_at", "status", "attempts", "next_attempt_at", "delivered_at",
              "last_error", "payload")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
