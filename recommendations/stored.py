"""Precomputed lists in Redis: each user's top list per strategy, under a versioned key with a TTL.

Lists are stored as compact JSON (plain values only, see `lists.py`) on the
`recommendations` cache alias, which raises when Redis is down so that the
serving selector can tell an outage (serve the fallback) from a miss (compute).
Bumping STORED_LIST_FORMAT orphans every stored list at once: old keys are
never read again and expire by themselves.

Format 2 stores each reason as its key and values (`recommendations.reasons`),
worded when the list is shown; format 1 stored the reason's text, in the
language the nightly precomputation ran in.
"""

import json
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from recommendations.cache import recommendations_cache
from recommendations.lists import RecommendationList, RecommendedItem
from recommendations.reasons import Reason

STORED_LIST_FORMAT = 2


def stored_list_key(*, strategy: str, user_id: int) -> str:
    return f"recommendations:list:v{STORED_LIST_FORMAT}:{strategy}:{user_id}"


def stored_list_encode(recommendation_list: RecommendationList) -> str:
    return json.dumps(
        {
            "strategy": recommendation_list.strategy,
            "model_version": recommendation_list.model_version,
            "generated_at": recommendation_list.generated_at.isoformat(),
            # [offer id, score, reason, distance] per item, the reason as
            # [key, {name: value}] or null: a 50-item list stays a few KB.
            "items": [
                [item.offer_id, round(item.score, 6), reason_encode(item.reason), item.distance_km]
                for item in recommendation_list.items
            ],
        },
        separators=(",", ":"),
    )


def reason_encode(reason: Reason | None) -> list | None:
    return None if reason is None else [reason.key, dict(reason.params)]


def reason_decode(data: list | None) -> Reason | None:
    if data is None:
        return None
    key, params = data
    return Reason(key, tuple(params.items()))


@dataclass(frozen=True)
class StoredList:
    """A stored list as read, its items built only when asked: a request keeps ten of
    the fifty, and building the fifty items and their reasons was a tenth of the API
    endpoint's own cost (ADR 0016)."""

    data: dict
    user_id: int

    @property
    def model_version(self) -> str:
        return self.data["model_version"]

    @property
    def offer_ids(self) -> list[int]:
        return [item[0] for item in self.data["items"]]

    def recommendation_list(
        self, *, request_id: str, offer_ids: Container[int] | None = None
    ) -> RecommendationList:
        """The list with the items of `offer_ids` (every item when None), in stored order."""
        data = self.data
        return RecommendationList(
            request_id=request_id,
            items=tuple(
                RecommendedItem(
                    offer_id=offer_id,
                    score=score,
                    reason=reason_decode(reason),
                    distance_km=distance,
                )
                for offer_id, score, reason, distance in data["items"]
                if offer_ids is None or offer_id in offer_ids
            ),
            strategy=data["strategy"],
            generated_at=datetime.fromisoformat(data["generated_at"]),
            model_version=self.model_version,
            user_id=self.user_id,
        )


def stored_list_decode(*, raw: str, user_id: int, request_id: str) -> RecommendationList:
    return StoredList(data=json.loads(raw), user_id=user_id).recommendation_list(
        request_id=request_id
    )


def stored_lists_save(*, lists: Iterable[RecommendationList]) -> int:
    """Store each user's list (anonymous lists are skipped) with the configured TTL, in one
    round trip; returns how many were stored. Raises CACHE_ERRORS when Redis is down."""
    entries = {
        stored_list_key(strategy=item.strategy, user_id=item.user_id): stored_list_encode(item)
        for item in lists
        if item.user_id is not None
    }
    if entries:
        recommendations_cache.set_many(entries, timeout=settings.RECOMMENDATION_STORED_LIST_SECONDS)
    return len(entries)


def stored_lists_get(
    *, strategy: str, wanted: Sequence[tuple[int, str]]
) -> list[RecommendationList | None]:
    """The stored lists of the (user id, request id) pairs for `strategy`, None for a miss,
    in one round trip; raises CACHE_ERRORS when Redis is down."""
    keys = [stored_list_key(strategy=strategy, user_id=user_id) for user_id, _ in wanted]
    found = recommendations_cache.get_many(keys) if keys else {}
    return [
        None
        if key not in found
        else stored_list_decode(raw=found[key], user_id=user_id, request_id=request_id)
        for key, (user_id, request_id) in zip(keys, wanted, strict=True)
    ]


def stored_list_read(*, strategy: str, user_id: int) -> StoredList | None:
    """The stored list of `user_id` for `strategy`, items not yet built, None on a miss;
    raises CACHE_ERRORS when Redis is down."""
    raw = recommendations_cache.get(stored_list_key(strategy=strategy, user_id=user_id))
    return None if raw is None else StoredList(data=json.loads(raw), user_id=user_id)


def stored_list_get(*, strategy: str, user_id: int, request_id: str) -> RecommendationList | None:
    """The stored list of `user_id` for `strategy`, None on a miss; raises CACHE_ERRORS when
    Redis is down."""
    return stored_lists_get(strategy=strategy, wanted=[(user_id, request_id)])[0]
