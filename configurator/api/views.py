"""One small class per endpoint: validate, call one selector or service, shape the response."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator import idempotency, selectors, services
from configurator.api import serializers as s
from configurator.api.errors import Conflict, Gone, KeyReused
from configurator.api.inputs import parse_quote
from configurator.api.payloads import (
    build_payload,
    catalog_payload,
    product_summary,
    quote_errors,
    quote_payload,
)
from configurator.engine import quote
from configurator.identity import Owner, sign_shopper
from configurator.middleware import ensure_shopper
from configurator.models import Build, Product
from configurator.ratelimits import lookup, ratelimited
from configurator.snapshot import catalog_for

ERRORS = {400: s.ErrorOutput, 404: s.ErrorOutput, 413: s.ErrorOutput}
# Unsafe requests that carry the shopper cookie (or a staff session) need the CSRF token.
UNSAFE = {**ERRORS, 403: OpenApiResponse(
    s.ErrorOutput, description="The cookie was sent without the CSRF token (API clients send X-Atelier-Shopper instead).",
)}
# What the rate limits (configurator/ratelimits.py) guard also answers 429, with Retry-After.
LIMITED = {429: OpenApiResponse(s.ErrorOutput, description="Too many requests: wait Retry-After seconds.")}
RETRY_AFTER = [OpenApiParameter(
    "Retry-After", int, OpenApiParameter.HEADER, response=[429], required=True,
    description="Seconds to wait before trying again.",
)]
# Saves accept an Idempotency-Key: a retry with the same key and body gets the first answer, and
# nothing is saved twice.
IDEMPOTENT = {422: OpenApiResponse(s.ErrorOutput, description="This Idempotency-Key was used for another request.")}
IDEMPOTENCY_KEY = [OpenApiParameter(
    idempotency.HEADER, str, OpenApiParameter.HEADER, required=False, pattern=idempotency.KEY_PATTERN,
    description="16 to 255 visible ASCII characters, e.g. a random UUID. A retry with the same key and "
                "body is answered as the first request was (Idempotent-Replayed: true) and saves nothing "
                "more; keys are kept for a day.",
)]


def _owner(request, *, create: bool = False) -> Owner | None:
    shopper = ensure_shopper(request._request) if create else getattr(request._request, "shopper_id", None)
    if shopper is None:
        return None
    return Owner(shopper_id=shopper, user=request.user if request.user.is_authenticated else None)


def _require_owner(request) -> Owner:
    owner = _owner(request)
    if owner is None:
        raise NotFound(_("Not found."))
    return owner


def _product(slug: str) -> Product:
    try:
        return selectors.product_get(slug=slug)
    except Product.DoesNotExist:
        raise ValidationError({"product": [_("There is no such product.")]}) from None


class ProductListApi(APIView):
    @extend_schema(responses={200: s.ProductOutput(many=True)}, summary="List the products")
    def get(self, request):
        return Response([product_summary(p) for p in selectors.product_list()])


class ProductDetailApi(APIView):
    @extend_schema(responses={200: s.CatalogOutput, **ERRORS}, summary="A product's current catalog")
    def get(self, request, slug: str):
        try:
            product = selectors.product_get(slug=slug)
        except Product.DoesNotExist:
            raise NotFound(_("There is no such product.")) from None
        return Response(catalog_payload(product))


class QuoteApi(APIView):
    @extend_schema(
        request=s.QuoteInput, responses={200: s.QuoteOutput, **UNSAFE},
        summary="Validate, price and explain a configuration (nothing is saved)",
    )
    def post(self, request):
        slug, selections, action = parse_quote(request.data)
        try:
            ref = selectors.product_ref(slug=slug)
        except Product.DoesNotExist:
            raise ValidationError({"product": [_("There is no such product.")]}) from None
        cat = catalog_for(ref.version_id)
        result = quote(cat, selections, action)
        if result.errors:
            raise ValidationError(quote_errors(result))
        return Response(quote_payload(cat, ref, result, action))


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _build_response(request, build, *, code=status.HTTP_200_OK, token: bool = False) -> Response:
    data = build_payload(request, build, owner_view=True)
    if token:
        data["shopper_token"] = sign_shopper(build.owner_key)
    return Response(data, status=code)


def _build_answer(request, build, *, code: int, token: bool = False) -> services.Answer:
    """The response of a save as plain JSON data, the same bytes when it is replayed."""
    response = _build_response(request, build, code=code, token=token)
    return services.Answer(code, json.loads(JSONRenderer().render(response.data)), build.owner_key)


def _once(request, scope: str, action) -> Response:
    """`action` (which returns an Answer) once per Idempotency-Key, if the request has one."""
    try:
        key = idempotency.header_key(request)
    except idempotency.KeyInvalid as invalid:
        raise ValidationError({idempotency.HEADER: [str(invalid)]}) from None
    fingerprint = idempotency.api_fingerprint(request, request.data) if key else ""
    try:
        answer = idempotency.once(request._request, scope=scope, key=key, fingerprint=fingerprint, action=action)
    except services.IdempotencyKeyReused:
        raise KeyReused() from None
    response = Response(answer.body, status=answer.status)
    if key:
        response["Idempotent-Replayed"] = "true" if answer.replayed else "false"
    return response


class BuildListCreateApi(APIView):
    @extend_schema(responses={200: s.BuildOutput(many=True)}, summary="Your builds")
    def get(self, request):
        owner = _owner(request)
        if owner is None:
            return Response([])
        builds = selectors.builds_for_owner(owner=owner).select_related("catalog_version", "remixed_from")[:200]
        return Response([build_payload(request, b, owner_view=True) for b in builds])

    @extend_schema(
        request=s.BuildCreateInput, responses={201: s.BuildOutput, **UNSAFE, **LIMITED, **IDEMPOTENT},
        parameters=[*RETRY_AFTER, *IDEMPOTENCY_KEY],
        summary="Save a new build (any price sent is ignored: the server prices it)",
    )
    @ratelimited("save")
    def post(self, request):
        def save() -> services.Answer:
            data = _validated(s.BuildCreateInput, request.data)
            product = _product(data["product"])
            owner = _owner(request, create=True)
            build = services.build_save(product=product, selections=data["selections"], owner=owner, name=data["name"])
            return _build_answer(request, build, code=status.HTTP_201_CREATED, token=True)

        return _once(request, "build-save", save)


class BuildDetailApi(APIView):
    @extend_schema(responses={200: s.BuildOutput, **ERRORS}, summary="One of your builds")
    def get(self, request, build_id):
        build = selectors.build_get_owned(build_id=build_id, owner=_require_owner(request))
        return _build_response(request, build)

    @extend_schema(
        request=s.BuildUpdateInput,
        responses={200: s.BuildOutput, 201: s.BuildOutput, **UNSAFE, **LIMITED, **IDEMPOTENT},
        parameters=[*RETRY_AFTER, *IDEMPOTENCY_KEY],
        summary="Change your build (a shared or ordered one is forked: 201 with the new draft)",
    )
    @ratelimited("save")
    def patch(self, request, build_id):
        owner = _require_owner(request)

        def update() -> services.Answer:
            build = selectors.build_get_owned(build_id=build_id, owner=owner)
            data = _validated(s.BuildUpdateInput, request.data)
            updated = services.build_update(build=build, owner=owner, **data)
            code = status.HTTP_201_CREATED if updated.pk != build.pk else status.HTTP_200_OK
            return _build_answer(request, updated, code=code)

        return _once(request, "build-update", update)

    @extend_schema(
        responses={204: None, **UNSAFE, 409: OpenApiResponse(s.ErrorOutput, description="An ordered build stays.")},
        summary="Delete your build (an ordered one cannot be: 409)",
    )
    def delete(self, request, build_id):
        owner = _require_owner(request)
        build = selectors.build_get_owned(build_id=build_id, owner=owner)
        try:
            services.build_delete(build=build, owner=owner)
        except services.BuildInvalid as refused:  # ordered: its order refers to it
            raise Conflict(" ".join(m for messages in refused.errors.values() for m in messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class BuildShareApi(APIView):
    @extend_schema(request=None, responses={200: s.BuildOutput, **UNSAFE, **LIMITED}, parameters=RETRY_AFTER,
                   summary="Share (and freeze) your build")
    @ratelimited("share")
    def post(self, request, build_id):
        owner = _require_owner(request)
        build = selectors.build_get_owned(build_id=build_id, owner=owner)
        return _build_response(request, services.build_share(build=build, owner=owner))


class BuildRemixApi(APIView):
    @extend_schema(request=s.RemixInput, responses={201: s.BuildOutput, **UNSAFE, **LIMITED}, parameters=RETRY_AFTER,
                   summary="Remix your own build")
    @ratelimited("save")
    def post(self, request, build_id):
        owner = _require_owner(request)
        source = selectors.build_get_owned(build_id=build_id, owner=owner)
        data = _validated(s.RemixInput, request.data)
        remix = services.build_remix(source=source, owner=owner, **data)
        return _build_response(request, remix, code=status.HTTP_201_CREATED)


class BuildRebaseApi(APIView):
    def _result(self, request, build_id, apply: bool) -> Response:
        owner = _require_owner(request)
        build = selectors.build_get_owned(build_id=build_id, owner=owner)
        result = services.build_rebase(build=build, owner=owner, apply=apply)
        body = {
            "applied": result.applied,
            "changes": result.changes,
            "price_before": result.price_before,
            "price_after": result.price_after,
            "build": build_payload(request, result.build, owner_view=True) if apply else None,
        }
        return Response(body)

    @extend_schema(responses={200: s.RebaseOutput, **ERRORS}, summary="Preview moving a stale build to the current catalog")
    def get(self, request, build_id):
        return self._result(request, build_id, apply=False)

    @extend_schema(request=None, responses={200: s.RebaseOutput, **UNSAFE, **LIMITED}, parameters=RETRY_AFTER,
                   summary="Move a stale build to the current catalog")
    @ratelimited("save")
    def post(self, request, build_id):
        return self._result(request, build_id, apply=True)


# A shared design that staff took down answers 410 (its owner still gets it).
GONE = {410: OpenApiResponse(s.ErrorOutput, description="Staff have taken this design down.")}


def _shared(request, code: str) -> Build:
    """Only lookups that miss count (against share_miss): guessing codes gets a client 429. A
    design staff have taken down is 410, except for its owner."""
    build = lookup(request, "share_miss", lambda: selectors.build_get_shared(share_code=code), (Build.DoesNotExist,))
    if build.is_hidden:
        owner = _owner(request)
        if owner is None or not owner.owns(build):
            raise Gone(_("This design is no longer available: we have taken it down because it breaks our rules."))
    return build


class SharedBuildApi(APIView):
    @extend_schema(responses={200: s.SharedBuildOutput, **ERRORS, **GONE, **LIMITED}, parameters=RETRY_AFTER,
                   summary="A shared build, by its share code (codes that miss count against a rate limit)")
    @ratelimited()
    def get(self, request, code: str):
        build = _shared(request, code)
        return Response(build_payload(request, build, owner_view=False))


class SharedRemixApi(APIView):
    @extend_schema(request=s.RemixInput, responses={201: s.BuildOutput, **UNSAFE, **GONE, **LIMITED},
                   parameters=RETRY_AFTER, summary="Remix a shared build")
    @ratelimited("save")
    def post(self, request, code: str):
        source = _shared(request, code)
        data = _validated(s.RemixInput, request.data)
        owner = _owner(request, create=True)
        remix = services.build_remix(source=source, owner=owner, **data)
        return _build_response(request, remix, code=status.HTTP_201_CREATED, token=True)


__all__ = [
    "BuildDetailApi", "BuildListCreateApi", "BuildRebaseApi", "BuildRemixApi", "BuildShareApi",
    "ProductDetailApi", "ProductListApi", "QuoteApi", "SharedBuildApi", "SharedRemixApi",
]
