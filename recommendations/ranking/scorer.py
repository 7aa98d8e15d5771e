"""The `ml` scorer: the pipeline's fit-and-score interface around the trained ranker.

`fit` trains on the given interactions only (offline evaluation trains on the
training part of a split) unless a trained ranker is handed in (serving loads
it from the artifact store); it then takes the snapshot at `now`. `score` gives
each user's candidates their model score, and the first DIVERSIFIED_DEPTH of
the diversified order scores above the rest, so a plain top-k reads it.
A user without history gets geo-popular candidates, diversified (cold start).
A ranker that fell back to popularity in training (its validation users were
better served by it, ADR 0023) scores every bookable item by its all-time
number of distinct users instead, weighed by the popularity prior its training
fitted (distance, neighbours, transitions, co-interactions; the mean weights of its
validation's best grid points, `ranking.prior`), in that order but for the north star's
rule: a user's only category of the month steps aside (ADR 0025).
"""

from dataclasses import dataclass

import numpy as np

from recommendations.pipeline.interactions import (
    CATEGORY,
    ITEM_LOCATION,
    USER_LOCATION,
    Interactions,
)
from recommendations.pipeline.scoring import NOT_A_CANDIDATE, ScorerSpec, scorer_register
from recommendations.ranking.candidates import candidates_generate
from recommendations.ranking.data import Catalogue, RankingData
from recommendations.ranking.diversify import (
    MONTH_CATEGORY_PENALTY,
    candidate_pool,
    categories_to_step_aside,
    diversified_order,
)
from recommendations.ranking.families import model_threads
from recommendations.ranking.features import features_compute
from recommendations.ranking.prior import prior_unit_scores
from recommendations.ranking.snapshot import Snapshot, snapshot_build
from recommendations.ranking.training import (
    POPULARITY_FALLBACK,
    TrainedRanker,
    TrainingOptions,
    ranker_train,
)

DIVERSIFIED_DEPTH = 20
# The model's best candidates the re-ranker chooses among (with each other category's best,
# ADR 0025): enough to span categories, few enough to stay relevant.
DIVERSIFY_POOL = 50
# Measured trade-off curve in ADR 0025.
DEFAULT_STRENGTH = 0.8


def ranking_data_from_interactions(
    interactions: Interactions, *, extra: Catalogue | None = None
) -> RankingData:
    """The ranker's arrays from the pipeline's; `extra` adds what a file lacks (venue,
    price, dates, availability), as the database knows them."""
    extra = extra or Catalogue(size=interactions.n_items)
    coordinates = interactions.item_coordinates
    homes = interactions.user_coordinates
    has = interactions.attributes
    # Outside the catalogue (offers no longer bookable) nothing is a candidate.
    unavailable = np.where(interactions.catalogue, np.nan, np.inf)
    known_from = (
        known_from_first_interaction(interactions)
        if extra.available_from is None
        else extra.available_from
    )
    available_from = np.fmax(known_from, unavailable)
    catalogue = Catalogue(
        size=interactions.n_items,
        category=interactions.item_categories.astype(np.int64) if CATEGORY in has else None,
        latitude=coordinates[:, 0] if ITEM_LOCATION in has else None,
        longitude=coordinates[:, 1] if ITEM_LOCATION in has else None,
        venue=extra.venue,
        price=extra.price,
        starts_at=extra.starts_at,
        available_from=available_from,
        available_until=extra.available_until,
    )
    return RankingData(
        n_users=interactions.n_users,
        user=interactions.users.astype(np.int64),
        item=interactions.items.astype(np.int64),
        time=interactions.timestamps.astype(float),
        catalogue=catalogue,
        home_latitude=homes[:, 0] if USER_LOCATION in has else None,
        home_longitude=homes[:, 1] if USER_LOCATION in has else None,
    )


def known_from_first_interaction(interactions: Interactions) -> np.ndarray:
    """When each item became bookable, for a source without sale windows (a check-in log,
    the bookings without the offers' dates): just after its first interaction; NaN (always)
    for an item nobody interacted with (the catalogue says it is bookable now).

    Without this, a snapshot in the past would hold as bookable, with no interaction
    yet, exactly the items someone interacts with later: in a log the catalogue is the
    items seen, so "bookable and never chosen" leaks "chosen after the cutoff" into
    the training examples (ADR 0024). Strictly after the first interaction, because
    snapshots are taken at interaction times and count only what precedes them.
    """
    first = np.full(interactions.n_items, np.inf)
    np.minimum.at(first, interactions.items, interactions.timestamps)
    return np.where(np.isfinite(first), np.nextafter(first, np.inf), np.nan)


@dataclass
class RankingScorer:
    seed: int = 0
    strength: float = DEFAULT_STRENGTH
    trained: TrainedRanker | None = None
    extra: Catalogue | None = None
    snapshot: Snapshot | None = None

    def fit(self, *, train: Interactions, now: float) -> "RankingScorer":
        data = ranking_data_from_interactions(train, extra=self.extra)
        if self.trained is None:
            self.trained = ranker_train(data=data, options=TrainingOptions(seed=self.seed))
        # Interactions at `now` itself are known when the list is computed.
        self.snapshot = snapshot_build(
            data=data,
            at=np.nextafter(now, np.inf),
            with_sequences=bool(self.trained.prior.transitions_weight),
        )
        return self

    def score(self, *, users: np.ndarray) -> np.ndarray:
        return block_scores(
            snapshot=self.snapshot,
            trained=self.trained,
            users=np.asarray(users),
            strength=self.strength,
        )


