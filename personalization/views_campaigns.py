"""A campaign click: recorded (for consented shoppers), then sent on to a page of this site."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from personalization.models import Campaign
from personalization.services.campaigns import campaign_click_record, campaign_clicked_variant, campaign_target


@require_safe
@never_cache
def campaign_click(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = Campaign.objects.select_related("segment", "product", "starting_build").filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    variant = campaign_clicked_variant(campaign, getattr(request, "shopper_id", None))
    if request.method == "GET":  # a HEAD (a link checker, a preview bot) is no click
        campaign_click_record(request, campaign, variant)
    # campaign_target only ever answers a path on this site (never an open redirect).
    return HttpResponseRedirect(campaign_target(campaign, variant))
