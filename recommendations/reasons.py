"""Why an offer is in a list: a key and its values when the list is made, words when it is shown.

Strategies build a `Reason`, plain data that is stored with precomputed lists
(as JSON) and travels in a RecommendationList; pages, the API and emails turn it
into a sentence with `reason_text`, in the language active where it is shown.
So one list computed at night reads French to a French visitor and English to an
English one (ADR 0027).

Each key is one whole sentence per case with named placeholders, so that a
translation can reorder it; counts go through ngettext. A key's parameters are
part of the stored format: changing them (or removing a key) goes with a bump
of STORED_LIST_FORMAT (`recommendations.stored`).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import get_language, gettext, ngettext

from config.numbers import number_rounded

ReasonValue = int | str


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason's key and its values, as (name, value) pairs in a fixed order per key."""

    key: str
    params: tuple[tuple[str, ReasonValue], ...] = ()


POPULAR = "popular"
NATIONALLY_POPULAR = "nationally_popular"
ONLINE = "online"
POPULAR_NEARBY = "popular_nearby"
NEARBY = "nearby"
CO_BOOKED = "co_booked"
LEARNED = "learned"


def popularity_reason(*, count: int, days: int) -> Reason:
    """`count` people booked it in the last `days` days."""
    return Reason(POPULAR, (("count", count), ("days", days)))


def nationally_popular_reason(*, count: int, days: int) -> Reason:
    """Popular in the whole country: said to those the strategy cannot place."""
    return Reason(NATIONALLY_POPULAR, (("count", count), ("days", days)))


def online_reason(*, count: int, days: int) -> Reason:
    """A digital offer, with how many booked it lately (0: nobody yet)."""
    return Reason(ONLINE, (("count", count), ("days", days)))


def nearby_reason(*, place: str, distance_km: float, popular: bool) -> Reason:
    """Near `place` (empty: the user's home, 'near you'); booked lately when `popular`.

    The distance is kept as the text shows it: whole kilometres, 0 for under one.
    """
    km = round(distance_km) if distance_km >= 1 else 0
    return Reason(POPULAR_NEARBY if popular else NEARBY, (("place", place), ("km", km)))


def co_booking_reason() -> Reason:
    return Reason(CO_BOOKED)


def learned_reason() -> Reason:
    """The learned ranker weighs many signals at once: no single one of them names the reason."""
    return Reason(LEARNED)


def popular_text(*, count: int, days: int) -> str:
    """'popular this month (12 bookings)'."""
    if days == 30:
        return ngettext(
            "popular this month (%(count)s booking)",
            "popular this month (%(count)s bookings)",
            count,
        ) % {"count": grouped(count)}
    return ngettext(
        "popular over the last %(days)d days (%(count)s booking)",
        "popular over the last %(days)d days (%(count)s bookings)",
        count,
    ) % {"count": grouped(count), "days": days}


def nationally_popular_text(*, count: int, days: int) -> str:
    if days == 30:
        return ngettext(
            "nationally popular this month (%(count)s booking)",
            "nationally popular this month (%(count)s bookings)",
            count,
        ) % {"count": grouped(count)}
    return ngettext(
        "nationally popular over the last %(days)d days (%(count)s booking)",
        "nationally popular over the last %(days)d days (%(count)s bookings)",
        count,
    ) % {"count": grouped(count), "days": days}


def online_text(*, count: int, days: int) -> str:
    if not count:
        return gettext("online, available from anywhere")
    if days == 30:
        return ngettext(
            "online, popular this month (%(count)s booking)",
            "online, popular this month (%(count)s bookings)",
            count,
        ) % {"count": grouped(count)}
    return ngettext(
        "online, popular over the last %(days)d days (%(count)s booking)",
        "online, popular over the last %(days)d days (%(count)s bookings)",
        count,
    ) % {"count": grouped(count), "days": days}


def grouped(count: int) -> str:
    """A count as the reader's language writes it, grouped by thousands ("1 200")."""
    return number_rounded(count, 0, force_grouping=True)


def distance_text(km: int) -> str:
    if km < 1:
        return gettext("less than 1 km")
    return gettext("%(distance)d km") % {"distance": km}


def popular_nearby_text(*, place: str, km: int) -> str:
    """'popular near Lyon 3e, 4 km'; `place` empty says 'near you'."""
    values = {"place": place, "distance": distance_text(km)}
    if place:
        return gettext("popular near %(place)s, %(distance)s") % values
    return gettext("popular near you, %(distance)s") % values


def nearby_text(*, place: str, km: int) -> str:
    values = {"place": place, "distance": distance_text(km)}
    if place:
        return gettext("near %(place)s, %(distance)s") % values
    return gettext("near you, %(distance)s") % values


def co_booked_text() -> str:
    return gettext("booked by people who booked what you booked")


def learned_text() -> str:
    return gettext("chosen for you")


REASON_TEXTS: dict[str, Callable[..., str]] = {
    POPULAR: popular_text,
    NATIONALLY_POPULAR: nationally_popular_text,
    ONLINE: online_text,
    POPULAR_NEARBY: popular_nearby_text,
    NEARBY: nearby_text,
    CO_BOOKED: co_booked_text,
    LEARNED: learned_text,
}


def reason_text(reason: Reason | None) -> str:
    """The reason in the active language; empty for an item shown without one (None) and for
    a key this process does not know (a list stored by a newer release during a deploy)."""
    if reason is None:
        return ""
    return reason_worded(reason, get_language())


@functools.lru_cache(maxsize=8192)
def reason_worded(reason: Reason, active_language: str | None) -> str:
    """`reason` in the active language, which keys the cache (it must be the active one).

    Pages and the API word each item of a list on the request path: a cache hit costs
    less than one gettext lookup, and lists repeat the same online and national
    sentences and the same places and distances around a home.
    """
    text = REASON_TEXTS.get(reason.key)
    if text is None:
        return ""
    return text(**dict(reason.params))
