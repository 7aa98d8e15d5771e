"""Serving an array scorer: a model fitted on the database, requests ranked on it.

The steps are the evaluator's (`recommendations.pipeline`): the scorer scores
the requests' users, `lists_rank` leaves out what a request may not get
(outside its categories, not bookable, already booked) and applies the
strategy's diversification. Around them, at the edge: the already-booked
filter reads the requests' users' live bookings (also those made since the
model was fitted), and the chosen offers are re-checked as bookable at the
request's `now` in one query, so a list never shows an offer sold out since.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.utils import timezone

from recommendations.availability import batch_availability, offer_ids_booked_by_users
from recommendations.lists import RecommendationList, RecommendationRequest, RecommendedItem
from recommendations.pipeline.interactions import NO_CATEGORY, Interactions
from recommendations.pipeline.ranking import NO_ITEM
from recommendations.pipeline.scoring import Scorer, ScorerSpec, lists_rank_scored
from recommendations.reasons import Reason

# The user position anonymous visitors and users unknown to the model are scored as:
# a user with no history and no home.
ANONYMOUS_USER_ID = -1


@dataclass
class ServedModel:
    """A scorer fitted on the bookings up to `data_until`; items are offers in id order."""

    spec: ScorerSpec
    scorer: Scorer
    train: Interactions
    data_until: datetime
    params: dict


# reason(model, request, item position, score) -> why the item is listed (worded when shown).
Explainer = Callable[[ServedModel, RecommendationRequest, int, float], Reason]


def requests_by_model(
    *,
    requests: Sequence[RecommendationRequest],
    current: Callable[[], ServedModel],
    fit_at: Callable[[datetime], ServedModel],
) -> list[tuple[ServedModel, list[int]]]:
    """Which model answers which requests (by position).

    The current model answers requests whose `now` is at most
    RECOMMENDATION_POPULAR_CACHE_SECONDS before its data (the staleness served
    lists accept anyway); a request further in the past replays history with a
    model fitted at its `now`, shared by the requests of the same `now`.
    """
    model = current()
    tolerance = timedelta(seconds=settings.RECOMMENDATION_POPULAR_CACHE_SECONDS)
    groups: list[tuple[ServedModel, list[int]]] = [(model, [])]
    replays: dict[datetime, list[int]] = defaultdict(list)
    for position, request in enumerate(requests):
        if request.now >= model.data_until - tolerance:
            groups[0][1].append(position)
        else:
            replays[request.now].append(position)
    groups.extend((fit_at(now), positions) for now, positions in replays.items())
    return [(model, positions) for model, positions in groups if positions]


def served_lists(
    *,
    strategy: str,
    requests: Sequence[RecommendationRequest],
    current: Callable[[], ServedModel],
    fit_at: Callable[[datetime], ServedModel],
    reason: Explainer,
) -> list[RecommendationList]:
    """One list per request, in order, from the model `current()` (or one fitted at a replayed
    request's `now`)."""
    answers: list[RecommendationList | None] = [None] * len(requests)
    booked = offer_ids_booked_by_users(
        user_ids={request.user_id for request in requests if request.user_id is not None}
    )
    for model, positions in requests_by_model(requests=requests, current=current, fit_at=fit_at):
        asked = [requests[position] for position in positions]
        for position, answer in zip(
            positions,
            model_lists(
                strategy=strategy, model=model, requests=asked, booked=booked, reason=reason
            ),
            strict=True,
        ):
            answers[position] = answer
    return answers


def model_lists(
    *,
    strategy: str,
    model: ServedModel,
    requests: Sequence[RecommendationRequest],
    booked: dict[int, set[int]],
    reason: Explainer,
) -> list[RecommendationList]:
    train = model.train
    users = train.user_positions(
        [ANONYMOUS_USER_ID if r.user_id is None else r.user_id for r in requests]
    )
    users = np.where(users < 0, train.user_positions([ANONYMOUS_USER_ID])[0], users)
    # Spares cover offers sold out or withdrawn since the model was fitted.
    k = 2 * max(request.limit for request in requests)
    recommended, scores = lists_rank_scored(
        scorer=model.scorer,
        spec=model.spec,
        train=train,
        users=users,
        k=k,
        allowed=requests_allowed(train=train, requests=requests),
        exclude=booked_matrix(train=train, requests=requests, booked=booked),
    )
    listed = recommended != NO_ITEM
    rows = [recommended[row][listed[row]] for row in range(len(requests))]
    row_scores = [scores[row][listed[row]] for row in range(len(requests))]
    # One availability check for the batch, at its latest `now` (a batch's
    # requests are made together, or replay one moment).
    still_bookable = batch_availability(size=len(requests))(
        max(request.now for request in requests)
    )
    bookable = still_bookable(train.item_ids[np.concatenate(rows)].tolist() if rows else [])
    lists = []
    for row, request in enumerate(requests):
        items = []
        for item, score in zip(rows[row].tolist(), row_scores[row].tolist(), strict=True):
            offer_id = int(train.item_ids[item])
            if offer_id in bookable and len(items) < request.limit:
                explained = reason(model, request, item, score)
                items.append(RecommendedItem(offer_id=offer_id, score=score, reason=explained))
        lists.append(recommendation_list_build(request=request, items=items, strategy=strategy))
    return lists


def requests_allowed(
    *, train: Interactions, requests: Sequence[RecommendationRequest]
) -> np.ndarray:
    """Per request, the items it may get: the catalogue, within its categories if it names some
    (one row for all when none does)."""
    if not any(request.categories for request in requests):
        return train.catalogue
    allowed = np.broadcast_to(train.catalogue, (len(requests), train.n_items)).copy()
    code = {name: position for position, name in enumerate(train.category_names.tolist())}
    for row, request in enumerate(requests):
        if request.categories:
            wanted = [code[slug] for slug in request.categories if slug in code]
            allowed[row] &= np.isin(train.item_categories, wanted) & (
                train.item_categories != NO_CATEGORY
            )
    return allowed


def booked_matrix(
    *, train: Interactions, requests: Sequence[RecommendationRequest], booked: dict[int, set[int]]
) -> sp.csr_matrix:
    """requests x items: the offers each request's user holds a live booking for."""
    rows, offer_ids = [], []
    for row, request in enumerate(requests):
        held = booked.get(request.user_id, ()) if request.user_id is not None else ()
        rows.extend([row] * len(held))
        offer_ids.extend(held)
    items = train.item_positions(np.array(offer_ids, dtype=np.int64))
    known = items >= 0
    return sp.csr_matrix(
        (
            np.ones(known.sum(), dtype=np.float32),
            (np.array(rows, dtype=np.int64)[known], items[known]),
        ),
        shape=(len(requests), train.n_items),
    )


def recommendation_list_build(
    *, request: RecommendationRequest, items: list[RecommendedItem], strategy: str
) -> RecommendationList:
    return RecommendationList(
        request_id=request.request_id,
        items=tuple(items),
        strategy=strategy,
        generated_at=timezone.now(),
        variant=request.variant,
        user_id=request.user_id,
        personalised=request.user_id is not None,
    )
