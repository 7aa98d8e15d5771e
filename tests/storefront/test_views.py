from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Booking, Offer, User
from marketplace.services import booking_create
from storefront.views import OFFERS_PER_PAGE
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
    VenueFactory,
)

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HOME = reverse("storefront:home")
MY_BOOKINGS = reverse("storefront:my_bookings")
SIGNUP = reverse("storefront:signup")
LOGIN = reverse("storefront:login")


def detail_url(offer: Offer) -> str:
    return reverse("storefront:offer_detail", args=[offer.pk])


def book_url(offer: Offer) -> str:
    return reverse("storefront:offer_book", args=[offer.pk])


def cancel_url(booking: Booking) -> str:
    return reverse("storefront:booking_cancel", args=[booking.pk])


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Homepage


def test_home_lists_bookable_offers_with_category_date_place_price_and_places_left(client):
    offer = OfferFactory(
        title="Jazz à Vienne",
        venue=VenueFactory(name="Théâtre antique", city="Vienne"),
        price=Decimal("28.00"),
        stock=40,
        starts_at=timezone.make_aware(timezone.datetime(2030, 7, 6, 20, 30)),
    )
    booking_create(user=UserFactory(), offer_id=offer.pk, quantity=3)
    DigitalOfferFactory(title="Free film", price=Decimal("0"))

    response = client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Jazz à Vienne" in html
    assert "Live music" in html
    assert "Sat 6 Jul 2030, 20:30" in html
    assert "Théâtre antique, Vienne" in html
    assert "€28.00" in html
    assert "37 places left" in html
    assert "Free film" in html
    assert "Online" in html
    assert "Free" in html


def test_home_leaves_out_inactive_past_and_sold_out_offers(client):
    OfferFactory(title="Withdrawn show", is_active=False)
    OfferFactory(title="Last week's gig", starts_at=timezone.now() - timedelta(days=7))
    sold_out = OfferFactory(title="Sold out gig", stock=1)
    booking_create(user=UserFactory(), offer_id=sold_out.pk)
    OfferFactory(title="Tonight's gig", starts_at=timezone.now() + timedelta(hours=3))

    html = client.get(HOME).content.decode()

    assert "Tonight&#x27;s gig" in html
    for hidden in ("Withdrawn show", "Last week&#x27;s gig", "Sold out gig"):
        assert hidden not in html


def test_home_filters_offers_by_category(client):
    OfferFactory(title="Rock night", category=CategoryFactory(slug="live-music"))
    OfferFactory(title="Louvre visit", category=CategoryFactory(slug="museums-heritage"))

    response = client.get(HOME, {"category": "museums-heritage"})

    html = response.content.decode()
    assert "Louvre visit" in html
    assert "Rock night" not in html
    assert response.context["category"].slug == "museums-heritage"


