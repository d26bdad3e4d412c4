from django.urls import path, re_path

from configurator.api.errors import api_not_found
from personalization.api import views

urlpatterns = [
    path("events/", views.EventsView.as_view(), name="api-events"),
    # Included last under api/ (atelier/urls.py): every other /api/.../ path is a JSON 404.
    re_path(r"^(?:.*/)?$", api_not_found),
]
