"""Why an offer is in a list, in words a shopper reads (translatable English; French in locale/).

Each reason is one whole sentence per case with named placeholders, so that
a translation can reorder it; plurals go through ngettext.
"""

from django.utils.translation import gettext, ngettext


def popularity_reason(*, count: int, days: int) -> str:
    """'popular this month (12 bookings)': `count` people booked it in the last `days` days."""
    if days == 30:
        return ngettext(
            "popular this month (%(count)d booking)",
            "popular this month (%(count)d bookings)",
            count,
        ) % {"count": count}
    return ngettext(
        "popular over the last %(days)d days (%(count)d booking)",
        "popular over the last %(days)d days (%(count)d bookings)",
        count,
    ) % {"count": count, "days": days}


def nationally_popular_reason(*, count: int, days: int) -> str:
    if days == 30:
        return ngettext(
            "nationally popular this month (%(count)d booking)",
            "nationally popular this month (%(count)d bookings)",
            count,
        ) % {"count": count}
    return ngettext(
        "nationally popular over the last %(days)d days (%(count)d booking)",
        "nationally popular over the last %(days)d days (%(count)d bookings)",
        count,
    ) % {"count": count, "days": days}


def online_reason(*, count: int, days: int) -> str:
    if not count:
        return gettext("online, available from anywhere")
    if days == 30:
        return ngettext(
            "online, popular this month (%(count)d booking)",
            "online, popular this month (%(count)d bookings)",
            count,
        ) % {"count": count}
    return ngettext(
        "online, popular over the last %(days)d days (%(count)d booking)",
        "online, popular over the last %(days)d days (%(count)d bookings)",
        count,
    ) % {"count": count, "days": days}


def distance_text(distance_km: float) -> str:
    if distance_km < 1:
        return gettext("less than 1 km")
    return gettext("%(distance)d km") % {"distance": round(distance_km)}


def nearby_reason(*, place: str, distance_km: float, popular: bool) -> str:
    """'popular near Lyon 3e, 4 km'; `place` empty says 'near you'."""
    values = {"place": place, "distance": distance_text(distance_km)}
    if place:
        if popular:
            return gettext("popular near %(place)s, %(distance)s") % values
        return gettext("near %(place)s, %(distance)s") % values
    if popular:
        return gettext("popular near you, %(distance)s") % values
    return gettext("near you, %(distance)s") % values


def co_booking_reason() -> str:
    return gettext("booked by people who booked what you booked")


def learned_reason() -> str:
    """The learned ranker weighs many signals at once: no single one of them names the reason."""
    return gettext("chosen for you")
