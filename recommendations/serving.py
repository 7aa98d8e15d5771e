"""The serving selector: the one read path of the homepage and the API (ADR 0016).

A signed-in user's list is read from the precomputed store, then cleaned of
what changed since it was computed (offers that stopped being bookable, offers
the user booked since) and filtered by the categories asked. When fewer than
`limit` offers remain, or nothing is stored, the list is computed on the fly;
when that fails or Redis is down, the database's `popular` list is served.
The list's `source` says which of the three happened.
"""

import logging
from dataclasses import replace

from django.conf import settings

from marketplace.models import Offer
from recommendations.cache import CACHE_ERRORS
from recommendations.lists import ListSource, RecommendationList, RecommendationRequest
from recommendations.servable import servable_offers
from recommendations.stored import stored_list_get
from recommendations.strategies import recommendation_list_compute, strategy_resolve

logger = logging.getLogger(__name__)

# The control and last fallback: it reads the database (and a forgiving cache) only.
FALLBACK_STRATEGY = "popular"


def strategy_for_variant(variant: str) -> str:
    """The strategy that serves `variant` (RECOMMENDATION_VARIANT_STRATEGIES), else the default."""
    return settings.RECOMMENDATION_VARIANT_STRATEGIES.get(variant, settings.RECOMMENDATION_STRATEGY)


def recommendation_list_serve(
    *, request: RecommendationRequest, strategy: str | None = None
) -> RecommendationList:
    """The list to show for `request`: stored if still good enough, else computed, else popular.

    Raises UnknownStrategyError for an unknown `strategy`; never raises for a
    Redis outage or a failing strategy.
    """
    served, _offers = recommendation_list_serve_with_offers(request=request, strategy=strategy)
    return served


def recommendation_list_serve_with_offers(
    *, request: RecommendationRequest, strategy: str | None = None
) -> tuple[RecommendationList, dict[int, Offer] | None]:
    """`recommendation_list_serve`, with the offers (category and venue loaded) by id when
    the list came from the store, whose check read them anyway; None otherwise."""
    name = strategy_resolve(strategy)
    try:
        stored = stored_list_still_servable(request=request, strategy=name)
    except CACHE_ERRORS as error:
        logger.warning("Stored lists unreachable, serving %s: %s", FALLBACK_STRATEGY, error)
        return fallback_list(request=request), None
    if stored is not None:
        return stored
    try:
        computed = recommendation_list_compute(request=request, strategy=name)
    except Exception:
        # Whatever breaks in a strategy (a model file missing, a provider down),
        # the shopper still gets a list.
        logger.exception("Strategy %s failed, serving %s", name, FALLBACK_STRATEGY)
        return fallback_list(request=request), None
    return replace(computed, source=ListSource.COMPUTED, variant=request.variant), None


def stored_list_still_servable(
    *, request: RecommendationRequest, strategy: str
) -> tuple[RecommendationList, dict[int, Offer]] | None:
    """The user's stored list, cleaned, filtered and cut to `limit`, when it still holds
    `limit` offers, with those offers by id.

    Lists are stored for the user's home: a request with a location override,
    or from an anonymous visitor, is never served from the store.
    """
    if request.user_id is None or request.location is not None:
        return None
    stored = stored_list_get(
        strategy=strategy, user_id=request.user_id, request_id=request.request_id
    )
    if stored is None:
        return None
    servable = servable_offers(
        offer_ids=stored.offer_ids,
        user_id=request.user_id,
        categories=request.categories,
        now=request.now,
        limit=request.limit,
    )
    if len(servable) < request.limit:
        return None
    served = replace(
        stored,
        items=tuple(item for item in stored.items if item.offer_id in servable),
        source=ListSource.PRECOMPUTED,
        variant=request.variant,
    )
    return served, servable


def fallback_list(*, request: RecommendationRequest) -> RecommendationList:
    computed = recommendation_list_compute(request=request, strategy=FALLBACK_STRATEGY)
    return replace(computed, source=ListSource.FALLBACK, variant=request.variant)
