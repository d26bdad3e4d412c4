import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from atelier.urls import urlpatterns as site_urls


@csrf_exempt
@require_POST
def bare(request):
    """The limit: a Django view behind the same middleware that parses JSON and answers JSON."""
    body = json.loads(request.body or b"{}")
    return JsonResponse({"ok": True, "keys": sorted(body)})


@require_GET
def bare_get(request):
    """The limit for GET requests: a Django view behind the same middleware that reads the query
    and answers a small HTML fragment, as an htmx partial would."""
    trigger = escape(request.headers.get("HX-Trigger", ""))
    return HttpResponse(f'<p id="bare" hx-swap-oob="true">{trigger} {len(request.GET)}</p>')


urlpatterns = [path("bench/bare/", bare), path("bench/bare-get/", bare_get), *site_urls]
