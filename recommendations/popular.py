"""The `popular` strategy: the offers most booked lately that the user has not booked yet.

The batch form serves a newsletter chunk with three reads in all (the cached
ranking, every recipient's bookings, the candidate offers) instead of three
per recipient, and gives each user the same list as the per-user form.
"""

from collections.abc import Sequence

from django.conf import settings

from marketplace.models import Offer, User
from recommendations.candidates import (
    bookable_offers,
    offer_ids_booked_by,
    offer_ids_booked_by_users,
)
from recommendations.popularity import popular_offer_ranking
from recommendations.strategies import Recommendation, strategy_batch_register, strategy_register


@strategy_register("popular")
def recommend_popular(*, user: User | None, limit: int) -> list[Recommendation]:
    ranking = popular_offer_ranking()
    already_booked = offer_ids_booked_by(user=user, among=[offer_id for offer_id, _ in ranking])
    wanted = unbooked_head(ranking=ranking, already_booked=already_booked, limit=limit)
    offers = bookable_offers().in_bulk(wanted)
    return popular_recommendations(ranking=ranking, wanted=wanted, offers=offers, limit=limit)


@strategy_batch_register("popular")
def recommend_popular_batch(
    *, users: Sequence[User], limit: int
) -> dict[int, list[Recommendation]]:
    ranking = popular_offer_ranking()
    booked = offer_ids_booked_by_users(user_ids=[user.pk for user in users])
    none_booked: set[int] = set()
    wanted = {
        user.pk: unbooked_head(
            ranking=ranking, already_booked=booked.get(user.pk, none_booked), limit=limit
        )
        for user in users
    }
    offers = bookable_offers().in_bulk(set().union(*wanted.values()))
    return {
        user_id: popular_recommendations(ranking=ranking, wanted=ids, offers=offers, limit=limit)
        for user_id, ids in wanted.items()
    }


def unbooked_head(
    *, ranking: list[tuple[int, int]], already_booked: set[int], limit: int
) -> list[int]:
    # A few spares cover offers that sold out since the ranking was cached.
    spares = limit * 3
    return [offer_id for offer_id, _ in ranking if offer_id not in already_booked][:spares]


def popular_recommendations(
    *, ranking: list[tuple[int, int]], wanted: list[int], offers: dict[int, Offer], limit: int
) -> list[Recommendation]:
    """The first `limit` of `wanted` still bookable (in `offers`), in ranking order."""
    wanted_set = set(wanted)
    days = settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    recommendations: list[Recommendation] = []
    for offer_id, count in ranking:
        if len(recommendations) == limit:
            break
        if offer_id in wanted_set and offer_id in offers:
            recommendations.append(
                Recommendation(
                    offer=offers[offer_id],
                    score=float(count),
                    reason=popularity_reason(count=count, days=days),
                )
            )
    return recommendations


def popularity_reason(*, count: int, days: int) -> str:
    period = "this month" if days == 30 else f"over the last {days} days"
    return f"popular {period} ({count} booking{'s' if count > 1 else ''})"
