"""Per request, on the way out: the browser-session cookie of choices made before consent, and
Global Privacy Control for a shopper who once allowed marketing."""

from django.db import transaction

from personalization.consent import consents_from_request, cookie_grants, gpc, set_consent_cookie
from personalization.pending import pending_write


class PendingChoicesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending_write(request, response)
        if gpc(request) and "marketing" in (cookie_grants(request) or ()):
            self._honour_gpc(request, response)
        return response

    @staticmethod
    def _honour_gpc(request, response) -> None:
        """The cookie still allows marketing but the browser now sends Sec-GPC: 1: marketing goes
        off on the shopper's row (segments and exports read it) and in the cookie, once."""
        from personalization.services.privacy import shopper_gpc_record

        shopper_id = getattr(request, "shopper_id", None)
        if shopper_id is not None:
            with transaction.atomic():
                shopper_gpc_record(shopper_id=shopper_id)
        set_consent_cookie(response, request, consents_from_request(request))
