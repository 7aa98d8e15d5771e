"""Recent popularity of bookable offers, computed once and shared by every user's request.

Counting a month of bookings costs a scan of them; doing it per user would
make a 20,000-recipient newsletter count them 20,000 times. The ranking is
cached for a few minutes instead: a sold-out offer still in it is filtered out
when the user's list is read.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from marketplace.models import Booking, Offer

RANKING_SIZE = 500


def popular_offer_ranking(*, window_days: int | None = None) -> list[tuple[int, int]]:
    """(offer id, live bookings in the window) of bookable offers, most booked first.

    Ties go to the lower offer id, so the order is the same on every call.
    """
    window_days = window_days or settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    key = f"recommendations:popular-ranking:{window_days}"
    ranking = cache.get(key)
    if ranking is None:
        ranking = compute_popular_offer_ranking(window_days=window_days)
        cache.set(key, ranking, settings.RECOMMENDATION_POPULAR_CACHE_SECONDS)
    return ranking


def compute_popular_offer_ranking(
    *, window_days: int, size: int | None = RANKING_SIZE
) -> list[tuple[int, int]]:
    """The ranking uncached; `size=None` counts every booked offer (the geo strategy's index)."""
    since = timezone.now() - timedelta(days=window_days)
    recent_live = Q(bookings__created_at__gte=since) & ~Q(bookings__status=Booking.Status.CANCELLED)
    rows = (
        Offer.objects.bookable()
        .annotate(recent_bookings=Count("bookings", filter=recent_live))
        .filter(recent_bookings__gt=0)
        .order_by("-recent_bookings", "pk")
        .values_list("pk", "recent_bookings")[:size]
    )
    return list(rows)
