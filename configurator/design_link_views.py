""""E-mail me this design": asking for the link on a build's page, and opening it on another device.
The rules live in configurator.services.design_links; these views parse, call it and render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from configurator import services
from configurator.forms import DesignEmailForm, DesignLinkForm
from configurator.ratelimits import limit_by, lookup, ratelimited
from configurator.services.design_links import (
    AddressMismatch,
    LinkExpired,
    LinkInvalid,
    address_hash,
    design_link_check,
    design_link_open,
    design_link_read,
    design_link_request,
)
from configurator.views import _own_build_or_404, _owner, build_page


@require_POST
@ratelimited("design_email")
def build_email(request: HttpRequest, build_id) -> HttpResponse:
    owner, build = _own_build_or_404(request, build_id)
    form = DesignEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid e-mail address."))
        return build_page(request, build, status=400)
    limit_by(request, "design_email_to", address_hash(form.cleaned_data["email"]))
    try:
        address = design_link_request(build=build, owner=owner, email=form.cleaned_data["email"],
                                      language=get_language() or "en", origin=f"{request.scheme}://{request.get_host()}")
    except services.BuildInvalid:
        messages.error(request, _("Give a valid e-mail address."))
        return build_page(request, build, status=400)
    messages.success(request, _("We are sending the link to %(email)s. It may take a minute to arrive.")
                     % {"email": address})
    return redirect("configurator:build", build_id=build.pk)


def _bad_link(request: HttpRequest, title: str, detail: str, status: int) -> HttpResponse:
    context = {"title": title, "detail": detail}
    return render(request, "configurator/design_link_invalid.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimited()
def design_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for the address (a mail scanner's visit changes nothing); a POST with the right
    one puts the design in this device's My designs. Wrong addresses count against design_link."""
    try:
        link = design_link_read(token)
    except LinkExpired:
        return _bad_link(request, _("This link has expired"), _(
            "Links to a design work for a limited time. Send yourself a new one from the design's page "
            "on the device where you made it."), 400)
    except LinkInvalid:
        return _bad_link(request, _("This link does not work"), _(
            "It may be incomplete: copy the whole link from the e-mail, or send yourself a new one."), 400)
    form = DesignLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:  # only a wrong address counts against design_link; the device gets its id after a right one
            lookup(request, "design_link", lambda: design_link_check(link=link, email=email), (AddressMismatch,))
            build = design_link_open(link=link, email=email, owner=_owner(request, create=True))
        except AddressMismatch:
            form.add_error("email", _("This link was sent to another e-mail address."))
        except services.BuildNotFound:
            return _bad_link(request, _("This design no longer exists"), _(
                "It was deleted after the link was sent."), 404)
        else:
            messages.success(request, _("The design is in My designs on this device now."))
            return redirect("configurator:build", build_id=build.pk)
    status = 400 if form.errors else 200
    response = render(request, "configurator/design_link.html", {"form": form}, status=status)
    # The token is a secret: no Referer with it leaves the site. Not "no-referrer": that makes the
    # browser send "Origin: null" with the form's own POST, which CSRF protection refuses (403).
    response["Referrer-Policy"] = "same-origin"
    return response
