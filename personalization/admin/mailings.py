"""Campaign mailings: send a campaign to its segment by e-mail (with a confirmation showing who it
goes to), and the send log."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from configurator.admin_lookups import AtelierModelAdmin
from personalization.models import Campaign, DeliveryStatus, MailDelivery, Mailing
from personalization.services.campaigns import campaign_split
from personalization.services.mailings import mail_recipients, mailing_create
from personalization.tasks.mailings import mailing_send_soon


def campaign_send_view(model_admin: admin.ModelAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page (GET) and the send (POST) of a campaign mailing."""
    campaign = Campaign.objects.select_related("segment").filter(pk=pk).first()
    if campaign is None or not model_admin.has_change_permission(request, campaign):
        return HttpResponseRedirect(reverse("admin:personalization_campaign_changelist"))
    recipients = mail_recipients(campaign).count()
    variants = list(campaign.variants.all())
    if request.method == "POST":
        if not recipients or not any(v.weight > 0 for v in variants):
            messages.error(request, _("Nobody to send to: no member of the segment has marketing consent and a "
                                      "known address, or no variant takes new shoppers."))
            return HttpResponseRedirect(request.path)
        mailing = mailing_create(campaign=campaign, origin=request.build_absolute_uri("/")[:-1], user=request.user)
        mailing_send_soon(mailing.pk)
        messages.success(request, _("The mailing is on its way to %(count)s shoppers.") % {"count": recipients})
        return HttpResponseRedirect(reverse("admin:personalization_mailing_change", args=[mailing.pk]))
    split = [(v.code if v else _("Control (holdout): no mail"), round(100 * share, 1))
             for v, share in campaign_split(campaign, variants)]
    return TemplateResponse(request, "admin/personalization/campaign/send_mail.html", {
        **model_admin.admin_site.each_context(request), "opts": Campaign._meta, "campaign": campaign,
        "recipients": recipients, "split": split, "title": _("Send “%(name)s” by e-mail") % {"name": campaign.name},
    })


class MailDeliveryInline(admin.TabularInline):
    model = MailDelivery
    fields = ("email", "language", "variant", "status", "attempts", "error", "sent_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mailing)
class MailingAdmin(AtelierModelAdmin):
    list_display = ("campaign", "created_at", "status", "sent", "skipped", "failed", "pending")
    list_filter = ("status",)
    readonly_fields = ("campaign", "created_at", "created_by", "status", "origin", "finished_at")
    fields = readonly_fields
    inlines = [MailDeliveryInline]

    def get_queryset(self, request):
        counts = {status: Count("deliveries", filter=Q(deliveries__status=status)) for status in DeliveryStatus.values}
        return super().get_queryset(request).select_related("campaign").annotate(**counts)

    @admin.display(description=gettext_lazy("sent"))
    def sent(self, obj: Mailing) -> int:
        return obj.sent

    @admin.display(description=gettext_lazy("skipped"))
    def skipped(self, obj: Mailing) -> int:
        return obj.skipped

    @admin.display(description=gettext_lazy("failed"))
    def failed(self, obj: Mailing) -> int:
        return obj.failed

    @admin.display(description=gettext_lazy("pending"))
    def pending(self, obj: Mailing) -> int:
        return obj.pending

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def campaign_urls(model_admin: admin.ModelAdmin) -> list:
    return [path("<int:pk>/send/", model_admin.admin_site.admin_view(
        lambda request, pk: campaign_send_view(model_admin, request, pk)), name="personalization_campaign_send")]
