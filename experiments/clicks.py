"""Signed recommendation links: a click names its list (request id) and position,
signed so that nobody can record a click for a list they were not shown.

Two token formats are read (ADR 0021). Links are built in the compact one:
`2.<signed at, base 62>.<position>.<offer id>.<user id or ->.<request id>:<signature>`,
one HMAC (`Signer`) over that short text. Links built before 2026-11-30 are
`signing.dumps` of a JSON payload (base64, a timestamp, an HMAC: three times the
cost, paid for each of the ten items of every API answer); those sent in emails
or still open in a browser keep working until they expire like any other.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from config.reversing import reverse_one_argument

SALT = "experiments.click"
# The compact format's first field; a `signing.dumps` token starts with base64 JSON ("eyJ").
COMPACT_VERSION = "2"
FIELD_SEPARATOR = "."
NO_USER = "-"


class InvalidClickLink(Exception):
    """The link was altered or is not a recommendation link."""


class ExpiredClickLink(Exception):
    """A genuine link older than EXPERIMENT_CLICK_MAX_AGE_DAYS: still followed, not recorded."""

    def __init__(self, offer_id: int) -> None:
        super().__init__("This recommendation link has expired.")
        self.offer_id = offer_id


@dataclass(frozen=True)
class ClickLink:
    request_id: str
    position: int
    offer_id: int
    user_id: int | None


def click_signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def click_token_build(*, link: ClickLink, signed_at: float | None = None) -> str:
    """The compact signed token of `link`; `signed_at` (a Unix time) starts its expiry."""
    moment = int(time.time() if signed_at is None else signed_at)
    fields = (
        COMPACT_VERSION,
        signing.b62_encode(moment),
        str(link.position),
        str(link.offer_id),
        NO_USER if link.user_id is None else str(link.user_id),
        # Last, so that a request id holding the separator still reads back whole.
        link.request_id,
    )
    return click_signer().sign(FIELD_SEPARATOR.join(fields))


def click_token_read(*, token: str) -> ClickLink:
    """The link a token was signed for, in either format; raises InvalidClickLink or
    ExpiredClickLink."""
    if token.startswith(COMPACT_VERSION + FIELD_SEPARATOR):
        return compact_token_read(token)
    return json_token_read(token)


def compact_token_read(token: str) -> ClickLink:
    try:
        value = click_signer().unsign(token)
    except signing.BadSignature as error:
        raise InvalidClickLink("This recommendation link is not valid.") from error
    # Signed by us, so well formed: a malformed value would be our own bug, not a forgery.
    _version, signed_at, position, offer_id, user_id, request_id = value.split(FIELD_SEPARATOR, 5)
    link = ClickLink(
        request_id=request_id,
        position=int(position),
        offer_id=int(offer_id),
        user_id=None if user_id == NO_USER else int(user_id),
    )
    age = time.time() - signing.b62_decode(signed_at)
    if age > settings.EXPERIMENT_CLICK_MAX_AGE_DAYS * 86400:
        raise ExpiredClickLink(offer_id=link.offer_id)
    return link


def json_token_read(token: str) -> ClickLink:
    """A link in the format built until 2026-11-30 (`signing.dumps` of a JSON payload)."""
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=settings.EXPERIMENT_CLICK_MAX_AGE_DAYS * 86400
        )
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=SALT)
        raise ExpiredClickLink(offer_id=payload["o"]) from None
    except signing.BadSignature as error:
        raise InvalidClickLink("This recommendation link is not valid.") from error
    return ClickLink(
        request_id=payload["r"], position=payload["p"], offer_id=payload["o"], user_id=payload["u"]
    )


def recommendation_click_url(*, recommendation_list, position: int, absolute: bool = False) -> str:
    """The tracked link to the offer at `position` (from 1) of a RecommendationList.

    What the homepage, the API (`absolute=True`) and the newsletter put on a
    recommended offer instead of its plain page URL.
    """
    item = recommendation_list.items[position - 1]
    token = click_token_build(
        link=ClickLink(
            request_id=recommendation_list.request_id,
            position=position,
            offer_id=item.offer_id,
            user_id=recommendation_list.user_id,
        )
    )
    path = reverse_one_argument("experiments:click", token)
    return f"{settings.SITE_URL}{path}" if absolute else path
