"""The homepage's "Recommended for you" section: shown to the canary's treatment only (ADR 0017)."""

from dataclasses import dataclass

import waffle
from django.conf import settings
from django.http import HttpRequest

from experiments.assignment import TREATMENT, variant_for_request
from recommendations.lists import RecommendationRequest
from recommendations.offers import RecommendedOffer, recommended_offers_load
from recommendations.serving import recommendation_list_serve, strategy_for_variant


@dataclass(frozen=True)
class RecommendedSection:
    offers: list[RecommendedOffer]
    # False for an anonymous visitor: the heading must not say "for you".
    personalised: bool


def homepage_recommended_section(*, request: HttpRequest) -> RecommendedSection | None:
    """The section for this visitor, or None: in control, kill switch on, or nothing to show."""
    if waffle.switch_is_active(settings.HOMEPAGE_RECOMMENDATIONS_KILL_SWITCH):
        return None
    user = request.user
    variant = variant_for_request(
        flag_name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, request=request, user=user
    )
    if variant != TREATMENT:
        return None
    served = recommendation_list_serve(
        request=RecommendationRequest(
            user_id=user.pk if user.is_authenticated else None,
            limit=settings.HOMEPAGE_RECOMMENDATIONS_SIZE,
            variant=variant,
        ),
        strategy=strategy_for_variant(variant),
    )
    # The served list (request id, variant, strategy, source) is what exposures log.
    [offers] = recommended_offers_load(lists=[served])
    if not offers:
        return None
    return RecommendedSection(offers=offers, personalised=served.personalised)
