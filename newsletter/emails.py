"""One recipient's newsletter message: offer cards, tracked links, RFC 8058 headers."""

from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from marketplace.category_names import category_label
from marketplace.templatetags.money import price_label
from newsletter.models import Campaign, Send
from newsletter.tokens import click_token_make, unsubscribe_token_make
from recommendations.offers import RecommendedOffer


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(*, send_id: int) -> str:
    token = unsubscribe_token_make(send_id=send_id)
    return absolute_url(reverse("newsletter:unsubscribe", args=[token]))


def click_url(*, send_id: int, offer_id: int) -> str:
    token = click_token_make(send_id=send_id, offer_id=offer_id)
    return absolute_url(reverse("newsletter:click", args=[token]))


@lru_cache(maxsize=4096)
def when_label(*, starts_at: datetime | None, language: str | None, zone: str) -> str:
    """The date line of a card; cached, since a chunk's cards share a few dozen offers
    and formatting a date costs more than the rest of the card."""
    with translation.override(language):
        if starts_at is None:
            return pgettext("when", "Any time")
        return date_format(timezone.localtime(starts_at, ZoneInfo(zone)), "DATETIME_FORMAT")


def offer_card(*, send_id: int, recommendation: RecommendedOffer) -> dict:
    """What a card shows; no image, so it reads the same with images blocked."""
    offer = recommendation.offer
    venue = offer.venue
    return {
        "title": offer.title,
        "category": category_label(offer.category),
        "when": when_label(
            starts_at=offer.starts_at,
            language=translation.get_language(),
            zone=timezone.get_current_timezone_name(),
        ),
        "place": f"{venue.name}, {venue.city}" if venue else gettext("Online"),
        "distance_km": recommendation.distance_km,
        "price": price_label(offer.price),
        "reason": recommendation.reason,
        "url": click_url(send_id=send_id, offer_id=offer.pk),
    }


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "passerelle.local"


def message_id_for(*, send: Send) -> str:
    """The same Message-ID on every attempt of a send, so that mailboxes which
    deduplicate by Message-ID fold a redelivery after a crash into one email."""
    return f"<newsletter.{send.campaign_id}.{send.pk}@{site_domain()}>"


def newsletter_message_build(
    *,
    campaign: Campaign,
    send: Send,
    recommendations: list[RecommendedOffer],
    connection: BaseEmailBackend | None = None,
) -> EmailMultiAlternatives:
    """The recipient's message, worded in the site's language (French): no preferred language
    is recorded per user (ADR 0027). The language is set here rather than left to the worker,
    because a send may also run inside a request in another language (the demo runs tasks
    in-process, from an English admin session for instance)."""
    with translation.override(settings.LANGUAGE_CODE):
        return newsletter_message_render(
            campaign=campaign, send=send, recommendations=recommendations, connection=connection
        )


def newsletter_message_render(
    *,
    campaign: Campaign,
    send: Send,
    recommendations: list[RecommendedOffer],
    connection: BaseEmailBackend | None,
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(send_id=send.pk)
    context = {
        "campaign": campaign,
        "cards": [offer_card(send_id=send.pk, recommendation=r) for r in recommendations],
        "unsubscribe_url": unsubscribe,
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=campaign.subject,
        body=render_to_string("newsletter/email/newsletter.txt", context),
        to=[send.user.email],
        connection=connection,
        headers={
            "Message-ID": message_id_for(send=send),
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail clients may POST to the link to unsubscribe in one click.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Passerelle picks <newsletter.{site_domain()}>",
        },
    )
    message.attach_alternative(
        render_to_string("newsletter/email/newsletter.html", context), "text/html"
    )
    return message
