"""A campaign click (on the site or in a mail): recorded (for consented shoppers), then sent on to
a page of this site. And the one-click unsubscribe of campaign mails."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from personalization.models import Campaign
from personalization.services.campaigns import campaign_click_record, campaign_clicked_variant, campaign_target
from personalization.services.mailings import (
    mail_click_delivery,
    mail_click_record,
    marketing_unsubscribe,
    unsubscribe_shopper,
)

UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


@require_safe
@never_cache
def campaign_click(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = Campaign.objects.select_related("segment", "product", "starting_build").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    delivery = mail_click_delivery(request.GET.get("m", "")) if "m" in request.GET else None
    if delivery is not None and delivery.mailing.campaign_id == campaign.pk and delivery.variant is not None:
        variant = delivery.variant
        if request.method == "GET":  # a HEAD (a link checker, a preview bot) is no click
            mail_click_record(delivery)
    else:
        variant = campaign_clicked_variant(campaign, getattr(request, "shopper_id", None))
        if request.method == "GET":
            campaign_click_record(request, campaign, variant)
    # campaign_target only ever answers a path on this site (never an open redirect). A mail's
    # UTM tags go along, so the landing page's analytics see where the visit came from.
    target = campaign_target(campaign, variant)
    tags = {key: request.GET[key][:60] for key in UTM if request.GET.get(key)}
    if tags:
        target += ("&" if "?" in target else "?") + urlencode(tags)
    return HttpResponseRedirect(target)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no cookies
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button; POST (that button, or the mail provider's one click):
    marketing consent withdrawn. The token names the shopper and is signed."""
    shopper_id = unsubscribe_shopper(token)
    if shopper_id is None:
        return render(request, "personalization/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        marketing_unsubscribe(shopper_id=shopper_id)
        return render(request, "personalization/unsubscribe.html", {"done": True})
    return render(request, "personalization/unsubscribe.html", {"token": token})
