"""A stable id for an anonymous visitor's browser, so their exposures can be told apart.

Waffle's cookie only says "True" or "False", and a session is created for
nobody who does not sign in; a long-lived cookie holding a random id names the
browser without writing anything server-side. The id is set on the response by
`VisitorCookieMiddleware`, and only when a surface asked for it.
"""

import re
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")
# Set on the request when an id was made for it, so the middleware writes the cookie.
NEW_VISITOR_ATTRIBUTE = "passerelle_new_visitor_id"


def visitor_id_for_request(request: HttpRequest) -> str:
    """The browser's visitor id from its cookie, or a new one the response will set."""
    current = request.COOKIES.get(settings.VISITOR_COOKIE_NAME, "")
    if VISITOR_ID.match(current):
        return current
    made = getattr(request, NEW_VISITOR_ATTRIBUTE, None)
    if made is None:
        made = uuid.uuid4().hex
        setattr(request, NEW_VISITOR_ATTRIBUTE, made)
    return made


class VisitorCookieMiddleware:
    """Writes the visitor cookie when a view made a new visitor id."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        made = getattr(request, NEW_VISITOR_ATTRIBUTE, None)
        if made is not None:
            response.set_cookie(
                settings.VISITOR_COOKIE_NAME,
                made,
                max_age=settings.VISITOR_COOKIE_MAX_AGE_DAYS * 86400,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        return response
