"""The serving selector: the one read path of the homepage and the API (ADR 0016).

A signed-in user's list is read from the precomputed store, then cleaned of
what changed since it was computed (offers that stopped being bookable, offers
the user booked since) and filtered by the categories asked. When fewer than
`limit` offers remain, or nothing is stored, the list is computed on the fly;
when that fails or Redis is down, the database's `popular` list is served.
The list's `source` says which of the three happened.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from django.conf import settings

from marketplace.models import Booking, Offer
from recommendations.cache import CACHE_ERRORS
from recommendations.lists import ListSource, RecommendationList, RecommendationRequest
from recommendations.servable import OfferCard, servable_offer_cards, servable_offers
from recommendations.stored import stored_list_read, stored_lists_get
from recommendations.strategies import (
    recommendation_lists_compute,
    strategy_current_version,
    strategy_resolve,
)

logger = logging.getLogger(__name__)

# The control and last fallback: it reads the database (and a forgiving cache) only.
FALLBACK_STRATEGY = "popular"


def strategy_for_variant(variant: str) -> str:
    """The strategy that serves `variant` (RECOMMENDATION_VARIANT_STRATEGIES), else the default."""
    return settings.RECOMMENDATION_VARIANT_STRATEGIES.get(variant, settings.RECOMMENDATION_STRATEGY)


def recommendation_list_serve(
    *, request: RecommendationRequest, strategy: str | None = None, as_cards: bool = False
) -> tuple[RecommendationList, dict[int, Offer] | dict[int, OfferCard] | None]:
    """The list to show for `request`: stored if still good enough, else computed, else popular;
    with its offers (category and venue loaded, or as OfferCards with `as_cards`) by id
    when it came from the store, whose check read them anyway, None otherwise.

    The path of one page or one API call: the store's check is one SQL statement
    that also reads the offers shown (`recommendations.servable`). Raises
    UnknownStrategyError for an unknown `strategy`; never raises for a Redis outage
    or a failing strategy.
    """
    name = strategy_resolve(strategy)
    try:
        stored = stored_list_still_servable(request=request, strategy=name, as_cards=as_cards)
    except CACHE_ERRORS as error:
        logger.warning("Stored lists unreachable, serving %s: %s", FALLBACK_STRATEGY, error)
        return fallback_lists(requests=[request])[0], None
    if stored is not None:
        return stored
    [computed] = lists_computed(requests=[request], strategy=name)
    return computed, None


def recommendation_lists_serve(
    *, requests: Sequence[RecommendationRequest], strategy: str | None = None
) -> list[RecommendationList]:
    """The batch form of `recommendation_list_serve`, for pages served together (the
    simulator's visitors of an evening): one read of the store, one availability check and
    one computation for the lists missing, instead of as many as requests.

    A strategy that fails serves `popular` to every request it was computing for.
    """
    name = strategy_resolve(strategy)
    if not requests:
        return []
    try:
        answers = stored_lists_still_servable(requests=requests, strategy=name)
    except CACHE_ERRORS as error:
        logger.warning("Stored lists unreachable, serving %s: %s", FALLBACK_STRATEGY, error)
        return fallback_lists(requests=requests)
    missing = [position for position, answer in enumerate(answers) if answer is None]
    if missing:
        computed = lists_computed(requests=[requests[p] for p in missing], strategy=name)
        for position, found in zip(missing, computed, strict=True):
            answers[position] = found
    return answers


def lists_computed(
    *, requests: Sequence[RecommendationRequest], strategy: str
) -> list[RecommendationList]:
    """The lists computed on the fly for `requests`, or popular's when the strategy fails."""
    try:
        computed = recommendation_lists_compute(requests=requests, strategy=strategy)
    except Exception:
        # Whatever breaks in a strategy (a model file missing, a provider down),
        # the shopper still gets a list.
        logger.exception("Strategy %s failed, serving %s", strategy, FALLBACK_STRATEGY)
        return fallback_lists(requests=requests)
    return [
        replace(found, source=ListSource.COMPUTED, variant=request.variant)
        for found, request in zip(computed, requests, strict=True)
    ]


def served_from_store(request: RecommendationRequest) -> bool:
    """Lists are stored for the user's home: a request with a location override, or from an
    anonymous visitor, is never served from the store."""
    return request.user_id is not None and request.location is None


def stored_list_still_servable(
    *, request: RecommendationRequest, strategy: str, as_cards: bool = False
) -> tuple[RecommendationList, dict[int, Offer] | dict[int, OfferCard]] | None:
    """The user's stored list, cleaned, filtered and cut to `limit`, when it still holds
    `limit` offers, with those offers (or their cards) by id."""
    if not served_from_store(request):
        return None
    stored = stored_list_read(strategy=strategy, user_id=request.user_id)
    if stored is None or not version_current(
        stored.model_version, current=strategy_current_version(strategy)
    ):
        return None
    load = servable_offer_cards if as_cards else servable_offers
    servable = load(
        offer_ids=stored.offer_ids,
        user_id=request.user_id,
        categories=request.categories,
        now=request.now,
        limit=request.limit,
    )
    if len(servable) < request.limit:
        return None
    served = replace(
        stored.recommendation_list(request_id=request.request_id, offer_ids=servable),
        source=ListSource.PRECOMPUTED,
        variant=request.variant,
    )
    return served, servable


def stored_lists_still_servable(
    *, requests: Sequence[RecommendationRequest], strategy: str
) -> list[RecommendationList | None]:
    """Each request's stored list, cleaned and filtered, when it still holds `limit` offers
    (None otherwise): the batch form of `stored_list_still_servable`, in one store read
    and two queries for all the requests."""
    answers: list[RecommendationList | None] = [None] * len(requests)
    from_store = [
        position for position, request in enumerate(requests) if served_from_store(request)
    ]
    stored = stored_lists_get(
        strategy=strategy,
        wanted=[(requests[p].user_id, requests[p].request_id) for p in from_store],
    )
    found = [(position, stored[position_in]) for position_in, position in enumerate(from_store)]
    current = strategy_current_version(strategy)
    found = [
        (position, stored_list)
        for position, stored_list in found
        if stored_list and version_current(stored_list.model_version, current=current)
    ]
    if not found:
        return answers
    servable = offer_ids_servable(
        wanted={requests[position]: stored_list.offer_ids for position, stored_list in found},
        now=max(requests[position].now for position, _ in found),
    )
    for position, stored_list in found:
        request = requests[position]
        kept = tuple(item for item in stored_list.items if item.offer_id in servable[request])
        if len(kept) >= request.limit:
            answers[position] = replace(
                stored_list,
                items=kept[: request.limit],
                source=ListSource.PRECOMPUTED,
                variant=request.variant,
            )
    return answers


def version_current(model_version: str, *, current: str | None) -> bool:
    """Whether a stored list of `model_version` may still be served by a strategy whose
    lists carry `current` now: the homepage's lists were precomputed at night, and a
    promotion or a rollback must reach them within the minute, as it reaches the lists
    computed on the fly (ADR 0029)."""
    return current is None or model_version == current


def offer_ids_servable(
    *, wanted: Mapping[RecommendationRequest, list[int]], now: datetime
) -> dict[RecommendationRequest, set[int]]:
    """For each request, which of its offer ids are bookable at `now`, in its categories
    when it names some, and not held by a live booking of its user, in two queries."""
    offer_ids = {offer_id for ids in wanted.values() for offer_id in ids}
    user_ids = {request.user_id for request in wanted}
    category_of = dict(
        Offer.objects.bookable(now=now)
        .filter(pk__in=offer_ids)
        .order_by()
        .values_list("pk", "category__slug")
    )
    booked = set(
        Booking.objects.live()
        .filter(user_id__in=user_ids, offer_id__in=category_of)
        .order_by()
        .values_list("user_id", "offer_id")
    )
    return {
        request: {
            offer_id
            for offer_id in ids
            if offer_id in category_of
            and (not request.categories or category_of[offer_id] in request.categories)
            and (request.user_id, offer_id) not in booked
        }
        for request, ids in wanted.items()
    }


def fallback_lists(*, requests: Sequence[RecommendationRequest]) -> list[RecommendationList]:
    computed = recommendation_lists_compute(requests=requests, strategy=FALLBACK_STRATEGY)
    return [
        replace(found, source=ListSource.FALLBACK, variant=request.variant)
        for found, request in zip(computed, requests, strict=True)
    ]
