from dataclasses import asdict, replace

import numpy as np
import pytest

from recommendations.ranking.candidates import candidates_generate
from recommendations.ranking.data import DAY_SECONDS, Catalogue, RankingData
from recommendations.ranking.diversify import categories_to_step_aside
from recommendations.ranking.examples import examples_build
from recommendations.ranking.families import FAMILIES, RANKING_FEATURES, FeatureRanker
from recommendations.ranking.features import FEATURE_NAMES, features_compute
from recommendations.ranking.prior import PopularityPrior, prior_log_scores, validation_windows
from recommendations.ranking.scorer import block_scores
from recommendations.ranking.snapshot import RECENT_CATEGORY_DAYS, snapshot_build
from recommendations.ranking.training import (
    FALLBACK_STANDARD_ERRORS,
    POPULARITY_FALLBACK,
    TrainingError,
    TrainingOptions,
    gate_user_ndcg,
    ranker_train,
)
from tests.recommendations.ranking.conftest import world

OPTIONS = TrainingOptions(seed=7, per_source=10, negatives_per_positive=5)


def test_training_is_deterministic_for_a_seed(small_world):
    first = ranker_train(data=small_world, options=OPTIONS)
    second = ranker_train(data=small_world, options=OPTIONS)
    probe = np.random.default_rng(0).normal(size=(50, len(FEATURE_NAMES))).astype(np.float32)
    assert first.family == second.family
    assert np.array_equal(first.model.predict_proba(probe), second.model.predict_proba(probe))
    for family in FAMILIES:
        assert (
            first.metrics["families"][family]["ndcg@10"]
            == second.metrics["families"][family]["ndcg@10"]
        )


def test_both_families_are_compared_and_the_better_one_kept():
    # Fresh offers draw ten times more: what the learned families see and the prior does not.
    trained = ranker_train(data=world(n_users=300, fresh_pull=10), options=OPTIONS)
    compared = trained.metrics["families"]
    assert set(FAMILIES) <= set(compared)
    assert {f"feature:{name}" for name in RANKING_FEATURES} <= set(compared)
    assert trained.family in FAMILIES
    learned = {name: figures for name, figures in compared.items() if name != POPULARITY_FALLBACK}
    # Each is judged on the snapshots' validation and on the gate's windows; the windows choose.
    assert all("ndcg@10" in figures and "gate_ndcg@10" in figures for figures in learned.values())
    assert compared[trained.family]["gate_ndcg@10"] == max(
        figures["gate_ndcg@10"] for figures in learned.values()
    )
    # It passed the gate: its lead over the prior is beyond noise.
    gate = compared[POPULARITY_FALLBACK]
    assert gate["lead_of_best"] > FALLBACK_STANDARD_ERRORS * gate["lead_standard_error"]
    assert gate["ndcg@10_of_best"] > gate["ndcg@10"]


def test_a_lead_over_the_prior_within_noise_falls_back_to_the_prior(small_world):
    # A few dozen users of the validation windows: the learned family's lead over the
    # prior, if any, is under two standard errors.
    trained = ranker_train(data=small_world, options=OPTIONS)
    fallback = trained.metrics["families"][POPULARITY_FALLBACK]
    assert fallback["lead_of_best"] <= FALLBACK_STANDARD_ERRORS * fallback["lead_standard_error"]
    assert trained.family == POPULARITY_FALLBACK
    assert 10 <= fallback["gate_users"] < small_world.n_users
    # Its prior was fitted, and recorded with every grid point's figure.
    assert fallback["prior"]["chosen"] == asdict(trained.prior)
    assert "0,0,0,0" in fallback["prior"]["ndcg@10"]
    # As the scorer builds it for a prior that weighs transitions.
    snapshot = snapshot_build(
        data=small_world, at=float(small_world.time.max()) + 1, with_sequences=True
    )
    users = np.array([0, 1])
    bookable = snapshot.available_items
    scores = block_scores(snapshot=snapshot, trained=trained, users=users, strength=0.0)
    assert np.isfinite(scores[:, bookable]).all()
    # Every bookable item is scored, in the order of the fitted prior.
    expected = prior_log_scores(snapshot=snapshot, prior=trained.prior, users=users, items=bookable)
    for row in range(len(users)):
        assert np.array_equal(np.argsort(-scores[row, bookable], kind="stable"),
                              np.argsort(-expected[row], kind="stable"))  # fmt: skip
    # A plain prior is popularity: by how many people chose each item, the same for everyone.
    plain = replace(trained, prior=PopularityPrior())
    scores = block_scores(snapshot=snapshot, trained=plain, users=users, strength=0.0)
    people = snapshot.item_counts[bookable, -1]
    assert np.array_equal(np.argsort(-scores[0, bookable], kind="stable"),
                          np.argsort(-(people / (1 + people)), kind="stable"))  # fmt: skip
    assert np.array_equal(scores[0], scores[1])


