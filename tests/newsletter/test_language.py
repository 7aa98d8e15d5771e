"""The newsletter's language: the site's (French), since no user records another one."""

import pytest
from django.utils import translation

from newsletter.services import campaign_send_chunk, campaign_start
from tests.newsletter.conftest import consenting_user

pytestmark = pytest.mark.django_db


def test_the_newsletter_is_french_even_when_sent_from_an_english_request(
    popular_offers, campaign, mailoutbox
):
    """In the demo, tasks run in-process: a send started from an English admin session must
    still word the cards, their reasons and prices in the recipients' French."""
    consenting_user()

    with translation.override("en"):
        for first, last in campaign_start(campaign_id=campaign.pk):
            campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    [message] = mailoutbox
    assert "Populaire ce mois-ci (6 réservations)" in message.body
    assert "Choisies pour vous cette semaine" in message.body
    assert "15,00\u00a0€" in message.body
    assert "popular" not in message.body.lower()
