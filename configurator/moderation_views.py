"""Reporting a shared design, and what the public gets for a design staff have hidden. Thin:
the rules live in configurator.services.moderation."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from configurator import selectors, services
from configurator.forms import ReportForm
from configurator.i18n import activate_query_language
from configurator.identity import Owner
from configurator.models import Build
from configurator.ratelimits import lookup, ratelimited

HIDDEN_STATUS = 410


def viewer_owns(request: HttpRequest, build: Build) -> bool:
    shopper = getattr(request, "shopper_id", None)
    if shopper is None:
        return False
    user = request.user if request.user.is_authenticated else None
    return Owner(shopper, user).owns(build)


def gone_unless_owner(request: HttpRequest, build: Build) -> HttpResponse | None:
    """410 for a design staff have hidden, except for its owner; None when it may be shown."""
    if not build.is_hidden or viewer_owns(request, build):
        return None
    activate_query_language(request)
    response = render(request, "configurator/design_hidden.html", status=HIDDEN_STATUS)
    add_never_cache_headers(response)
    return response


def _shared_or_404(request: HttpRequest, code: str) -> Build:
    try:
        return lookup(request, "share_miss", lambda: selectors.build_get_shared(share_code=code[:40]), (Build.DoesNotExist,))
    except Build.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimited("report", methods=("POST",))
def shared_report(request: HttpRequest, code: str) -> HttpResponse:
    build = _shared_or_404(request, code)
    if gone := gone_unless_owner(request, build):
        return gone
    lang = activate_query_language(request)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.design_report(
                    build=build, reason=form.cleaned_data["reason"], details=form.cleaned_data["details"],
                    language=lang,
                )
            except services.ReportRefused:
                raise Http404 from None
            messages.success(request, _("Thank you. We will look at this design."))
            return redirect(f"{reverse('shared', args=[build.share_code])}?lang={lang}")
        status = 400
    else:
        status = 200
    context = {"build": build, "form": form, "title": build.name or build.product.name}
    return render(request, "configurator/report.html", context, status=status)
