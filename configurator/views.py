"""Shopper pages. Thin: they parse the request, call a selector, service or presenter, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from atelier.middleware import unavailable_response
from configurator import idempotency, selectors, services, signals
from configurator.delivery import delivery_estimate
from configurator.engine import Action, Catalog
from configurator.forms import OrderForm
from configurator.i18n import current_language
from configurator.identity import Owner
from configurator.middleware import ensure_shopper
from configurator.models import Build, Product
from configurator.previews import PreviewRefused, RenderUnavailable, preview_fetch, rendered_open
from configurator.querystate import Query, parse_query, plain_from_query
from configurator.ratelimits import limit as ratelimit
from configurator.ratelimits import ratelimited
from configurator.snapshot import catalog_for
from configurator.stepper import SUMMARY, open_step
from configurator.studio import build_summary, studio_page, studio_update

STUDIO = "configurator/studio.html"


def _owner(request: HttpRequest, *, create: bool = False) -> Owner | None:
    shopper = ensure_shopper(request) if create else request.shopper_id
    if shopper is None:
        return None
    return Owner(shopper, request.user if request.user.is_authenticated else None)


def _own_build_or_404(request: HttpRequest, build_id) -> tuple[Owner, Build]:
    """The shopper and their build; anyone else's build is a 404, exactly like a missing one."""
    owner = _owner(request)
    if owner is None:
        raise Http404
    try:
        return owner, selectors.build_get_owned(build_id=build_id, owner=owner)
    except Build.DoesNotExist:
        raise Http404 from None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    cards = []
    for product in selectors.product_list():
        ref = selectors.ProductRef(product.pk, product.slug, product.current_version_id, product.current_version.number)
        page = studio_page(catalog_for(ref.version_id), ref, QueryDict(), steps=())  # its picture and price
        cards.append({"product": product, "page": page})
    return render(request, "configurator/home.html", {"cards": cards})


def _clicked(request: HttpRequest, query) -> Action | None:
    """The option an htmx click came from: its id is "o:<step>:<option>" (see the template)."""
    trigger = request.headers.get("HX-Trigger", "")
    parts = trigger.split(":")
    if len(parts) != 3 or parts[0] != "o":
        return None
    _, group, option = parts
    values = query.getlist(group)
    return Action(group, option or None, option in values)


def _uuid_or_blank(value: str) -> str:
    """A build id from the URL: a UUID, or nothing (it goes into links and a response header)."""
    try:
        return str(UUID(value))
    except (ValueError, TypeError):
        return ""


def _previous_query(request: HttpRequest) -> Query | None:
    current = request.headers.get("HX-Current-URL")
    if not current:
        return None
    return parse_query(urlsplit(current).query)


def _product_ref(slug: str) -> selectors.ProductRef:
    try:
        return selectors.product_ref(slug=slug)
    except Product.DoesNotExist:
        raise Http404(_("There is no such product.")) from None


@require_safe
@vary_on_headers("HX-Request")
def studio(request: HttpRequest, slug: str) -> HttpResponse:
    ref = _product_ref(slug)
    return studio_answer(request, catalog_for(ref.version_id), ref)


def studio_answer(request: HttpRequest, cat: Catalog, ref: selectors.ProductRef, *,
                  draft: dict[str, Any] | None = None) -> HttpResponse:
    """The studio page, or an htmx click's changed parts. A draft preview (configurator/
    draft_views.py, with `draft` its banner's context) has no saved build and no save form, and
    its clicks are no shopper's: no studio_changed signal, so no event is recorded."""
    query = parse_query(request.META.get("QUERY_STRING", ""))  # lighter than request.GET
    build_id = "" if draft else _uuid_or_blank(query.get("b", ""))
    context = {"build_id": build_id, "studio_url": request.path, "draft": draft}
    if not request.htmx or request.htmx.history_restore_request:
        return render(request, STUDIO, {**context, "page": studio_page(cat, ref, query)})
    action = _clicked(request, query)
    update = studio_update(cat, ref, query, action, _previous_query(request))
    # The parts the click changed, each a named partial of the page, swapped out of band.
    parts = {**update.parts, "save": False} if draft else update.parts
    response = render(request, f"{STUDIO}#update", {**context, "page": update.page, "parts": parts})
    if update.conflict:  # keep showing the build as it was, and offer the repair
        response["HX-Push-Url"] = "false"
        return response
    response["HX-Push-Url"] = (f"{request.path}?{update.page.query}&step={update.page.open_step}"
                               + (f"&b={build_id}" if build_id else ""))
    if not draft and update.before is not None and update.before != update.after:
        signals.studio_changed.send(sender=Build, request=request, product_id=ref.id, version_id=ref.version_id,
                                    before=update.before, after=update.after, action=action)
    return response


