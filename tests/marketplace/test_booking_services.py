from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import Booking, Offer
from marketplace.services import BookingError, booking_cancel, booking_create
from tests.factories import BookingFactory, DigitalOfferFactory, OfferFactory, UserFactory

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_booking_takes_places_and_charges_the_price(shopper):
    offer = OfferFactory(stock=10, price=Decimal("12.50"))

    booking = booking_create(user=shopper, offer_id=offer.pk, quantity=2)

    offer.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.amount == Decimal("25.00")
    assert offer.booked_quantity == 2
    assert offer.remaining_stock == 8


def test_booking_is_refused_when_stock_is_exhausted(shopper):
    offer = OfferFactory(stock=1)
    booking_create(user=UserFactory(), offer_id=offer.pk)

    with pytest.raises(BookingError, match="sold out"):
        booking_create(user=shopper, offer_id=offer.pk)


def test_booking_more_places_than_left_names_what_is_left(shopper):
    offer = OfferFactory(stock=3)

    with pytest.raises(BookingError, match="Only 3 place"):
        booking_create(user=shopper, offer_id=offer.pk, quantity=4)


def test_booking_is_refused_for_an_inactive_offer(shopper):
    offer = OfferFactory(is_active=False)

    with pytest.raises(BookingError, match="no longer available"):
        booking_create(user=shopper, offer_id=offer.pk)


def test_booking_is_refused_for_a_past_offer(shopper):
    offer = OfferFactory(starts_at=timezone.now() - timedelta(hours=1))

    with pytest.raises(BookingError, match="over"):
        booking_create(user=shopper, offer_id=offer.pk)


def test_exhibition_can_be_booked_until_it_ends(shopper):
    offer = OfferFactory(
        starts_at=timezone.now() - timedelta(days=5), ends_at=timezone.now() + timedelta(days=5)
    )

    assert booking_create(user=shopper, offer_id=offer.pk).pk


def test_booking_the_same_offer_twice_is_refused(shopper):
    offer = OfferFactory()
    booking_create(user=shopper, offer_id=offer.pk)

    with pytest.raises(BookingError, match="already booked"):
        booking_create(user=shopper, offer_id=offer.pk)
    assert Offer.objects.get(pk=offer.pk).booked_quantity == 1


def test_booking_an_unknown_offer_is_refused(shopper):
    with pytest.raises(BookingError, match="does not exist"):
        booking_create(user=shopper, offer_id=999_999)


def test_booking_zero_places_is_refused(shopper):
    with pytest.raises(BookingError, match="at least one"):
        booking_create(user=shopper, offer_id=OfferFactory().pk, quantity=0)


def test_digital_offer_without_stock_never_sells_out(shopper):
    offer = DigitalOfferFactory()

    booking_create(user=shopper, offer_id=offer.pk, quantity=5)

    assert Offer.objects.get(pk=offer.pk).remaining_stock is None


def test_cancelling_gives_the_places_back_and_allows_booking_again(shopper):
    offer = OfferFactory(stock=2)
    booking = booking_create(user=shopper, offer_id=offer.pk, quantity=2)

    cancelled = booking_cancel(user=shopper, booking_id=booking.pk)

    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    assert Offer.objects.get(pk=offer.pk).booked_quantity == 0
    assert booking_create(user=shopper, offer_id=offer.pk).pk != booking.pk


def test_cancelling_twice_is_refused_and_returns_stock_once(shopper):
    offer = OfferFactory(stock=5)
    booking = booking_create(user=shopper, offer_id=offer.pk, quantity=2)
    booking_cancel(user=shopper, booking_id=booking.pk)

    with pytest.raises(BookingError, match="already cancelled"):
        booking_cancel(user=shopper, booking_id=booking.pk)
    assert Offer.objects.get(pk=offer.pk).booked_quantity == 0


def test_a_shopper_cannot_cancel_someone_elses_booking(shopper):
    booking = booking_create(user=UserFactory(), offer_id=OfferFactory().pk)

    with pytest.raises(BookingError, match="does not exist"):
        booking_cancel(user=shopper, booking_id=booking.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_the_last_places_sell_exactly_the_stock():
    stock, buyers = 5, 20
    offer = OfferFactory(stock=stock)
    users = UserFactory.create_batch(buyers)

    def attempt(user) -> bool:
        try:
            booking_create(user=user, offer_id=offer.pk)
            return True
        except BookingError:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, users))

    offer.refresh_from_db()
    assert outcomes.count(True) == stock
    assert offer.booked_quantity == stock
    assert Booking.objects.filter(offer=offer).count() == stock


def test_the_booking_factory_keeps_the_offer_booked_quantity_in_step_with_live_bookings():
    offer = OfferFactory(stock=10)

    BookingFactory(offer=offer, quantity=2)
    BookingFactory(offer=offer, quantity=3)
    BookingFactory(offer=offer, quantity=4, status=Booking.Status.CANCELLED)

    live = sum(Booking.objects.filter(offer=offer).live().values_list("quantity", flat=True))
    assert offer.booked_quantity == Offer.objects.get(pk=offer.pk).booked_quantity == live == 5
