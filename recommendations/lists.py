"""The shape of a recommendation: a request, and the ranked list that answers it.

Both are plain values (ids, numbers, strings, datetimes, reasons as a key and
values) so that a list can be stored in Redis, logged as exposures and sent
over the wire without the ORM; pages, emails and the API load the offers and
word the reasons at the edge, in the language of whoever reads them.
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.utils import timezone

from recommendations.reasons import Reason


class ListSource:
    """Where a served list came from (the API's `meta.source`)."""

    PRECOMPUTED = "precomputed"
    COMPUTED = "computed"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Location:
    """A point to rank distances from: a user's home, or an override given with the request."""

    latitude: float
    longitude: float
    # Shown in reasons ("popular near Lyon 3e"); empty when the place has no name.
    label: str = ""


@dataclass(frozen=True)
class RecommendationRequest:
    """What a surface asks for.

    `user_id` is None for an anonymous visitor (`visitor_id` then names their
    browser, for exposures). `location` overrides the user's home; when None,
    strategies use the home. `categories` (slugs) restricts the list; empty
    means every category. `now` is the clock the lists are computed at, so that
    history can be replayed.
    """

    user_id: int | None = None
    limit: int = 10
    categories: tuple[str, ...] = ()
    location: Location | None = None
    now: datetime = field(default_factory=timezone.now)
    visitor_id: str = ""
    variant: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def with_limit(self, limit: int) -> "RecommendationRequest":
        return replace(self, limit=limit)


@dataclass(frozen=True)
class RecommendedItem:
    """One offer of a list, by id; `distance_km` is None for digital or unlocated offers.

    `reason` is None for an item that is shown without one (the listing's top, ADR 0017).
    """

    offer_id: int
    score: float
    reason: Reason | None
    distance_km: float | None = None


@dataclass(frozen=True)
class RecommendationList:
    """A ranked answer to a request, with what produced it."""

    request_id: str
    items: tuple[RecommendedItem, ...]
    strategy: str
    generated_at: datetime
    source: str = ListSource.COMPUTED
    variant: str = ""
    model_version: str | None = None
    user_id: int | None = None
    personalised: bool = True

    @property
    def offer_ids(self) -> list[int]:
        return [item.offer_id for item in self.items]
