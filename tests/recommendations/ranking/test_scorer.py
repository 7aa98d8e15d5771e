from dataclasses import replace

import numpy as np

from recommendations.pipeline.interactions import interactions_build
from recommendations.pipeline.ranking import top_k
from recommendations.ranking.candidates import candidates_generate
from recommendations.ranking.data import DAY_SECONDS
from recommendations.ranking.examples import examples_build
from recommendations.ranking.scorer import RankingScorer, ranking_data_from_interactions
from recommendations.ranking.snapshot import snapshot_build
from recommendations.ranking.training import POPULARITY_FALLBACK, TrainingOptions, ranker_train
from tests.recommendations.ranking.conftest import CITIES, world


def as_interactions(data):
    """The world as the pipeline's interactions; every item listed, so positions are ids."""
    catalogue = data.catalogue
    items = np.arange(catalogue.size)
    return interactions_build(
        user_ids=data.user,
        item_ids=data.item,
        timestamps=data.time,
        item_categories={int(item): f"c{catalogue.category[item]}" for item in items},
        item_coordinates={
            int(item): (catalogue.latitude[item], catalogue.longitude[item]) for item in items
        },
        user_coordinates={
            user: (data.home_latitude[user], data.home_longitude[user])
            for user in range(data.n_users)
        },
        extra_items=np.arange(catalogue.size),
    )


def test_a_new_offer_nobody_booked_reaches_a_user_whose_tastes_and_home_fit_it():
    # Fresh offers draw ten times more: the learned family passes the gate.
    data = world(n_users=300, fresh_pull=10)
    # Item 90: category 0, in Paris, never booked. User 0 lives in Paris and likes category 0.
    category = np.append(data.catalogue.category, 0)
    latitude = np.append(data.catalogue.latitude, CITIES[0, 0] + 0.01)
    longitude = np.append(data.catalogue.longitude, CITIES[0, 1])
    data = replace(
        data,
        catalogue=replace(
            data.catalogue,
            size=91,
            category=category,
            latitude=latitude,
            longitude=longitude,
            # Released the day before the lists are computed.
            available_from=np.append(data.catalogue.available_from, data.time.max() - 86_400),
        ),
    )
    interactions = as_interactions(data)
    trained = ranker_train(
        data=data, options=TrainingOptions(seed=3, per_source=10, negatives_per_positive=5)
    )
    assert trained.family != POPULARITY_FALLBACK
    # The model's own order: diversification has its tests.
    scorer = RankingScorer(trained=trained, extra=data.catalogue, strength=0).fit(
        train=interactions, now=float(interactions.timestamps.max())
    )
    new_item = 90
    assert 90 not in data.item
    fan, stranger = interactions.user_positions([0, 1])  # user 1: Lyon, category 1
    lists = top_k(scores=scorer.score(users=np.array([fan, stranger])), k=10)
    assert new_item in lists[0]
    assert new_item not in lists[1]


def test_strength_zero_ranks_by_the_model_alone(small_world):
    interactions = as_interactions(small_world)
    trained = ranker_train(
        data=small_world, options=TrainingOptions(seed=3, per_source=10, negatives_per_positive=5)
    )
    now = float(interactions.timestamps.max())
    users = np.arange(10)
    plain = RankingScorer(trained=trained, strength=0, extra=small_world.catalogue).fit(
        train=interactions, now=now
    )
    scores = plain.score(users=users)
    # Model scores are probabilities: no item was lifted above them.
    assert np.nanmax(np.where(np.isfinite(scores), scores, np.nan)) <= 1
    diversified = RankingScorer(trained=trained, strength=0.5, extra=small_world.catalogue).fit(
        train=interactions, now=now
    )
    assert (top_k(scores=diversified.score(users=users), k=10) != top_k(scores=scores, k=10)).any()


def test_a_log_without_sale_dates_knows_an_item_only_after_its_first_interaction():
    """Leakage through the catalogue: a log's catalogue is the items seen in it, so an item
    "bookable and never chosen" at a past cutoff is one somebody chooses after it."""
    day = DAY_SECONDS
    cutoff = 10 * day
    # Users 0-3 share items 1-3 before the cutoff; item 9 is first chosen at the cutoff
    # itself (user 0) and after it (user 1); item 8 nobody chose (an offer on sale now).
    users = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]
    items = [1, 1, 2, 2, 3, 3, 1, 2, 9, 9]
    times = [day, 2 * day, 3 * day, 4 * day, 5 * day, 6 * day, 7 * day, 8 * day, cutoff, 12 * day]
    interactions = interactions_build(
        user_ids=np.array(users),
        item_ids=np.array(items),
        timestamps=np.array(times, dtype=float),
        extra_items=np.array([8]),
    )
    data = ranking_data_from_interactions(interactions)
    late, fresh = interactions.item_positions([9, 8])
    everyone = np.arange(data.n_users)

    def proposed(data, at):
        snapshot = snapshot_build(data=data, at=at)
        candidates = candidates_generate(snapshot=snapshot, users=everyone, per_source=10)
        return snapshot, set(candidates.item.tolist())

    snapshot, items_at_cutoff = proposed(data, cutoff)
    assert not snapshot.available[late] and late not in items_at_cutoff
    assert snapshot.available[fresh] and fresh in items_at_cutoff
    examples = examples_build(
        data=data, snapshot=snapshot, users=everyone, per_source=10,
        negatives_per_positive=None, rng=np.random.default_rng(0),
    )  # fmt: skip
    assert examples.labels.sum() == 0  # item 9 is a label no candidate may know of
    assert snapshot_build(data=data, at=np.nextafter(cutoff, np.inf)).available[late]
    # Had every item of the log been bookable all along, item 9 would have been proposed
    # as never chosen yet, and learned from as a sure hit.
    always = replace(data, catalogue=replace(data.catalogue, available_from=None))
    snapshot, items_at_cutoff = proposed(always, cutoff)
    assert late in items_at_cutoff
    leaky = examples_build(
        data=always, snapshot=snapshot, users=everyone, per_source=10,
        negatives_per_positive=None, rng=np.random.default_rng(0),
    )  # fmt: skip
    assert leaky.labels.sum() >= 1
