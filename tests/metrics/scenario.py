"""A small booking history whose metrics are computed by hand in the tests.

Dates straddle the end of October 2026 so the month boundary matters; times
are Europe/Paris, the site's time zone.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from marketplace.models import Booking
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory

PARIS = ZoneInfo("Europe/Paris")
OCT_31 = date(2026, 10, 31)
NOV_1 = date(2026, 11, 1)


def at(day: str, clock: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=PARIS)


def offer(slug: str, price: str):
    # get_or_create: the categories of the data migration are gone after a
    # transactional test (Celery worker) flushed the database.
    return OfferFactory(category=CategoryFactory(slug=slug), price=Decimal(price))


def build_scenario() -> None:
    """Eight shoppers; what each one counts for is written next to them."""
    cinema = "cinema"
    books = "books"
    museum = "museums-heritage"
    music = "live-music"
    u1, u2, u3, u4, u5, u6, u7, u8 = (UserFactory() for _ in range(8))
    cancelled = Booking.Status.CANCELLED

    # u1: cinema on Oct 31, books on Nov 1: one category in each month, two over 30 days.
    BookingFactory(user=u1, offer=offer(cinema, "10"), created_at=at("2026-10-31", "10:00"))
    BookingFactory(user=u1, offer=offer(books, "15"), created_at=at("2026-11-01", "10:00"))
    # u2: two different cinema offers: booked twice, but one category. The booking
    # made on Nov 2 is after both computed dates.
    BookingFactory(user=u2, offer=offer(cinema, "10"), created_at=at("2026-10-31", "09:00"))
    BookingFactory(user=u2, offer=offer(cinema, "10"), created_at=at("2026-10-31", "18:00"))
    BookingFactory(user=u2, offer=offer(music, "25"), created_at=at("2026-11-02", "10:00"))
    # u3: live music (used) on Oct 20, two books on Oct 31, museum on Nov 1.
    BookingFactory(
        user=u3,
        offer=offer(music, "25"),
        status=Booking.Status.USED,
        created_at=at("2026-10-20"),
    )
    BookingFactory(
        user=u3, offer=offer(books, "15"), quantity=2, created_at=at("2026-10-31", "12:00")
    )
    BookingFactory(user=u3, offer=offer(museum, "12"), created_at=at("2026-11-01", "15:00"))
    # u4: cinema, and books cancelled the same evening: one category.
    BookingFactory(user=u4, offer=offer(cinema, "10"), created_at=at("2026-10-31", "11:00"))
    BookingFactory(
        user=u4,
        offer=offer(books, "15"),
        created_at=at("2026-10-31", "13:00"),
        status=cancelled,
        cancelled_at=at("2026-10-31", "20:00"),
    )
    # u5: museum and books on Oct 31; the books are cancelled on Nov 1 at 09:00,
    # so they count on Oct 31 (still live at its end) and no longer on Nov 1.
    BookingFactory(user=u5, offer=offer(museum, "12"), created_at=at("2026-10-31", "14:00"))
    BookingFactory(
        user=u5,
        offer=offer(books, "15"),
        created_at=at("2026-10-31", "15:00"),
        status=cancelled,
        cancelled_at=at("2026-11-01", "09:00"),
    )
    # u6: cinema on Sep 15 (outside every window), books on Oct 1 (in October,
    # not in the 30 days ending Oct 31, which start on Oct 2).
    BookingFactory(user=u6, offer=offer(cinema, "10"), created_at=at("2026-09-15"))
    BookingFactory(user=u6, offer=offer(books, "15"), created_at=at("2026-10-01", "12:00"))
    # u7: two categories on Oct 2, the first day of the 30 days ending Oct 31,
    # and out of the 30 days ending Nov 1.
    BookingFactory(user=u7, offer=offer(cinema, "10"), created_at=at("2026-10-02", "00:30"))
    BookingFactory(user=u7, offer=offer(music, "25"), created_at=at("2026-10-02", "23:30"))
    # u8: a cancelled booking with no cancellation time never counts.
    BookingFactory(
        user=u8, offer=offer(cinema, "10"), created_at=at("2026-10-31", "16:00"), status=cancelled
    )
