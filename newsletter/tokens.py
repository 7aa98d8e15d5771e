"""Signed tokens of newsletter links: unsubscribe (per send) and click (per send and offer).

Each purpose has its own salt, so a click token can never pass for an
unsubscribe token. Tokens carry ids only; the signature makes them unforgeable
and the timestamp lets them expire.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
CLICK_SALT = "newsletter.click"
# Lazy: the message is read in the language of the request that shows it.
UNSUBSCRIBE_REFUSAL = _("This unsubscribe link is not valid.")
CLICK_REFUSAL = _("This link is not valid.")


class InvalidLink(Exception):
    """A forged, damaged or expired link; the message is meant for the reader."""


# ASCII digits only: int() would also take "٣", " 7" or "+7", which we never sign.
IDS_PATTERN = re.compile(r"[0-9]{1,18}(?:-[0-9]{1,18})*", re.ASCII)


def ids_parse(*, value: str, count: int, refusal: str) -> tuple[int, ...]:
    """The `count` ids of a signed payload; any other shape raises InvalidLink(refusal).

    A payload is only ever written by the *_token_make functions, but a key
    shared with an older release, or a future format, must still be refused
    cleanly rather than crash the page.
    """
    if not IDS_PATTERN.fullmatch(value):
        raise InvalidLink(refusal)
    ids = tuple(int(part) for part in value.split("-"))
    if len(ids) != count:
        raise InvalidLink(refusal)
    return ids


@dataclass(frozen=True)
class ClickTarget:
    send_id: int
    offer_id: int
    expired: bool


def unsubscribe_token_make(*, send_id: int) -> str:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(str(send_id))


def unsubscribe_token_read(*, token: str) -> int:
    """The send id of a valid unsubscribe token; raises InvalidLink otherwise."""
    max_age = timedelta(days=settings.NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS)
    try:
        value = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(
            _("This unsubscribe link has expired. Use the link of a more recent newsletter.")
        ) from None
    except signing.BadSignature:
        raise InvalidLink(UNSUBSCRIBE_REFUSAL) from None
    (send_id,) = ids_parse(value=value, count=1, refusal=UNSUBSCRIBE_REFUSAL)
    return send_id


def click_token_make(*, send_id: int, offer_id: int) -> str:
    return signing.TimestampSigner(salt=CLICK_SALT).sign(f"{send_id}-{offer_id}")


def click_token_read(*, token: str) -> ClickTarget:
    """Where a click link leads; an authentic old link is flagged expired, a forged one raises."""
    signer = signing.TimestampSigner(salt=CLICK_SALT)
    try:
        value = signer.unsign(token)
    except signing.BadSignature:
        raise InvalidLink(CLICK_REFUSAL) from None
    send_id, offer_id = ids_parse(value=value, count=2, refusal=CLICK_REFUSAL)
    try:
        signer.unsign(token, max_age=timedelta(days=settings.NEWSLETTER_CLICK_MAX_AGE_DAYS))
    except signing.SignatureExpired:
        return ClickTarget(send_id=send_id, offer_id=offer_id, expired=True)
    return ClickTarget(send_id=send_id, offer_id=offer_id, expired=False)
