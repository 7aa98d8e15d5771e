"""API routes: version 1 under /api/v1/, the OpenAPI schema and its Swagger UI."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api import views
from api.errors import api_not_found

app_name = "api"

urlpatterns = [
    path("v1/recommendations/", views.RecommendationsView.as_view(), name="recommendations"),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", api_not_found),
]
