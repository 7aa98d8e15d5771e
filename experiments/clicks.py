"""Signed recommendation links: a click names its list (request id) and position,
signed so that nobody can record a click for a list they were not shown."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "experiments.click"


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


def click_token_build(*, link: ClickLink) -> str:
    payload = {"r": link.request_id, "p": link.position, "o": link.offer_id, "u": link.user_id}
    return signing.dumps(payload, salt=SALT)


def click_token_read(*, token: str) -> ClickLink:
    """The link a token was signed for; raises InvalidClickLink or ExpiredClickLink."""
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
    path = reverse("experiments:click", args=[token])
    return f"{settings.SITE_URL}{path}" if absolute else path
