"""Generated input for every shopper form and URL parameter: whatever arrives, no server error.

Hypothesis draws text (any Unicode but lone surrogates, which no client can
encode), integers far past the database's columns and near-valid values (long
emails, postcodes, signed tokens of the wrong shape); each answer must be below
500. Nine tests of 50 cases, 450 in all, so the run stays in seconds.
"""

import pytest
from django.core import signing
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import BookingFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

# The Django client and the database are set up once per test, not per example:
# examples only add rows (sign-ups, bookings) that later ones may meet, as
# requests of a live site would.
fuzz = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
# Ids as the URL converter takes them: digits only, of any length.
any_id = st.integers(min_value=0, max_value=10**30)
page_number = st.one_of(any_text, st.integers(min_value=-(10**30), max_value=10**30).map(str))
# Valid addresses of 125 to 325 characters, around the column's 254.
long_email = st.builds(
    lambda local, labels: f"{local}@{'.'.join(labels)}.fr",
    st.text(alphabet="abcdefghij", min_size=1, max_size=64),
    st.lists(st.text(alphabet="abcdefghij", min_size=40, max_size=63), min_size=3, max_size=5),
)
known_postcode = st.sampled_from(["69003", "97400", "97110", "20000"])
postcode = st.one_of(
    known_postcode,
    known_postcode,
    st.from_regex(r"\A(97[0-9]|[0-9]{3})[0-9]{2}\Z"),
    any_text,
)
# Mostly an acceptable password, so that whole forms get through to the database.
password = st.one_of(st.just("a-long enough secret 42"), any_text)


# Signed tokens carrying payloads the readers do not expect, and plain garbage.
def signed_with(salt: str):
    return st.one_of(any_text.map(signing.TimestampSigner(salt=salt).sign), any_text)


def token_path_safe(token: str) -> bool:
    return "/" not in token and token not in {"", ".", ".."}


def assert_answered(response) -> None:
    assert response.status_code < 500, response.status_code


@pytest.fixture
def catalogue():
    return OfferFactory(stock=3)


@pytest.fixture
def located_shopper():
    return UserFactory(home_latitude=17.9, home_longitude=-62.85)


@fuzz
@given(category=any_text, page=page_number)
def test_the_home_page_answers_any_category_and_page(client, catalogue, category, page):
    assert_answered(client.get(reverse("storefront:home"), {"category": category, "page": page}))


@fuzz
@given(
    text=any_text,
    when=st.one_of(st.sampled_from(["", "today", "weekend", "week", "date"]), any_text),
    day=st.one_of(st.dates().map(str), any_text),
    radius=st.one_of(st.sampled_from(["", "5", "100"]), any_id.map(str), any_text),
    price=st.one_of(st.sampled_from(["", "free", "under"]), any_text),
    price_max=st.one_of(st.decimals().map(str), any_id.map(str), any_text),
)
def test_the_home_page_answers_any_search(
    client, catalogue, located_shopper, text, when, day, radius, price, price_max
):
    # Signed in with a home, so that "near my home" is a field too.
    client.force_login(located_shopper)
    query = {
        "q": text,
        "when": when,
        "date": day,
        "radius": radius,
        "price": price,
        "price_max": price_max,
    }
    assert_answered(client.get(reverse("storefront:home"), query))


@fuzz
@given(offer_id=any_id)
def test_an_offer_page_answers_any_offer_id(client, catalogue, offer_id):
    assert_answered(client.get(reverse("storefront:offer_detail", args=[offer_id])))


@fuzz
@given(
    email=st.one_of(long_email, long_email, any_text),
    password1=password,
    password2=st.one_of(st.none(), any_text),
    home_postcode=postcode,
    home_city=any_text,
    consent=st.sampled_from(["", "on", "yes", "0"]),
    next_url=any_text,
)
def test_signup_answers_any_form(
    client, email, password1, password2, home_postcode, home_city, consent, next_url
):
    client.logout()
    form = {
        "email": email,
        "password1": password1,
        "password2": password1 if password2 is None else password2,
        "home_postcode": home_postcode,
        "home_city": home_city,
        "newsletter_consent": consent,
        "next": next_url,
    }
    assert_answered(client.post(reverse("storefront:signup"), form))


@fuzz
@given(username=st.one_of(long_email, any_text), password=any_text, next_url=any_text)
def test_login_answers_any_form(client, username, password, next_url):
    client.logout()
    form = {"username": username, "password": password, "next": next_url}
    assert_answered(client.post(reverse("storefront:login"), form))


@fuzz
@given(offer_id=st.one_of(any_id, st.just(None)), quantity=st.one_of(any_text, any_id.map(str)))
def test_booking_answers_any_offer_and_quantity(client, catalogue, offer_id, quantity):
    client.force_login(UserFactory())
    url = reverse("storefront:offer_book", args=[catalogue.pk if offer_id is None else offer_id])
    assert_answered(client.post(url, {"quantity": quantity}))


@fuzz
@given(booking_id=st.one_of(any_id, st.just(None)), page=page_number)
def test_my_bookings_and_cancelling_answer_any_booking_and_page(client, booking_id, page):
    booking = BookingFactory()
    client.force_login(booking.user)
    assert_answered(client.get(reverse("storefront:my_bookings"), {"page": page}))
    target = booking.pk if booking_id is None else booking_id
    assert_answered(client.post(reverse("storefront:booking_cancel", args=[target])))


@fuzz
@given(
    token=signed_with("newsletter.unsubscribe").filter(token_path_safe),
    method=st.sampled_from(["get", "post"]),
    one_click=st.booleans(),
)
def test_unsubscribe_links_answer_any_token(client, token, method, one_click):
    url = reverse("newsletter:unsubscribe", args=[token])
    data = {"List-Unsubscribe": "One-Click"} if one_click else {"confirm": "1"}
    assert_answered(getattr(client, method)(url, data if method == "post" else None))


@fuzz
@given(token=signed_with("newsletter.click").filter(token_path_safe))
def test_click_links_answer_any_token(client, token):
    assert_answered(client.get(reverse("newsletter:click", args=[token])))
