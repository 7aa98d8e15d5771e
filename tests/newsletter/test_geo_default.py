"""geo is the newsletter's default strategy: each recipient gets offers near home."""

from django.utils import timezone

from newsletter.models import Campaign
from newsletter.services import campaign_get_or_create_for_week
from tests.factories import BookingFactory, OfferFactory, VenueFactory
from tests.newsletter.conftest import consenting_user, text_part
from tests.newsletter.test_commands_and_schedule import run


def test_the_weekly_newsletter_sends_each_recipient_the_offers_near_their_home(
    smtp_server, db, english
):
    lyon = OfferFactory(title="Jazz in Lyon")
    marseille = OfferFactory(
        title="Jazz in Marseille",
        venue=VenueFactory(city="Marseille", postcode="13001", latitude=43.297, longitude=5.38),
    )
    for offer in (lyon, marseille):
        BookingFactory.create_batch(3, offer=offer)
    in_lyon = consenting_user()
    in_marseille = consenting_user(
        home_postcode="13001", home_city="Marseille", home_latitude=43.2965, home_longitude=5.3698
    )

    run()

    campaign = Campaign.objects.get()
    assert (
        campaign.strategy
        == "geo"
        == campaign_get_or_create_for_week(day=timezone.localdate()).strategy
    )
    received = {message["To"]: text_part(message) for message in smtp_server.messages}
    assert "Jazz in Lyon" in received[in_lyon.email]
    assert "Jazz in Marseille" not in received[in_lyon.email]
    assert "Jazz in Marseille" in received[in_marseille.email]
    assert "km from home" in received[in_marseille.email]
