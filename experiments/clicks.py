"""Signed recommendation links: a click names its list (request id) and position,
signed so that nobody can record a click for a list they were not shown.

Two token formats are read (ADR 0021). Links are built in the compact one:
`2.<signed at, base 62>.<position>.<offer id>.<user id or ->.<request id>:<signature>`,
one HMAC (`Signer`) over that short text. Links built before 2026-11-30 are
`signing.dumps` of a JSON payload (base64, a timestamp, an HMAC: three times the
cost, paid for each of the ten items of every API answer); those sent in emails
or still open in a browser keep working until they expire like any other.
"""

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.utils.encoding import force_bytes

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


@lru_cache(maxsize=4)
def keyed_click_hmac(secret_key: str) -> hmac.HMAC:
    """The HMAC that `click_signer().sign` computes, keyed once per secret key.

    `Signer` derives its key (SHA-256 of its salt and the secret) and keys a new HMAC
    on every signature: two thirds of a link's cost, paid ten times per API answer.
    Copying an HMAC keyed once is the same computation without that (ADR 0021); a test
    holds the tokens equal to `Signer`'s. Reading still goes through `Signer.unsign`,
    so SECRET_KEY_FALLBACKS keep working.
    """
    derived = hashlib.sha256(force_bytes(SALT + "signer") + force_bytes(secret_key)).digest()
    return hmac.new(derived, digestmod=hashlib.sha256)


def click_sign(value: str) -> str:
    """`click_signer().sign(value)`, with the HMAC keyed once per process."""
    mac = keyed_click_hmac(settings.SECRET_KEY).copy()
    mac.update(value.encode())
    return f"{value}:{signing.b64_encode(mac.digest()).decode()}"


def click_tokens(
    *,
    request_id: str,
    user_id: int | None,
    links: Iterable[tuple[int, int]],
    signed_at: float | None = None,
) -> list[str]:
    """The compact signed tokens of a list's links, given as (position, offer id); the
    fields they share are written once. `signed_at` (a Unix time) starts their expiry."""
    moment = signing.b62_encode(int(time.time() if signed_at is None else signed_at))
    # The request id last, so that one holding the separator still reads back whole.
    shared = FIELD_SEPARATOR + (NO_USER if user_id is None else str(user_id))
    shared += FIELD_SEPARATOR + request_id
    return [
        click_sign(
            FIELD_SEPARATOR.join((COMPACT_VERSION, moment, str(position), str(offer_id))) + shared
        )
        for position, offer_id in links
    ]


def click_token_build(*, link: ClickLink, signed_at: float | None = None) -> str:
    """The compact signed token of `link`; `signed_at` (a Unix time) starts its expiry."""
    [token] = click_tokens(
        request_id=link.request_id,
        user_id=link.user_id,
        links=[(link.position, link.offer_id)],
        signed_at=signed_at,
    )
    return token


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

    What the homepage and the newsletter put on a recommended offer instead of its
    plain page URL.
    """
    [url] = recommendation_click_urls(
        recommendation_list=recommendation_list, positions=[position], absolute=absolute
    )
    return url


def recommendation_click_urls(
    *, recommendation_list, positions: Iterable[int] | None = None, absolute: bool = False
) -> list[str]:
    """The tracked links to the offers at `positions` (from 1; every item when None) of a
    RecommendationList, in that order: what the API puts on each item it answers."""
    items = recommendation_list.items
    if positions is None:
        positions = range(1, len(items) + 1)
    tokens = click_tokens(
        request_id=recommendation_list.request_id,
        user_id=recommendation_list.user_id,
        links=[(position, items[position - 1].offer_id) for position in positions],
    )
    site = settings.SITE_URL if absolute else ""
    return [site + reverse_one_argument("experiments:click", token) for token in tokens]
