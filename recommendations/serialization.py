"""The plain-data form of a recommended offer, for the command line."""

from recommendations.offers import RecommendedOffer


def recommended_offer_as_dict(recommended: RecommendedOffer) -> dict:
    offer = recommended.offer
    return {
        "offer_id": offer.pk,
        "title": offer.title,
        "category": offer.category.slug,
        "score": round(recommended.score, 4),
        "reason": recommended.reason,
        "distance_km": (
            None if recommended.distance_km is None else round(recommended.distance_km, 1)
        ),
    }
