"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switch posts to set_language, which remembers the choice in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("dashboard/", include("metrics.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("experiments.urls")),
    path("api/", include("api.urls")),
    path("", include("storefront.urls")),
]
