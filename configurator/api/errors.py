"""API errors are JSON: {"detail": "...", "errors": {field: [messages]}}, never a stack trace."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from configurator.services import BuildInvalid, BuildNotFound


class Conflict(exceptions.APIException):
    """The request is well formed but the build's state does not allow it (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Gone(exceptions.APIException):
    """A shared design that staff have taken down (410): it existed, and will not come back."""

    status_code = status.HTTP_410_GONE
    default_code = "gone"


class KeyReused(exceptions.APIException):
    """An Idempotency-Key sent again with another request (422, as the IETF draft on the header says)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _lazy("This Idempotency-Key was already used for a different request. Use a new key.")


def exception_handler(exc, context):
    if isinstance(exc, BuildInvalid):
        return Response({"detail": _("The input is not valid."), "errors": exc.errors}, status=400)
    if isinstance(exc, (BuildNotFound, ObjectDoesNotExist, Http404)):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _("The input is not valid."), "errors": response.data}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/ (an id that is not a UUID, a slug with a slash, a typo): a JSON
    404 like the API's own, never the site's HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
