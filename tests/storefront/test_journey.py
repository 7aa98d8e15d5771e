"""The shopper's journey in French (issue 12): search, cards, booking total, cancelling
with confirmation, bookings by period, password reset, sign-up errors, error pages."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Booking, Offer
from marketplace.services import booking_create
from storefront.views import OFFERS_PER_PAGE
from tests.factories import BookingFactory, OfferFactory, UserFactory, VenueFactory
from tests.storefront.test_views import (
    HOME,
    MY_BOOKINGS,
    SIGNUP,
    cancel_url,
    detail_url,
    signup_data,
)

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("english")
def test_cancel_link_asks_for_confirmation_and_changes_nothing(client, shopper):
    booking = booking_create(user=shopper, offer_id=OfferFactory(stock=5).pk, quantity=2)
    client.force_login(shopper)

    response = client.get(cancel_url(booking))

    booking.refresh_from_db()
    assert response.status_code == 200
    assert "Cancel this booking?" in response.content.decode()
    assert f'action="{cancel_url(booking)}"' in response.content.decode()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.offer.remaining_stock == 3


def test_the_cancel_page_of_a_cancelled_booking_says_so_in_french_without_a_yes(client, shopper):
    booking = BookingFactory(user=shopper, status=Booking.Status.CANCELLED)
    client.force_login(shopper)

    html = client.get(cancel_url(booking)).content.decode()

    assert "Cette réservation ne peut pas être annulée" in html
    assert "Cette réservation est déjà annulée." in html
    assert "Oui, annuler" not in html


def test_the_confirmation_page_of_someone_elses_booking_is_a_404(client, shopper):
    theirs = booking_create(user=UserFactory(), offer_id=OfferFactory().pk)
    client.force_login(shopper)

    assert client.get(cancel_url(theirs)).status_code == 404


def test_my_bookings_separates_upcoming_past_and_cancelled(client, shopper):
    upcoming = BookingFactory(user=shopper, offer=OfferFactory(title="Bientôt"))
    past_offer = OfferFactory(title="Hier")
    past = BookingFactory(user=shopper, offer=past_offer)
    Offer.objects.filter(pk=past_offer.pk).update(starts_at=timezone.now() - timedelta(days=1))
    cancelled = BookingFactory(
        user=shopper, offer=OfferFactory(title="Annulé"), status=Booking.Status.CANCELLED
    )
    client.force_login(shopper)

    response = client.get(MY_BOOKINGS)

    assert [b.pk for b in response.context["upcoming"]] == [upcoming.pk]
    assert [b.pk for b in response.context["past"]] == [past.pk]
    assert [b.pk for b in response.context["cancelled"]] == [cancelled.pk]
    html = response.content.decode()
    assert html.index("Bientôt") < html.index("Hier") < html.index("Annulé")


def test_the_cancelled_bookings_are_headed_in_the_plural_and_each_badged_in_the_singular(
    client, shopper
):
    BookingFactory(user=shopper, status=Booking.Status.CANCELLED, cancelled_at=timezone.now())
    client.force_login(shopper)

    html = client.get(MY_BOOKINGS).content.decode()

    assert '<h2 id="cancelled-heading">Annulées</h2>' in html
    assert '<span class="badge badge--cancelled">Annulée</span>' in html


def test_signup_reports_a_taken_email_and_a_weak_password_at_once(client):
    UserFactory(email="camille@example.org")

    response = client.post(
        SIGNUP, signup_data(email="camille@example.org", password1="123", password2="123")
    )

    errors = response.context["form"].errors
    assert "email" in errors and "password1" in errors
    assert errors["email"][0].startswith("Un compte utilise déjà cette adresse")


def test_a_failed_log_in_is_told_in_correct_french_without_a_false_warning_on_case(client):
    UserFactory(email="lea@example.org")

    response = client.post(
        reverse("storefront:login"), {"username": "lea@example.org", "password": "wrong"}
    )

    assert response.context["form"].non_field_errors() == [
        "Adresse e-mail ou mot de passe incorrect."
    ]


def test_a_missing_page_is_a_friendly_page_in_the_sites_style(client, settings):
    settings.DEBUG = False

    response = client.get("/nulle-part/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Cette page n’existe pas" in html
    assert "site.css" in html and 'href="/"' in html


def test_the_server_error_page_renders_without_a_request(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in response.content.decode()


def test_offer_page_shows_the_total_for_the_quantity_and_a_map_link(client, shopper):
    offer = OfferFactory(price=Decimal("14.00"))
    client.force_login(shopper)

    html = client.get(detail_url(offer)).content.decode()

    assert 'id="booking-total">14,00\u00a0€</output>' in html
    # The total of three places, for the page's script to show.
    assert '"3": "42,00\\u00a0\\u20ac"' in html
    assert "https://www.openstreetmap.org/?mlat=45.757800&amp;mlon=4.832000" in html


def test_a_refused_booking_shows_the_total_of_the_quantity_asked(client, shopper):
    offer = OfferFactory(price=Decimal("10.00"), stock=2)
    client.force_login(shopper)

    response = client.post(reverse("storefront:offer_book", args=[offer.pk]), {"quantity": "3"})

    assert 'id="booking-total">30,00\u00a0€</output>' in response.content.decode()


def test_cards_show_the_category_picture_the_distance_and_scarcity(client):
    home_in_lyon = UserFactory(home_latitude=45.7640, home_longitude=4.8357)
    vienne = VenueFactory(city="Vienne", latitude=45.5240, longitude=4.8777)
    last_places = OfferFactory(title="Presque plein", venue=vienne, stock=3)
    sold_out = OfferFactory(title="Plein", stock=1)
    booking_create(user=UserFactory(), offer_id=sold_out.pk)
    client.force_login(home_in_lyon)

    html = client.get(HOME).content.decode()

    assert "storefront/categories/live-music" in html
    assert "Dernières places" in html
    assert "à 27\u00a0km de chez vous" in html
    assert last_places.title in html


def test_counts_are_grouped_by_thousands_as_french_writes_them_but_not_in_links(
    client, monkeypatch
):
    # One offer a page, so that page numbers reach the thousands too.
    monkeypatch.setattr("storefront.views.OFFERS_PER_PAGE", 1)
    first = OfferFactory(title="Grand festival", stock=1_500)
    start = first.starts_at + timedelta(days=1)
    Offer.objects.bulk_create(
        Offer(
            title=f"Séance {n}",
            category=first.category,
            venue=first.venue,
            price=5,
            starts_at=start,
        )
        for n in range(1_199)
    )

    html = client.get(HOME).content.decode()

    grouped = "1\N{NO-BREAK SPACE}200"
    assert f"{grouped} offres, page 1 sur {grouped}" in html
    assert f'<a href="?page=1200">{grouped}</a>' in html
    assert "1\N{NO-BREAK SPACE}500 places restantes" in html


def test_one_offer_is_counted_in_the_singular(client):
    OfferFactory()

    assert re.search(
        r'<p class="result-count">\s*1 offre\s*</p>', client.get(HOME).content.decode()
    )


def test_search_and_filters_stay_in_the_page_links_with_a_count(client):
    for number in range(OFFERS_PER_PAGE + 1):
        OfferFactory(title=f"Concert {number}", price=Decimal("5"))
    OfferFactory(title="Théâtre", price=Decimal("5"))

    response = client.get(HOME, {"q": "concert", "price": "under", "price_max": "10"})

    html = response.content.decode()
    assert response.context["page"].paginator.count == OFFERS_PER_PAGE + 1
    assert f"{OFFERS_PER_PAGE + 1} offres" in html
    assert 'href="?q=concert&amp;price=under&amp;price_max=10&amp;page=2"' in html


def test_near_my_home_is_offered_only_to_a_shopper_with_a_known_home(client):
    assert "radius" not in client.get(HOME).context["search_form"].fields
    client.force_login(UserFactory(home_latitude=45.76, home_longitude=4.83))

    assert "radius" in client.get(HOME).context["search_form"].fields


def test_password_reset_end_to_end_with_a_real_email_file(client, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    user = UserFactory(email="camille@example.org")

    client.post(reverse("storefront:password_reset"), {"email": "camille@example.org"})
    (written,) = list(tmp_path.iterdir())
    link = re.search(r"http://testserver(/password/reset/\S+/)", written.read_text()).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "un tout nouveau secret 77",
            "new_password2": "un tout nouveau secret 77",
        },
    )

    user.refresh_from_db()
    assert user.check_password("un tout nouveau secret 77")
    assert client.login(email="camille@example.org", password="un tout nouveau secret 77")
