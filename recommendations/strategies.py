"""The strategy interface and its registry: the one entry point other apps call.

A strategy takes a user (or None for an anonymous visitor) and a limit and
returns ranked recommendations. Strategies register under a name; settings
choose the default one. A strategy may also register a batch form that serves
many users at once (the newsletter asks per chunk of recipients); strategies
without one are called user by user.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from marketplace.models import Offer, User


@dataclass(frozen=True)
class Recommendation:
    offer: Offer
    score: float
    reason: str
    distance_km: float | None = None


class Strategy(Protocol):
    def __call__(self, *, user: User | None, limit: int) -> list[Recommendation]: ...


class BatchStrategy(Protocol):
    def __call__(self, *, users: Sequence[User], limit: int) -> dict[int, list[Recommendation]]: ...


class UnknownStrategyError(LookupError):
    pass


STRATEGIES: dict[str, Strategy] = {}
BATCH_STRATEGIES: dict[str, BatchStrategy] = {}


def strategy_register(name: str) -> Callable[[Strategy], Strategy]:
    def register(strategy: Strategy) -> Strategy:
        STRATEGIES[name] = strategy
        return strategy

    return register


def strategy_batch_register(name: str) -> Callable[[BatchStrategy], BatchStrategy]:
    """Register the batch form of the strategy `name`; it must give each user
    the same list as the per-user form would."""

    def register(batch: BatchStrategy) -> BatchStrategy:
        BATCH_STRATEGIES[name] = batch
        return batch

    return register


def strategy_names() -> list[str]:
    return sorted(STRATEGIES)


def strategy_resolve(strategy: str | None) -> str:
    """The registered strategy name to use; raises UnknownStrategyError."""
    name = strategy or settings.RECOMMENDATION_STRATEGY
    if name not in STRATEGIES:
        known = ", ".join(strategy_names())
        raise UnknownStrategyError(f"Unknown strategy {name!r}; choose one of: {known}.")
    return name


def recommendations_for_user(
    *, user: User | None, limit: int = 5, strategy: str | None = None
) -> list[Recommendation]:
    """The `limit` best offers for `user` from `strategy` (default: RECOMMENDATION_STRATEGY)."""
    recommend = STRATEGIES[strategy_resolve(strategy)]
    if limit < 1:
        return []
    return recommend(user=user, limit=limit)


def recommendations_for_users(
    *, users: Sequence[User], limit: int = 5, strategy: str | None = None
) -> dict[int, list[Recommendation]]:
    """Each saved user's (by id) `limit` best offers, as `recommendations_for_user` gives them,
    from the strategy's batch form when it has one (a few queries for all the users)."""
    name = strategy_resolve(strategy)
    if limit < 1 or not users:
        return {user.pk: [] for user in users}
    batch = BATCH_STRATEGIES.get(name)
    if batch is not None:
        return batch(users=users, limit=limit)
    recommend = STRATEGIES[name]
    return {user.pk: recommend(user=user, limit=limit) for user in users}
