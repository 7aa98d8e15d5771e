"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("dashboard/", include("metrics.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("api/", include("api.urls")),
    path("", include("experiments.urls")),
    path("", include("storefront.urls")),
]
