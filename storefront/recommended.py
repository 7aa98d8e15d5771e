"""The homepage's "Recommended for you" section (shown to the canary's treatment only,
ADR 0017), and the one list each homepage view logs as exposures (ADR 0021)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import waffle
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from experiments.assignment import TREATMENT, variant_for_request
from experiments.models import Surface
from experiments.services import exposures_log
from experiments.visitors import visitor_id_for_request
from marketplace.models import Offer
from recommendations.lists import RecommendationList, RecommendationRequest, RecommendedItem
from recommendations.offers import RecommendedOffer, recommended_offers_serve
from recommendations.serving import strategy_for_variant

# The strategy name of what a homepage shows without recommendations: the listing's top.
LISTING_STRATEGY = "listing"


@dataclass(frozen=True)
class RecommendedSection:
    offers: list[RecommendedOffer]
    # False for an anonymous visitor: the heading must not say "for you".
    personalised: bool
    # The list as shown (offers deleted since it was made left out): what the
    # exposures log and what the tracked links name, position for position.
    recommendation_list: RecommendationList


def homepage_variant(*, request: HttpRequest) -> str:
    return variant_for_request(
        flag_name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, request=request, user=request.user
    )


def homepage_recommended_section(
    *, request: HttpRequest, variant: str
) -> RecommendedSection | None:
    """The section for this visitor, or None: in control, kill switch on, or nothing to show."""
    if variant != TREATMENT:
        return None
    if waffle.switch_is_active(settings.HOMEPAGE_RECOMMENDATIONS_KILL_SWITCH):
        return None
    user = request.user
    loaded = recommended_offers_serve(
        request=RecommendationRequest(
            user_id=user.pk if user.is_authenticated else None,
            limit=settings.HOMEPAGE_RECOMMENDATIONS_SIZE,
            variant=variant,
        ),
        strategy=strategy_for_variant(variant),
    )
    if not loaded.offers:
        return None
    return RecommendedSection(
        offers=loaded.offers,
        personalised=loaded.recommendation_list.personalised,
        recommendation_list=loaded.recommendation_list,
    )


def listing_top_as_list(
    *, request: HttpRequest, offers: Sequence[Offer], variant: str
) -> RecommendationList:
    """The first offers of the listing shown, as the list a page without recommendations
    showed (strategy "listing"), so that every arm's homepage views are exposures."""
    user = request.user
    top = list(offers)[: settings.HOMEPAGE_RECOMMENDATIONS_SIZE]
    return RecommendationList(
        request_id=uuid.uuid4().hex,
        items=tuple(
            RecommendedItem(
                offer_id=offer.pk,
                score=0.0,
                reason=None,
                distance_km=getattr(offer, "distance_km", None),
            )
            for offer in top
        ),
        strategy=LISTING_STRATEGY,
        generated_at=timezone.now(),
        variant=variant,
        user_id=user.pk if user.is_authenticated else None,
        personalised=False,
    )


def homepage_exposures_log(*, request: HttpRequest, shown: RecommendationList) -> int:
    """Log the list a homepage view showed; anonymous visitors are named by their cookie.
    A HEAD request (a monitor, a link preview) is answered without a body: nothing shown,
    nothing logged (ADR 0021)."""
    if request.method == "HEAD":
        return 0
    anonymous = not request.user.is_authenticated
    return exposures_log(
        recommendation_list=shown,
        surface=Surface.HOMEPAGE,
        visitor_id=visitor_id_for_request(request) if anonymous else "",
    )
