from django.urls import path

from configurator import design_link_views, draft_views, views

app_name = "configurator"

urlpatterns = [
    path("", views.home, name="home"),
    path("configure/<slug:slug>/", views.studio, name="studio"),
    path("configure/<slug:slug>/summary/", views.studio_summary, name="studio-summary"),
    path("configure/<slug:slug>/step/", views.studio_step, name="studio-step"),
    path("configure/<slug:slug>/save/", views.build_save, name="save"),
    # Staff only (a 404 for anyone else): the product's unpublished catalog in the studio.
    path("configure/<slug:slug>/draft/", draft_views.draft_studio, name="draft"),
    path("configure/<slug:slug>/draft/summary/", draft_views.draft_summary, name="draft-summary"),
    path("configure/<slug:slug>/draft/step/", draft_views.draft_step, name="draft-step"),
    path("configure/<slug:slug>/draft/<str:checksum>/<str:fingerprint>.jpg", draft_views.draft_preview,
         name="draft-preview"),
    path("configure/<slug:slug>/draft/<str:checksum>/<str:fingerprint>/<slug:view>.jpg", draft_views.draft_preview,
         name="draft-preview"),
    path("configure/<slug:slug>/draft/<str:checksum>/<str:fingerprint>/<slug:view>/zoom.jpg",
         draft_views.draft_preview, {"zoom": True}, name="draft-preview-zoom"),
    path("my-designs/", views.my_builds, name="my-builds"),
    path("designs/<uuid:build_id>/", views.build_detail, name="build"),
    path("designs/<uuid:build_id>/delete/", views.build_delete, name="build-delete"),
    path("designs/<uuid:build_id>/order/", views.order, name="order"),
    path("designs/<uuid:build_id>/share/", views.build_share, name="share"),
    path("designs/<uuid:build_id>/email/", design_link_views.build_email, name="build-email"),
    path("designs/open/<str:token>/", design_link_views.design_link, name="design-link"),
    path("orders/<str:number>/", views.order_confirmation, name="order-confirmation"),
]
