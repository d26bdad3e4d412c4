import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from atelier.urls import urlpatterns as site_urls


@csrf_exempt
@require_POST
def bare(request):
    """The limit: a Django view behind the same middleware that parses JSON and answers JSON."""
    body = json.loads(request.body or b"{}")
    return JsonResponse({"ok": True, "keys": sorted(body)})


urlpatterns = [path("bench/bare/", bare), *site_urls]
