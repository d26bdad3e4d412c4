"""The API knows shoppers by the signed cookie (with CSRF, like a session) or by the
X-Atelier-Shopper header (no cookie, so no CSRF exposure)."""

from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import PermissionDenied


class ShopperCookieCsrf(BaseAuthentication):
    """Enforces CSRF on unsafe requests that carry the shopper cookie. Identifies nobody itself:
    the shopper id is set on the request by ShopperMiddleware."""

    def authenticate(self, request):
        django_request = request._request
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return None
        if getattr(django_request, "shopper_from_header", False):
            return None
        if getattr(django_request, "shopper_id", None) is None:
            return None

        def dummy_get_response(request):  # pragma: no cover - never called
            return None

        check = CSRFCheck(dummy_get_response)
        check.process_request(django_request)
        reason = check.process_view(django_request, None, (), {})
        if reason:
            raise PermissionDenied(f"CSRF Failed: {reason}")
        return None
