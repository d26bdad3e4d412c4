from django.urls import path

from personalization.api import views

urlpatterns = [
    path("events/", views.EventsView.as_view(), name="api-events"),
]