def test_the_popularity_fallback_keeps_its_order_but_this_months_category_steps_aside(
    small_world,
):
    trained = ranker_train(data=small_world, options=OPTIONS)
    assert trained.family == POPULARITY_FALLBACK
    # As the scorer builds it for a prior that weighs transitions.
    snapshot = snapshot_build(
        data=small_world, at=float(small_world.time.max()) + 1, with_sequences=True
    )
    users = np.arange(small_world.n_users)
    plain = block_scores(snapshot=snapshot, trained=trained, users=users, strength=0.0)
    scores = block_scores(snapshot=snapshot, trained=trained, users=users, strength=1.0)
    categories = small_world.catalogue.category
    month = categories_to_step_aside(snapshot.user_category_recent)
    alone = np.flatnonzero(month.any(axis=1))
    assert len(alone) > 10  # most users book one category (their favourite) a month
    bookable = snapshot.available_items
    for user in range(small_world.n_users):
        order = bookable[np.argsort(-scores[user, bookable], kind="stable")]
        if user not in alone:
            assert np.array_equal(scores[user], plain[user])
            continue
        aside = month[user, categories[order]]
        # Every other category first, each part in popularity's order.
        assert not aside[: (~aside).sum()].any()
        for part in (order[~aside], order[aside]):
            assert np.all(np.diff(plain[user, part]) <= 0)


def test_training_refuses_data_too_small_to_learn_from():
    with pytest.raises(TrainingError):
        ranker_train(data=world(n_users=1, per_user=3), options=OPTIONS)


def test_features_at_the_cutoff_ignore_what_happens_after_it(small_world):
    """Leakage: an item booked many times after the cutoff must look as unbooked as before."""
    data = small_world
    cutoff = float(np.quantile(data.time, 0.8))
    new_item = data.catalogue.size - 1
    before = data.before(cutoff)
    # Remove every interaction with the item, then add a burst of them after the cutoff.
    keep = before.item != new_item
    burst = 30
    leaky = type(data)(
        n_users=data.n_users,
        user=np.concatenate([before.user[keep], np.arange(burst) % data.n_users]),
        item=np.concatenate([before.item[keep], np.full(burst, new_item)]),
        time=np.concatenate([before.time[keep], np.full(burst, cutoff + 3600.0)]),
        catalogue=data.catalogue,
        home_latitude=data.home_latitude,
        home_longitude=data.home_longitude,
    )
    snapshot = snapshot_build(data=leaky, at=cutoff)
    users = np.arange(data.n_users)
    candidates = candidates_generate(snapshot=snapshot, users=users, per_source=data.catalogue.size)
    features = features_compute(snapshot=snapshot, candidates=candidates)
    rows = candidates.item == new_item
    assert rows.any()
    counted = features[rows][:, FEATURE_NAMES.index("item_bookings_all")]
    assert (counted == 0).all()
    assert candidates.sources[rows][:, 3].all()  # still proposed as a new item
    # Yet those later bookings are the labels of the examples built at that cutoff.
    examples = examples_build(
        data=leaky,
        snapshot=snapshot,
        users=users,
        per_source=data.catalogue.size,
        negatives_per_positive=None,
        rng=np.random.default_rng(0),
    )
    assert examples.labels.sum() >= 1


def test_the_snapshot_counts_each_users_categories_of_the_last_30_days():
    # One user: a concert (category 1) 50 days ago, a film (0) 10 days ago, then a
    # second film (item 2, category 0) 2 days ago.
    day = DAY_SECONDS
    data = RankingData(
        n_users=1,
        user=np.array([0, 0, 0]),
        item=np.array([1, 0, 2]),
        time=np.array([10.0, 50.0, 58.0]) * day,
        catalogue=Catalogue(size=3, category=np.array([0, 1, 0])),
    )
    snapshot = snapshot_build(data=data, at=60.0 * day)
    assert RECENT_CATEGORY_DAYS == 30
    assert snapshot.user_category.tolist() == [[2.0, 1.0]]
    assert snapshot.user_category_recent.tolist() == [[2.0, 0.0]]


def test_the_gate_measures_a_model_as_it_measures_the_prior_on_users_it_was_not_fitted_on():
    # A "model" that orders every bookable item (all are candidates) by how many people
    # chose it is plain popularity: the gate must give each user the same NDCG@10 for both.
    data = world(n_users=120)
    windows = validation_windows(data=data, rng=np.random.default_rng(0), label_fraction=0.2)
    by_people = FeatureRanker(column=FEATURE_NAMES.index("item_bookings_all"))
    kwargs = dict(models={"by_people": by_people}, prior=PopularityPrior(), windows=windows,
                  per_source=data.catalogue.size)  # fmt: skip
    learned, served = gate_user_ndcg(**kwargs, fitted=np.empty(0, dtype=np.int64))
    assert len(learned["by_people"]) == sum(len(window.users) for window in windows) > 100
    assert np.array_equal(learned["by_people"], served)
    assert served.mean() > 0
    # Users the family was fitted on are left out of the comparison.
    odd_only, _ = gate_user_ndcg(**kwargs, fitted=np.arange(0, data.n_users, 2))
    odd = sum(int((window.users % 2 == 1).sum()) for window in windows)
    assert len(odd_only["by_people"]) == odd < len(learned["by_people"])