@require_safe
def studio_summary(request: HttpRequest, slug: str) -> HttpResponse:
    """The summary step of the build in the query, alone: studio.js asks for it when a shopper
    opens the summary, as clicks on other steps leave it out (studio.StudioBuild.parts)."""
    ref = _product_ref(slug)
    return summary_answer(request, catalog_for(ref.version_id), ref, reverse("configurator:studio", args=[slug]))


def summary_answer(request: HttpRequest, cat: Catalog, ref: selectors.ProductRef, studio_url: str, *,
                   draft: dict[str, Any] | None = None) -> HttpResponse:
    """The summary alone (see studio_summary); a draft's (configurator/draft_views.py) has no build."""
    return _part_alone(request, cat, ref, studio_url, "overview", draft)


@require_safe
def studio_step(request: HttpRequest, slug: str) -> HttpResponse:
    """The open step (`?step=<code>`) of the build in the query, alone: studio.js asks for it when
    a shopper opens a step with options in conflict, as a page works out what those cost after
    their repair for its open step only (studio.StudioBuild.costs)."""
    ref = _product_ref(slug)
    return step_answer(request, catalog_for(ref.version_id), ref, reverse("configurator:studio", args=[slug]))


def step_answer(request: HttpRequest, cat: Catalog, ref: selectors.ProductRef, studio_url: str, *,
                draft: dict[str, Any] | None = None) -> HttpResponse:
    """The open step alone (see studio_step): with the summary open, nothing; a step the product
    lacks opens the first, as on the page."""
    return _part_alone(request, cat, ref, studio_url, "steps", draft)


def _part_alone(request: HttpRequest, cat: Catalog, ref: selectors.ProductRef, studio_url: str, part: str,
                draft: dict[str, Any] | None) -> HttpResponse:
    """One part of the studio page for the build in the query, swapped out of band: the summary
    ("overview", no step built) or the open step ("steps")."""
    query = parse_query(request.META.get("QUERY_STRING", ""))
    steps = {open_step(cat, query.get("step"))} if part == "steps" else ()
    context = {"build_id": "" if draft else _uuid_or_blank(query.get("b", "")), "studio_url": studio_url,
               "page": studio_page(cat, ref, query, steps=steps), "oob": True, "draft": draft}
    return render(request, f"{STUDIO}#{part}", context)


@require_POST
@ratelimited("save")
def build_save(request: HttpRequest, slug: str) -> HttpResponse:
    ref = _product_ref(slug)
    cat = catalog_for(ref.version_id)
    selections = plain_from_query(cat, QueryDict(request.POST.get("state", "")[:4000]))
    build_id = request.POST.get("build", "")
    # The summary step's Order button posts this form with then=order: save, then the order form.
    to_order = request.POST.get("then") == "order"

    def save() -> services.Answer:
        owner = _owner(request, create=True)
        build = selectors.build_get_owned(build_id=build_id, owner=owner) if build_id else None
        if to_order:
            build = services.build_save_to_order(product=selectors.product_get(slug=slug), build=build, owner=owner,
                                                 selections=selections, name=request.POST.get("name"))
        elif build is not None:
            build = services.build_update(build=build, owner=owner, selections=selections, name=request.POST.get("name"))
        else:
            product = selectors.product_get(slug=slug)
            build = services.build_save(product=product, selections=selections, owner=owner, name=request.POST.get("name"))
        return services.Answer(302, {"build": str(build.pk), "name": build.name}, owner.shopper_id)

    try:  # a retried post (the same one-time token and fields) gets the first answer: one build
        answer = idempotency.once(request, scope="build-order-form" if to_order else "build-save-form",
                                  key=idempotency.form_key(request),
                                  fingerprint=idempotency.form_fingerprint(request), action=save)
    except (Build.DoesNotExist, services.BuildNotFound, ValueError):
        raise Http404 from None
    except (services.BuildInvalid, idempotency.KeyInvalid) as invalid:
        why = invalid.errors.values() if isinstance(invalid, services.BuildInvalid) else [str(invalid)]
        for field_errors in why:
            message = _("Not ordered: %(why)s") if to_order else _("Not saved: %(why)s")
            messages.error(request, message % {"why": _flatten(field_errors)})
        # The studio again, showing why (400: nothing was saved); its links lead back to the studio,
        # and an order refused opens the summary, which lists what is missing.
        query = parse_query(request.POST.get("state", "")[:4000])
        if to_order:
            query["step"] = [SUMMARY]
        page = studio_page(cat, ref, query)
        context = {"build_id": _uuid_or_blank(build_id), "studio_url": reverse("configurator:studio", args=[slug]),
                   "page": page}
        return render(request, STUDIO, context, status=400)
    messages.success(request, _("Saved “%(name)s”.") % {"name": answer.body["name"] or _("your design")})
    return redirect("configurator:order" if to_order else "configurator:build", build_id=answer.body["build"])


