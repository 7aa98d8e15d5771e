"""The canary in a real browser: a treatment user follows a recommendation (through the
signed click redirect, which records the click) and books it; a control user sees
today's homepage. Selectors avoid wording, which gets translated."""

import re

import pytest
from playwright.sync_api import expect

from experiments.assignment import CONTROL, TREATMENT, variant_for_user
from experiments.models import RecommendationClick
from marketplace.models import Booking
from tests.canary import FLAG, homepage_flag_set
from tests.factories import BookingFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def user_in(variant: str):
    while True:
        user = UserFactory()
        if variant_for_user(flag_name=FLAG, user=user) == variant:
            return user


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_treatment_follows_a_recommendation_and_books_it_control_sees_no_section(live_server, page):
    offers = [OfferFactory(stock=40, title=f"Concert {rank}") for rank in range(7)]
    for rank, offer in enumerate(offers):
        BookingFactory.create_batch(7 - rank, offer=offer)
    homepage_flag_set(50)
    treated, control = user_in(TREATMENT), user_in(CONTROL)

    log_in(page, live_server, treated)
    section = page.locator("section.recommended")
    expect(section.locator("article")).to_have_count(6)
    expect(section.locator(".recommended__reason").first).not_to_be_empty()
    first_link = section.locator("article h3 a").first
    expect(first_link).to_have_attribute("href", re.compile(r"^/r/[^/]+/$"))
    first_link.click()
    expect(page).to_have_url(f"{live_server.url}/offers/{offers[0].pk}/")
    click = RecommendationClick.objects.get()
    assert (click.user_id, click.offer_id, click.position) == (treated.pk, offers[0].pk, 1)
    page.locator("input[name=quantity]").fill("1")
    page.locator("form[action$='/book/'] button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/bookings/")
    assert Booking.objects.filter(user=treated, offer=offers[0]).exists()

    page.context.clear_cookies()
    log_in(page, live_server, control)
    expect(page.locator("main .offer-grid article").first).to_be_visible()
    expect(page.locator("section.recommended")).to_have_count(0)