def block_scores(
    *, snapshot: Snapshot, trained: TrainedRanker, users: np.ndarray, strength: float
) -> np.ndarray:
    """(users, items) float32: model scores of the candidates, the diversified head above them."""
    distinct, request_rows = np.unique(users, return_inverse=True)
    if len(distinct) < len(users):
        # Anonymous requesters share one position (`recommendations.served`), and the
        # candidates' rows below are found by user: each user is scored once, and every
        # request gets its user's row.
        by_user = block_scores(
            snapshot=snapshot, trained=trained, users=distinct, strength=strength
        )
        return by_user[request_rows]
    scores = np.full((len(users), snapshot.catalogue.size), NOT_A_CANDIDATE, dtype=np.float32)
    if not len(users):
        return scores
    if trained.family == POPULARITY_FALLBACK:
        # log(1 + people), with the prior's terms when its validation chose them.
        bookable = snapshot.available_items
        scores[:, bookable] = prior_unit_scores(
            snapshot=snapshot, prior=trained.prior, users=users, items=bookable
        )
        # Popularity's own order (a log too small to learn from is best served by it,
        # and the re-ranker's "never booked" categories are plausible only among a
        # model's candidates: diversified, it cost popularity 3% of its NDCG@10 on the
        # Gowalla log), except for the north star's rule: this month's only category
        # steps aside (ADR 0025).
        return with_month_category_aside(
            snapshot=snapshot, users=users, scores=scores, strength=strength
        )
    candidates = candidates_generate(snapshot=snapshot, users=users, per_source=trained.per_source)
    if not len(candidates):
        return scores
    row_of = np.searchsorted(np.unique(users), candidates.user)
    rows = np.argsort(users, kind="stable")[row_of]
    features = features_compute(snapshot=snapshot, candidates=candidates)
    with model_threads(1):
        model_score = trained.model.predict_proba(features)[:, 1]
    # Cold start: without history the model has nothing of the user; geo-popular it is.
    cold = snapshot.user_count[candidates.user] == 0
    geo = candidates.geo_score / (1 + candidates.geo_score)
    pair_scores = np.where(cold, geo, model_score).astype(np.float32)
    scores[rows, candidates.item] = pair_scores
    return with_diversified_head(
        snapshot=snapshot,
        users=users,
        scores=scores,
        pairs=(rows, candidates.item, pair_scores),
        strength=strength,
    )


def with_month_category_aside(
    *, snapshot: Snapshot, users: np.ndarray, scores: np.ndarray, strength: float
) -> np.ndarray:
    """`scores` (probabilities, < 1) where, for each user whose last 30 days hold one
    category, that category's items lose `strength * MONTH_CATEGORY_PENALTY`: more than
    the whole score range, so every other category goes first (ADR 0025)."""
    categories = snapshot.catalogue.category
    if categories is None or snapshot.user_category_recent is None or strength <= 0:
        return scores
    month = categories_to_step_aside(snapshot.user_category_recent[users])
    rows = np.flatnonzero(month.any(axis=1))
    if not len(rows):
        return scores
    # Items without a category (-1) never step aside.
    aside = month[rows][:, np.maximum(categories, 0)] & (categories >= 0)
    scores[rows] -= np.float32(strength * MONTH_CATEGORY_PENALTY) * aside
    return scores


def with_diversified_head(
    *,
    snapshot: Snapshot,
    users: np.ndarray,
    scores: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    strength: float,
) -> np.ndarray:
    """`scores` with each row's diversified head (from its candidate `pairs`: rows, items,
    scores) placed above every other candidate, in its order."""
    categories = snapshot.catalogue.category
    if categories is None or strength <= 0:
        return scores
    rows, items, pair_scores = pairs
    pool, pool_scores = candidate_pool(
        rows=rows, items=items, scores=pair_scores, categories=categories,
        n_rows=len(users), depth=DIVERSIFY_POOL,
    )  # fmt: skip
    known = month = None
    if snapshot.user_category is not None:
        known = snapshot.user_category[users] > 0
        month = categories_to_step_aside(snapshot.user_category_recent[users])
    head = diversified_order(
        items=pool, scores=pool_scores, categories=categories, known_categories=known,
        strength=strength, k=DIVERSIFIED_DEPTH, core=DIVERSIFY_POOL, month_categories=month,
    )  # fmt: skip
    rows, positions = np.nonzero(head >= 0)
    # Model scores are probabilities (< 1): the head is placed above them, in its order.
    scores[rows, head[rows, positions]] = 2.0 + (DIVERSIFIED_DEPTH - positions)
    return scores


scorer_register(
    ScorerSpec(
        name="ml",
        make=RankingScorer,
        defaults={"seed": 0, "strength": DEFAULT_STRENGTH},
        # Not tuned on the evaluation's validation split: the ranker validates itself
        # inside the training data (ADR 0023), and the strength is chosen from ADR 0025's curve.
        grid=(),
    )
)
