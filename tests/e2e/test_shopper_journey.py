import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.models import Booking
from tests.factories import OfferFactory, VenueFactory

pytestmark = pytest.mark.e2e


def test_a_newcomer_signs_up_books_an_offer_and_finds_it_in_my_bookings(live_server, page):
    offer = OfferFactory(
        title="Nuit du piano",
        venue=VenueFactory(name="Auditorium de Lyon", city="Lyon"),
        price=Decimal("18.00"),
        stock=30,
        starts_at=timezone.now() + timedelta(days=12),
    )

    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_label("Password:", exact=True).fill("une soirée au piano 2026")
    page.get_by_label("Password again").fill("une soirée au piano 2026")
    page.get_by_label("Home postcode").fill("69003")
    page.get_by_label(re.compile("Send me a newsletter")).check()
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("status")).to_contain_text("signed in as nora@example.org")
    page.get_by_role("link", name="Nuit du piano").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuit du piano")
    page.get_by_label("Places").fill("2")
    page.get_by_role("button", name="Book now").click()

    expect(page).to_have_url(f"{live_server.url}/bookings/")
    expect(page.get_by_role("status")).to_contain_text("Booked 2 places for “Nuit du piano”.")
    booking_card = page.get_by_role("article", name="Nuit du piano")
    expect(booking_card).to_contain_text("Confirmed")
    expect(booking_card).to_contain_text("36.00")
    booking = Booking.objects.select_related("user").get(offer=offer)
    assert (booking.user.email, booking.user.home_city) == (
        "nora@example.org",
        "Lyon 3e Arrondissement",
    )
    assert booking.quantity == 2
