"""A list's offers loaded at the edge: what pages, emails and the API show of a list."""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from marketplace.models import Offer
from recommendations.lists import RecommendationList, RecommendationRequest, RecommendedItem
from recommendations.offers_by_id import offers_by_id
from recommendations.reasons import reason_text
from recommendations.servable import OfferCard
from recommendations.serving import recommendation_list_serve
from recommendations.strategies import recommendation_lists_compute


@dataclass(frozen=True)
class RecommendedOffer:
    """An item of a list with its offer (or the offer's card, for the API); `position`
    counts from 1 in the list shown."""

    position: int
    item: RecommendedItem
    offer: Offer | OfferCard

    @property
    def score(self) -> float:
        return self.item.score

    @property
    def reason(self) -> str:
        """Why the offer is listed, worded in the active language (a gettext call, no query)."""
        return reason_text(self.item.reason)

    @property
    def distance_km(self) -> float | None:
        return self.item.distance_km


def recommended_offers_load(*, lists: Sequence[RecommendationList]) -> list[list[RecommendedOffer]]:
    """Each list's offers (with category and venue) in rank order, all read in one query
    (`offers_by_id`).

    An offer deleted since the list was made is left out; positions stay consecutive.
    """
    ids = {offer_id for recommendation_list in lists for offer_id in recommendation_list.offer_ids}
    offers = offers_by_id(ids)
    return [ranked_offers(recommendation_list=answer, offers=offers) for answer in lists]


def ranked_offers(
    *, recommendation_list: RecommendationList, offers: dict[int, Offer]
) -> list[RecommendedOffer]:
    """The list's items that have an offer in `offers`, in rank order, numbered from 1."""
    present = [item for item in recommendation_list.items if item.offer_id in offers]
    return [
        RecommendedOffer(position=position, item=item, offer=offers[item.offer_id])
        for position, item in enumerate(present, start=1)
    ]


@dataclass(frozen=True)
class LoadedList:
    """A list and its offers as shown (offers deleted since it was made left out)."""

    recommendation_list: RecommendationList
    offers: list[RecommendedOffer]


def recommended_offers_serve(
    *, request: RecommendationRequest, strategy: str | None = None, as_cards: bool = False
) -> LoadedList:
    """The list to show for `request` (`recommendation_list_serve`) with its offers, as the
    API and the homepage show it: a stored list costs one query in all, two when its head
    ran short (ADR 0016). With `as_cards`, each offer is an OfferCard (what an API item
    shows) instead of a model instance."""
    served, offers = recommendation_list_serve(
        request=request, strategy=strategy, as_cards=as_cards
    )
    if offers is None:
        [shown] = recommended_offers_load(lists=[served])
        if as_cards:
            shown = [replace(offer, offer=OfferCard.of(offer.offer)) for offer in shown]
    else:
        shown = ranked_offers(recommendation_list=served, offers=offers)
    return LoadedList(
        recommendation_list=replace(served, items=tuple(offer.item for offer in shown)),
        offers=shown,
    )


def recommended_lists_for_users(
    *, user_ids: Sequence[int], limit: int, strategy: str | None = None
) -> dict[int, LoadedList]:
    """Each user's computed list with its offers, by user id, through the batch entry point
    (the newsletter's chunks and previews). Users get no entry when `limit` is below 1."""
    if not user_ids or limit < 1:
        return {}
    requests = [RecommendationRequest(user_id=user_id, limit=limit) for user_id in user_ids]
    lists = recommendation_lists_compute(requests=requests, strategy=strategy)
    loaded = recommended_offers_load(lists=lists)
    return {
        user_id: LoadedList(
            recommendation_list=replace(answer, items=tuple(offer.item for offer in offers)),
            offers=offers,
        )
        for user_id, answer, offers in zip(user_ids, lists, loaded, strict=True)
    }
