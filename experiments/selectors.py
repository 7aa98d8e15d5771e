"""Reads of the experiments app: the per-user figures of an experiment's period."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.utils import timezone

from experiments.models import BookingAttribution, Exposure, RecommendationClick
from marketplace.models import Booking, User


@dataclass(frozen=True)
class UserFigures:
    """What one exposed user saw and did during an experiment."""

    first_exposure: datetime
    impressions: int
    clicks: int = 0
    bookings: int = 0
    attributed_bookings: int = 0
    categories_booked: int = 0


def period_bounds(*, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The aware datetimes from the start of `date_from` to the end of `date_to` (local time)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def assignable_users(*, until: datetime) -> list[User]:
    """Shoppers (active, not staff) who had an account by `until`: the population a canary
    flag splits. Unsaved users carrying only their id and what a flag reads of a
    non-staff user (superuser status), so that 100,000 of them load two columns."""
    shoppers = User.objects.filter(is_staff=False, is_active=True, date_joined__lt=until)
    return [
        User(pk=pk, is_superuser=is_superuser)
        for pk, is_superuser in shoppers.values_list("pk", "is_superuser")
    ]


def exposed_user_figures(*, start: datetime, end: datetime) -> dict[int, UserFigures]:
    """Per signed-in user exposed in [start, end): impressions and clicks in the period,
    and bookings in the north-star window after their first exposure (ADR 0021)."""
    exposures = Exposure.objects.filter(user__isnull=False, shown_at__gte=start, shown_at__lt=end)
    seen = {
        row["user_id"]: row
        for row in exposures.values("user_id").annotate(
            first=Min("shown_at"), impressions=Count("id")
        )
    }
    clicked = exposures.filter(
        Exists(
            RecommendationClick.objects.filter(
                request_id=OuterRef("request_id"), position=OuterRef("position")
            )
        )
    )
    clicks = dict(
        clicked.values("user_id").annotate(clicks=Count("id")).values_list("user_id", "clicks")
    )
    window = timedelta(days=settings.EXPERIMENT_NORTH_STAR_WINDOW_DAYS)
    first_shown = (
        exposures.filter(user_id=OuterRef("user_id")).order_by("shown_at").values("shown_at")[:1]
    )
    booked = (
        Booking.objects.live()
        .filter(created_at__gte=start, created_at__lt=end + window)
        .annotate(first_shown=Subquery(first_shown))
        .filter(created_at__gte=F("first_shown"), created_at__lt=F("first_shown") + window)
        .annotate(attributed=Exists(BookingAttribution.objects.filter(booking=OuterRef("pk"))))
        .values("user_id")
        .annotate(
            bookings=Count("id"),
            attributed_bookings=Count("id", filter=Q(attributed=True)),
            categories=Count("offer__category", distinct=True),
        )
    )
    bookings = {row["user_id"]: row for row in booked}
    figures = {}
    for user_id, row in seen.items():
        booking = bookings.get(user_id, {})
        figures[user_id] = UserFigures(
            first_exposure=row["first"],
            impressions=row["impressions"],
            clicks=clicks.get(user_id, 0),
            bookings=booking.get("bookings", 0),
            attributed_bookings=booking.get("attributed_bookings", 0),
            categories_booked=booking.get("categories", 0),
        )
    return figures
