"""The shopper's privacy pages: the consent decision (banner and Privacy page), the Privacy page
with "why you see this", and My data (export and erasure). The shopper is always the one in the
signed cookie; nothing here takes a shopper id from the request."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from configurator.middleware import ensure_shopper
from personalization import consent as consent_cookie
from personalization.consent import Consents, consents_from_request, gpc, set_consent_cookie
from personalization.models import Shopper
from personalization.pending import pending_clear, pending_read
from personalization.selectors import profile_display, shopper_data_counts
from personalization.services import consent_decide, shopper_for_owner
from personalization.services.privacy import shopper_erase, shopper_export, shopper_gpc_record
from personalization.templatetags.consent_tags import purposes

BANNER_DONE = "personalization/consent_banner_done.html"


class ConsentForm(forms.Form):
    choice = forms.ChoiceField(choices=[("all", "all"), ("necessary", "necessary"), ("custom", "custom")])
    source = forms.ChoiceField(choices=[("banner", "banner"), ("privacy", "privacy")], required=False)
    analytics = forms.BooleanField(required=False)
    personalization = forms.BooleanField(required=False)
    marketing = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)

    def consents(self, *, signals_gpc: bool) -> Consents:
        data = self.cleaned_data
        every = data["choice"] == "all"
        some = data["choice"] == "custom"
        return Consents(
            analytics=every or (some and data["analytics"]),
            personalization=every or (some and data["personalization"]),
            marketing=(every or (some and data["marketing"])) and not signals_gpc,
            decided=True, gpc=signals_gpc,
        )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


def _safe_next(request: HttpRequest, value: str) -> str:
    """A path on this site, or the home page. A bare word is refused too: redirect() would take
    it for a view name (NoReverseMatch: a 500)."""
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                                 require_https=request.is_secure()):
        return value
    return reverse("configurator:home")


def _decide(request: HttpRequest, wanted: Consents, source: str) -> Shopper | None:
    """Record the decision. A shopper id is minted only when something is granted; declining
    everything stores nothing (but a shopper who had a row gets the withdrawal recorded)."""
    pending = pending_read(request)
    shopper = consent_decide(
        shopper_id=ensure_shopper(request) if wanted.granted() else request.shopper_id,
        analytics=wanted.analytics, personalization=wanted.personalization, marketing=wanted.marketing,
        source=source, gpc=wanted.gpc, language=get_language() or "", pending=pending,
    )
    # Consent given: the choices are now events. Declined: they are dropped, not kept for later.
    if pending:
        pending_clear(request)
    return shopper


@require_POST
@vary_on_headers("HX-Request")
def consent(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return render(request, "personalization/consent_banner.html",
                          {"show": True, "consent": consents_from_request(request), "purposes": purposes(),
                           "consent_error": True, "next": request.POST.get("next", "")}, status=400)
        return HttpResponse(_("Choose one of the consent options."), status=400, content_type="text/plain")
    wanted = form.consents(signals_gpc=gpc(request))
    source = form.cleaned_data["source"] or "banner"
    _decide(request, wanted, source)
    if request.htmx and source == "banner":
        response = render(request, BANNER_DONE, {"consent": wanted})
    else:
        messages.success(request, _("Your privacy choices are saved."))
        response = redirect(_safe_next(request, form.cleaned_data["next"]))
    set_consent_cookie(response, request, wanted)
    return response


@require_safe
@never_cache
def privacy(request: HttpRequest) -> HttpResponse:
    consents = consents_from_request(request)
    shopper = shopper_for_owner(request.shopper_id)
    if shopper is not None and consents.gpc and (shopper.marketing or not shopper.gpc):
        shopper_gpc_record(shopper_id=shopper.pk)
        shopper.refresh_from_db()
    every = purposes()
    context = {
        "consent": consents, "shopper": shopper, "purposes": every, "hide_consent_banner": True,
        "granted": [p["name"] for p in every if consents.allows(p["code"])],
        "profile": profile_display(shopper.pk) if shopper is not None else None,
        "retention_days": settings.ATELIER_EVENT_RETENTION_DAYS,
    }
    return render(request, "personalization/privacy.html", context)


def _my_data_page(request: HttpRequest, form: EraseForm, status: int = 200) -> HttpResponse:
    context = {"counts": shopper_data_counts(request.shopper_id), "form": form}
    return render(request, "personalization/my_data.html", context, status=status)


@require_safe
@never_cache
def my_data(request: HttpRequest) -> HttpResponse:
    return _my_data_page(request, EraseForm())


@require_safe
@never_cache
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = shopper_export(shopper_id=request.shopper_id)
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="atelier-my-data.json"'
    return response


@require_POST
def my_data_erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        return _my_data_page(request, form, status=400)
    if request.shopper_id is not None:
        shopper_erase(shopper_id=request.shopper_id)
        # A fresh pseudonymous id: nothing links this browser to the erased one any more.
        request.shopper_id = None
        ensure_shopper(request)
    pending_clear(request)
    messages.success(request, _("Your data has been erased. This browser now has a new, empty identity."))
    response = redirect("personalization:my-data")
    response.delete_cookie(consent_cookie.COOKIE, samesite="Lax")
    return response
