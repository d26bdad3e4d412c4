"""The API knows shoppers by the signed cookie (with CSRF, like a session) or by the
X-Atelier-Shopper header (no cookie, so no CSRF exposure)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
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


class ShopperCookieCsrfScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ShopperCookieCsrf: the shopper's signed id, in the
    cookie the site sets or in the X-Atelier-Shopper header (either one)."""

    target_class = ShopperCookieCsrf
    name = ["shopperCookie", "shopperHeader"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "cookie", "name": settings.ATELIER_SHOPPER_COOKIE,
             "description": "The signed shopper id the site sets; unsafe requests with it need the CSRF token."},
            {"type": "apiKey", "in": "header", "name": "X-Atelier-Shopper",
             "description": "The signed shopper id as a header: no cookie, so no CSRF token."},
        ]

    def get_security_requirement(self, auto_schema):
        return [{"shopperCookie": []}, {"shopperHeader": []}]
