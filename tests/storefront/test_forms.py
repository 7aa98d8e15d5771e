from datetime import date, timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from storefront.forms import (
    PLACES_PER_BOOKING_MAX,
    SEARCH_DATE_HORIZON,
    BookingForm,
    OfferSearchForm,
    SignupForm,
)

pytestmark = pytest.mark.django_db

VALID_SIGNUP = {
    "email": "camille@example.org",
    "password1": "a-long enough secret 42",
    "password2": "a-long enough secret 42",
    "home_postcode": "69003",
    "home_city": "",
}


@pytest.mark.parametrize("postcode", ["6900", "690033", "69 03", "2A004", "abcde", ""])
def test_signup_refuses_a_postcode_that_is_not_five_digits(postcode):
    form = SignupForm(data={**VALID_SIGNUP, "home_postcode": postcode})

    assert not form.is_valid()
    assert "home_postcode" in form.errors


def test_signup_refuses_two_different_passwords():
    form = SignupForm(data={**VALID_SIGNUP, "password2": "another secret 43"})

    assert not form.is_valid()
    assert form.errors["password2"] == ["Les deux mots de passe diffèrent."]


def test_signup_applies_the_password_validators_including_similarity_to_the_email():
    form = SignupForm(
        data={**VALID_SIGNUP, "password1": "camille@example", "password2": "camille@example"}
    )

    with translation.override("en"):
        assert not form.is_valid()
        assert "too similar" in form.errors["password1"][0]


def test_signup_passes_the_registration_arguments_with_consent_defaulting_to_no():
    form = SignupForm(data=VALID_SIGNUP)

    assert form.is_valid(), form.errors
    assert form.registration() == {
        "email": "camille@example.org",
        "password": "a-long enough secret 42",
        "home_postcode": "69003",
        "home_city": "",
        "newsletter_consent": False,
    }


def test_category_filter_selects_a_known_category_by_slug():
    form = OfferSearchForm(data={"category": "museums-heritage"})

    assert form.selected_category().slug == "museums-heritage"


def test_category_filter_falls_back_to_all_categories_with_a_message_for_an_unknown_slug():
    form = OfferSearchForm(data={"category": "opera-on-mars"})

    assert form.selected_category() is None
    assert form.search().category_slug == ""
    assert "La catégorie «\u00a0opera-on-mars\u00a0» n’existe pas" in form.errors["category"][0]


def test_a_searched_date_runs_from_today_to_the_horizon():
    today = timezone.localdate()

    for day in (today, today + SEARCH_DATE_HORIZON):
        form = OfferSearchForm(data={"when": "date", "date": day.isoformat()})
        assert form.is_valid(), form.errors
        assert form.search().on_date == day


@pytest.mark.parametrize(
    "day",
    [
        date.min,
        timezone.localdate() - timedelta(days=1),
        timezone.localdate() + SEARCH_DATE_HORIZON + timedelta(days=1),
        date.max,
    ],
)
def test_a_searched_date_out_of_the_window_is_a_form_error_and_left_out(day):
    last = date_format(timezone.localdate() + SEARCH_DATE_HORIZON, "DATE_FORMAT")

    form = OfferSearchForm(data={"when": "date", "date": day.isoformat()})

    assert form.errors["date"] == [f"Choisissez une date entre aujourd’hui et le {last}."]
    assert form.search().on_date is None


def test_the_date_input_offers_only_days_of_the_window():
    today = timezone.localdate()

    attrs = OfferSearchForm().fields["date"].widget.attrs

    assert (attrs["min"], attrs["max"]) == (
        today.isoformat(),
        (today + SEARCH_DATE_HORIZON).isoformat(),
    )


@pytest.mark.parametrize("quantity", ["0", "-1", str(PLACES_PER_BOOKING_MAX + 1), "two", ""])
def test_booking_form_refuses_a_quantity_out_of_range(quantity):
    assert not BookingForm(data={"quantity": quantity}).is_valid()
