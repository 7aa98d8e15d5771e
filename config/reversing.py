"""`reverse()` of one-argument routes, remembered per process: the API reverses two URLs per
item (the offer page and its click link), and Django's `reverse` cost 60-80 µs each
(resolver lookup, converter check, regex match, quoting), a fifth of the endpoint
(ADR 0015).

The route's text around its argument is worked out once per (route, script prefix) by
reversing markers; each call then concatenates. Only arguments that the route's
converter is known to accept and that `reverse` would not quote take that path
(letters, digits and `-_.~:` for a `str` or `path` argument, digits for an `int` or
`slug` one); anything else goes through `reverse` itself, so the answer is always
`reverse(viewname, args=[argument])`, NoReverseMatch included.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

# Digits, so that it satisfies every converter; long enough not to appear in a route's
# fixed text.
MARKER = "7310947310"
# Unreserved characters (RFC 3986) and ":", which reverse() leaves as they are.
PLAIN = re.compile(r"[A-Za-z0-9_.~:-]+")
DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Route:
    before: str
    after: str
    # Which arguments reverse() is known to accept and leave unquoted.
    accepted: re.Pattern


@lru_cache(maxsize=128)
def route_of(viewname: str, script_prefix: str) -> Route | None:
    """The route's text before and after its one argument, or None when the marker does
    not come back exactly once (a route that transforms or repeats its argument)."""
    path = reverse(viewname, args=[MARKER])
    if path.count(MARKER) != 1:
        return None
    before, _, after = path.partition(MARKER)
    try:
        accepts_plain = reverse(viewname, args=["Az_.~:-" + MARKER]) == (
            f"{before}Az_.~:-{MARKER}{after}"
        )
    except NoReverseMatch:
        accepts_plain = False
    return Route(before=before, after=after, accepted=PLAIN if accepts_plain else DIGITS)


def reverse_one_argument(viewname: str, argument: str | int) -> str:
    """`reverse(viewname, args=[argument])` for a route taking one argument, without
    resolving the route again on every call."""
    text = str(argument)
    route = route_of(viewname, get_script_prefix())
    if route is None or not route.accepted.fullmatch(text):
        return reverse(viewname, args=[argument])
    return f"{route.before}{text}{route.after}"
