"""Recent popularity of bookable offers, computed once and shared by every user's request.

Counting a month of bookings costs a scan of them; doing it per user would
make a 20,000-recipient newsletter count them 20,000 times. The ranking is
cached for a few minutes instead: a sold-out offer still in it is filtered out
when the user's list is read.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from marketplace.models import Booking, Offer

RANKING_SIZE = 500


def popular_offer_ranking(
    *, window_days: int | None = None, now: datetime | None = None
) -> list[tuple[int, int]]:
    """(offer id, people with a live booking in the window) of offers bookable at `now`,
    most booked first; cached when `now` is the present (None).

    People rather than bookings, as the evaluated popular scorer counts (ADR 0020).
    Ties go to the lower offer id, so the order is the same on every call.
    """
    window_days = window_days or settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    if now is not None:
        return compute_popular_offer_ranking(window_days=window_days, now=now)
    key = f"recommendations:popular-ranking:{window_days}"
    ranking = cache.get(key)
    if ranking is None:
        ranking = compute_popular_offer_ranking(window_days=window_days)
        cache.set(key, ranking, settings.RECOMMENDATION_POPULAR_CACHE_SECONDS)
    return ranking


def compute_popular_offer_ranking(
    *, window_days: int, size: int | None = RANKING_SIZE, now: datetime | None = None
) -> list[tuple[int, int]]:
    """The ranking uncached; `size=None` counts every booked offer (the geo strategy's index)."""
    now = now or timezone.now()
    since = now - timedelta(days=window_days)
    recent_live = (
        Q(bookings__created_at__gte=since)
        & Q(bookings__created_at__lte=now)
        & ~Q(bookings__status=Booking.Status.CANCELLED)
    )
    rows = (
        Offer.objects.bookable(now=now)
        .annotate(recent_bookings=Count("bookings__user", filter=recent_live, distinct=True))
        .filter(recent_bookings__gt=0)
        .order_by("-recent_bookings", "pk")
        .values_list("pk", "recent_bookings")[:size]
    )
    return list(rows)
