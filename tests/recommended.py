"""What the request entry point recommends, with the offers loaded, for tests that look
at offers rather than ids."""

from collections.abc import Sequence

from marketplace.models import User
from recommendations.lists import RecommendationRequest
from recommendations.offers import (
    RecommendedOffer,
    recommended_lists_for_users,
    recommended_offers_load,
)
from recommendations.strategies import recommendation_list_compute


def recommended_offers(*, user: User | None, limit: int, strategy: str) -> list[RecommendedOffer]:
    """`strategy`'s list for `user` (None: an anonymous visitor), through
    `recommendation_list_compute`."""
    request = RecommendationRequest(user_id=user.pk if user else None, limit=limit)
    [offers] = recommended_offers_load(
        lists=[recommendation_list_compute(request=request, strategy=strategy)]
    )
    return offers


def recommended_offers_by_user(
    *, users: Sequence[User], limit: int, strategy: str
) -> dict[int, list[RecommendedOffer]]:
    """Each user's list from one batch call, by user id."""
    lists = recommended_lists_for_users(
        user_ids=[user.pk for user in users], limit=limit, strategy=strategy
    )
    return {user_id: loaded.offers for user_id, loaded in lists.items()}
