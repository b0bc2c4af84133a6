"""URL root: the API under /api/v1/, allauth's pages under /accounts/, the admin, the web pages."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from gauntlet.common.health import healthz, readyz

api_v1: list[URLPattern | URLResolver] = [
    path("", include("gauntlet.accounts.urls")),
    path("", include("gauntlet.workqueue.urls")),
    path("", include("gauntlet.payments.urls")),
    path("", include("labeling.urls")),
    path("", include("ml_worker.urls")),
    path("", include("attacks.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Manager pages under /manage/ (each app its own namespace).
    path("manage/", include("labeling.manage_urls")),
    path("manage/", include("ml_worker.manage_urls")),
    path("manage/", include("ml_worker.reliability.web_urls")),
    path("manage/", include("gauntlet.workqueue.manage_urls")),
    path("manage/", include("gauntlet.payments.manage_urls")),
    path("manage/", include("attacks.manage_urls")),
    # Contractor pages under /work/ (each app its own namespace), "/" last: a role's home, else sign in.
    path("work/", include("gauntlet.workqueue.web_urls")),
    path("work/", include("gauntlet.payments.web_urls")),
    path("work/", include("attacks.web_urls")),
    path("", include("gauntlet.web.urls")),
]
