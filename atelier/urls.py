from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from atelier.health import health
from atelier.language import set_language
from configurator import embed_views, moderation_views, share_views
from configurator import views as configurator_views
from configurator.api.errors import api_not_found

# The shop's pages come first: an option click is the most frequent request, and URL resolution
# tries the patterns in order (none of the others starts with a language prefix).
urlpatterns = i18n_patterns(
    path("", include("configurator.urls")),
    path("", include("personalization.urls")),
    prefix_default_language=True,
)
urlpatterns += [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its set-up script from its own URL: no inline script for the CSP.
    # A page, like the shop's: GET and HEAD only (DRF's OPTIONS answer has no template here: a 500).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
         name="api-docs"),
    path("api/", include("configurator.api.urls")),
    path("api/", include("personalization.api.urls")),
    # After every API route: any other /api/.../ path is a JSON 404, not the HTML page.
    re_path(r"^api/(?:.*/)?$", api_not_found),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("preview/<int:version_id>/<str:fingerprint>.jpg", configurator_views.preview, name="preview"),
    path("preview/<int:version_id>/<str:fingerprint>/<slug:view>.jpg", configurator_views.preview, name="preview"),
    path("preview/<int:version_id>/<str:fingerprint>/<slug:view>/zoom.jpg", configurator_views.preview,
         {"zoom": True}, name="preview_zoom"),
    # Short, language-neutral share links: the page speaks the visitor's language.
    path("s/<str:code>/", share_views.shared, name="shared"),
    path("s/<str:code>/card.png", share_views.shared_image, {"fmt": "card"}, name="shared-card"),
    path("s/<str:code>/<slug:fmt>.jpg", share_views.shared_image, name="shared-image"),
    path("s/<str:code>/remix/", share_views.shared_remix, name="shared-remix"),
    # The one page other sites may frame, and the oEmbed answer that describes it.
    path("s/<str:code>/embed/", embed_views.embed, name="shared-embed"),
    path("oembed/", embed_views.oembed, name="oembed"),
    path("s/<str:code>/report/", moderation_views.shared_report, name="shared-report"),
]
if settings.DEBUG or settings.ATELIER_SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