def _flatten(errors) -> str:
    if isinstance(errors, dict):
        return " ".join(_flatten(v) for v in errors.values())
    if isinstance(errors, list):
        return " ".join(_flatten(v) for v in errors)
    return str(errors)


@require_safe
def my_builds(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    builds = list(selectors.builds_for_owner(owner=owner)[:100]) if owner else []
    return render(request, "configurator/my_builds.html", {"summaries": [build_summary(b) for b in builds]})


@require_safe
def build_detail(request: HttpRequest, build_id) -> HttpResponse:
    return build_page(request, _own_build_or_404(request, build_id)[1])


def build_page(request: HttpRequest, build: Build, *, status: int = 200) -> HttpResponse:
    summary = build_summary(build)
    edit_url = f"{reverse('configurator:studio', args=[build.product.slug])}?{summary.preview.query}&b={build.pk}"
    context = {"summary": summary, "build": build, "edit_url": edit_url}
    return render(request, "configurator/build.html", context, status=status)


@require_POST
def build_delete(request: HttpRequest, build_id) -> HttpResponse:
    owner, build = _own_build_or_404(request, build_id)
    try:
        services.build_delete(build=build, owner=owner)
    except services.BuildNotFound:
        raise Http404 from None
    except services.BuildInvalid as invalid:
        messages.error(request, _flatten(invalid.errors))
        return redirect("configurator:build", build_id=build_id)
    messages.success(request, _("The design was deleted."))
    return redirect("configurator:my-builds")


@require_safe
@ratelimited()
def preview(request: HttpRequest, version_id: int, fingerprint: str, view: str | None = None,
            zoom: bool = False) -> HttpResponse:
    """One view of a build as a JPEG (the zoom: drawn at twice the size), cached and immutable."""
    etag = f'"{version_id}-{fingerprint}{"-" + view if view else ""}{"-zoom" if zoom else ""}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    try:
        image = rendered_open(lambda redraw: preview_fetch(
            version_id=version_id, fingerprint=fingerprint, query=request.GET, view=view, redraw=redraw,
            zoom=zoom, before_render=lambda: ratelimit(request, "render"),  # cached ones are free
        ))
    except PreviewRefused:
        raise Http404(_("No such preview.")) from None
    except RenderUnavailable:
        return render_unavailable(request)
    response = FileResponse(image, content_type="image/jpeg")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    return response


def render_unavailable(request: HttpRequest) -> HttpResponse:
    """An image that could not be stored (a full disk): 503, try again in a minute."""
    return unavailable_response(
        request, template="configurator/render_unavailable.html", retry_after=60,
        detail=_("The image cannot be stored right now. Please try again in a minute."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimited("order")
def order(request: HttpRequest, build_id) -> HttpResponse:
    owner, build = _own_build_or_404(request, build_id)
    form = OrderForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        def place() -> services.Answer:
            placed = services.order_place(build=build, owner=owner, language=get_language() or "en", **form.cleaned_data)
            return services.Answer(302, {"order": placed.number}, owner.shopper_id)

        try:  # a retried post (the same one-time token and fields) gets the first answer: one order
            answer = idempotency.once(request, scope="order-form", key=idempotency.form_key(request),
                                      fingerprint=idempotency.form_fingerprint(request), action=place)
        except services.BuildNotFound:
            raise Http404 from None
        except idempotency.KeyInvalid as invalid:
            errors.append(str(invalid))
        except services.BuildInvalid as invalid:
            for field, messages_ in invalid.errors.items():
                if field in form.fields:
                    form.add_error(field, messages_)
                else:
                    errors.extend(messages_)
        else:
            return redirect("configurator:order-confirmation", number=answer.body["order"])
    estimate = delivery_estimate(ordered_on=timezone.localdate(), lead_time_days=build.product.lead_time_days)
    context = {"build": build, "summary": build_summary(build), "form": form, "errors": errors, "estimate": estimate}
    return render(request, "configurator/order.html", context, status=400 if errors or form.errors else 200)


@require_safe
def order_confirmation(request: HttpRequest, number: str) -> HttpResponse:
    owner = _owner(request)
    placed = selectors.order_get_owned(number=number, owner=owner) if owner else None
    if placed is None:
        raise Http404
    return render(request, "configurator/order_confirmation.html", {"order": placed, "summary": build_summary(placed.build)})


@require_POST
@ratelimited("share")
def build_share(request: HttpRequest, build_id) -> HttpResponse:
    owner, build = _own_build_or_404(request, build_id)
    try:
        build = services.build_share(build=build, owner=owner)
    except services.BuildNotFound:
        raise Http404 from None
    # The share page has no language prefix: it goes on in the language the shopper was using.
    return redirect(f"{reverse('shared', args=[build.share_code])}?lang={current_language()}")
