"""JSON errors for unknown URLs under /api/ (DRF's own errors are JSON already), and the
redirect of an endpoint's path written without its trailing slash."""

from django.conf import settings
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext as _


def api_not_found(
    request: HttpRequest, *args, **kwargs
) -> JsonResponse | HttpResponsePermanentRedirect:
    """A JSON 404 for any path under /api/ that names no endpoint. A path that names one
    but for its trailing slash (`/api/v1/me`) is redirected to it with a 308, for every
    method: unlike a 301, a 308 keeps the method and the body, so a POST is not turned
    into a GET (ADR 0015)."""
    slashed = endpoint_path_with_slash(request)
    if slashed is not None:
        return HttpResponsePermanentRedirect(slashed, preserve_request=True)
    return JsonResponse({"detail": _("No such API endpoint.")}, status=404)


def endpoint_path_with_slash(request: HttpRequest) -> str | None:
    """The request's full path (query string kept) with a trailing slash, when that names
    an endpoint and APPEND_SLASH is on. CommonMiddleware's APPEND_SLASH redirects only
    paths that resolve to nothing, and this module's catch-all makes every /api/ path
    resolve, so it never redirects one: the check is made here."""
    path = request.path_info
    if not settings.APPEND_SLASH or path.endswith("/"):
        return None
    try:
        match = resolve(f"{path}/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if match.func is api_not_found:
        return None
    return escape_leading_slashes(request.get_full_path(force_append_slash=True))
