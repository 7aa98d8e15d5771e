"""JSON errors for unknown URLs under /api/ (DRF's own errors are JSON already)."""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _


def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """A JSON 404 for any path under /api/ that names no endpoint."""
    return JsonResponse({"detail": _("No such API endpoint.")}, status=404)