def test_home_with_an_unknown_category_explains_and_shows_all_offers(client):
    OfferFactory(title="Rock night")

    response = client.get(HOME, {"category": "opera-on-mars"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is no category “opera-on-mars”" in html
    assert "Rock night" in html


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_home_with_a_date_at_an_end_of_the_calendar_explains_and_shows_all_offers(client, day):
    OfferFactory(title="Rock night")

    response = client.get(HOME, {"when": "date", "date": day})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a date between today and " in html
    assert "Rock night" in html


def test_home_says_so_when_a_category_has_no_offer(client):
    OfferFactory(category=CategoryFactory(slug="live-music"))

    response = client.get(HOME, {"category": "games"})

    assert "No offer matches this search." in response.content.decode()


def test_home_paginates_and_keeps_the_category_in_page_links(client):
    start = timezone.now() + timedelta(days=1)
    for index in range(OFFERS_PER_PAGE + 2):
        OfferFactory(title=f"Gig {index:02d}", starts_at=start + timedelta(hours=index))

    first = client.get(HOME, {"category": "live-music"})
    second = client.get(HOME, {"category": "live-music", "page": 2})

    assert len(first.context["page"].object_list) == OFFERS_PER_PAGE
    assert "?category=live-music&amp;page=2" in first.content.decode()
    assert [offer.title for offer in second.context["page"]] == ["Gig 24", "Gig 25"]


def test_home_treats_a_bad_page_number_gracefully(client):
    OfferFactory(title="Rock night")

    for page in ("abc", "999"):
        response = client.get(HOME, {"page": page})
        assert response.status_code == 200
        assert "Rock night" in response.content.decode()


# Layout


def test_layout_has_landmarks_a_skip_link_and_the_stylesheet(client):
    html = client.get(HOME).content.decode()

    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#content">' in html
    assert '<main id="content"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert "/static/storefront/site.css" in html
    assert 'name="viewport"' in html


def test_header_offers_sign_up_and_log_in_to_visitors(client):
    html = client.get(HOME).content.decode()

    assert f'href="{SIGNUP}"' in html
    assert f'href="{LOGIN}"' in html
    assert f'href="{MY_BOOKINGS}"' not in html


def test_header_links_the_admin_for_staff_only(client, shopper, staff_user):
    client.force_login(shopper)
    shopper_html = client.get(HOME).content.decode()
    client.force_login(staff_user)
    staff_html = client.get(HOME).content.decode()

    admin = f'href="{reverse("admin:index")}"'
    dashboard = f'href="{reverse("metrics:dashboard")}"'
    assert admin not in shopper_html
    assert dashboard not in shopper_html
    assert f'href="{MY_BOOKINGS}"' in shopper_html
    assert admin in staff_html
    assert dashboard in staff_html


# Offer page


def test_offer_page_shows_the_offer_and_a_booking_form(client, shopper):
    offer = OfferFactory(title="Orchestre national", description="Beethoven and Ravel.")
    client.force_login(shopper)

    response = client.get(detail_url(offer))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Orchestre national</h1>" in html
    assert "Beethoven and Ravel." in html
    assert f'action="{book_url(offer)}"' in html
    assert '<label for="id_quantity">Places:</label>' in html


def test_offer_page_asks_visitors_to_log_in_and_come_back(client):
    offer = OfferFactory()

    html = client.get(detail_url(offer)).content.decode()

    assert f"{LOGIN}?next=/offers/{offer.pk}/" in html
    assert f'action="{book_url(offer)}"' not in html


def test_offer_page_of_an_inactive_or_unknown_offer_is_not_found(client):
    withdrawn = OfferFactory(is_active=False)

    assert client.get(detail_url(withdrawn)).status_code == 404
    assert client.get(reverse("storefront:offer_detail", args=[999_999])).status_code == 404


def test_offer_page_says_a_sold_out_offer_is_sold_out(client, shopper):
    offer = OfferFactory(stock=1)
    booking_create(user=UserFactory(), offer_id=offer.pk)
    client.force_login(shopper)

    html = client.get(detail_url(offer)).content.decode()

    assert "This offer is sold out." in html
    assert f'action="{book_url(offer)}"' not in html


def test_offer_page_of_a_past_offer_says_it_is_over_and_offers_no_booking(client, shopper):
    offer = OfferFactory(starts_at=timezone.now() - timedelta(days=1))
    client.force_login(shopper)

    html = client.get(detail_url(offer)).content.decode()

    assert "This offer is over." in html
    assert f'action="{book_url(offer)}"' not in html


def test_offer_page_of_a_digital_offer_says_online_and_keeps_the_link_for_bookers(client):
    offer = DigitalOfferFactory(url="https://stream.example.org/secret-film")

    html = client.get(detail_url(offer)).content.decode()

    assert "Online: the link is in your bookings once booked." in html
    assert "secret-film" not in html


def test_offer_page_tells_the_shopper_they_already_booked(client, shopper):
    offer = OfferFactory()
    booking_create(user=shopper, offer_id=offer.pk, quantity=2)
    client.force_login(shopper)

    html = client.get(detail_url(offer)).content.decode()

    assert "You have booked 2 places for this offer." in html


# Booking


def test_booking_from_the_offer_page_redirects_to_my_bookings_with_a_message(client, shopper):
    offer = OfferFactory(stock=10, price=Decimal("12.50"))
    client.force_login(shopper)

    response = client.post(book_url(offer), {"quantity": 2}, follow=True)

    assert response.redirect_chain == [(MY_BOOKINGS, 302)]
    booking = Booking.objects.get(user=shopper, offer=offer)
    assert (booking.quantity, booking.amount) == (2, Decimal("25.00"))
    assert page_messages(response) == [f"Booked 2 places for “{offer.title}”."]
    assert offer.title in response.content.decode()


def test_booking_while_logged_out_redirects_to_log_in_and_back_to_the_offer(client):
    offer = OfferFactory()

    response = client.post(book_url(offer), {"quantity": 1})

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/offers/{offer.pk}/"
    assert not Booking.objects.exists()


def test_booking_a_sold_out_offer_shows_the_refusal_on_the_page(client, shopper):
    offer = OfferFactory(stock=1)
    booking_create(user=UserFactory(), offer_id=offer.pk)
    client.force_login(shopper)

    response = client.post(book_url(offer), {"quantity": 1})

    assert response.status_code == 200
    assert "This offer is sold out." in response.content.decode()
    assert response.context["booking_form"].non_field_errors() == ["This offer is sold out."]
    assert not Booking.objects.filter(user=shopper).exists()


def test_booking_more_places_than_left_keeps_the_form_and_the_quantity(client, shopper):
    offer = OfferFactory(stock=2)
    client.force_login(shopper)

    response = client.post(book_url(offer), {"quantity": 3})

    html = response.content.decode()
    assert "Only 2 places left." in html
    assert 'name="quantity" value="3"' in html
    assert not Booking.objects.exists()


def test_booking_an_offer_twice_is_refused(client, shopper):
    offer = OfferFactory()
    booking_create(user=shopper, offer_id=offer.pk)
    client.force_login(shopper)

    response = client.post(book_url(offer), {"quantity": 1})

    assert response.context["booking_form"].non_field_errors() == [
        "You have already booked this offer."
    ]
    assert Booking.objects.filter(user=shopper).count() == 1


def test_booking_with_a_bad_quantity_is_a_form_error(client, shopper):
    offer = OfferFactory()
    client.force_login(shopper)

    response = client.post(book_url(offer), {"quantity": "0"})

    assert response.status_code == 200
    assert response.context["booking_form"].errors["quantity"] == ["Book at least one place."]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Booking.objects.exists()


def test_booking_an_inactive_offer_is_not_found(client, shopper):
    offer = OfferFactory(is_active=False)
    client.force_login(shopper)

    assert client.post(book_url(offer), {"quantity": 1}).status_code == 404
    assert not Booking.objects.exists()


def test_booking_url_only_accepts_post(client, shopper):
    client.force_login(shopper)

    assert client.get(book_url(OfferFactory())).status_code == 405


# Sign-up, log-in, log-out


def signup_data(**overrides) -> dict:
    return {
        "email": "camille@example.org",
        "password1": "a-long enough secret 42",
        "password2": "a-long enough secret 42",
        "home_postcode": "69003",
        "home_city": "",
        **overrides,
    }


def test_signup_creates_a_located_shopper_and_logs_them_in(client):
    response = client.post(SIGNUP, signup_data(newsletter_consent="on"), follow=True)

    user = User.objects.get(email="camille@example.org")
    assert response.redirect_chain == [(HOME, 302)]
    assert int(client.session[SESSION_KEY]) == user.pk
    assert user.home_city == "Lyon 3e Arrondissement"
    assert user.home_latitude == pytest.approx(45.75, abs=0.01)
    assert user.newsletter_consent and user.newsletter_consent_at is not None
    assert user.check_password("a-long enough secret 42")
    assert "Welcome to Passerelle!" in page_messages(response)[0]


def test_a_shopper_of_la_reunion_signs_up_and_is_located_on_the_island(client):
    response = client.post(SIGNUP, signup_data(home_postcode="97400"))

    assert response.status_code == 302
    user = User.objects.get(email="camille@example.org")
    assert (user.home_postcode, user.home_city) == ("97400", "Saint-Denis")
    assert user.home_latitude == pytest.approx(-20.93, abs=0.05)
    assert user.home_longitude == pytest.approx(55.45, abs=0.05)


def test_signup_returns_to_the_page_asked_for_but_never_to_another_site(client):
    offer = OfferFactory()

    back = client.post(f"{SIGNUP}?next={detail_url(offer)}", signup_data())
    client.logout()
    elsewhere = client.post(
        SIGNUP, signup_data(email="other@example.org", next="https://evil.example/")
    )

    assert back.url == detail_url(offer)
    assert elsewhere.url == HOME


@pytest.mark.parametrize("next_url", ["home", "storefront:home", "javascript:alert(1)"])
def test_signup_with_a_next_that_is_not_a_path_goes_home(client, next_url):
    # Found by the fuzz test: a bare word reached redirect() as a view name (500).
    response = client.post(SIGNUP, signup_data(next=next_url))

    assert response.status_code == 302
    assert response.url == HOME


def test_signup_with_an_unknown_postcode_shows_it_on_the_postcode_field(client):
    response = client.post(SIGNUP, signup_data(home_postcode="99999"))

    assert response.status_code == 200
    assert response.context["form"].errors["home_postcode"] == ["Unknown French postcode: 99999."]
    assert "Unknown French postcode: 99999." in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_a_badly_formed_postcode_is_refused(client):
    response = client.post(SIGNUP, signup_data(home_postcode="6900A"))

    assert response.context["form"].errors["home_postcode"] == [
        "A French postcode has 5 digits, for example 69003."
    ]
    assert not User.objects.exists()


def test_signup_with_an_email_longer_than_the_column_is_a_form_error_not_a_server_error(client):
    # Syntactically valid (64-character local part, 63-character labels), 259 characters.
    long_email = "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".fr"

    response = client.post(SIGNUP, signup_data(email=long_email))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An email address has at most 254 characters."
    ]
    assert not User.objects.exists()


def test_signup_with_an_email_already_used_is_refused_whatever_its_case(client):
    UserFactory(email="camille@example.org")

    response = client.post(SIGNUP, signup_data(email="Camille@Example.org"))

    assert response.context["form"].errors["email"] == [
        "An account already uses this email address. Log in or reset your password."
    ]
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


def test_signup_page_sends_a_signed_in_shopper_home(client, shopper):
    client.force_login(shopper)

    assert client.get(SIGNUP).url == HOME


def test_login_with_email_and_password(client):
    user = UserFactory(email="lea@example.org")

    response = client.post(
        LOGIN, {"username": "lea@example.org", "password": "correct horse battery"}
    )

    assert response.url == HOME
    assert int(client.session[SESSION_KEY]) == user.pk


def test_login_ignores_the_case_of_the_email(client):
    user = UserFactory(email="Camille@example.org")

    client.post(LOGIN, {"username": "camille@EXAMPLE.org", "password": "correct horse battery"})

    assert int(client.session[SESSION_KEY]) == user.pk


def test_login_page_keeps_the_page_to_return_to(client):
    UserFactory(email="lea@example.org")
    offer = OfferFactory()

    form = client.get(LOGIN, {"next": detail_url(offer)}).content.decode()
    response = client.post(
        LOGIN,
        {
            "username": "lea@example.org",
            "password": "correct horse battery",
            "next": detail_url(offer),
        },
    )

    assert f'<input type="hidden" name="next" value="{detail_url(offer)}">' in form
    assert response.url == detail_url(offer)


def test_login_with_a_wrong_password_shows_an_error(client):
    UserFactory(email="lea@example.org")

    response = client.post(LOGIN, {"username": "lea@example.org", "password": "wrong"})

    assert response.status_code == 200
    assert "Wrong email address or password." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_logout_is_a_post_that_ends_the_session(client, shopper):
    client.force_login(shopper)

    assert client.get(reverse("storefront:logout")).status_code == 405
    response = client.post(reverse("storefront:logout"), follow=True)

    assert SESSION_KEY not in client.session
    assert page_messages(response) == ["You are logged out."]


# My bookings and cancelling


def test_my_bookings_needs_a_log_in(client):
    response = client.get(MY_BOOKINGS)

    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={MY_BOOKINGS}"


def test_my_bookings_lists_only_the_shoppers_bookings_with_status_and_amount(client, shopper):
    mine = BookingFactory(user=shopper, offer=OfferFactory(title="My concert"), quantity=2)
    cancelled = BookingFactory(
        user=shopper,
        offer=OfferFactory(title="Dropped play"),
        status=Booking.Status.CANCELLED,
        cancelled_at=timezone.now(),
    )
    BookingFactory(offer=OfferFactory(title="Someone else's film"))
    client.force_login(shopper)

    response = client.get(MY_BOOKINGS)

    html = response.content.decode()
    assert [booking.pk for booking in response.context["upcoming"]] == [mine.pk]
    assert [booking.pk for booking in response.context["cancelled"]] == [cancelled.pk]
    assert response.context["past"] == []
    assert "My concert" in html and "Dropped play" in html
    assert "Someone else" not in html
    assert "€30.00" in html
    assert "Confirmed" in html and "Cancelled" in html
    assert f'href="{cancel_url(mine)}"' in html
    assert f'href="{cancel_url(cancelled)}"' not in html


def test_my_bookings_gives_the_link_of_a_booked_digital_offer(client, shopper):
    BookingFactory(user=shopper, offer=DigitalOfferFactory(url="https://stream.example.org/x"))
    client.force_login(shopper)

    assert 'href="https://stream.example.org/x"' in client.get(MY_BOOKINGS).content.decode()


def test_my_bookings_says_when_there_is_none(client, shopper):
    client.force_login(shopper)

    assert "You have no booking yet." in client.get(MY_BOOKINGS).content.decode()


def test_cancelling_a_booking_gives_the_places_back(client, shopper):
    offer = OfferFactory(stock=5)
    booking = booking_create(user=shopper, offer_id=offer.pk, quantity=2)
    client.force_login(shopper)

    response = client.post(cancel_url(booking), follow=True)

    booking.refresh_from_db()
    offer.refresh_from_db()
    assert response.redirect_chain == [(MY_BOOKINGS, 302)]
    assert booking.status == Booking.Status.CANCELLED
    assert offer.remaining_stock == 5
    assert page_messages(response) == [f"Your booking for “{offer.title}” is cancelled."]


def test_cancelling_someone_elses_booking_is_refused(client, shopper):
    offer = OfferFactory(stock=5)
    theirs = booking_create(user=UserFactory(), offer_id=offer.pk)
    client.force_login(shopper)

    response = client.post(cancel_url(theirs), follow=True)

    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.CONFIRMED
    assert page_messages(response) == ["This booking does not exist."]


def test_cancelling_twice_says_why_it_cannot(client, shopper):
    booking = booking_create(user=shopper, offer_id=OfferFactory().pk)
    client.force_login(shopper)
    client.post(cancel_url(booking), follow=True)

    response = client.post(cancel_url(booking), follow=True)

    assert page_messages(response) == ["This booking is already cancelled."]


@pytest.mark.parametrize(
    ("status", "offer_over", "reason"),
    [
        (Booking.Status.CANCELLED, False, "This booking is already cancelled."),
        (Booking.Status.USED, False, "This booking has been used; it can no longer be cancelled."),
        (
            Booking.Status.CONFIRMED,
            True,
            "This offer is over; its booking can no longer be cancelled.",
        ),
    ],
)
def test_the_cancel_page_of_a_booking_that_cannot_be_cancelled_says_why_and_offers_no_button(
    client, shopper, status, offer_over, reason
):
    booking = BookingFactory(user=shopper, status=status)
    if offer_over:
        Offer.objects.filter(pk=booking.offer_id).update(
            starts_at=timezone.now() - timedelta(days=1)
        )
    client.force_login(shopper)

    response = client.get(cancel_url(booking))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This booking cannot be cancelled" in html
    assert reason in html
    assert "Yes, cancel the booking" not in html
    assert f'action="{cancel_url(booking)}"' not in html


def test_cancelling_while_logged_out_redirects_to_log_in(client):
    booking = booking_create(user=UserFactory(), offer_id=OfferFactory().pk)

    response = client.post(cancel_url(booking))

    booking.refresh_from_db()
    assert response.url == f"{LOGIN}?next={cancel_url(booking)}"
    assert booking.status == Booking.Status.CONFIRMED
