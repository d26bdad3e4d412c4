"""Writes the browser-session cookie of choices made before consent, when a view changed it."""

from personalization.pending import pending_write


class PendingChoicesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        pending_write(request, response)
        return response
