from django.urls import path

from configurator.api import views

app_name = "api"

urlpatterns = [
    path("products/", views.ProductListApi.as_view(), name="products"),
    path("products/<slug:slug>/", views.ProductDetailApi.as_view(), name="product"),
    path("quote/", views.QuoteApi.as_view(), name="quote"),
    path("builds/", views.BuildListCreateApi.as_view(), name="builds"),
    path("builds/<uuid:build_id>/", views.BuildDetailApi.as_view(), name="build"),
    path("builds/<uuid:build_id>/share/", views.BuildShareApi.as_view(), name="build-share"),
    path("builds/<uuid:build_id>/remix/", views.BuildRemixApi.as_view(), name="build-remix"),
    path("builds/<uuid:build_id>/rebase/", views.BuildRebaseApi.as_view(), name="build-rebase"),
    path("shared/<str:code>/", views.SharedBuildApi.as_view(), name="shared-build"),
    path("shared/<str:code>/remix/", views.SharedRemixApi.as_view(), name="shared-remix"),
]
