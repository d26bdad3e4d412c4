"""Shopper pages of personalization (under the language prefix)."""

from django.urls import path

from personalization import views_campaigns, views_privacy

app_name = "personalization"

urlpatterns = [
    path("consent/", views_privacy.consent, name="consent"),
    path("privacy/", views_privacy.privacy, name="privacy"),
    path("my-data/", views_privacy.my_data, name="my-data"),
    path("my-data/export.json", views_privacy.my_data_export, name="my-data-export"),
    path("my-data/erase/", views_privacy.my_data_erase, name="my-data-erase"),
    path("c/<int:campaign_id>/", views_campaigns.campaign_click, name="campaign-click"),
    path("u/<str:token>/", views_campaigns.unsubscribe, name="unsubscribe"),
]
