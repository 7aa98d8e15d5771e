"""The plain-data form of a recommendation, shared by the command line and later the API."""

from recommendations.strategies import Recommendation


def recommendation_as_dict(recommendation: Recommendation) -> dict:
    offer = recommendation.offer
    return {
        "offer_id": offer.pk,
        "title": offer.title,
        "category": offer.category.slug,
        "score": round(recommendation.score, 4),
        "reason": recommendation.reason,
        "distance_km": (
            None if recommendation.distance_km is None else round(recommendation.distance_km, 1)
        ),
    }
