"""Setting the homepage canary's flag in tests, and asking waffle itself what it serves."""

from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory
from django.utils import translation
from waffle import get_waffle_flag_model

from experiments.assignment import variant_name

FLAG = "homepage_recommendations"
KILL_SWITCH = "homepage_recommendations_off"


def homepage_flag_set(percent: float, **fields) -> None:
    """Set the flag (made by the storefront's data migration) as staff would in the admin."""
    flag = get_waffle_flag_model().objects.get(name=FLAG)
    flag.percent = percent
    for name, value in fields.items():
        setattr(flag, name, value)
    flag.save()
    # Waffle drops its cached copy on commit, which a test's transaction never reaches.
    flag.flush()


def request_in(language: str, user, **query) -> HttpRequest:
    """A GET from a browser asking for `language`, as LocaleMiddleware and the
    authentication middleware leave it."""
    request = RequestFactory().get("/", query, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(None):  # the middleware activates the request's language
        LocaleMiddleware(lambda request: None).process_request(request)
    request.user = user
    return request


def waffle_serves(flag, request: HttpRequest) -> str:
    """The variant waffle's own `Flag.is_active` gives this request."""
    return variant_name(bool(flag.is_active(request)))
