"""Users are scored a block at a time, fewer per block over a wide catalogue (ADR 0020):
the lists and the prior's figures must not depend on how the users are cut."""

import numpy as np
import pytest

from recommendations.pipeline import scoring
from recommendations.pipeline.scoring import CELLS_PER_BLOCK, block_users, lists_rank, scorer_spec
from recommendations.ranking import prior as prior_module
from recommendations.ranking.data import Catalogue
from recommendations.ranking.prior import (
    PopularityPrior,
    grid_user_ndcg,
    prior_unit_scores,
    validation_windows,
)
from recommendations.ranking.scorer import RankingScorer, ranking_data_from_interactions
from tests.recommendations.ranking.conftest import world
from tests.recommendations.ranking.test_scorer import as_interactions


def test_a_block_narrows_only_where_the_catalogue_is_wide():
    # The demo's 20k offers keep the default block; 350k places cut it to 191 users.
    assert block_users(n_items=20_000, at_most=2_048) == 2_048
    assert block_users(n_items=350_000, at_most=2_048) == CELLS_PER_BLOCK // 350_000 == 191
    assert block_users(n_items=350_000, at_most=256, cells=CELLS_PER_BLOCK // 2) == 95
    # Never fewer than one user, and no catalogue at all holds nothing back.
    assert block_users(n_items=10**9, at_most=2_048) == 1
    assert block_users(n_items=0, at_most=2_048) == 2_048


@pytest.fixture(scope="module")
def log():
    # Fresh offers draw ten times more: the learned family passes the gate (test_scorer).
    return as_interactions(world(n_users=300, fresh_pull=10))


def ranked(*, scorer, spec, log, users) -> np.ndarray:
    """The pipeline's top 10 of `users` (positions) over the log's catalogue, less what
    each had."""
    users = np.asarray(users)
    return lists_rank(
        scorer=scorer,
        spec=spec,
        train=log,
        users=users,
        k=10,
        allowed=log.catalogue,
        exclude=log.matrix()[users],
    )


@pytest.mark.parametrize("name", ["popular", "geo", "itemknn", "ease", "ml"])
def test_lists_are_the_same_whatever_the_blocks(name, log, monkeypatch):
    spec = scorer_spec(name)
    scorer = spec.build().fit(train=log, now=float(log.timestamps.max()))
    users = np.arange(log.n_users)

    whole = ranked(scorer=scorer, spec=spec, log=log, users=users)
    monkeypatch.setattr(scoring, "block_users", lambda **_: 7)
    scored_blocks = []
    score = scorer.score
    monkeypatch.setattr(
        scorer, "score", lambda users: scored_blocks.append(len(users)) or score(users=users)
    )

    assert (ranked(scorer=scorer, spec=spec, log=log, users=users) == whole).all()
    assert max(scored_blocks) == 7 and sum(scored_blocks) == log.n_users
    assert (whole >= 0).sum() > 0.9 * whole.size


def test_the_priors_scores_and_validation_are_the_same_whatever_the_chunks(log, monkeypatch):
    data = ranking_data_from_interactions(log)
    windows = validation_windows(data=data, rng=np.random.default_rng(0), label_fraction=0.2)
    prior = PopularityPrior(
        distance_exponent=0.4,
        neighbours_weight=1.0,
        transitions_weight=0.5,
        co_interactions_weight=1.0,
    )
    grid = [PopularityPrior(), prior]
    snapshot, users = windows[0].snapshot, windows[0].users
    items = np.arange(snapshot.catalogue.size)

    whole_scores = prior_unit_scores(snapshot=snapshot, prior=prior, users=users, items=items)
    whole_ndcg = [grid_user_ndcg(grid=grid, window=window) for window in windows]
    monkeypatch.setattr(prior_module, "block_users", lambda **_: 3)

    assert len(users) > 3
    assert np.array_equal(
        prior_unit_scores(snapshot=snapshot, prior=prior, users=users, items=items), whole_scores
    )
    for window, ndcg in zip(windows, whole_ndcg, strict=True):
        assert np.array_equal(grid_user_ndcg(grid=grid, window=window), ndcg)


def test_a_user_asked_twice_in_a_block_leaves_the_other_rows_alone(log):
    """Anonymous requesters share one position in serving: a batch may name a user twice."""
    spec = scorer_spec("ml")
    scorer = spec.build().fit(train=log, now=float(log.timestamps.max()))
    assert scorer.trained.family != "popularity_fallback"

    alone = {user: ranked(scorer=scorer, spec=spec, log=log, users=[user])[0] for user in (11, 12)}
    together = ranked(scorer=scorer, spec=spec, log=log, users=[12, 11, 11, 12])

    for row, user in zip(together, (12, 11, 11, 12), strict=True):
        assert (row == alone[user]).all() and (row >= 0).all()


def test_a_user_scored_alone_gets_the_list_a_batch_gives_them(log, monkeypatch):
    """A feature missing for every candidate of a user (the price over their usual, for
    someone who only booked free offers) stays missing when they are scored alone."""
    category = world(n_users=300, fresh_pull=10).catalogue.category
    price = np.where(category == 0, 0.0, 10.0 + np.arange(log.n_items) % 7)  # 0 is free
    spec = scorer_spec("ml")
    scorer = RankingScorer(extra=Catalogue(size=log.n_items, price=price)).fit(
        train=log, now=float(log.timestamps.max())
    )
    users = np.arange(log.n_users)
    # Some users booked only free offers: no usual price to compare with.
    assert (scorer.snapshot.user_mean_price[users] == 0).sum() > 10

    whole = ranked(scorer=scorer, spec=spec, log=log, users=users)
    monkeypatch.setattr(scoring, "block_users", lambda **_: 1)

    assert (ranked(scorer=scorer, spec=spec, log=log, users=users) == whole).all()
