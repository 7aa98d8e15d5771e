"""A reader opens the newsletter they received, follows an offer, then unsubscribes from it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.models import User
from newsletter.models import Click, Unsubscription
from newsletter.services import campaign_create, campaign_send_chunk, campaign_start
from tests.factories import BookingFactory, OfferFactory
from tests.newsletter.conftest import consenting_user, html_part

pytestmark = pytest.mark.e2e


def test_a_reader_follows_an_offer_from_the_email_then_unsubscribes(
    live_server, page, smtp_server, settings
):
    settings.SITE_URL = live_server.url
    concert = OfferFactory(title="Jazz à Vienne")
    BookingFactory(offer=concert)
    reader = consenting_user(email="lea@example.org")
    campaign = campaign_create(subject="Your picks", planned_at=timezone.now(), strategy="popular")
    for first, last in campaign_start(campaign_id=campaign.pk):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)
    (received,) = smtp_server.messages

    # The email as the reader's mail client shows it, in French (the newsletter's
    # language); its links lead to the live site, here browsed in English.
    page.set_content(html_part(received))
    page.get_by_role("link", name="Voir l’offre").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jazz à Vienne")
    assert page.url == f"{live_server.url}/offers/{concert.pk}/"
    click = Click.objects.get()
    assert (click.user_id, click.offer_id, click.campaign_id) == (
        reader.pk,
        concert.pk,
        campaign.pk,
    )

    page.set_content(html_part(received))
    page.get_by_role("link", name="Se désabonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Unsubscribe from the Passerelle newsletter?"
    )
    page.get_by_role("button", name="Unsubscribe").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    expect(page.get_by_text("lea@example.org will not receive")).to_be_visible()
    assert not User.objects.get(pk=reader.pk).newsletter_consent
    assert Unsubscription.objects.get().method == Unsubscription.Method.PAGE
