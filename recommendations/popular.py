"""The `popular` strategy: the offers most booked lately that the user has not booked yet."""

from django.conf import settings

from marketplace.models import User
from recommendations.candidates import bookable_offers, offer_ids_booked_by
from recommendations.popularity import popular_offer_ranking
from recommendations.strategies import Recommendation, strategy_register


@strategy_register("popular")
def recommend_popular(*, user: User | None, limit: int) -> list[Recommendation]:
    ranking = popular_offer_ranking()
    ranked_ids = [offer_id for offer_id, _ in ranking]
    already_booked = offer_ids_booked_by(user=user, among=ranked_ids)
    # A few spares cover offers that sold out since the ranking was cached.
    wanted = [offer_id for offer_id in ranked_ids if offer_id not in already_booked][: limit * 3]
    offers = bookable_offers().in_bulk(wanted)
    days = settings.RECOMMENDATION_POPULAR_WINDOW_DAYS
    recommendations = [
        Recommendation(
            offer=offers[offer_id],
            score=float(count),
            reason=popularity_reason(count=count, days=days),
        )
        for offer_id, count in ranking
        if offer_id in offers
    ]
    return recommendations[:limit]


def popularity_reason(*, count: int, days: int) -> str:
    period = "this month" if days == 30 else f"over the last {days} days"
    return f"popular {period} ({count} booking{'s' if count > 1 else ''})"
