"""In French, on a desktop and on a phone: search and filter to a concert this weekend near
home, book it, then cancel it through the confirmation page (issue 12)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.models import Booking
from marketplace.search import period_of
from tests.factories import CategoryFactory, OfferFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.e2e

FRENCH_DESKTOP = {"locale": "fr-FR"}
FRENCH_PHONE = {"locale": "fr-FR", "viewport": {"width": 375, "height": 740}, "is_mobile": True}
PASSWORD = "un concert ce week-end 42"


@pytest.fixture(autouse=True)
def on_a_saturday_afternoon():
    """The journey happens on the coming Saturday at 14:00, whatever day the tests run: on a
    Sunday evening no evening of "this weekend" is left to book. Forward in time only, so
    that the browser never holds a cookie that expired before it was set; the clock ticks,
    and the live server, in this process, reads it too."""
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    moment = datetime.combine(saturday, time(14, 0), timezone.get_current_timezone())
    with time_machine.travel(moment, tick=True):
        yield


def this_weekend_evening() -> datetime:
    """20:30 on the weekend's last day."""
    _first, last = period_of(when="weekend", on_date=None, today=timezone.localdate())
    return datetime.combine(last, time(20, 30), timezone.get_current_timezone())


@pytest.mark.parametrize(
    "page", [FRENCH_DESKTOP, FRENCH_PHONE], ids=["desktop", "phone"], indirect=True
)
def test_search_a_concert_this_weekend_near_home_book_it_and_cancel_it(live_server, page):
    shopper = UserFactory(email="lea@example.org", home_latitude=45.7640, home_longitude=4.8357)
    shopper.set_password(PASSWORD)
    shopper.save()
    music = CategoryFactory(slug="live-music")
    near = VenueFactory(name="Le Périscope", city="Lyon", latitude=45.7495, longitude=4.8270)
    far = VenueFactory(name="Le Zénith", city="Paris", latitude=48.8940, longitude=2.3930)
    weekend = this_weekend_evening()
    concert = OfferFactory(
        title="Concert de jazz au Périscope", venue=near, category=music, starts_at=weekend,
        price=Decimal("14.00"), stock=40,
    )  # fmt: skip
    OfferFactory(title="Concert à Paris", venue=far, category=music, starts_at=weekend)
    OfferFactory(title="Concert du mois prochain", venue=near, category=music,
                 starts_at=weekend + timedelta(days=30))  # fmt: skip
    OfferFactory(title="Théâtre ce week-end", venue=near, category=CategoryFactory(slug="shows"),
                 starts_at=weekend)  # fmt: skip

    page.goto(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("searchbox").fill("concert")
    page.get_by_label("Quand").select_option(label="Ce week-end")
    page.get_by_label("Près de chez moi").select_option(label="À moins de 25\u00a0km")
    page.get_by_role("button", name="Appliquer les filtres").click()

    expect(page.locator(".result-count")).to_contain_text("1 offre")
    card = page.get_by_role("article").filter(has_text="Concert de jazz au Périscope")
    expect(card).to_contain_text("km de chez vous")
    expect(card).to_contain_text("14,00\u00a0€")
    card.get_by_role("link", name="Concert de jazz au Périscope").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Concert de jazz au Périscope")
    page.get_by_label("Places").fill("2")
    expect(page.locator("#booking-total")).to_have_text("28,00\u00a0€")
    page.get_by_role("button", name="Réserver").click()

    expect(page.get_by_role("status")).to_contain_text(
        "2 places réservées pour « Concert de jazz au Périscope »."
    )
    page.get_by_role("link", name="Annuler la réservation de Concert de jazz au Périscope").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler cette réservation ?")
    assert Booking.objects.get(offer=concert).status == Booking.Status.CONFIRMED
    page.get_by_role("button", name="Oui, annuler la réservation").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Votre réservation pour « Concert de jazz au Périscope » est annulée."
    )
    expect(page.get_by_role("heading", name="Annulée")).to_be_visible()
    assert Booking.objects.get(offer=concert).status == Booking.Status.CANCELLED
