"""Fixtures of the newsletter tests: consenting shoppers, popular offers, reading received mail."""

from email.message import Message

import pytest
from django.utils import timezone

from newsletter.models import Campaign
from newsletter.services import campaign_create
from tests.factories import BookingFactory, OfferFactory, UserFactory


def consenting_user(**fields):
    return UserFactory(newsletter_consent=True, newsletter_consent_at=timezone.now(), **fields)


@pytest.fixture
def popular_offers(db):
    """Six bookable offers, the first most booked; the booking shoppers do not consent."""
    offers = [OfferFactory(title=f"Offer {rank}") for rank in range(6)]
    for rank, offer in enumerate(offers):
        for _ in range(6 - rank):
            BookingFactory(offer=offer)
    return offers


@pytest.fixture
def campaign(db) -> Campaign:
    return campaign_create(subject="Your picks", planned_at=timezone.now(), strategy="popular")


def text_part(message: Message) -> str:
    """The plain-text alternative of a received newsletter."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text/plain part")


def html_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text/html part")


def header(message: Message, name: str) -> str:
    """A header's value unfolded (long headers arrive folded over several lines, RFC 5322)."""
    return " ".join(str(message[name]).split())


def refuse_data(inbox, *, attempts: set[int], reply: str = "451 4.3.0 Try again later") -> None:
    """Make the SMTP server refuse the DATA of the given attempt numbers (1-based)."""
    accept = inbox.handle_DATA
    seen = {"count": 0}

    async def handle_DATA(server, session, envelope):
        seen["count"] += 1
        if seen["count"] in attempts:
            return reply
        return await accept(server, session, envelope)

    inbox.handle_DATA = handle_DATA


def refuse_data_for(
    inbox, *, address: str, reply: str = "451 4.3.0 Requested action aborted"
) -> None:
    """Make the SMTP server answer `reply` to the DATA of every message to `address`."""
    accept = inbox.handle_DATA

    async def handle_DATA(server, session, envelope):
        if address in envelope.rcpt_tos:
            return reply
        return await accept(server, session, envelope)

    inbox.handle_DATA = handle_DATA


def refuse_recipient(inbox, *, address: str, reply: str) -> None:
    """Make the SMTP server answer `reply` to RCPT TO `address`, and accept the others."""

    async def handle_RCPT(server, session, envelope, recipient, rcpt_options):
        if recipient == address:
            return reply
        envelope.rcpt_tos.append(recipient)
        return "250 OK"

    inbox.handle_RCPT = handle_RCPT
